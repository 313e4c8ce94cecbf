"""probe's scenario time against a bare Playwright script doing the same clicks (ratio of medians).

The baseline drives the same browser through the same pages and banner clicks, serving the same
offline files through ``page.route`` (no proxy, no evidence, no checks), and waits for network idle
where probe waits for its quiet window. Prints the ratio; asserts nothing. Target: below 1.3.

    .venv/bin/python benchmarks/scenario_overhead.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from playwright.sync_api import Page, Playwright, Route, sync_playwright

from probe.browser import find_browser, launch_args
from probe.runner import Runner, router_for
from probe.suite import Suite, load_suite

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "demo" / "suite.yaml"


def run_probe(playwright: Playwright, suite: Suite) -> float:
    """All scenarios through probe (proxy, evidence, snapshots)."""
    with tempfile.TemporaryDirectory() as out, Runner(playwright, suite) as runner:
        _ = runner.browser  # launch outside the timed part, as the baseline does
        start = time.perf_counter()
        for scenario in suite.scenarios:
            runner.run_scenario(scenario, Path(out) / scenario.name)
        return time.perf_counter() - start


def run_bare(playwright: Playwright, suite: Suite) -> float:
    """The same navigation and clicks with plain Playwright."""
    router = router_for(suite)
    choice = find_browser(playwright)
    browser = playwright.chromium.launch(
        executable_path=choice.executable, args=launch_args(None), headless=True
    )

    def serve(route: Route) -> None:
        req = route.request
        answer = router.answer(req.method, req.url, {k.lower(): v for k, v in req.headers.items()})
        assert answer is not None
        route.fulfill(status=answer.status, headers=answer.headers, body=answer.body)

    def act_here(page: Page) -> None:
        # probe does the suite's actions on the page the visitor is on right after each decision
        page.click("#add-to-cart")
        page.wait_for_load_state("networkidle")

    def browse(page: Page) -> None:
        for url in suite.pages:
            page.goto(url)
            if url.endswith("product.html"):
                page.click("#add-to-cart")
            page.wait_for_load_state("networkidle")

    def prefs(page: Page, reopen: bool, grant: dict[str, bool]) -> None:
        page.click('[data-cc="show-preferencesModal"]' if reopen else '#cc-main .cm [data-role="show"]')
        for cat, want in grant.items():
            box = page.locator(f'#cc-main .pm input.section__toggle[value="{cat}"]')
            if box.is_checked() != want:
                page.click(f'#cc-main .pm label:has(input.section__toggle[value="{cat}"])')
        page.click('#cc-main .pm [data-role="save"]')
        page.wait_for_load_state("networkidle")

    start = time.perf_counter()
    for scenario in suite.scenarios:
        context = browser.new_context(ignore_https_errors=True)
        context.route("**/*", serve)
        page = context.new_page()
        browse(page)
        if scenario.decision == "accept_all":
            page.click('#cc-main .cm [data-role="all"]')
            page.wait_for_load_state("networkidle")
            act_here(page)
            browse(page)
        elif isinstance(scenario.decision, dict):
            prefs(page, False, scenario.decision)
            act_here(page)
            browse(page)
        if isinstance(scenario.revoke, dict):
            prefs(page, True, scenario.revoke)
            page.wait_for_timeout(300)
            act_here(page)
            browse(page)
        page.screenshot()
        page.close()  # as a tab closes: pagehide runs (probe waits for its flush)
        context.close()
    elapsed = time.perf_counter() - start
    browser.close()
    return elapsed


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
