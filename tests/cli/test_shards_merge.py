"""Many suites in one run, --shard I/N, and probe merge: shards merged read as the unsharded run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from probe.cli import DEMO_SUITE
from probe.judge import browser_of, build_report
from probe.merge import judge_runs
from probe.report import dumps_json

pytestmark = pytest.mark.e2e

# What differs between two recordings of the same behaviour (docs: README "Many suites, shards and
# merge"): where the evidence is, the clock it was made by, and so which HAR entry (and which
# timestamped messageId) a pointer quotes.
TIMING_MARK_FIELDS = ("at", "earliest", "latest")
RECORDING_REF_FIELDS = ("entry", "excerpt")


def suite_file(folder: Path, name: str, scenarios: list[str]) -> Path:
    """The demo suite under another name, trimmed to its cheapest scenarios, routes made absolute."""
    text = DEMO_SUITE.read_text(encoding="utf-8")
    text = re.sub(r"^name: .*$", f"name: {name}", text, count=1, flags=re.M)
    text = re.sub(r"^scenarios: .*$", f"scenarios: [{', '.join(scenarios)}]", text, count=1, flags=re.M)
    text = re.sub(r"\b(file|dir): ", rf"\1: {DEMO_SUITE.parent}/", text)
    text = text.replace("backend/server.py", f"{DEMO_SUITE.parent}/backend/server.py")  # the demo's backend
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def probe(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probe", *map(str, args)], capture_output=True, text=True, timeout=600
    )


def without_paths(report_json: str) -> dict[str, Any]:
    """report.json without the evidence folders' paths: all that differs for the same evidence."""
    report = json.loads(report_json)
    for scenario in report["scenarios"]:
        scenario.pop("evidence_dir")
    return report


def without_timing(report_json: str) -> dict[str, Any]:
    """report.json without paths, mark times and evidence pointers: what two recordings share."""
    report = without_paths(report_json)
    checklists = [g["checklist"] for g in report["suites"]] + [report["checklist"]]
    refs = [ref for items in checklists for item in items for ref in item["evidence"]]
    refs += [ref for s in report["scenarios"] for f in s["findings"] for ref in f["evidence"]]
    for ref in refs:
        for key in RECORDING_REF_FIELDS:
            ref.pop(key, None)
    for scenario in report["scenarios"]:
        for mark in scenario["marks"]:
            for key in TIMING_MARK_FIELDS:
                mark.pop(key)
    return report


@pytest.fixture(scope="module")
def suites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("suites")
    suite_file(folder, "beta", ["no_decision"])
    suite_file(folder, "alpha", ["no_decision", "accept_all"])
    return folder


