"""Repeatability: run every violating fixture shop several times and count exact verdicts.

A verdict that depends on how fast probe clicks shows up here as a fixture that gives its expected
findings only some of the time. Each run is a fresh Runner (proxy and browser) on the fixture suites
of tests/e2e/test_rule_fixtures.py, judged from the evidence it wrote, exactly as the e2e test does.

    .venv/bin/python benchmarks/repeatability.py            # every violating fixture, 5 runs each
    .venv/bin/python benchmarks/repeatability.py --runs 3 --only batching-eager-short --all

It prints one line per fixture, ``k/N`` runs with exactly the expected findings, and the differing
findings of any run that missed. Exit status 1 when any fixture missed in any run. A script, not a test:
it takes minutes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from probe.judge import judge_bundle  # noqa: E402
from probe.runner import Runner  # noqa: E402
from tests.e2e.test_rule_fixtures import EXPECTED, VARIANTS, Fired  # noqa: E402


def run_once(playwright: object, variant: str, out: Path) -> dict[str, Fired] | str:
    """One fresh run of a fixture: its findings per scenario, or the scenario errors."""
    suite = VARIANTS[variant]
    with Runner(playwright, suite) as runner:  # type: ignore[arg-type]
        runs = {sc.name: runner.run_scenario(sc, out / sc.name) for sc in suite.scenarios}
    errors = {name: run.error for name, run in runs.items() if run.error}
    if errors:
        return f"errors: {errors}"
    return {
        name: sorted({(f.rule, f.severity) for f in judge_bundle(run.evidence_dir).result.findings})
        for name, run in runs.items()
    }


def main() -> int:
    """Run the fixtures and print k/N per fixture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", action="append", default=[], help="a fixture name (repeatable)")
    parser.add_argument("--all", action="store_true", help="also the compliant fixtures")
    args = parser.parse_args()
    names = args.only or [
        name for name, scenarios in EXPECTED.items() if args.all or any(scenarios.values())
    ]
    unknown = sorted(set(names) - set(EXPECTED))
    if unknown:
        parser.error(f"unknown fixtures {unknown} (known: {sorted(EXPECTED)})")
    missed = False
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
        for name in names:
            started = time.time()
            exact, misses = 0, []
            for i in range(args.runs):
                got = run_once(playwright, name, Path(tmp) / name / str(i))
                if got == EXPECTED[name]:
                    exact += 1
                else:
                    misses.append(f"    run {i + 1}: {got}")
            missed |= exact != args.runs
            print(f"{name:32} {exact}/{args.runs}  ({(time.time() - started) / args.runs:.1f} s a run)")
            for line in misses:
                print(line)
            sys.stdout.flush()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
