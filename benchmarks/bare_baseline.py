"""A bare Playwright script doing a suite's clicks: the baseline probe's benchmarks compare against.

It drives the same browser through the same pages, banner clicks and suite actions (the demo's "Add
to cart" and "Buy now"), serving the same offline files through ``page.route`` (no proxy, no evidence,
no checks, no backend: the shop's /api/ calls get a 404), and waits for network idle where probe
waits for its quiet window (and, after "Buy now", for its backend's flush). Run as a script it does the demo suite's scenarios ``--copies`` times over
in one browser, one after the other, and prints its wall time:

    .venv/bin/python benchmarks/bare_baseline.py [--copies 10]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, Route, sync_playwright

from probe.browser import find_browser, launch_args
from probe.runner import router_for
from probe.suite import Suite, load_suite

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "demo" / "suite.yaml"


def launch_bare(playwright: Playwright) -> Browser:
    """The browser probe would use, launched without probe's proxy."""
    choice = find_browser(playwright)
    return playwright.chromium.launch(
        executable_path=choice.executable, args=launch_args(None), headless=True
    )


def bare_scenarios(browser: Browser, suite: Suite) -> float:
    """The suite's navigation and clicks with plain Playwright, one scenario after the other; seconds."""
    router = router_for(suite)

    def serve(route: Route) -> None:
        req = route.request
        answer = router.answer(req.method, req.url, {k.lower(): v for k, v in req.headers.items()})
        # no backend runs here: the shop's /api/ calls get the offline routes' 404
        assert answer is not None
        route.fulfill(status=answer.status, headers=answer.headers, body=answer.body)

    def actions(page: Page, url: str) -> None:
        # the suite's clicks on this page (the demo's: add to cart, then buy), as probe does them
        for action in suite.actions:
            if action.click is not None and action.page in (None, "every", url):
                if action.page is not None or url == suite.pages[-1]:
                    page.click(action.click)
                    page.wait_for_load_state("networkidle")

    def act_here(page: Page) -> None:
        # probe does the suite's actions on the page the visitor is on right after each decision
        actions(page, suite.pages[-1])

    def browse(page: Page) -> None:
        for url in suite.pages:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            actions(page, url)

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
    return time.perf_counter() - start


def run_bare(playwright: Playwright, suite: Suite) -> float:
    """The suite's scenarios in a browser of their own (launched and closed outside the timing)."""
    browser = launch_bare(playwright)
    try:
        return bare_scenarios(browser, suite)
    finally:
        browser.close()


def main() -> None:
    """The demo suite's scenarios, ``--copies`` times over in one browser; prints the wall time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    suite = load_suite(DEMO)
    with sync_playwright() as playwright:
        browser = launch_bare(playwright)
        elapsed = sum(bare_scenarios(browser, suite) for _ in range(args.copies))
        browser.close()
    print(f"bare: {args.copies} x {len(suite.scenarios)} scenarios in {elapsed:.2f} s")


if __name__ == "__main__":
    main()
