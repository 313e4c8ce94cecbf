"""Terminal report: findings per scenario, a summary line and the audit checklist (rich).

A wide terminal gets one table per scenario. A narrow one, or a file or CI log (no terminal), gets
one block per finding instead: a six-column table squeezed into 80 columns folds every message into
one word per line. Every string here may come from the audited site or a suite: it goes through
``safe_text``.
"""

from __future__ import annotations

from rich.cells import cell_len
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
TABLES_FROM = 120  # columns a terminal needs for the tables; below, and off a terminal, lists
LISTED_EVIDENCE = 3  # evidence lines per finding in a list; report.json has them all
_HEAD, _BODY = 2, 6  # indents of a block's first line and of the lines under it


def render_console(report: Report, console: Console | None = None) -> None:
    """Print the report to ``console`` (a fresh stdout Console when omitted)."""
    out = console or Console()
    title = Text("probe report", style="bold")
    if report.suite:
        title.append(plain(f"  suite {report.suite}"), style="")
    title.append(plain(f"  ({report.tool.name} {report.tool.version}"), style="dim")
    title.append(plain(f", {report.tool.browser})") if report.tool.browser else ")", style="dim")
    out.print(title)
    tables = out.is_terminal and out.width >= TABLES_FROM
    for scenario in report.scenarios:
        if tables:
            out.print(_scenario_table(scenario))
        else:
            _scenario_list(out, scenario)
    summary = summarize(report)
    verdict = safe_text(summary.verdict.upper(), _STATUS_STYLE[summary.verdict])
    if tables:
        out.print(verdict, safe_text(summary.sentence()))
    else:
        _indented(out, verdict + " " + safe_text(summary.sentence()), 0)
    if report.checklist:
        if tables:
            out.print(_checklist_table(report.checklist))
        else:
            _checklist_list(out, report.checklist)


def _scenario_list(out: Console, scenario: ScenarioResult) -> None:
    """A scenario as blocks: a heading line, then each line under it wrapped at word boundaries."""
    out.print(_scenario_title(scenario))
    if scenario.status == "error":
        _block(
            out, Text("ERROR", style=_STATUS_STYLE["error"]), [safe_text(scenario.error or "unknown error")]
        )
    for finding in sorted_findings(scenario.findings):
        label, style = _SEVERITY_LABEL.get(finding.severity, (finding.severity.upper(), ""))
        head = safe_text(label, style) + " " + safe_text(finding.rule, "bold")
        head.append(plain(f" · {finding.severity}" + (f" · {finding.phase}" if finding.phase else "")))
        _block(out, head, [safe_text(finding.message), *_evidence_lines(finding.evidence)])
    for gap in scenario.unjudged:
        head = Text("NOT JUDGED", style=_STATUS_STYLE["inconclusive"])
        if gap.phase:
            head.append(plain(f" · {gap.phase}"))
        rules = Text(plain(f"{len(gap.rules)} rule(s) not run: {', '.join(gap.rules)}"), style="dim")
        _block(out, head, [safe_text(gap.reason), rules])
    if scenario.status == "pass" and not scenario.findings:
        _block(out, Text("PASS", style=_STATUS_STYLE["pass"]) + " no findings", [])


def _checklist_list(out: Console, items: list[ChecklistItem]) -> None:
    out.print(Text("Audit checklist", style="bold"))
    for item in items:
        head = safe_text(item.answer, _ANSWER_STYLE.get(item.answer, "")) + " " + safe_text(item.question)
        detail = [safe_text(item.detail)] if item.detail else []
        _block(out, head, [*detail, *_evidence_lines(item.evidence)])


def _block(out: Console, head: Text, lines: list[Text]) -> None:
    _indented(out, head, _HEAD)
    for line in lines:
        _indented(out, line, _BODY)


def _indented(out: Console, text: Text, left: int) -> None:
    """Print ``text`` wrapped at word boundaries, each line indented; no trailing blanks."""
    width = max(out.width - left, 20)
    if text.no_wrap:  # an evidence pointer: the URL is cut where the line ends, not moved down
        lines = text.divide(_fold_offsets(text.plain, width))
    else:  # only a word longer than a whole line is cut, never a message word
        lines = text.wrap(out, width, overflow="fold")
    for line in lines:
        line.rstrip()
        out.print(Text(" " * left) + line, soft_wrap=True)  # soft_wrap: already wrapped here


def _fold_offsets(text: str, width: int) -> list[int]:
    """Where to cut ``text`` into lines of at most ``width`` cells."""
    offsets, used = [], 0
    for position, char in enumerate(text):
        cells = cell_len(char)
        if used + cells > width and used:
            offsets.append(position)
            used = 0
        used += cells
    return offsets


def _evidence_lines(refs: list[EvidenceRef]) -> list[Text]:
    lines = []
    for ref in refs[:LISTED_EVIDENCE]:
        line = Text(f"#{ref.entry} " if ref.entry is not None else "", style="dim", no_wrap=True)
        line.append(plain(ref.url or ref.excerpt or "(no url)"))
        lines.append(line)
    if len(refs) > LISTED_EVIDENCE:
        lines.append(Text(f"(+{len(refs) - LISTED_EVIDENCE} more in report.json)", style="dim"))
    return lines


def _scenario_title(scenario: ScenarioResult) -> Text:
    title = safe_text(f"{scenario.name}  ")
    title.append(scenario.status.upper(), style=_STATUS_STYLE[scenario.status])
    return title


def _scenario_table(scenario: ScenarioResult) -> Table:
    table = Table(title=_scenario_title(scenario), title_justify="left", expand=True, show_lines=False)
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
