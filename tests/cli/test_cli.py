"""The command line: exit codes, replay identity, verify and redact on real demo evidence."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from probe.cli import main
from probe.judge import browser_of, build_report, judge_bundle
from probe.report import dumps_json

pytestmark = pytest.mark.e2e


def probe(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def evidence(demo_run, tmp_path: Path) -> Path:
    """A private copy of the demo run's evidence folders (tests alter them)."""
    run = tmp_path / "run"
    for name, scenario_run in demo_run.items():
        shutil.copytree(scenario_run.evidence_dir, run / name)
    return run


def test_invalid_suite_is_exit_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "suite.yaml"
    bad.write_text("name: x\nstart_url: https://shop.test/\ncategories: [not, a, map]\n")
    result = probe("run", bad)
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"probe: {bad}:3: field categories: Input should be a valid dictionary"
    ]


def test_replay_of_own_evidence_gives_the_identical_report(evidence: Path, tmp_path: Path) -> None:
    folders = sorted(p for p in evidence.iterdir())
    judged = [judge_bundle(f) for f in folders]
    live = dumps_json(build_report(judged, "demo-shop", browser_of(folders)))
    result = probe("replay", evidence, "--out", tmp_path / "replay")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "replay" / "report.json").read_text() == live
    report = json.loads(live)
    assert [(s["name"], s["status"], s["findings"]) for s in report["scenarios"]] == [
        ("accept_all", "pass", []),
        ("no_decision", "pass", []),
        ("reject_analytics", "pass", []),
        ("revoke", "pass", []),
    ]
    assert {(c["id"], c["answer"]) for c in report["checklist"]} == {
        ("destination-categorization", "yes"),
        ("sdk-waits", "yes"),
        ("consent-stamped", "yes"),
        ("filters-honor-categories", "yes"),
        ("server-side-consent", "not-tested"),
        ("privacy-api-on-revoke", "not-tested"),
    }
    assert {p.name for p in (tmp_path / "replay").iterdir()} == {"report.json", "report.xml", "report.html"}


def test_verify_names_an_altered_har_and_screenshot(evidence: Path) -> None:
    folder = evidence / "revoke"
    assert probe("verify", folder).exit_code == 0
    har = folder / "evidence.har"
    data = bytearray(har.read_bytes())
    data[100] ^= 1
    har.write_bytes(bytes(data))
    png = folder / "after-consent.png"
    png.write_bytes(png.read_bytes()[:-1] + b"\x00")
    result = probe("verify", folder)
    assert result.exit_code == 1
    assert "altered: evidence.har" in result.output
    assert "altered: after-consent.png" in result.output
    (folder / "before-consent.png").unlink()
    (folder / "extra.txt").write_text("slipped in")
    result = probe("verify", folder)
    assert "missing: before-consent.png" in result.output
    assert "unexpected: extra.txt" in result.output


def test_redact_keeps_findings_and_integrity(evidence: Path) -> None:
    folder = evidence / "accept_all"
    before = judge_bundle(folder).result.findings
    har_text = (folder / "evidence.har").read_text()
    har = json.loads(har_text)
    cookie_values = {
        c["value"]
        for p in har["log"]["pages"]
        for c in [{"value": v} for v in p["_probe"]["storage"]["cookies"].values()]
        if len(c["value"]) > 6
    }
    auth = {
        h["value"]
        for e in har["log"]["entries"]
        for h in e["request"]["headers"]
        if h["name"].lower() == "authorization"
    }
    assert cookie_values and auth, "the demo evidence has cookies and Authorization headers to redact"
    result = probe("redact", folder)
    assert result.exit_code == 0, result.output
    redacted = "\n".join(p.read_text() for p in folder.glob("*.json")) + (folder / "evidence.har").read_text()
    assert not [v for v in cookie_values | auth if v in redacted]
    assert base64.b64encode(b"DEMOWRITEKEY:").decode() not in redacted
    assert judge_bundle(folder).result.findings == before
    assert probe("verify", folder).exit_code == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["redacted"] is True


def test_replay_of_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    result = probe("replay", tmp_path / "nothing.har")
    assert result.exit_code == 2
    assert "nothing.har: no such file" in result.output


def test_live_run_of_a_violating_suite_is_exit_1_and_replays_identically(tmp_path: Path) -> None:
    leaky = Path(__file__).resolve().parents[1] / "sites" / "plugin" / "leaky.yaml"
    # a live run starts its own Playwright: a process of its own, as a user would run it
    live = subprocess.run(
        [sys.executable, "-m", "probe", "run", str(leaky), "--out", str(tmp_path / "live")],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert live.returncode == 1, live.stdout + live.stderr
    (run_dir,) = list((tmp_path / "live").iterdir())
    report = json.loads((run_dir / "report.json").read_text())
    assert [(s["name"], s["status"]) for s in report["scenarios"]] == [("no_decision", "fail")]
    rules = sorted({(f["rule"], f["severity"]) for f in report["scenarios"][0]["findings"]})
    assert rules == [
        ("identifier-before-consent", "error"),
        ("pixel-before-consent", "error"),  # the device-mode bundles' vendor calls
        ("sdk-before-consent", "warning"),
        ("segment-before-consent", "error"),
    ]
    replayed = probe("replay", run_dir, "--out", tmp_path / "replay")
    assert replayed.exit_code == 1
    assert (tmp_path / "replay" / "report.json").read_text() == (run_dir / "report.json").read_text()
    junit = (run_dir / "report.xml").read_text()
    assert 'name="segment-before-consent"' in junit and "<failure" in junit
