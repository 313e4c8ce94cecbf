"""SIGINT and SIGTERM end a real `probe run` cleanly; CA folders of dead runs are swept at start."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from probe.capture import ca
from probe.cli import main

pytestmark = pytest.mark.e2e

# A page that never goes quiet: probe waits its full settle_max_ms after every load.
BUSY_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>busy</title></head>
<body><p>always fetching</p>
<script>setInterval(() => fetch('/ping?' + Date.now()).catch(() => {}), 100);</script>
</body></html>
"""


def busy_suite(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "busy.html").write_text(BUSY_PAGE, encoding="utf-8")
    suite = tmp_path / "suite.yaml"
    pages = [f"https://busy.test/busy.html?visit={i}" for i in range(6)]
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "busy",
                "start_url": pages[0],
                "pages": pages,
                "categories": {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}},
                "offline": {"routes": [{"url": "https://busy.test/", "dir": str(site)}]},
                "scenarios": ["no_decision"],
                "settle_ms": 300,
                "settle_max_ms": 1500,
            }
        ),
        encoding="utf-8",
    )
    return suite


class Probe:
    """A `probe` subprocess whose stderr is read line by line as it comes."""

    def __init__(self, *args: object, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "probe", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout, False), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr, True), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, into: list[str], announce: bool) -> None:
        for line in stream:  # type: ignore[attr-defined]
            into.append(line.rstrip("\n"))
            if announce:
                self._lines.put(line)
        if announce:
            self._lines.put(None)

    def wait_for(self, text: str, limit_s: float = 120) -> None:
        """Block until a stderr line contains ``text`` (fails if the process ends first)."""
        while True:
            line = self._lines.get(timeout=limit_s)
            if line is None:
                pytest.fail(f"probe ended before printing {text!r}: {self.stderr}")
            if text in line:
                return

    def finish(self, limit_s: float = 180) -> int:
        code = self.proc.wait(timeout=limit_s)
        for reader in self._readers:
            reader.join(limit_s)
        return code


