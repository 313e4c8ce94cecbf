"""probe's scenario time against a bare Playwright script doing the same clicks (ratio of medians).

The baseline (benchmarks/bare_baseline.py) drives the same browser through the same pages and banner
clicks, serving the same offline files through ``page.route`` (no proxy, no evidence, no checks), and
waits for network idle where probe waits for its quiet window. Prints the ratio; asserts nothing.
Target: below 1.3.

    .venv/bin/python benchmarks/scenario_overhead.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bare_baseline import DEMO, run_bare  # benchmarks/ is on sys.path when a script there runs
from playwright.sync_api import Playwright, sync_playwright

from probe.runner import Runner
from probe.suite import Suite, load_suite


def run_probe(playwright: Playwright, suite: Suite) -> float:
    """All scenarios through probe (proxy, evidence, snapshots)."""
    with tempfile.TemporaryDirectory() as out, Runner(playwright, suite) as runner:
        _ = runner.browser  # launch outside the timed part, as the baseline does
        start = time.perf_counter()
        for scenario in suite.scenarios:
            runner.run_scenario(scenario, Path(out) / scenario.name)
        return time.perf_counter() - start


def main() -> None:
    """Run both several times and print the ratio of medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    suite = load_suite(DEMO)
    probe_times, bare_times = [], []
    with sync_playwright() as playwright:
        for i in range(args.runs):
            bare_times.append(run_bare(playwright, suite))
            probe_times.append(run_probe(playwright, suite))
            print(f"run {i + 1}: bare {bare_times[-1]:.2f} s, probe {probe_times[-1]:.2f} s")
    ratio = statistics.median(probe_times) / statistics.median(bare_times)
    print(f"median bare {statistics.median(bare_times):.2f} s, probe {statistics.median(probe_times):.2f} s")
    print(f"ratio probe/bare: {ratio:.2f} (target < 1.3)")


if __name__ == "__main__":
    main()
