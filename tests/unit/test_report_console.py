"""The rich console report: a table per scenario, the summary line and the checklist."""

from __future__ import annotations

import io

from rich.console import Console

from probe.findings import ChecklistItem, EvidenceRef, Finding, Report, ScenarioResult, ToolInfo, Unjudged
from probe.report import render_console


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


def _render(report: Report) -> str:
    console = Console(file=io.StringIO(), width=220, record=True, color_system=None)
    render_console(report, console)
    return console.export_text()


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
