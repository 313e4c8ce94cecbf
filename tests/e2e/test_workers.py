"""`--workers N` judges exactly as a sequential run: statuses, finding fingerprints, checklist, evidence.

Each run is a real `probe` process (real Chromium, real proxy). The demo has no findings, so a violating
fixture shop (tests/sites/violations/) is run both ways too: equal findings must not be vacuously equal.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from probe.cli import main
from probe.fingerprint import normalize_url
from probe.suite import load_suite
from tests.conftest import DEMO
from tests.e2e.test_rule_fixtures import EXPECTED, VARIANTS

pytestmark = pytest.mark.e2e

# both of its scenarios have findings, and they run at once with two workers
VARIANT = "consent-mode"
PROGRESS = re.compile(r"^  (?P<scenario>[^ ]+) · (?P<text>.*)$")


@dataclass
class Run:
    """A finished `probe` process: its exit code, stderr lines and report."""

    code: int
    stderr: list[str]
    report: dict[str, Any]
    run_dir: Path


def probe(*args: object, run_dir: Path) -> Run:
    """Run ``probe ARGS --run-dir RUN_DIR`` to its end."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update(COLUMNS="200", PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [sys.executable, "-m", "probe", *map(str, args), "--run-dir", str(run_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    report_path = Path(done.stdout.splitlines()[-1])
    assert report_path == (run_dir / "report.json").resolve(), done.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    return Run(done.returncode, done.stderr.splitlines(), report, run_dir)


def both(run: Callable[[int], Run]) -> dict[int, Run]:
    """The run with one worker and with two, side by side (separate processes; it halves the wait)."""
    with ThreadPoolExecutor(2) as pool:
        runs = {n: pool.submit(run, n) for n in (1, 2)}
    return {n: future.result() for n, future in runs.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Run]:
    """The demo run with one worker and with two."""
    out = tmp_path_factory.mktemp("workers-demo")
    return both(lambda n: probe("demo", "--workers", n, run_dir=out / f"workers-{n}"))


@pytest.fixture(scope="module")
def violation(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Run]:
    """A violating fixture shop's suite, written as a suite file, run with one worker and with two."""
    out = tmp_path_factory.mktemp("workers-violation")
    suite = out / "suite.yaml"
    suite.write_text(yaml.safe_dump(VARIANTS[VARIANT].model_dump(mode="json")), encoding="utf-8")
    return both(lambda n: probe("run", suite, "--workers", n, run_dir=out / f"workers-{n}"))


def statuses(run: Run) -> list[tuple[str, str, str | None]]:
    return [(s["name"], s["status"], s["error"]) for s in run.report["scenarios"]]


def fingerprints(run: Run) -> dict[str, list[str]]:
    return {s["name"]: sorted(f["fingerprint"] for f in s["findings"]) for s in run.report["scenarios"]}


def fired(run: Run) -> dict[str, list[tuple[str, str]]]:
    return {
        s["name"]: sorted({(f["rule"], f["severity"]) for f in s["findings"]})
        for s in run.report["scenarios"]
    }


def checklist(run: Run) -> list[dict[str, Any]]:
    """The checklist as fingerprints see it: no HAR entry numbers, excerpts or the visit's own ids."""
    return [
        {
            **item,
            "evidence": [
                {
                    **{k: v for k, v in ref.items() if k not in ("entry", "excerpt")},
                    "url": ref["url"] and normalize_url(ref["url"]),
                }
                for ref in item["evidence"]
            ],
        }
        for item in run.report["checklist"]
    ]


def progress_groups(run: Run) -> list[tuple[str, list[str]]]:
    """The scenarios' progress lines, grouped where consecutive lines name the same scenario."""
    groups: list[tuple[str, list[str]]] = []
    for line in run.stderr:
        match = PROGRESS.match(line)
        if match is None:
            continue
        if groups and groups[-1][0] == match["scenario"]:
            groups[-1][1].append(match["text"])
        else:
            groups.append((match["scenario"], [match["text"]]))
    return groups


def test_demo_with_two_workers_judges_as_one(demo: dict[int, Run]) -> None:
    names = [s.name for s in load_suite(DEMO).scenarios]
    assert [run.code for run in demo.values()] == [0, 0], demo[2].stderr
    assert statuses(demo[2]) == statuses(demo[1]) == [(name, "pass", None) for name in names]
    assert fingerprints(demo[2]) == fingerprints(demo[1]) == {name: [] for name in names}
    assert checklist(demo[2]) == checklist(demo[1])


def test_progress_lines_come_grouped_per_scenario_in_suite_order(demo: dict[int, Run]) -> None:
    names = [s.name for s in load_suite(DEMO).scenarios]
    for run in demo.values():
        groups = progress_groups(run)
        assert [name for name, _ in groups] == names, run.stderr
        assert [lines[0] for _, lines in groups] == ["started"] * len(names)


def test_every_evidence_folder_of_a_parallel_run_verifies(
    demo: dict[int, Run], violation: dict[int, Run]
) -> None:
    for run in (demo[2], violation[2]):
        folders = [Path(s["evidence_dir"]) for s in run.report["scenarios"]]
        assert [folder.parent for folder in folders] == [run.run_dir.resolve()] * len(folders)
        for folder in folders:
            verified = CliRunner().invoke(main, ["verify", str(folder)])
            assert verified.exit_code == 0, verified.output


def test_a_violating_shop_with_two_workers_has_exactly_its_findings(violation: dict[int, Run]) -> None:
    assert [run.code for run in violation.values()] == [1, 1], violation[2].stderr
    assert fired(violation[2]) == EXPECTED[VARIANT]
    assert all(fired(violation[2]).values())  # every scenario has findings to compare
    assert statuses(violation[2]) == statuses(violation[1])
    assert fingerprints(violation[2]) == fingerprints(violation[1])
    assert checklist(violation[2]) == checklist(violation[1])
