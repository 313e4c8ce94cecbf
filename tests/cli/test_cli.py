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

from probe.cli import DEMO_SUITE, main
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
    assert result.output.splitlines()[-1] == str((tmp_path / "replay" / "report.json").resolve())
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
        # the demo's backend stamps its Order Completed with the visitor's choice
        ("server-side-consent", "yes"),
        # the demo names its privacy_endpoint, and its revoke flow calls it
        ("privacy-api-on-revoke", "yes"),
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
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert live.returncode == 1, live.stdout + live.stderr
    (run_dir,) = list((tmp_path / "live").iterdir())
    assert live.stdout.splitlines()[-1] == str((run_dir / "report.json").resolve())  # for scripts
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
    assert replayed.output.splitlines()[-1] == str((tmp_path / "replay" / "report.json").resolve())
    assert (tmp_path / "replay" / "report.json").read_text() == (run_dir / "report.json").read_text()
    junit = (run_dir / "report.xml").read_text()
    assert 'name="segment-before-consent"' in junit and "<failure" in junit


# -- --run-dir: the exact run folder, and the report.json path as the last line --------------------------

PROXY_SHOP = (
    Path(__file__).resolve().parents[1] / "sites" / "handwritten" / "first-party-proxy" / "suite.yaml"
)


def _command(kind: str, tmp_path: Path) -> list[object]:
    """A run, demo or replay command line up to its folder options."""
    return {"run": ["run", PROXY_SHOP], "demo": ["demo"], "replay": ["replay", tmp_path / "some.har"]}[kind]


@pytest.mark.parametrize("kind", ["run", "demo", "replay"])
def test_run_dir_with_out_is_exit_2_with_one_line(kind: str, tmp_path: Path) -> None:
    result = probe(*_command(kind, tmp_path), "--run-dir", tmp_path / "exact", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "probe: --run-dir and --out cannot be used together (--run-dir is the exact folder)"
    ]
    assert not (tmp_path / "exact").exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["run", "demo", "replay"])
def test_a_run_dir_that_is_not_empty_is_refused_before_anything_runs(kind: str, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "report.json").write_text("{}")
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for taken in (used, a_file):
        result = probe(*_command(kind, tmp_path), "--run-dir", taken)
        assert result.exit_code == 2
        assert result.output.strip().splitlines() == [
            f"probe: {taken}: --run-dir exists and is not an empty folder; give a new or empty one"
        ]
    assert [p.name for p in used.iterdir()] == ["report.json"]


def test_replay_into_an_exact_run_dir(evidence: Path, tmp_path: Path) -> None:
    exact = tmp_path / "new" / "replay-1"
    result = probe("replay", evidence, "--run-dir", exact)
    assert result.exit_code == 0, result.output
    assert {p.name for p in exact.iterdir()} == {"report.json", "report.xml", "report.html"}
    assert result.output.splitlines()[-1] == str((exact / "report.json").resolve())
    empty = tmp_path / "empty"
    empty.mkdir()
    assert probe("replay", evidence / "accept_all", "--run-dir", empty).exit_code == 0
    assert (empty / "report.json").is_file()


def test_replay_states_the_recorded_marks_and_refuses_options_that_cannot_apply(
    evidence: Path, tmp_path: Path
) -> None:
    done = probe("replay", evidence, "--out", tmp_path / "replay")
    assert done.exit_code == 0, done.output
    report = json.loads((tmp_path / "replay" / "report.json").read_text())
    marks = {s["name"]: [(m["phase"], m["source"], m["choice_source"]) for m in s["marks"]] for s in report["scenarios"]}
    assert marks == {
        "accept_all": [("after-consent", "recorded", "recorded")],
        "no_decision": [],
        "reject_analytics": [("after-consent", "recorded", "recorded")],
        "revoke": [("after-consent", "recorded", "recorded"), ("after-revoke", "recorded", "recorded")],
    }
    assert all(s["unjudged"] == [] for s in report["scenarios"])
    # probe's own evidence records when the visitor decided: --decision-at would silently change nothing
    for option in (["--decision-at", "3"], ["--revoke-choice", "reject_all"]):
        refused = probe("replay", evidence / "accept_all", *option, "--out", tmp_path / "refused")
        assert refused.exit_code == 2
        assert refused.output.splitlines() == [
            f"probe: {option[0]}: only for a HAR file; {evidence / 'accept_all'} is probe's own evidence, "
            "which records when the visitor decided and what they chose"
        ]
        assert not (tmp_path / "refused").exists()
    # its HAR alone is a HAR: the options apply, a stated choice beats the recorded one
    har = evidence / "accept_all" / "evidence.har"
    assert probe("replay", har, "--choice", "reject_all", "--out", tmp_path / "har").exit_code == 2
    stated = probe("replay", har, "--decision-at", "0", "--choice", "reject_all", "--out", tmp_path / "har2")
    assert stated.exit_code == 1, stated.output


def test_replay_with_a_suite_whose_routes_are_not_here(evidence: Path, tmp_path: Path) -> None:
    # `probe run` refuses missing routes at load; a replay only borrows the suite's category mapping
    elsewhere = tmp_path / "elsewhere" / "suite.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text(DEMO_SUITE.read_text())
    run = probe("run", elsewhere)
    assert run.exit_code == 2
    assert run.output.strip().startswith(f"probe: {elsewhere}:")
    assert "field offline.routes.0.file: no such file" in run.output
    result = probe("replay", evidence, "--suite", elsewhere, "--out", tmp_path / "replay")
    assert result.exit_code == 0, result.output


def _probe_process(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    # a run starts its own Playwright: a process of its own, as a user would run it
    return subprocess.run(
        [sys.executable, "-m", "probe", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=cwd,
    )


def test_run_and_demo_write_into_the_exact_run_dir_and_end_with_the_report_path(tmp_path: Path) -> None:
    empty = tmp_path / "runs" / "proxy-shop"
    empty.mkdir(parents=True)  # an existing empty folder is fine
    run = _probe_process(
        "run", PROXY_SHOP, "--scenario", "accept_all", "--run-dir", "runs/proxy-shop", cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in empty.iterdir()) == [
        "accept_all",
        "report.html",
        "report.json",
        "report.xml",
    ]
    assert (empty / "accept_all" / "evidence.har").is_file()
    assert run.stdout.splitlines()[-1] == str((empty / "report.json").resolve())
    report = json.loads(Path(run.stdout.splitlines()[-1]).read_text())
    assert [(s["name"], s["status"]) for s in report["scenarios"]] == [("accept_all", "pass")]

    demo = _probe_process(
        "demo", "--scenario", "no_decision", "--run-dir", tmp_path / "demo" / "d1", cwd=tmp_path
    )
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert (tmp_path / "demo" / "d1" / "no_decision" / "evidence.har").is_file()
    assert demo.stdout.splitlines()[-1] == str((tmp_path / "demo" / "d1" / "report.json").resolve())
    assert not (tmp_path / "artifacts").exists()  # nothing went to the default folder
