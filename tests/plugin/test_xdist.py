"""The pytest plugin under pytest-xdist (``-n 2``): each worker its own proxy, CA and browser, evidence
folders that do not collide, and failures that name their findings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.test_rule_fixtures import EXPECTED, VARIANTS

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "scenarios" / "demo" / "suite.yaml"
DEMO_TESTS = {
    "no_decision[chromium]",
    "accept_all[chromium]",
    "reject_analytics[chromium]",
    "revoke[chromium]",
}
# two violating fixture shops, each with one compliant and one violating scenario
FAILING_VARIANTS = ("stale-after-revoke", "opt-out-denied-bundle")
SAME_NAMED_VARIANT = "stale-after-revoke"  # its accept_all is compliant

pytestmark = pytest.mark.e2e
pytest_plugins = ["pytester"]

# Wraps the plugin's own probe_runner_for (a fixture may request the one it overrides) to record, per
# test, the worker and the proxy it ran behind: the HAR does not name the proxy's port or CA folder.
SPY_CONFTEST = """
import json
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def probe_runner_for(probe_runner_for):
    def get(suite):
        runner = probe_runner_for(suite)
        worker = os.environ["PYTEST_XDIST_WORKER"]
        record = {
            "test": os.environ["PYTEST_CURRENT_TEST"].rsplit(" ", 1)[0],
            "pid": os.getpid(),
            "port": runner.proxy.port,
            "confdir": str(runner.proxy.confdir),
        }
        spy = Path(__file__).parent / "spy"
        spy.mkdir(exist_ok=True)
        with (spy / f"{worker}.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\\n")
        return runner

    return get
"""


@pytest.fixture
def isolated(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private probe state dir for the inner run; the outer run's xdist identity is not inherited."""
    state = pytester.path / "state"
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    # when this suite itself runs under xdist, the inner controller must not look like a worker
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    return state


def assert_intact(folder: Path) -> None:
    """``probe verify FOLDER``, run as a user would, finds the folder intact."""
    checked = subprocess.run(
        [sys.executable, "-m", "probe", "verify", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.fullmatch(rf"{re.escape(str(folder))}: intact \(\d+ files\)\n", checked.stdout), checked.stdout


def spied(pytester: pytest.Pytester) -> dict[str, list[dict[str, Any]]]:
    """The spy's records: worker id -> one record per test that worker ran."""
    return {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted((pytester.path / "spy").glob("*.jsonl"))
    }


def test_demo_suite_runs_on_two_workers_each_with_its_own_proxy(
    pytester: pytest.Pytester, isolated: Path
) -> None:
    pytester.makeconftest(SPY_CONFTEST)
    out = pytester.path / "evidence"
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "-v",
        # the conftest at the inner rootdir sees the suite's items only if they are under that rootdir
        f"--rootdir={pytester.path}",
        "--probe-suite",
        str(DEMO),
        "--probe-out",
        str(out),
        "--probe-artifacts",
        "on",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=4)
    passed = re.findall(r"^\[(gw\d)\] \[ *\d+%\] PASSED \S+::(\S+) *$", result.stdout.str(), re.M)
    assert sorted(test for _, test in passed) == sorted(DEMO_TESTS)
    assert {worker for worker, _ in passed} == {"gw0", "gw1"}

    records = spied(pytester)
    assert sorted(records) == ["gw0", "gw1"]
    assert sorted(r["test"].rsplit("::", 1)[1] for rs in records.values() for r in rs) == sorted(DEMO_TESTS)
    # one runner per worker for the whole session: a single pid, port and CA folder each
    per_worker = {w: {(r["pid"], r["port"], r["confdir"]) for r in rs} for w, rs in records.items()}
    assert all(len(runners) == 1 for runners in per_worker.values())
    (pid0, port0, ca0), (pid1, port1, ca1) = (next(iter(per_worker[w])) for w in ("gw0", "gw1"))
    assert pid0 != pid1 and port0 != port1 and ca0 != ca1
    ca_root = isolated / "probe" / "ca"
    assert {Path(ca0).parent, Path(ca1).parent} == {ca_root}
    assert list(ca_root.iterdir()) == [], "each worker deletes its run's CA when its session ends"

    folders = sorted(out.iterdir())
    assert len(folders) == 4
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert folder.name.endswith(f"-{manifest['scenario']}-chromium"), "each folder holds its own test"
        assert_intact(folder)


def test_same_named_suites_outside_the_rootdir_keep_apart(pytester: pytest.Pytester, isolated: Path) -> None:
    # two copies of a violating fixture suite (built in code with absolute paths), both "suite.yaml",
    # outside the rootdir: their tests must not share ids, nor evidence folders written by two workers
    suite = VARIANTS[SAME_NAMED_VARIANT].model_dump(mode="json", exclude_unset=True)
    assert EXPECTED[SAME_NAMED_VARIANT]["accept_all"] == []
    for copy in ("one", "two"):
        (pytester.path / copy).mkdir()
        (pytester.path / copy / "suite.yaml").write_text(
            yaml.safe_dump(suite, sort_keys=False), encoding="utf-8"
        )
    (pytester.path / "root").mkdir()
    out = pytester.path / "evidence"
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "-v",
        f"--rootdir={pytester.path / 'root'}",
        *("--probe-suite", str(pytester.path / "one" / "suite.yaml")),
        *("--probe-suite", str(pytester.path / "two" / "suite.yaml")),
        *("-k", "accept_all", "--probe-out", str(out), "--probe-artifacts", "on", "-p", "no:cacheprovider"),
    )
    # the workers deselect; xdist's summary counts only the items they run
    result.assert_outcomes(passed=2)
    assert re.search(r"^2 workers \[2 items\]", result.stdout.str(), re.M)
    # -v shows the test ids from the invocation folder ("root/../one/suite.yaml::..."); the folder
    # names below are made from the ids themselves
    passed = re.findall(
        r"^\[(gw\d)\] \[ *\d+%\] PASSED \S*/(one|two)/suite\.yaml::accept_all\[chromium\] *$",
        result.stdout.str(),
        re.M,
    )
    assert sorted(copy for _, copy in passed) == ["one", "two"]
    assert {worker for worker, _ in passed} == {"gw0", "gw1"}
    folders = sorted(out.iterdir())
    assert [f.name for f in folders] == [
        "..-one-suite.yaml-accept_all-chromium",
        "..-two-suite.yaml-accept_all-chromium",
    ]
    for folder in folders:
        assert_intact(folder)
    assert list((isolated / "probe" / "ca").iterdir()) == []


