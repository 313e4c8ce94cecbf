"""`probe run --workers N` against a bare Playwright script doing the same clicks one after the other.

Two workloads: the demo suite's 4 scenarios (`probe demo`), and 10 copies of the demo suite with
distinct names in one folder (`probe run FOLDER`). Each is run through the CLI with --workers 1, 2
and 4, and as a bare Playwright script (benchmarks/bare_baseline.py) in one browser, sequentially.
Every run is a process of its own: wall times include start-up, browser launch, judging and reports.
Prints wall times, ratios to the bare script, the CPU the process and its children used (user + sys,
and as a share of all cores over the wall time) and the time scenarios spent in settle windows.
Goal: the demo's 4 scenarios with --workers >= 2 in <= 0.6x the bare script. Asserts nothing.

    .venv/bin/python benchmarks/suite_scaling.py [--runs 1] [--copies 10] [--workers 1,2,4] [--demo-only]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bare_baseline import DEMO  # benchmarks/ is on sys.path when a script there runs

from probe.suite import load_suite

HERE = Path(__file__).resolve().parent


@dataclass
class Timing:
    """One process: its wall time, the CPU it and its children used, and its scenarios' settle time."""

    wall: float
    cpu: float
    load: float  # the 1-minute load average when it started: other work on the machine
    settle: float = 0.0  # seconds scenarios waited for quiet traffic (probe only)
    scenario: float = 0.0  # seconds scenarios ran, summed over scenarios (probe only)


def timed(command: list[str]) -> Timing:
    """Run ``command`` to its end; its wall time and its process tree's CPU time."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr[-3000:]}")
    # Chromium and the Playwright driver are reaped by their parents, so they count here too
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(wall, cpu, load)


def probe_run(args: list[str], workers: int, out: Path) -> Timing:
    """A `probe` process with ``--workers``; settle and scenario time read back from its evidence."""
    run_dir = out / f"run-{time.monotonic_ns()}"
    timing = timed(
        [sys.executable, "-m", "probe", *args, "--workers", str(workers), "--run-dir", str(run_dir)]
    )
    for manifest in run_dir.rglob("manifest.json"):
        recorded = json.loads(manifest.read_text(encoding="utf-8"))
        timing.scenario += _seconds(recorded["ended"]) - _seconds(recorded["started"])
        har = json.loads((manifest.parent / "evidence.har").read_text(encoding="utf-8"))
        waits = [w for page in har["log"]["pages"] for w in page["_probe"].get("waits") or []]
        timing.settle += sum(w.get("waited_ms") or 0 for w in waits) / 1000
    return timing


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def bare_run(copies: int) -> Timing:
    """The bare Playwright script: the demo's scenarios ``copies`` times over, in one browser."""
    return timed([sys.executable, str(HERE / "bare_baseline.py"), "--copies", str(copies)])


def suite_copies(folder: Path, copies: int) -> Path:
    """``copies`` of the demo suite file named demo-01, demo-02, ... in ``folder``, beside its files."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in DEMO.parent.iterdir():
        if entry.is_dir():  # the site, CDN files and backend the suite names by relative path
            (folder / entry.name).symlink_to(entry, target_is_directory=True)
    # paths out of the demo's folder (the npm packages) are made absolute; the rest go through the links
    text = DEMO.read_text(encoding="utf-8").replace("../../", f"{DEMO.parent.parent.parent}/")
    for i in range(1, copies + 1):
        name = f"demo-{i:02d}"
        copy, found = re.subn(r"(?m)^name: .*$", f"name: {name}", text, count=1)
        assert found == 1, "the demo suite's name line moved"
        (folder / f"{name}.yaml").write_text(copy, encoding="utf-8")
    return folder


def report(title: str, results: dict[str, list[Timing]], scenarios: int) -> None:
    """Print one workload's medians and ratios to the bare script."""
    cores = os.cpu_count() or 1
    bare = statistics.median(t.wall for t in results["bare"])
    print(f"\n{title} ({scenarios} scenarios; median of {len(results['bare'])} run(s); {cores} cores)")
    print(
        f"  {'':<12}{'wall s':>8}{'x bare':>8}{'cpu s':>8}{'cpu/cores':>10}{'settle s':>10}{'scen s':>8}{'load':>6}"
    )
    for label, timings in results.items():
        wall = statistics.median(t.wall for t in timings)
        cpu = statistics.median(t.cpu for t in timings)
        settle = statistics.median(t.settle for t in timings)
        scenario = statistics.median(t.scenario for t in timings)
        load = statistics.median(t.load for t in timings)
        busy = cpu / (wall * cores)
        extra = f"{settle:>10.1f}{scenario:>8.1f}" if scenario else f"{'':>10}{'':>8}"
        print(f"  {label:<12}{wall:>8.1f}{wall / bare:>8.2f}{cpu:>8.1f}{busy:>10.0%}{extra}{load:>6.1f}")


def workload(
    title: str, probe_args: list[str], copies: int, workers: list[int], runs: int, out: Path, scenarios: int
) -> None:
    """Run the bare script and probe with each worker count ``runs`` times, interleaved; print."""
    results: dict[str, list[Timing]] = {"bare": []}
    results.update({f"workers {n}": [] for n in workers})
    for i in range(runs):
        results["bare"].append(bare_run(copies))
        print(f"{title} run {i + 1}: bare {results['bare'][-1].wall:.1f} s", end="", flush=True)
        for n in workers:
            results[f"workers {n}"].append(probe_run(probe_args, n, out))
            print(f", workers {n} {results[f'workers {n}'][-1].wall:.1f} s", end="", flush=True)
        print()
    report(title, results, scenarios)


def main() -> None:
    """Both workloads; prints their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--demo-only", action="store_true", help="skip the --copies workload")
    args = parser.parse_args()
    workers = [int(n) for n in args.workers.split(",")]
    per_suite = len(load_suite(DEMO).scenarios)
    with tempfile.TemporaryDirectory(prefix="probe-scaling-") as tmp:
        out = Path(tmp)
        workload("demo", ["demo"], 1, workers, args.runs, out, per_suite)
        if not args.demo_only:
            folder = suite_copies(out / "suites", args.copies)
            title = f"{args.copies} demo suites"
            workload(
                title, ["run", str(folder)], args.copies, workers, args.runs, out, args.copies * per_suite
            )


if __name__ == "__main__":
    main()
