"""JUnit XML: exact counts, failures carry message and evidence, and the XML always parses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from probe.findings import EvidenceRef, Finding, Report, ScenarioResult, ToolInfo, Unjudged
from probe.report import render_junit, write_junit
from probe.report.junit import ERROR_CASE

RULES = ["segment-before-consent", "pixel-before-consent", "consent-missing", "warehouse-exempt"]
NASTY = 'bad <tag> & "quotes" ]]> \x00\x1b[31m \ud800 end'


def _report() -> Report:
    fail = ScenarioResult.judged(
        "reject_all",
        [
            Finding(
                rule="segment-before-consent",
                phase="before-consent",
                message="page before banner",
                evidence=[EvidenceRef(entry=4, url="https://api.segment.io/v1/p?a=1&b=2")],
            ),
            Finding(
                rule="segment-before-consent",
                phase="before-consent",
                message="track before banner",
                evidence=[EvidenceRef(entry=6, url="https://api.segment.io/v1/t", excerpt=NASTY)],
            ),
            Finding(rule="warehouse-exempt", severity="warning", message="Snowflake treated as exempt"),
            Finding(rule="unclassified-third-party", severity="info", message="cdn.example unknown"),
            Finding(rule="gpc-ignored", phase="after-consent", message=NASTY),
        ],
    )
    ok = ScenarioResult.judged("accept_all", [])
    broken = ScenarioResult(name="no_decision", status="error", error=f"banner not found\n{NASTY}")
    return Report(
        tool=ToolInfo(version="0.1.0", browser="chromium 156"), suite="shop", scenarios=[fail, ok, broken]
    )


def _parse(report: Report) -> ET.Element:
    return ET.fromstring(render_junit(report, RULES).encode("utf-8"))


def test_counts_are_exact() -> None:
    root = _parse(_report())
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["reject_all", "accept_all", "no_decision"]
    fail = suites["reject_all"]
    # the 4 registry rules plus the two rules that fired without being registered
    names = [c.get("name") for c in fail.findall("testcase")]
    assert names == RULES + ["gpc-ignored", "unclassified-third-party"]
    assert (fail.get("tests"), fail.get("failures"), fail.get("errors")) == ("6", "2", "0")
    assert len(fail.findall("testcase/failure")) == 2
    ok = suites["accept_all"]
    assert (ok.get("tests"), ok.get("failures"), ok.get("errors")) == ("4", "0", "0")
    assert ok.findall("testcase/failure") == []
    broken = suites["no_decision"]
    assert (broken.get("tests"), broken.get("failures"), broken.get("errors")) == ("1", "0", "1")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("11", "2", "1")
    assert {c.get("classname") for c in fail.findall("testcase")} == {"probe.reject_all"}


def test_failures_carry_message_and_evidence_urls() -> None:
    root = _parse(_report())
    case = root.find("testsuite[@name='reject_all']/testcase[@name='segment-before-consent']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "page before banner (+1 more)"
    assert failure.get("type") == "segment-before-consent"
    assert "https://api.segment.io/v1/p?a=1&b=2" in (failure.text or "")
    assert "HAR entry 6 https://api.segment.io/v1/t" in (failure.text or "")
    assert "track before banner" in (failure.text or "")


def test_warnings_and_info_go_to_system_out_without_failing() -> None:
    root = _parse(_report())
    case = root.find("testsuite[@name='reject_all']/testcase[@name='warehouse-exempt']")
    assert case is not None and case.find("failure") is None
    assert "Snowflake treated as exempt" in (case.findtext("system-out") or "")
    info = root.find("testsuite[@name='reject_all']/testcase[@name='unclassified-third-party']")
    assert info is not None and info.find("failure") is None
    assert "cdn.example unknown" in (info.findtext("system-out") or "")


def test_error_scenario_is_one_errored_testcase() -> None:
    root = _parse(_report())
    cases = root.findall("testsuite[@name='no_decision']/testcase")
    assert [c.get("name") for c in cases] == [ERROR_CASE]
    error = cases[0].find("error")
    assert error is not None and error.get("message") == "banner not found"
    assert (error.text or "").startswith("banner not found\nbad <tag>")


def test_unsafe_text_survives_as_parseable_xml(tmp_path: Path) -> None:
    path = write_junit(tmp_path / "junit.xml", _report(), RULES)
    root = ET.parse(path).getroot()
    case = root.find("testsuite[@name='reject_all']/testcase[@name='gpc-ignored']")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    # Characters XML cannot carry become U+FFFD; everything else arrives verbatim.
    assert failure.get("message") == 'bad <tag> & "quotes" ]]> \ufffd\ufffd[31m \ufffd end'


def test_rules_that_could_not_run_are_skipped_with_the_reason() -> None:
    gap = Unjudged(reason="the after-consent choice is unknown", phase="after-consent", rules=["consent-missing"])
    open_ = ScenarioResult.judged("foreign", [], [gap])
    assert open_.status == "inconclusive"
    root = _parse(Report(tool=ToolInfo(version="0.1.0"), scenarios=[open_]))
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "0", "1")
    assert root.get("skipped") == "1"
    skipped = suite.find("testcase[@name='consent-missing']/skipped")
    assert skipped is not None and skipped.get("message") == "the after-consent choice is unknown"
    props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert props["status"] == "inconclusive"
