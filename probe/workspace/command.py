"""``probe workspace SOURCE``: audit a Segment source's consent configuration from its CDN settings.

No browser: a writeKey (fetched live), a saved settings file, or the settings response inside evidence.
Same reports and exit codes as ``probe run``. probe/cli.py registers the command; this module reaches
back into it (lazily) for the shared one-line causes, run folders and report epilogue.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text

from probe.report.text import safe_text
from probe.workspace.source import DEFAULT_CDN, SAVED_NAME, TIMEOUT_S

if TYPE_CHECKING:
    from probe.findings import Report, ScenarioResult
    from probe.suite import Suite
    from probe.workspace.inventory import Inventory

_MODE_STYLE = {"device": "cyan", "cloud": "blue", "unknown": "yellow"}


@click.command("workspace")
@click.argument("source")
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(path_type=Path),
    help="Suite whose categories (and their segment ids) are the CMP's mapping; an evidence folder's "
    "suite.json is used when not given.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder the timestamped run folder goes into (default ./artifacts).",
)
@click.option(
    "--run-dir", type=click.Path(path_type=Path), help="The exact run folder (new or empty; not with --out)."
)
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
    from probe.cli import _exact_run_dir, _Log, _make_run_dir, fail
    from probe.report import ReportFormatError
    from probe.suite import Suite, SuiteError, load_suite
    from probe.workspace.audit import audit
    from probe.workspace.source import SourceError, load_source

    # everything that can be refused is refused before a folder is made
    exact = _exact_run_dir(run_dir, out)
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
    target = _make_run_dir(exact, out)
    _Log.folder = target
    done = audit(loaded, suite, mapping_from)
    sys.exit(_finish(done.result, done.inventory, suite, target, loaded.raw, old))


def _finish(
    result: ScenarioResult, inventory: Inventory, suite: Suite | None, target: Path, raw: bytes, old: Report | None
) -> int:
    """Write the settings and the reports, print them, and return the exit code (as ``probe run`` does)."""
    from probe.baseline import apply_baseline, exit_code_against_baseline
    from probe.cli import print_where, verdict_cause
    from probe.judge import ReportsNotWritten
    from probe.report import render_console
    from probe.report.baseline import render_changes
    from probe.workspace.audit import workspace_report
    from probe.workspace.diff import render_destination_changes
    from probe.workspace.report import write_workspace_reports

    report = workspace_report(result, inventory, suite)
    changes = apply_baseline(report, old) if old is not None else None
    code = report.exit_code if changes is None else exit_code_against_baseline(report)
    causes: list[str] = []
    try:
        (target / SAVED_NAME).write_bytes(raw)
    except OSError as exc:
        causes.append(f"{target / SAVED_NAME}: cannot write ({exc.strerror or exc})")
    try:
        paths = write_workspace_reports(target, report)
    except ReportsNotWritten as exc:
        paths = exc.written
        causes.append(f"{target}: {exc}")
    if not causes and (cause := verdict_cause(report, changes is not None, code)):
        causes.append(cause)
    console = Console(highlight=False)
    print_inventory(console, inventory)
    render_console(report, console)
    if changes is not None:
        groups = {"new": changes.new, "fixed": changes.fixed, "unchanged": changes.unchanged}
        render_changes(console, groups, show_unchanged=False)
        if changes.destinations is not None:
            render_destination_changes(console, changes.destinations)
    return print_where(console, "settings and reports", target, paths, causes, code)


def print_inventory(console: Console, inventory: Inventory) -> None:
    """Every destination, one block each: name, mode and why, categories and their CMP mapping."""
    consent = inventory.consent
    head = Text("workspace ", style="bold") + safe_text(inventory.source)
    console.print(head, soft_wrap=True)
    if consent.configured:
        cats = ", ".join(consent.all_categories or []) or "none"
        flag = {True: "true", False: "false", None: "absent"}[consent.has_unmapped_destinations]
        line = f"  consentSettings: allCategories {cats}; hasUnmappedDestinations {flag}"
    else:
        line = "  consentSettings: absent"
    console.print(safe_text(line), soft_wrap=True)
    console.print(Text(f"  {len(inventory.destinations)} destination(s)", style="bold"))
    for d in inventory.destinations:
        title = Text("  ") + safe_text(d.name, "bold")
        if d.display_name:
            title += safe_text(f" ({d.display_name})")
        title += Text(" · ") + Text(f"{d.mode}-mode", style=_MODE_STYLE[d.mode])
        if d.warehouse:
            title += Text(" · warehouse")
        console.print(title, soft_wrap=True)
        console.print(Text("      ") + safe_text(d.mode_why, "dim"), soft_wrap=True)
        if not d.categories:
            mapping = "no consent category"
        elif d.cmp is None:
            mapping = f"Segment categories {', '.join(d.categories)} (CMP mapping unknown: no suite)"
        else:
            mapping = "; ".join(f"{c} → CMP {', '.join(d.cmp[c]) or '(none)'}" for c in d.categories)
        if d.categories_from == "suite":
            mapping += " (from suite segment.destinations)"
        console.print(Text("      ") + safe_text(mapping), soft_wrap=True)
