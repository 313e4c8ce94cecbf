"""The server-side rules against real backends: the demo shop's backend with one fault switched on.

Each fixture backend is the demo's own (scenarios/demo/backend/server.py) with ``DEMO_BACKEND_FAULT``
set through the suite's ``backend.env`` (tests/sites/server/README.md): real Chromium, the real proxy,
real segment-analytics-python reaching Segment through it. The compliant demo backend is the complying
fixture: the same scenarios give no finding at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from playwright.sync_api import Playwright

from probe.analysis import checklist
from probe.cli import main
from probe.judge import Judged, judge_bundle
from probe.runner import Runner
from probe.suite import Suite
from tests.conftest import DEMO, read_har

pytestmark = pytest.mark.e2e

DEMO_DIR = DEMO.parent
COMPLIANT = "compliant"
Found = list[tuple[str, str, str | None]]  # (rule, severity, phase) of one scenario, sorted

# fault -> scenario -> the exact findings; only the scenarios where the fault shows are run
EXPECTED: dict[str, dict[str, Found]] = {
    COMPLIANT: {"accept_all": [], "reject_analytics": [], "revoke": []},
    # both checkouts after the decision (on the decision's page, then browsing) go out bare
    "no-consent": {"accept_all": [("server-consent-missing", "error", "after-consent")] * 2},
    "stale-after-revoke": {
        "revoke": [
            ("identity-consent-conflict", "error", "after-revoke"),
            ("server-consent-mismatch", "error", "after-revoke"),
            ("server-consent-mismatch", "error", "after-revoke"),
            ("server-event-after-revoke", "error", "after-revoke"),
            ("server-event-after-revoke", "error", "after-revoke"),
        ]
    },
    "no-deletion": {"revoke": [("revoke-no-deletion", "error", "after-revoke")]},
    "permissive-identity": {
        "reject_analytics": [
            ("identity-consent-conflict", "error", "after-consent"),
            ("server-consent-mismatch", "error", "after-consent"),
            ("server-consent-mismatch", "error", "after-consent"),
        ]
    },
}
# fault -> (question 5 "server-side-consent", question 6 "privacy-api-on-revoke") over its scenarios
ANSWERS: dict[str, tuple[str, str]] = {
    COMPLIANT: ("yes", "yes"),
    "no-consent": ("no", "not-tested"),  # nothing was revoked in accept_all
    "stale-after-revoke": ("no", "yes"),  # its revoke does file the regulation
    "no-deletion": ("yes", "no"),
    "permissive-identity": ("no", "not-tested"),
}


def fault_suite(fault: str) -> Suite:
    """The demo suite, its paths absolute, its backend with ``fault`` (none for the compliant one)."""
    data: dict[str, Any] = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for route in data["offline"]["routes"]:
        for key in ("file", "dir"):
            if key in route:
                route[key] = str((DEMO_DIR / route[key]).resolve())
    backend = data["backend"]
    backend["command"] = ["python", str(DEMO_DIR / "backend" / "server.py")]
    backend["cwd"] = str(DEMO_DIR)
    if fault != COMPLIANT:
        backend["env"] = {**backend.get("env", {}), "DEMO_BACKEND_FAULT": fault}
    data["name"] = f"server-{fault}"
    data["scenarios"] = list(EXPECTED[fault])
    return Suite.model_validate(data)


@dataclass
class FaultRun:
    """One fault's scenarios, judged, with the suite checklist's answers to questions 5 and 6."""

    judged: dict[str, Judged]
    answers: tuple[str, str]
    folder: Path


@pytest.fixture(scope="module")
def runs(playwright: Playwright, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FaultRun]]:
    """Every fault (and the compliant backend) run once, each with its own backend process."""
    out = tmp_path_factory.mktemp("server-fixtures")
    done: dict[str, FaultRun] = {}
    for fault in EXPECTED:
        suite = fault_suite(fault)
        folder = out / fault
        folder.mkdir()  # the run folder: backend.log goes there
        with Runner(playwright, suite, run_dir=folder) as runner:
            scenario_runs = {sc.name: runner.run_scenario(sc, folder / sc.name) for sc in suite.scenarios}
        errors = {name: run.error for name, run in scenario_runs.items() if run.error}
        if errors:
            pytest.fail(f"{fault}: scenario errors {errors}")
        judged = {name: judge_bundle(run.evidence_dir) for name, run in scenario_runs.items()}
        items = {i.id: i.answer for i in checklist([j.analysis for j in judged.values()], suite)}
        done[fault] = FaultRun(judged, (items["server-side-consent"], items["privacy-api-on-revoke"]), folder)
    yield done


def found(j: Judged) -> Found:
    return sorted((f.rule, f.severity, f.phase) for f in j.result.findings)


@pytest.mark.parametrize("fault", list(EXPECTED))
def test_exact_findings(runs: dict[str, FaultRun], fault: str) -> None:
    assert {name: found(j) for name, j in runs[fault].judged.items()} == EXPECTED[fault]


@pytest.mark.parametrize("fault", list(ANSWERS))
def test_checklist_questions_five_and_six(runs: dict[str, FaultRun], fault: str) -> None:
    assert runs[fault].answers == ANSWERS[fault]


def server_entries(j: Judged) -> list[dict[str, Any]]:
    """The backend's entries in the scenario's evidence.har."""
    har = read_har(Path(str(j.result.evidence_dir)))
    return [e for e in har["log"]["entries"] if e["_probe"].get("side") == "server"]


def test_server_findings_cite_the_backends_own_requests(runs: dict[str, FaultRun]) -> None:
    for fault in ("no-consent", "stale-after-revoke", "permissive-identity"):
        for j in runs[fault].judged.values():
            har = read_har(Path(str(j.result.evidence_dir)))["log"]["entries"]
            for finding in j.result.findings:
                sides = {har[r.entry]["_probe"].get("side") for r in finding.evidence if r.entry is not None}
                # identity-consent-conflict cites the browser event it disagrees with, too
                assert "server" in sides, (fault, finding.rule)


def test_the_faulty_backends_send_what_their_fault_says(runs: dict[str, FaultRun]) -> None:
    def stamps(fault: str, scenario: str) -> list[tuple[str, Any]]:
        return [
            (e["pageref"], event.get("context", {}).get("consent"))
            for e in server_entries(runs[fault].judged[scenario])
            if e["request"]["url"] == "https://api.segment.io/v1/batch"
            for event in json.loads(e["request"]["postData"]["text"])["batch"]
        ]

    everything = {"categoryPreferences": {"necessary": True, "analytics": True, "marketing": True}}
    assert stamps("no-consent", "accept_all") == [("after-consent", None)] * 2
    assert (
        stamps("stale-after-revoke", "revoke")
        == [("after-consent", everything)] * 2 + [("after-revoke", everything)] * 2
    )
    assert stamps("permissive-identity", "reject_analytics") == [("after-consent", everything)] * 2
    # no-deletion: the browser's revoke was answered, and the backend called nothing
    no_deletion = runs["no-deletion"].judged["revoke"]
    assert [
        e["request"]["url"] for e in server_entries(no_deletion) if "segmentapis" in e["request"]["url"]
    ] == []
    compliant = runs[COMPLIANT].judged["revoke"]
    assert [
        e["request"]["url"] for e in server_entries(compliant) if "segmentapis" in e["request"]["url"]
    ] == ["https://api.segmentapis.com/regulations"]


def test_replay_of_a_faults_evidence_gives_the_same_report_twice(
    runs: dict[str, FaultRun], tmp_path: Path
) -> None:
    evidence = runs["stale-after-revoke"].folder / "revoke"
    reports = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        result = CliRunner().invoke(main, ["replay", str(evidence), "--out", str(out)])
        assert result.exit_code == 1, result.output
        reports.append((out / "report.json").read_bytes())
    assert reports[0] == reports[1]
    [scenario] = json.loads(reports[0])["scenarios"]
    assert (
        sorted((f["rule"], f["severity"], f["phase"]) for f in scenario["findings"])
        == (EXPECTED["stale-after-revoke"]["revoke"])
    )


def test_no_deletion_cites_the_answered_revoke_and_the_backends_silence(runs: dict[str, FaultRun]) -> None:
    j = runs["no-deletion"].judged["revoke"]
    [finding] = j.result.findings
    assert finding.message == (
        "The privacy endpoint answered the revocation of analytics, marketing, but the site's backend, which "
        "serves it, sent no request to Segment's Privacy API (POST https://api.segmentapis.com/regulations or "
        "/regulations/sources/<id>, also on eu1.api.segmentapis.com); revoking must trigger Segment's deletion "
        "or suppression, not just a local opt-out."
    )
    assert [(r.url, r.excerpt) for r in finding.evidence] == [
        ("https://shop.test/api/privacy/revoke", "HTTP 200, served by the site's backend"),
        (
            None,
            "no request from the backend to Segment's Privacy API (POST https://api.segmentapis.com/regulations "
            "or /regulations/sources/<id>, also on eu1.api.segmentapis.com) in after-revoke",
        ),
    ]
