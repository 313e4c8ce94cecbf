"""report.json: the probe-report/1 contract, stable order, and the reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from probe.findings import (
    REPORT_FORMAT,
    ChecklistItem,
    EvidenceRef,
    Finding,
    MarkInfo,
    Report,
    ScenarioResult,
    ToolInfo,
    Unjudged,
)
from probe.report import ReportFormatError, dumps_json, load_report, write_json


def _findings() -> list[Finding]:
    return [
        Finding(
            rule="event-after-revoke",
            phase="after-revoke",
            message="track after revoke",
            evidence=[EvidenceRef(entry=30, url="https://api.segment.io/v1/t", excerpt='{"type":"track"}')],
        ),
        Finding(
            rule="unclassified-third-party", severity="info", phase="before-consent", message="cdn.example"
        ),
        Finding(
            rule="segment-before-consent",
            phase="before-consent",
            message="page before banner",
            evidence=[EvidenceRef(entry=5, url="https://api.segment.io/v1/p")],
        ),
        Finding(
            rule="consent-missing",
            phase="after-consent",
            message="no consent stamp",
            evidence=[EvidenceRef(entry=12, url="https://api.segment.io/v1/t")],
        ),
    ]


def _report(findings: list[Finding]) -> Report:
    scenario = ScenarioResult.judged(
        "revoke",
        findings,
        evidence_dir="artifacts/r/revoke",
        signals={"after-revoke": {"b": 1, "a": 2}, "after-consent": {"z": True}},
    )
    checklist = [
        ChecklistItem(id="privacy-api", question="Does the Privacy API fire on revocation?", answer="no")
    ]
    return Report(
        tool=ToolInfo(version="0.1.0", browser="chromium 156"),
        suite="shop",
        scenarios=[scenario, ScenarioResult(name="broken", status="error", error="site unreachable")],
        checklist=checklist,
    )


def test_round_trip(tmp_path: Path) -> None:
    report = _report(_findings())
    path = write_json(tmp_path / "run" / "report.json", report)
    loaded = load_report(path)
    assert loaded.format == REPORT_FORMAT == "probe-report/1"
    assert json.loads(path.read_text())["format"] == "probe-report/1"
    assert loaded.exit_code == 2
    assert loaded.scenarios[1].error == "site unreachable"
    # Same content, only reordered: the round trip loses nothing.
    assert sorted(f.model_dump_json() for f in loaded.scenarios[0].findings) == sorted(
        f.model_dump_json() for f in report.scenarios[0].findings
    )
    assert loaded.scenarios[0].findings[-1].evidence[0].excerpt == '{"type":"track"}'
    assert not list(tmp_path.joinpath("run").glob("*.partial"))


def test_order_is_stable_whatever_order_the_rules_ran_in() -> None:
    forward = dumps_json(_report(_findings()))
    backward = dumps_json(_report(list(reversed(_findings()))))
    assert forward == backward
    rules = [f["rule"] for f in json.loads(forward)["scenarios"][0]["findings"]]
    assert rules == [
        "segment-before-consent",
        "unclassified-third-party",
        "consent-missing",
        "event-after-revoke",
    ]
    assert list(json.loads(forward)["scenarios"][0]["signals"]) == ["after-consent", "after-revoke"]


def test_contract_keys() -> None:
    data = json.loads(dumps_json(_report(_findings())))
    assert set(data) >= {"format", "tool", "suite", "scenarios", "checklist"}
    scenario = data["scenarios"][0]
    assert {"name", "status", "error", "findings"} <= set(scenario)
    assert {"rule", "severity", "phase", "message", "evidence"} <= set(scenario["findings"][0])
    assert {"entry", "url"} <= set(scenario["findings"][0]["evidence"][0])


@pytest.mark.parametrize(
    "content",
    [
        '{"tool": {"version": "1"}}',
        '{"format": "probe-report/2", "tool": {}}',
        "[1, 2]",
        "not json",
        '{"format": "probe-report/1"}',
    ],
)
def test_reader_refuses_what_is_not_a_probe_report(tmp_path: Path, content: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)
    with pytest.raises(ReportFormatError):
        load_report(path)


def test_reader_reports_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReportFormatError, match="nope.json"):
        load_report(tmp_path / "nope.json")


def test_inconclusive_status_reasons_and_marks_round_trip(tmp_path: Path) -> None:
    gap = Unjudged(reason="no readable entries", rules=["segment-before-consent"])
    mark = MarkInfo(
        phase="after-consent",
        at="2026-11-30T16:00:05.020Z",
        earliest="2026-11-30T16:00:05.020Z",
        latest="2026-11-30T16:00:05.410Z",
        earliest_entry=2,
        latest_entry=7,
        source="inferred",
        confidence="high",
        signals=["consent-event"],
    )
    scenario = ScenarioResult.judged("foreign", [], [gap], marks=[mark])
    report = Report(tool=ToolInfo(version="0.1.0"), scenarios=[scenario])
    data = json.loads(dumps_json(report))["scenarios"][0]
    assert (data["status"], data["unjudged"], data["marks"][0]["latest_entry"]) == (
        "inconclusive",
        [{"reason": "no readable entries", "phase": None, "rules": ["segment-before-consent"]}],
        7,
    )
    assert load_report(write_json(tmp_path / "report.json", report)) == report
    # a violation wins over what could not be judged; a tool error wins over both
    failing = ScenarioResult.judged("leaky", _findings(), [gap])
    assert failing.status == "fail"
    assert Report(tool=ToolInfo(version="0.1.0"), scenarios=[scenario, failing]).exit_code == 1
    broken = ScenarioResult(name="broken", status="error", error="site unreachable")
    assert Report(tool=ToolInfo(version="0.1.0"), scenarios=[scenario, failing, broken]).exit_code == 2
    assert report.exit_code == 2
