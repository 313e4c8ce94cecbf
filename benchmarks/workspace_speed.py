"""How long ``probe workspace`` takes on a settings file: the demo's, and a large synthetic workspace.

Prints, for each settings file:

- ``audit``: the work itself in this process (read, validate, judge, write report.json/xml/html),
  the median and the fastest of ``--repeat`` rounds;
- ``cli``: the whole ``probe workspace`` command in a new process, wall and CPU time, against the
  baseline of that process doing nothing but start (``python -c "import probe.cli"``): the ratio says
  what the audit adds to starting Python and probe.

The machine's load moves every figure; the ratios are what to compare between runs. Asserts nothing.

    .venv/bin/python benchmarks/workspace_speed.py [--repeat 20] [--destinations 500]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probe.suite import load_suite  # noqa: E402
from probe.workspace import audit, load_source, workspace_report  # noqa: E402
from probe.workspace.report import write_workspace_reports  # noqa: E402

DEMO = ROOT / "scenarios" / "demo" / "cdn" / "settings.json"
DEMO_SUITE = ROOT / "scenarios" / "demo" / "suite.yaml"


def synthetic(path: Path, count: int) -> Path:
    """A workspace of ``count`` destinations: device and cloud mode, mapped, unmapped, warehouses."""
    integrations: dict[str, object] = {"Segment.io": {"apiKey": "BENCH"}}
    for i in range(count):
        config: dict[str, object] = {"versionSettings": {"componentTypes": ["browser"] if i % 3 else ["server"]}}
        if i % 10:
            config["consentSettings"] = {"categories": ["analytics"] if i % 2 else ["marketing", "C0009"]}
        name = f"Snowflake {i}" if i % 50 == 0 else f"Destination {i}"
        integrations[name] = config
    settings = {"integrations": integrations, "consentSettings": {"allCategories": ["analytics", "marketing"]}}
    path.write_text(json.dumps(settings), encoding="utf-8")
    return path


def time_audit(settings: Path, out: Path, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds per round of the in-process audit, reports written."""
    suite = load_suite(DEMO_SUITE, routes_must_exist=False)
    walls, cpus = [], []
    for i in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        loaded = load_source(str(settings))
        done = audit(loaded, suite)
        write_workspace_reports(out / str(i), workspace_report(done.result, done.inventory, suite))
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def time_process(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Time the audit and the command for the demo's settings and a synthetic large workspace."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--destinations", type=int, default=500)
    options = parser.parse_args()
    python = sys.executable
    probe = str(Path(python).with_name("probe"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        big = synthetic(work / "big.json", options.destinations)
        start_wall, start_cpu = time_process([python, "-c", "import probe.cli"])
        print(f"baseline: python -c 'import probe.cli'  wall {start_wall:.3f} s  cpu {start_cpu:.3f} s")
        for label, settings in (("demo", DEMO), (f"{options.destinations} destinations", big)):
            walls, cpus = time_audit(settings, work / label.replace(" ", "-"), options.repeat)
            size = os.path.getsize(settings)
            print(
                f"{label} ({size} bytes): audit wall median {statistics.median(walls) * 1000:.1f} ms "
                f"(fastest {min(walls) * 1000:.1f}), cpu median {statistics.median(cpus) * 1000:.1f} ms "
                f"over {len(walls)} rounds"
            )
            run_dir = work / f"cli-{label.replace(' ', '-')}"
            args = [probe, "workspace", str(settings), "--suite", str(DEMO_SUITE), "--run-dir", str(run_dir)]
            wall, cpu = time_process(args)
            print(
                f"{label}: probe workspace  wall {wall:.3f} s  cpu {cpu:.3f} s  "
                f"(x{wall / start_wall:.2f} wall, x{cpu / start_cpu:.2f} cpu of the baseline)"
            )


if __name__ == "__main__":
    main()
