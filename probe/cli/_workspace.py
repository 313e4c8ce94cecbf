"""``probe workspace SOURCE``: a Segment source's consent configuration audited from its CDN settings.

No browser: a writeKey (fetched live), a saved settings file, or the settings response inside evidence.
Same reports and exit codes as ``probe run``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from probe.cli._console import fail, why
from probe.cli._crash import Log
from probe.cli._folders import exact_run_dir, make_run_dir
from probe.cli._options import folder_options
from probe.cli._reports import finish
from probe.workspace.source import DEFAULT_CDN, SAVED_NAME, TIMEOUT_S

if TYPE_CHECKING:
    from probe.findings import Report, ScenarioResult
    from probe.suite import Suite
    from probe.workspace.inventory import Inventory


@click.command("workspace")
@click.argument("source")
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(path_type=Path),
    help="Suite whose categories (and their segment ids) are the CMP's mapping; an evidence folder's "
    "suite.json is used when not given.",
)
@folder_options()
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    help="An earlier report.json (or its run folder): only findings it does not have fail this audit.",
)
@click.option(
    "--cdn",
    default=DEFAULT_CDN,
    show_default=True,
    help="Where a writeKey's settings are fetched from (a first-party CDN proxy, say).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=TIMEOUT_S,
    show_default=True,
    help="Seconds to wait for the CDN.",
)
def workspace(
    source: str,
    suite_path: Path | None,
    out: Path | None,
    run_dir: Path | None,
    baseline: Path | None,
    cdn: str,
    timeout: float,
) -> None:
    """Audit a source's consent configuration without a browser (SOURCE: writeKey, settings file or evidence)."""
    from pydantic import ValidationError

    from probe.baseline import load_baseline
    from probe.report import ReportFormatError
    from probe.suite import Suite, SuiteError, load_suite
    from probe.workspace.audit import audit
    from probe.workspace.source import SourceError, load_source

    # everything that can be refused is refused before a folder is made
    exact = exact_run_dir(run_dir, out)
    try:
        old = load_baseline(baseline) if baseline is not None else None
    except ReportFormatError as exc:
        fail(f"--baseline: {exc}")
    try:
        # only the category mapping matters here, not the suite's offline routes
        suite = load_suite(suite_path, routes_must_exist=False) if suite_path else None
        loaded = load_source(source, cdn=cdn, timeout=timeout)
    except (SourceError, SuiteError) as exc:
        fail(str(exc))
    mapping_from = f"--suite {suite_path}" if suite_path else None
    if suite is None and loaded.suite_data is not None:
        try:
            suite = Suite.model_validate(loaded.suite_data)
        except ValidationError as exc:  # a recorded suite.json this probe no longer reads
            first = exc.errors()[0]
            at = ".".join(str(part) for part in first["loc"]) or "document"
            fail(f"{loaded.suite_file}: not a valid suite ({at}: {first['msg']})")
        mapping_from = f"{loaded.suite_file} (the suite recorded with the evidence)"
    target = make_run_dir(exact, out)
    Log.folder = target
    done = audit(loaded, suite, mapping_from)
    sys.exit(_finish(done.result, done.inventory, suite, target, loaded.raw, old))


def _finish(
    result: ScenarioResult, inventory: Inventory, suite: Suite | None, target: Path, raw: bytes, old: Report | None
) -> int:
    """Write the settings and the reports, print them, and return the exit code (as ``probe run`` does)."""
    from probe.baseline import apply_baseline
    from probe.workspace.audit import workspace_report
    from probe.workspace.console import print_inventory
    from probe.workspace.report import write_workspace_reports

    report = workspace_report(result, inventory, suite)
    changes = apply_baseline(report, old) if old is not None else None
    causes: list[str] = []
    try:
        (target / SAVED_NAME).write_bytes(raw)
    except OSError as exc:
        causes.append(f"{target / SAVED_NAME}: cannot write ({why(exc)})")
    return finish(
        report,
        changes,
        target,
        "settings and reports",
        lambda: write_workspace_reports(target, report),
        causes,
        heading=lambda console: print_inventory(console, inventory),
    )
