"""A judging command's close: write the reports, print them, say where they are and why exit 2.

run, demo, replay and merge close through ``report_judged``; workspace through ``finish`` with its own
reports; diff prints its changes with ``print_changes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.text import Text

from probe.baseline import Diff, exit_code_against_baseline
from probe.cli._baseline import against_baseline
from probe.cli._console import EXIT_TOOL_ERROR, err, say
from probe.judge import Judged, ReportsNotWritten, build_report, write_reports
from probe.report import render_console
from probe.report.baseline import render_changes
from probe.report.text import one_line, safe_text

if TYPE_CHECKING:
    from probe.findings import Report, ScenarioResult


def report_judged(
    judged: list[Judged],
    suite_name: str | None,
    out: Path,
    browser: str | None,
    causes: list[str] | None = None,
    notes: list[str] | None = None,
) -> int:
    """Write and print the reports, then the cause if any; the exit code the verdict implies."""
    report = build_report(judged, suite_name, browser)
    changes = against_baseline(report)
    return finish(
        report,
        changes,
        out,
        "evidence and reports",
        lambda: write_reports(out, report, judged),
        list(causes or []),
        notes=notes or [],
    )


def finish(
    report: Report,
    changes: Diff | None,
    out: Path,
    label: str,
    write: Callable[[], dict[str, Path]],
    causes: list[str],
    *,
    notes: Sequence[str] = (),
    heading: Callable[[Console], None] | None = None,
) -> int:
    """Write the reports into ``out`` and print them (after ``heading``, if any); the exit code.

    ``changes``: the report against its baseline (None without one); ``causes``: the one-line causes
    so far, each an exit 2.
    """
    code = report.exit_code if changes is None else exit_code_against_baseline(report)
    try:
        paths = write()
    except ReportsNotWritten as exc:
        paths = exc.written
        causes.append(f"{out}: {exc}")
    if not causes and (cause := verdict_cause(report, changes is not None, code)):
        causes.append(cause)
    console = Console(highlight=False)
    # notes help read a verdict; on exit 2 stderr carries the one-line cause and nothing else
    noted = console if causes or report.exit_code == EXIT_TOOL_ERROR else err
    for note in notes:
        noted.print(Text("  note: ") + Text(one_line(note)), soft_wrap=True)
    if heading is not None:
        heading(console)
    render_console(report, console)
    if changes is not None:
        print_changes(console, changes, show_unchanged=False)
    return print_where(console, label, out, paths, causes, code)


def print_changes(console: Console, changes: Diff, *, show_unchanged: bool = True) -> None:
    """New, fixed (and unchanged) findings; two workspace reports' destination changes too."""
    groups = {"new": changes.new, "fixed": changes.fixed, "unchanged": changes.unchanged}
    render_changes(console, groups, show_unchanged=show_unchanged)
    if changes.destinations is not None:  # two probe workspace reports: their inventories too
        from probe.workspace.diff import render_destination_changes

        render_destination_changes(console, changes.destinations)


def print_where(
    console: Console, label: str, folder: Path, paths: dict[str, Path], causes: list[str], code: int
) -> int:
    """A command's closing lines: where its reports are, the one-line cause, report.json's path last.

    Returns the exit code: 2 when there is a cause, else ``code``.
    """
    console.print(safe_text(f"{label}: {folder}"), soft_wrap=True)
    for kind, path in paths.items():
        if kind != "json":
            console.print(safe_text(f"  {kind:>5}: {path}"), soft_wrap=True)
    if causes:
        say("; ".join(causes))
    if "json" in paths:
        # the very last line, bare and never wrapped, so scripts can take it with `tail -n 1`
        click.echo(str(paths["json"].resolve()))
    return EXIT_TOOL_ERROR if causes else code


def verdict_cause(report: Report, against_baseline: bool, code: int) -> str | None:
    """The one-line cause of an exit 2 that comes from the verdict itself (rules that could not run)."""
    statuses = {s.status for s in report.scenarios}
    if "inconclusive" in statuses and not statuses & {"error", "fail"}:
        # exit 2 only because rules could not run (no tool error, no violation)
        gaps = _gaps(s for s in report.scenarios if s.status == "inconclusive")
        return "inconclusive, not every rule could run: " + gaps
    if against_baseline and code == EXIT_TOOL_ERROR:
        # with --baseline and no new violation: the scenarios not judged in full
        unjudged = _gaps(s for s in report.scenarios if s.unjudged)
        return "no new violation, but not every rule could run: " + unjudged
    return None


def _gaps(scenarios: Iterable[ScenarioResult]) -> str:
    """``name: reason; reason | name: reason``: each scenario with the rules it could not run, and why."""
    return " | ".join(f"{s.name}: {'; '.join(gap.reason for gap in s.unjudged)}" for s in scenarios)
