"""A bug in probe is exit 2 with one line and probe.log, never exit 1 or a traceback on the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

import probe.cli._replay as replay_module
import probe.cli._reports as reports_module
from probe.cli import main
from tests.conftest import SITES

CATEGORIES = {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}}
# The probe command with one bug planted: the first phase's end raises, after its snapshot.
WITH_A_BUG = """
import sys
from probe.runner import session

original = session.ScenarioSession.end_phase

def end_phase(self, phase):
    original(self, phase)
    raise RuntimeError(f"planted bug after {phase}\\nsecond line of the message")

session.ScenarioSession.end_phase = end_phase
from probe.cli import main
main(prog_name="probe")
"""


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """probe's state folder (CA, a probe.log without a run folder) kept inside the test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "probe"


def probe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def har(path: Path, *times: str) -> Path:
    entries = [
        {
            "startedDateTime": at,
            "time": 1,
            "request": {"method": "GET", "url": f"https://shop.test/{i}", "headers": []},
            "response": {"status": 200, "headers": [], "content": {"size": 0, "mimeType": "text/html"}},
        }
        for i, at in enumerate(times)
    ]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), encoding="utf-8")
    return path


@pytest.mark.e2e
def test_a_bug_mid_run_is_exit_2_with_probe_log_and_the_evidence_kept(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "broken",
                "start_url": "https://broken.test/no-banner.html",
                "categories": CATEGORIES,
                "offline": {"routes": [{"url": "https://broken.test/", "dir": str(SITES / "broken")}]},
                "scenarios": ["no_decision", "gpc"],
                "settle_ms": 200,
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "300"}
    done = subprocess.run(
        # one worker: the bug stops the run before the second scenario starts
        [sys.executable, "-c", WITH_A_BUG, "run", str(suite), "--out", str(tmp_path / "out"), "--workers", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    (run_dir,) = (tmp_path / "out").iterdir()
    log = run_dir / "probe.log"
    assert done.returncode == 2, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("probe:")] == [
        f"probe: internal error: RuntimeError: planted bug after before-consent (traceback in {log})"
    ]
    assert "Traceback" not in done.stderr + done.stdout
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: planted bug" in text

    evidence = run_dir / "no_decision"
    assert probe("verify", evidence).exit_code == 0  # the scenario's evidence so far, whole
    recorded = json.loads((evidence / "evidence.har").read_text(encoding="utf-8"))
    assert (
        recorded["log"]["_probe"]["error"] == "internal error: RuntimeError: planted bug after before-consent"
    )
    assert recorded["log"]["entries"], "the requests captured before the bug are in the evidence"
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["status"]) for s in report["scenarios"]] == [("no_decision", "error")]
    assert not (run_dir / "gpc").exists()  # after a bug the run stops: its state is unknown
    assert list((tmp_path / "state" / "probe" / "ca").glob("run-*")) == []


def test_a_bug_in_replay_is_exit_2_with_probe_log_beside_the_reports(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise KeyError("planted")

    monkeypatch.setattr(reports_module, "build_report", broken)
    out = tmp_path / "out"
    result = probe("replay", har(tmp_path / "x.har", "2024-01-01T00:00:00Z"), "--out", out)
    assert result.exit_code == 2
    assert [line for line in result.output.splitlines() if not line.startswith("  note:")] == [
        f"probe: internal error: KeyError: 'planted' (traceback in {out / 'probe.log'})"
    ]
    assert "KeyError: 'planted'" in (out / "probe.log").read_text(encoding="utf-8")


def test_a_bug_with_no_run_folder_logs_into_the_state_folder(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import probe.evidence.manifest as manifest

    def broken(_: Path) -> None:
        raise AssertionError("planted")

    monkeypatch.setattr(manifest, "verify", broken)
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    result = probe("verify", folder)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"probe: internal error: AssertionError: planted (traceback in {state / 'probe.log'})"
    ]


def test_ctrl_c_outside_a_run_is_exit_2_interrupted_not_aborted(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: Any, **__: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(replay_module, "judge_har", interrupted)
    result = probe("replay", har(tmp_path / "x.har", "2024-01-01T00:00:00Z"), "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.splitlines() == ["probe: interrupted by SIGINT"]


@pytest.mark.parametrize(
    "times",
    [
        ("2024-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"),
        ("9999-12-31T23:59:59-14:00", "2024-01-01T00:00:00Z"),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+14:00",),  # before year 1 in UTC
    ],
    ids=["9999", "1-to-9999", "past-9999-utc", "before-1-utc"],
)
def test_reports_survive_absurd_times(times: tuple[str, ...], state: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = probe("replay", har(tmp_path / "x.har", *times), "--out", out)
    # judged, not crashed: with no phase information the verdict is inconclusive (exit 2)
    assert result.exit_code == 2 and "probe: inconclusive" in result.output, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('class="mark') >= len(times)  # every request is drawn
    assert not (out / "probe.log").exists()


def test_a_revoke_without_a_decision_is_refused_at_load(tmp_path: Path) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "late",
                "start_url": "https://shop.test/",
                "categories": CATEGORIES,
                "scenarios": [{"name": "late", "revoke": "reject_all"}],
            }
        ),
        encoding="utf-8",
    )
    result = probe("run", suite, "--out", tmp_path / "out")
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"probe: {suite}:")
    assert line.endswith(
        "field scenarios.0.revoke: scenario 'late' revokes without a decision: give it a decision too"
    )
    assert not (tmp_path / "out").exists()