def violating_suites(folder: Path) -> list[Path]:
    """The FAILING_VARIANTS fixture suites as YAML files (absolute paths: they load from anywhere)."""
    paths = []
    for variant in FAILING_VARIANTS:
        path = folder / f"{variant}.yaml"
        dumped = VARIANTS[variant].model_dump(mode="json", exclude_unset=True)
        path.write_text(yaml.safe_dump(dumped, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


def test_violating_suites_fail_exactly_their_violating_scenarios(
    pytester: pytest.Pytester, isolated: Path
) -> None:
    out = pytester.path / "evidence"
    junit = pytester.path / "junit.xml"
    suites = violating_suites(pytester.path)
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        *(arg for suite in suites for arg in ("--probe-suite", str(suite))),
        "--probe-out",
        str(out),
        f"--junitxml={junit}",
        "-p",
        "no:cacheprovider",
    )
    expected = {
        f"{scenario}[chromium]": {rule for rule, severity in fired if severity == "error"}
        for variant in FAILING_VARIANTS
        for scenario, fired in EXPECTED[variant].items()
    }
    should_fail = {test: rules for test, rules in expected.items() if rules}
    assert sorted(should_fail) == ["reject_all[chromium]", "revoke[chromium]"]
    result.assert_outcomes(passed=len(expected) - len(should_fail), failed=len(should_fail))

    failures = {
        case.get("name"): failure.text or ""
        for case in ET.parse(junit).getroot().iter("testcase")
        for failure in case.iter("failure")
    }
    assert sorted(failures) == sorted(should_fail)
    for test, text in failures.items():
        assert text.startswith("consent violations:"), text
        assert set(re.findall(r"^\[([a-z-]+)\] ", text, re.M)) == should_fail[test], text
    for rule in sorted(set().union(*should_fail.values())):
        assert f"[{rule}]" in result.stdout.str()

    kept = sorted(out.iterdir())
    assert len(kept) == len(should_fail), "retain-on-failure keeps the failing tests' evidence only"
    for folder in kept:
        assert_intact(folder)
    assert list((isolated / "probe" / "ca").iterdir()) == []
