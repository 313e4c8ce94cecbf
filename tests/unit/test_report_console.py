"""The rich console report: tables on a wide terminal, blocks in a CI log; the summary and the checklist."""

from __future__ import annotations

import io

from rich.console import Console

from probe.findings import ChecklistItem, EvidenceRef, Finding, Report, ScenarioResult, ToolInfo, Unjudged
from probe.report import render_console
from probe.report.console import TABLES_FROM

LONG = (
    'Google Analytics 4 (analytics, CMP category "analytics") loaded although the visitor denied '
    "analytics: 12 requests after the decision, the first 0.4 s after it, all to the same collector."
)
LONG_URL = (
    "https://www.google-analytics.com/g/collect?v=2&tid=G-TEST&cid=555.666&sid=1767261600&_p=" + "9" * 40
)


def _report() -> Report:
    failing = ScenarioResult.judged(
        "reject_all",
        [
            Finding(
                rule="segment-before-consent",
                phase="before-consent",
                message="page event before the banner",
                evidence=[
                    EvidenceRef(entry=4, url="https://api.segment.io/v1/p"),
                    EvidenceRef(entry=7, url="https://api.segment.io/v1/t"),
                ],
            ),
            Finding(rule="warehouse-exempt", severity="warning", message="[bold]Snowflake[/bold] is exempt"),
        ],
    )
    passing = ScenarioResult.judged("accept_all", [])
    broken = ScenarioResult(name="no_decision", status="error", error="banner not found: #cookie-banner")
    checklist = [
        ChecklistItem(
            id="sdk-waits",
            question="Does the SDK wait for consent?",
            answer="no",
            evidence=[EvidenceRef(entry=4, url="https://api.segment.io/v1/p")],
        )
    ]
    return Report(
        tool=ToolInfo(version="0.1.0", browser="chromium 156"),
        suite="shop",
        scenarios=[failing, passing, broken],
        checklist=checklist,
    )


def _render(report: Report, width: int = 220, *, terminal: bool = True) -> str:
    console = Console(
        file=io.StringIO(), width=width, record=True, color_system=None, force_terminal=terminal
    )
    render_console(report, console)
    return console.export_text()


def _long_report() -> Report:
    report = _report()
    finding = Finding(
        rule="denied-destination-loaded",
        phase="after-consent",
        message=LONG,
        evidence=[EvidenceRef(entry=n, url=f"{LONG_URL}{n}") for n in range(12, 17)],
    )
    report.scenarios[0].findings.append(finding)
    return report


def test_tables_name_rules_statuses_and_evidence() -> None:
    text = _render(_report())
    for needle in (
        "reject_all",
        "accept_all",
        "no_decision",
        "segment-before-consent",
        "warehouse-exempt",
        "FAIL",
        "WARN",
        "PASS",
        "ERROR",
        "banner not found: #cookie-banner",
        "#4 https://api.segment.io/v1/p (+1 more)",
        "before-consent",
    ):
        assert needle in text, needle


def test_site_text_is_not_read_as_rich_markup() -> None:
    assert "[bold]Snowflake[/bold] is exempt" in _render(_report())


def test_summary_line_and_checklist() -> None:
    text = _render(_report())
    assert (
        "3 scenarios: 1 passed, 1 failed, 1 could not be judged; findings: 1 error, 1 warning, 0 info; "
        "exit code 2"
    ) in text
    assert "Audit checklist" in text
    assert "Does the SDK wait for consent?" in text


def test_a_passing_run_says_so() -> None:
    report = Report(tool=ToolInfo(version="0.1.0"), scenarios=[ScenarioResult.judged("accept_all", [])])
    text = _render(report)
    assert "no findings" in text
    assert "exit code 0" in text and "Audit checklist" not in text


def test_an_inconclusive_scenario_says_so_and_why() -> None:
    gap = Unjudged(reason="no phase information in this recording", rules=["segment-before-consent"])
    report = Report(tool=ToolInfo(version="0.1.0"), scenarios=[ScenarioResult.judged("foreign", [], [gap])])
    text = _render(report)
    assert "foreign  INCONCLUSIVE" in text
    assert "NOT JUDGED" in text and "no phase information in this recording" in text
    assert "no findings" not in text  # never reads as a pass
    assert "INCONCLUSIVE 1 scenario: 0 passed, 0 failed, 1 inconclusive, 0 could not be judged" in text
    assert report.exit_code == 2


def test_a_ci_log_gets_blocks_that_fit_80_columns_without_breaking_words() -> None:
    report = _long_report()
    text = _render(report, 80, terminal=False)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert all(line == line.rstrip() for line in lines)  # no blanks padded to the width
    words = {word for line in lines for word in line.split()}
    messages = [f.message for s in report.scenarios for f in s.findings]
    for message in messages:
        assert set(message.split()) <= words, message  # every word whole, on one line
    # a table squeezed into 80 columns folds messages into one short piece per line
    pieces = [line.strip("│ ").strip() for line in lines]
    assert not [
        p for p in pieces if p and " " not in p and any(p in m and p not in m.split() for m in messages)
    ]
    assert "┃" not in text and "│" not in text
    assert "  FAIL denied-destination-loaded · error · after-consent" in text
    assert "      #12 https://www.google-analytics.com/g/collect?" in text  # URLs fold where the line ends
    assert "(+2 more in report.json)" in text
    assert "banner not found: #cookie-banner" in text and "PASS no findings" in text
    assert "Audit checklist" in text and "  no Does the SDK wait for consent?" in text


def test_a_narrow_terminal_gets_blocks_and_a_wide_one_tables() -> None:
    narrow = _render(_long_report(), TABLES_FROM - 1)
    assert "┃" not in narrow and max(len(line) for line in narrow.splitlines()) < TABLES_FROM
    wide = _render(_long_report(), TABLES_FROM)
    assert "┃" in wide


def test_blocks_say_what_was_not_judged_and_keep_site_text_inert() -> None:
    gap = Unjudged(reason="no phase information in this recording", rules=["segment-before-consent"])
    report = Report(tool=ToolInfo(version="0.1.0"), scenarios=[ScenarioResult.judged("foreign", [], [gap])])
    text = _render(report, 80, terminal=False)
    assert "foreign  INCONCLUSIVE" in text
    assert "  NOT JUDGED\n      no phase information in this recording" in text
    assert "1 rule(s) not run: segment-before-consent" in text and "no findings" not in text
    assert "[bold]Snowflake[/bold] is exempt" in _render(_report(), 80, terminal=False)
