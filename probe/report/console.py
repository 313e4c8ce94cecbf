"""Terminal report: one table per scenario, a summary line and the audit checklist (rich).

Every string here may come from the audited site or a suite: it goes through ``safe_text``.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from probe.findings import ChecklistItem, EvidenceRef, Finding, Report, ScenarioResult
from probe.report.order import sorted_findings
from probe.report.summary import summarize
from probe.report.text import plain, safe_text

_STATUS_STYLE = {
    "pass": "bold green",
    "fail": "bold red",
    "error": "bold magenta",
    "inconclusive": "bold yellow",
}
_SEVERITY_LABEL = {"error": ("FAIL", "bold red"), "warning": ("WARN", "yellow"), "info": ("INFO", "cyan")}
_ANSWER_STYLE = {"yes": "green", "no": "bold red", "not-tested": "dim"}


def render_console(report: Report, console: Console | None = None) -> None:
    """Print the report to ``console`` (a fresh stdout Console when omitted)."""
    out = console or Console()
    title = Text("probe report", style="bold")
    if report.suite:
        title.append(plain(f"  suite {report.suite}"), style="")
    title.append(plain(f"  ({report.tool.name} {report.tool.version}"), style="dim")
    title.append(plain(f", {report.tool.browser})") if report.tool.browser else ")", style="dim")
    out.print(title)
    for scenario in report.scenarios:
        out.print(_scenario_table(scenario))
    summary = summarize(report)
    out.print(
        safe_text(summary.verdict.upper(), _STATUS_STYLE[summary.verdict]), safe_text(summary.sentence())
    )
    if report.checklist:
        out.print(_checklist_table(report.checklist))


def _scenario_table(scenario: ScenarioResult) -> Table:
    title = safe_text(f"{scenario.name}  ")
    title.append(scenario.status.upper(), style=_STATUS_STYLE[scenario.status])
    table = Table(title=title, title_justify="left", expand=True, show_lines=False)
    table.add_column("status", no_wrap=True)
    table.add_column("rule", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("phase", no_wrap=True)
    table.add_column("message", ratio=3, overflow="fold")
    table.add_column("evidence", ratio=2, overflow="fold")
    if scenario.status == "error":
        # safe_text() everywhere: messages and URLs come from the site (markup, terminal controls)
        table.add_row(
            Text("ERROR", style=_STATUS_STYLE["error"]),
            "",
            "",
            "",
            safe_text(scenario.error or "unknown error"),
            "",
        )
    for finding in sorted_findings(scenario.findings):
        table.add_row(*_finding_cells(finding))
    for gap in scenario.unjudged:
        # a rule that could not run is not a pass: say which, and why, on its own row
        rules = Text(f"{len(gap.rules)} rule(s) not run", style="dim")
        table.add_row(
            Text("NOT JUDGED", style=_STATUS_STYLE["inconclusive"]),
            Text(""),
            Text(""),
            safe_text(gap.phase or "-"),
            safe_text(gap.reason),
            rules,
        )
    if scenario.status == "pass" and not scenario.findings:
        table.add_row(Text("PASS", style=_STATUS_STYLE["pass"]), "", "", "", Text("no findings"), "")
    return table


def _finding_cells(f: Finding) -> tuple[Text, Text, Text, Text, Text, Text]:
    label, style = _SEVERITY_LABEL.get(f.severity, (f.severity.upper(), ""))
    return (
        safe_text(label, style),
        safe_text(f.rule, "bold"),
        safe_text(f.severity),
        safe_text(f.phase or "-"),
        safe_text(f.message),
        _evidence_text(f.evidence),
    )


def _evidence_text(refs: list[EvidenceRef]) -> Text:
    if not refs:
        return Text("-", style="dim")
    first = refs[0]
    text = Text()
    if first.entry is not None:
        text.append(f"#{first.entry} ", style="dim")
    text.append(plain(first.url or "(no url)"))
    if len(refs) > 1:
        text.append(f" (+{len(refs) - 1} more)", style="dim")
    return text


def _checklist_table(items: list[ChecklistItem]) -> Table:
    table = Table(title=Text("Audit checklist", style="bold"), title_justify="left", expand=True)
    table.add_column("answer", no_wrap=True)
    table.add_column("question", ratio=3, overflow="fold")
    table.add_column("detail", ratio=3, overflow="fold")
    table.add_column("evidence", ratio=2, overflow="fold")
    for item in items:
        table.add_row(
            safe_text(item.answer, _ANSWER_STYLE.get(item.answer, "")),
            safe_text(item.question),
            safe_text(item.detail),
            _evidence_text(item.evidence),
        )
    return table