def test_two_suites_unsharded_and_in_two_shards_merge_to_the_same_report(suites: Path, tmp_path: Path) -> None:
    whole = probe("run", suites, "--run-dir", tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout.splitlines()[-1] == str((tmp_path / "whole" / "report.json").resolve())
    # evidence grouped by suite: both suites have a no_decision
    assert (tmp_path / "whole" / "alpha" / "no_decision" / "evidence.har").is_file()
    assert (tmp_path / "whole" / "beta" / "no_decision" / "evidence.har").is_file()
    report = json.loads((tmp_path / "whole" / "report.json").read_text())
    assert report["suite"] is None and report["checklist"] == []
    assert [(s["suite"], s["name"], s["status"]) for s in report["scenarios"]] == [
        ("alpha", "no_decision", "pass"),
        ("alpha", "accept_all", "pass"),
        ("beta", "no_decision", "pass"),
    ]
    assert [(g["name"], g["scenarios"], len(g["checklist"])) for g in report["suites"]] == [
        ("alpha", ["no_decision", "accept_all"], 6),
        ("beta", ["no_decision"], 6),
    ]
    junit = (tmp_path / "whole" / "report.xml").read_text()
    assert 'name="alpha/no_decision"' in junit and 'name="beta/no_decision"' in junit

    # sorted (suite, scenario): alpha/accept_all, alpha/no_decision, beta/no_decision, dealt out
    one = probe("run", suites / "alpha.yaml", suites / "beta.yaml", "--shard", "1/2", "--run-dir", tmp_path / "s1")
    two = probe("run", suites, "--shard", "2/2", "--run-dir", tmp_path / "s2")
    assert (one.returncode, two.returncode) == (0, 0), one.stderr + two.stderr
    assert {p.relative_to(tmp_path / "s1").as_posix() for p in (tmp_path / "s1").glob("*/*/evidence.har")} == {
        "alpha/accept_all/evidence.har",
        "beta/no_decision/evidence.har",
    }
    assert [p.parent.name for p in (tmp_path / "s2").glob("*/*/evidence.har")] == ["no_decision"]

    merged = probe("merge", tmp_path / "s2", tmp_path / "s1", "--run-dir", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert merged.stdout.splitlines()[-1] == str((tmp_path / "merged" / "report.json").resolve())
    merged_json = (tmp_path / "merged" / "report.json").read_text()
    assert without_timing(merged_json) == without_timing((tmp_path / "whole" / "report.json").read_text())
    # and byte for byte the report of judging those evidence folders together (a pure function)
    judged, bundles = judge_runs([tmp_path / "s1", tmp_path / "s2"])
    assert merged_json == dumps_json(build_report(judged, None, browser_of(bundles)))

    # the unsharded run's own evidence dealt into shard folders merges to its report.json exactly,
    # paths apart: the report is a pure function of the evidence folders
    for index, folder in ((1, "alpha/accept_all"), (1, "beta/no_decision"), (2, "alpha/no_decision")):
        shutil.copytree(tmp_path / "whole" / folder, tmp_path / f"copy{index}" / folder)
    again = probe("merge", tmp_path / "copy1", tmp_path / "copy2", "--run-dir", tmp_path / "again")
    assert again.returncode == 0, again.stderr
    assert without_paths((tmp_path / "again" / "report.json").read_text()) == without_paths(
        (tmp_path / "whole" / "report.json").read_text()
    )

    # the exit code follows the usual contract over every merged scenario: one leak in one shard is 1
    har_path = tmp_path / "copy2" / "alpha" / "no_decision" / "evidence.har"
    har = json.loads(har_path.read_text())
    accepted = json.loads((tmp_path / "copy1" / "alpha" / "accept_all" / "evidence.har").read_text())
    event = next(
        e
        for e in accepted["log"]["entries"]
        if e["request"]["url"] == "https://api.segment.io/v1/p" and e["request"]["method"] == "POST"
    )
    last = har["log"]["entries"][-1]
    # the accepted visit's event, as if this visitor's context had sent it before any decision
    event["_probe"] = {**event["_probe"], "phase": last["_probe"]["phase"], "context": last["_probe"]["context"]}
    har["log"]["entries"].append({**event, "pageref": last.get("pageref"), "startedDateTime": last["startedDateTime"]})
    har_path.write_text(json.dumps(har))
    leaked = probe("merge", tmp_path / "copy1", tmp_path / "copy2", "--run-dir", tmp_path / "leaked")
    assert leaked.returncode == 1, leaked.stderr
    statuses = json.loads((tmp_path / "leaked" / "report.json").read_text())["scenarios"]
    assert [(s["suite"], s["name"], s["status"]) for s in statuses] == [
        ("alpha", "no_decision", "fail"),
        ("alpha", "accept_all", "pass"),
        ("beta", "no_decision", "pass"),
    ]
    assert "segment-before-consent" in {f["rule"] for f in statuses[0]["findings"]}

    # the same item in two run folders is refused
    overlap = probe("merge", tmp_path / "s1", tmp_path / "whole", "--run-dir", tmp_path / "bad")
    assert overlap.returncode == 2
    assert overlap.stderr.strip().count("\n") == 0
    assert "'alpha'" in overlap.stderr and "'accept_all'" in overlap.stderr and "is in both" in overlap.stderr
    assert not (tmp_path / "bad").exists()


def test_an_empty_shard_is_a_report_without_scenarios(suites: Path, tmp_path: Path) -> None:
    empty = probe("run", suites, "--shard", "4/4", "--run-dir", tmp_path / "empty")
    assert empty.returncode == 0, empty.stderr
    report = json.loads((tmp_path / "empty" / "report.json").read_text())
    assert (report["scenarios"], report["suites"]) == ([], [])
    merged = probe("merge", tmp_path / "empty", "--run-dir", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr
    assert json.loads((tmp_path / "merged" / "report.json").read_text())["scenarios"] == []


@pytest.mark.parametrize("value", ["0/2", "3/2", "2", "a/b"])
def test_bad_shard_is_exit_2_with_one_line(suites: Path, tmp_path: Path, value: str) -> None:
    result = probe("run", suites, "--shard", value, "--run-dir", tmp_path / "x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"probe: --shard {value!r}: " + result.stderr.split(": ", 2)[2].strip()]
    assert not (tmp_path / "x").exists()


def test_duplicate_suite_names_are_exit_2_with_one_line(suites: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    suite_file(other, "alpha", ["no_decision"])
    result = probe("run", suites, other / "alpha.yaml", "--run-dir", tmp_path / "x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "probe: two suites are named 'alpha'; suite names must be unique in one run"
    ]


def test_merge_of_a_folder_that_is_no_run_is_exit_2(tmp_path: Path) -> None:
    result = probe("merge", tmp_path, "--run-dir", tmp_path / "m")
    assert result.returncode == 2
    assert result.stderr.strip() == f"probe: {tmp_path}: not a probe run folder (no report.json, no evidence.har below it)"
