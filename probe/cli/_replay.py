"""``probe replay``: recorded evidence judged without a browser (a probe run or evidence folder, any HAR)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from probe.cli._baseline import baseline_option
from probe.cli._console import fail, fail_io
from probe.cli._crash import Log
from probe.cli._folders import evidence_folders, exact_run_dir
from probe.cli._limits import read_limit_options
from probe.cli._options import folder_options
from probe.cli._reports import report_judged
from probe.evidence import HarError
from probe.evidence.redact import redact_folder
from probe.judge import browser_of, judge_bundle, judge_har, judge_suites

if TYPE_CHECKING:
    from probe.suite import Choice


def _phase_spec(value: str | None) -> str | int | None:
    """--decision-at / --revoke-at: an entry index, an ISO time, or a URL pattern."""
    return int(value) if value is not None and value.isdigit() else value


def _choice(value: str | None, option: str) -> Choice | None:
    """--choice / --revoke-choice: accept_all, reject_all, or a JSON object of category -> true/false."""
    if value is None:
        return None
    text = value.strip()
    if text in ("accept_all", "reject_all"):
        return text  # type: ignore[return-value]
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data or not all(isinstance(v, bool) for v in data.values()):
        fail(
            f"{option}: {value!r} is neither accept_all, reject_all nor a JSON object of categories "
            'to true or false, such as \'{"analytics": false, "marketing": true}\''
        )
    return {str(k): v for k, v in data.items()}


def _phase_options_for_folders(evidence: Path, given: dict[str, object]) -> None:
    """Exit 2 when a HAR-only option meets probe's own evidence, which records marks and choices."""
    named = [option for option, value in given.items() if value is not None]
    if named and evidence.is_dir():
        fail(
            f"{', '.join(named)}: only for a HAR file; {evidence} is probe's own evidence, which records "
            "when the visitor decided and what they chose"
        )


@click.command()
@click.argument("evidence", type=click.Path(path_type=Path))
@click.option(
    "--suite", "suite_path", type=click.Path(path_type=Path), help="Suite with the category mapping."
)
@folder_options(
    out="Where the reports go (default: beside the input).",
    run_dir="The exact folder for the reports (new or empty; not with --out).",
)
@click.option("--decision-at", help="When the visitor decided: ISO time, HAR entry index, or URL pattern.")
@click.option("--revoke-at", help="When the visitor revoked: ISO time, HAR entry index, or URL pattern.")
@click.option(
    "--choice",
    "choice_text",
    help='What the visitor chose: accept_all, reject_all, or JSON such as \'{"analytics": false}\'.',
)
@click.option(
    "--revoke-choice",
    "revoke_choice_text",
    help="What the visitor chose when they changed their mind (same forms as --choice).",
)
@click.option(
    "--scenario",
    "scenario_name",
    help="The --suite scenario whose decision and revoke say what the visitor chose (a HAR file only).",
)
@click.option(
    "--redact", is_flag=True, help="Redact the evidence before judging it (in place for folders, reports too)."
)
@baseline_option
@read_limit_options
def replay(
    evidence: Path,
    suite_path: Path | None,
    out: Path | None,
    run_dir: Path | None,
    decision_at: str | None,
    revoke_at: str | None,
    choice_text: str | None,
    revoke_choice_text: str | None,
    scenario_name: str | None,
    redact: bool,
) -> None:
    """Judge recorded evidence without a browser: a probe run or evidence folder, or any HAR file."""
    from probe.evidence.redact import redact_har
    from probe.suite import SuiteError, load_suite

    # before anything is read or redacted: an option that cannot apply is refused, never ignored
    _phase_options_for_folders(
        evidence,
        {
            "--decision-at": decision_at,
            "--revoke-at": revoke_at,
            "--choice": choice_text,
            "--revoke-choice": revoke_choice_text,
            "--scenario": scenario_name,
        },
    )
    choice = _choice(choice_text, "--choice")
    revoke_choice = _choice(revoke_choice_text, "--revoke-choice")
    out = exact_run_dir(run_dir, out) or out
    Log.folder = out  # a traceback goes beside the reports when their folder was named
    try:
        # replay needs the suite's category mapping only, not its offline routes
        suite = load_suite(suite_path, routes_must_exist=False) if suite_path else None
        if evidence.is_dir():
            bundles = evidence_folders(evidence)
            if redact:
                # reports already in the folder are judged again from the redacted evidence
                redact_folder(evidence, bundles)
            judged = [judge_bundle(b, suite) for b in bundles]
            target, browser = out or evidence, browser_of(bundles)
        else:
            if not evidence.is_file():
                raise HarError(f"{evidence}: no such file")
            source = evidence
            target = out or evidence.parent
            if redact:
                target.mkdir(parents=True, exist_ok=True)
                source = target / f"{evidence.name.removesuffix('.gz').removesuffix('.har')}.redacted.har"
                redact_har(evidence, source)
            judged = [
                judge_har(
                    source,
                    suite,
                    decision_at=_phase_spec(decision_at),
                    revoke_at=_phase_spec(revoke_at),
                    choice=choice,
                    revoke_choice=revoke_choice,
                    scenario=scenario_name,
                )
            ]
            browser = None
    except (SuiteError, HarError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail_io(exc, evidence)
    # the reasons a scenario is inconclusive are in its report table: printed once
    judge_suites(judged)  # what comparing the scenarios shows is in their notes too
    notes = [n for j in judged for n in j.result.notes if n not in {g.reason for g in j.result.unjudged}]
    name = judged[0].suite.name if suite is None else suite.name
    sys.exit(report_judged(judged, name, target, browser, notes=notes))