def probe_env(state: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update(XDG_STATE_HOME=str(state), COLUMNS="200", PYTHONUNBUFFERED="1")
    return env


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_scenario_keeps_evidence_reports_and_removes_the_ca(
    sig: signal.Signals, tmp_path: Path
) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    run = Probe("run", busy_suite(tmp_path), "--out", out, env=probe_env(state))
    # the first page has loaded and kept busy for a whole settle window: the scenario is mid-way
    run.wait_for("traffic did not settle")
    run.proc.send_signal(sig)
    code = run.finish()

    causes = [line for line in run.stderr if line.startswith("probe:")]
    assert code == 2, run.stderr
    assert causes == [f"probe: interrupted by {sig.name}"]
    assert not any("Traceback" in line or "Aborted" in line for line in run.stderr)

    (run_dir,) = out.iterdir()
    evidence = run_dir / "no_decision"
    assert (evidence / "manifest.json").is_file()
    verified = CliRunner().invoke(main, ["verify", str(evidence)])
    assert verified.exit_code == 0, verified.output
    har = json.loads((evidence / "evidence.har").read_text(encoding="utf-8"))
    assert har["log"]["_probe"]["error"] == f"interrupted by {sig.name}"
    assert any("busy.html" in e["request"]["url"] for e in har["log"]["entries"])

    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    assert [(s["name"], s["status"], s["error"]) for s in report["scenarios"]] == [
        ("no_decision", "error", f"interrupted by {sig.name}")
    ]
    assert run.stdout[-1] == str((run_dir / "report.json").resolve())
    assert list((state / "probe" / "ca").glob("run-*")) == []  # the run's CA key is gone


def _owner_file(folder: Path, pid: int, started: int | None) -> Path:
    folder.mkdir(parents=True)
    (folder / ca.CA_KEY).write_text("not a real key", encoding="utf-8")
    (folder / ca.OWNER).write_text(json.dumps({"pid": pid, "started": started}), encoding="utf-8")
    return folder


def test_ca_folders_of_dead_runs_are_removed_at_start_and_live_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    root = tmp_path / "probe" / "ca"
    ended = subprocess.Popen(["true"])
    ended.wait()  # reaped: its pid names no process now
    live = subprocess.Popen(["sleep", "300"])
    try:
        dead = _owner_file(root / "run-dead", ended.pid, None)
        alive = _owner_file(root / "run-alive", live.pid, ca._start_ticks(live.pid))
        # the live pid, but another process's start time: the pid was reused, the owner is gone
        reused = _owner_file(root / "run-reused", live.pid, -1)
        unknown = root / "run-older-probe"  # no owner file: never guessed at
        unknown.mkdir()

        confdir = ca.new_confdir()  # what every run does at start-up
        try:
            assert not dead.exists()
            assert not reused.exists()
            assert alive.is_dir() and (alive / ca.CA_KEY).is_file()
            assert unknown.is_dir()
            owner = json.loads((confdir / ca.OWNER).read_text(encoding="utf-8"))
            assert owner == {"pid": os.getpid(), "started": ca._start_ticks(os.getpid())}
            # this process's own folder survives another run's sweep
            assert confdir not in ca.sweep_stale()
        finally:
            ca.discard(confdir)
    finally:
        live.kill()
        live.wait()
    assert ca.sweep_stale() == [alive]  # now its owner has ended, the next start removes it


def busy_suite_of(tmp_path: Path, scenarios: list[str]) -> Path:
    """The busy suite with these no-decision scenarios."""
    suite = busy_suite(tmp_path)
    data = yaml.safe_load(suite.read_text(encoding="utf-8"))
    data["scenarios"] = [{"name": name} for name in scenarios]
    suite.write_text(yaml.safe_dump(data), encoding="utf-8")
    return suite


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_with_workers_ends_every_started_scenario_and_starts_no_new_one(
    sig: signal.Signals, tmp_path: Path
) -> None:
    state, out = tmp_path / "state", tmp_path / "out"
    suite = busy_suite_of(tmp_path, ["first", "second", "third"])
    run = Probe("run", suite, "--workers", 2, "--out", out, env=probe_env(state))
    run.wait_for("first · traffic did not settle")
    # the second lane has made its scenario's evidence folder: that scenario has started
    deadline = time.monotonic() + 120
    while not list(out.glob("*/second")):
        assert time.monotonic() < deadline and run.proc.poll() is None, run.stderr
        time.sleep(0.05)
    run.proc.send_signal(sig)
    code = run.finish()

    causes = [line for line in run.stderr if line.startswith("probe:")]
    assert code == 2, run.stderr
    assert causes == [f"probe: interrupted by {sig.name}; 1 scenario(s) not run"]
    assert not any("Traceback" in line or "Aborted" in line for line in run.stderr)

    (run_dir,) = out.iterdir()
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    interrupted = f"interrupted by {sig.name}"
    assert [(s["name"], s["status"], s["error"]) for s in report["scenarios"]] == [
        ("first", "error", interrupted),
        ("second", "error", interrupted),
    ]
    assert not (run_dir / "third").exists()  # no scenario starts after the signal
    for name in ("first", "second"):
        evidence = run_dir / name
        verified = CliRunner().invoke(main, ["verify", str(evidence)])
        assert verified.exit_code == 0, verified.output
        har = json.loads((evidence / "evidence.har").read_text(encoding="utf-8"))
        assert har["log"]["_probe"]["error"] == interrupted
    # each scenario's progress lines together, in suite order, whichever lane wrote them
    named = [line.split(" · ")[0].strip() for line in run.stderr if " · " in line]
    assert named == sorted(named, key=["first", "second"].index)
    assert run.stdout[-1] == str((run_dir / "report.json").resolve())
    assert list((state / "probe" / "ca").glob("run-*")) == []  # the run's CA key is gone
