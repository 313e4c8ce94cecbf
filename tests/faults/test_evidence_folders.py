"""Evidence stays inside --out: safe, unique scenario names, and a run folder no other run shares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from probe.cli import main
from probe.runner import run as run_module
from probe.runner.run import new_run_dir, scenario_dir
from tests.conftest import SITES

CATEGORIES = {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}}


def probe(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_suite(path: Path, scenarios: list[object], **extra: object) -> Path:
    data = {
        "name": "broken",
        "start_url": "https://broken.test/no-banner.html",
        "categories": CATEGORIES,
        "offline": {"routes": [{"url": "https://broken.test/", "dir": str(SITES / "broken")}]},
        "scenarios": scenarios,
        "settle_ms": 200,
        **extra,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../../x", "must not contain a path separator ('/' or '\\')"),
        ("a/b", "must not contain a path separator ('/' or '\\')"),
        ("a\\b", "must not contain a path separator ('/' or '\\')"),
        ("..", "must not be '.' or '..'"),
        (".", "must not be '.' or '..'"),
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 101, "is 101 characters long; at most 100"),
        ("a\x1b[2Jb", "must not contain control characters"),
        ("a\x00b", "must not contain control characters"),
        ("a\u202eb", "must not contain bidi control characters"),
    ],
    ids=["traversal", "slash", "backslash", "dotdot", "dot", "empty", "blank", "long", "esc", "nul", "bidi"],
)
def test_unsafe_scenario_names_are_refused_before_any_browser(
    name: str, problem: str, tmp_path: Path
) -> None:
    suite = write_suite(tmp_path / "suite.yaml", ["no_decision", {"name": name}])
    before = files_under(tmp_path.parent)
    result = probe("run", suite, "--out", tmp_path / "out")
    assert result.exit_code == 2
    (line,) = result.output.splitlines()  # one line, whatever the name holds
    assert line.startswith(f"probe: {suite}:")
    assert "field scenarios.1.name:" in line and problem in line
    assert "\x1b" not in result.output and "\x00" not in result.output and "\u202e" not in result.output
    assert files_under(tmp_path.parent) == before  # nothing written, neither in --out nor above it


@pytest.mark.parametrize(
    ("listed", "first", "name"),
    [
        ("- accept_all\n  - no_decision\n  - accept_all", 0, "accept_all"),
        ("- no_decision\n  - {name: mine}\n  - {name: mine, gpc: true}", 1, "mine"),
    ],
    ids=["standard", "hand-written"],
)
def test_duplicate_scenario_names_are_refused_naming_the_second(
    listed: str, first: int, name: str, tmp_path: Path
) -> None:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        "name: dup\nstart_url: https://shop.test/\n"
        "categories: {necessary: {required: true}, analytics: {segment: [analytics]}}\n"
        f"scenarios:\n  {listed}\n",
        encoding="utf-8",
    )
    result = probe("run", suite, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"probe: {suite}:7: field scenarios.2.name: scenario name {name!r} is used twice "
        f"(scenarios {first} and 2)"
    ]
    assert not (tmp_path / "out").exists()


def test_run_folders_are_never_shared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = iter(["20260101-000000-aaaaaa", "20260101-000000-aaaaaa", "20260101-000000-bbbbbb"])
    monkeypatch.setattr(run_module, "run_id", lambda: next(names))
    first = new_run_dir(tmp_path)
    second = new_run_dir(tmp_path)  # the same name drawn again: taken, so it draws another
    assert (first.name, second.name) == ("20260101-000000-aaaaaa", "20260101-000000-bbbbbb")
    monkeypatch.undo()
    assert len({new_run_dir(tmp_path).name for _ in range(20)}) == 20  # same second, distinct names


def test_scenario_folders_are_new_direct_children(tmp_path: Path) -> None:
    assert scenario_dir(tmp_path, "accept_all") == tmp_path / "accept_all"
    with pytest.raises(FileExistsError):
        scenario_dir(tmp_path, "accept_all")  # a second scenario of that name would overwrite it
    with pytest.raises(ValueError, match="path separator"):
        scenario_dir(tmp_path, "../escape")  # a Scenario built in code is checked too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["accept_all"]


def test_replay_out_receives_everything_it_writes(tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    har = source / "foreign.har"
    har.write_text(
        json.dumps(
            {
                "log": {
                    "version": "1.2",
                    "creator": {"name": "test", "version": "1"},
                    "entries": [
                        {
                            "startedDateTime": "2024-01-01T00:00:00Z",
                            "time": 1,
                            "request": {"method": "GET", "url": "https://shop.test/", "headers": []},
                            "response": {"status": 200, "headers": [], "content": {"size": 0, "text": ""}},
                        }
                    ],
                }
            }
        ),
        encoding="utf-8",
    )
    result = probe("replay", har, "--out", tmp_path / "out" / "replay", "--redact")
    assert result.exit_code == 2 and "probe: inconclusive" in result.output, result.output  # no phases
    assert sorted(p.name for p in source.iterdir()) == ["foreign.har"]
    assert sorted(p.name for p in (tmp_path / "out" / "replay").iterdir()) == [
        "foreign.redacted.har",
        "report.html",
        "report.json",
        "report.xml",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"]


@pytest.mark.e2e
def test_two_runs_started_together_with_one_out_each_get_their_own_complete_folder(tmp_path: Path) -> None:
    suite = write_suite(tmp_path / "suite.yaml", ["no_decision", {"name": "again", "gpc": True}])
    out = tmp_path / "out"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    # one of them names a scenario twice: it runs once, its folder cannot be written twice
    commands = [
        ["run", suite, "--out", out],
        ["run", suite, "--out", out, "--scenario", "again", "--scenario", "again"],
    ]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "probe", *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for args in commands
    ]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    reports = []
    for (stdout, stderr), code in results:
        assert code == 0, stderr
        reports.append(Path(stdout.splitlines()[-1]))
    run_dirs = [r.parent for r in reports]
    assert run_dirs[0] != run_dirs[1]
    assert sorted(out.iterdir()) == sorted(run_dirs)
    expected = [["again", "no_decision"], ["again"]]
    for run_dir, scenarios, report in zip(run_dirs, expected, reports, strict=True):
        assert sorted(p.name for p in run_dir.iterdir() if p.is_dir()) == scenarios
        assert [s["name"] for s in json.loads(report.read_text())["scenarios"]] == sorted(
            scenarios, key=lambda n: n != "no_decision"
        )
        verified = probe("verify", run_dir)
        assert verified.exit_code == 0, verified.output
        assert verified.output.count("intact") == len(scenarios)
