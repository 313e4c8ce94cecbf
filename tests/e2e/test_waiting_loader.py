"""A page whose analytics.js is still on its way is not quiet, however silent its traffic is.

On a starved machine the page can sit silent between analytics.js arriving and it fetching its
settings; a wait that settled then would miss the site's batching and let a batch cross a mark.
Here the real analytics-next bundle is held back by ``page.route`` and released by the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, Route

from probe.browser import find_browser
from probe.runner import Runner
from probe.runner.waiting import Waiter, read_page_state
from probe.suite import load_suite
from tests.conftest import SITES

pytestmark = pytest.mark.e2e

LEAKY = SITES / "plugin" / "leaky.yaml"
STANDALONE = (
    Path(__file__).resolve().parents[2] / "web/node_modules/@segment/analytics-next/dist/umd/standalone.js"
)
LOADER = "https://cdn.segment.com/analytics.js/v1/WK/analytics.min.js"
SNIPPET = f"""<!doctype html><html><head><script>
  window.analytics = [];
  analytics.load = function (key) {{
    var s = document.createElement('script'); s.async = true; s.src = {LOADER!r};
    document.head.appendChild(s); analytics._writeKey = key;
  }};
  {{LOAD}}
</script></head><body>shop</body></html>"""


@pytest.fixture(scope="module")
def bare_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium without probe's proxy: the page's requests are answered by page.route."""
    choice = find_browser(playwright)
    launched = playwright.chromium.launch(executable_path=choice.executable, args=["--no-sandbox"])
    yield launched
    launched.close()


def shop(browser: Browser, *, load: bool) -> tuple[Page, list[Route]]:
    """A page with Segment's snippet (calling load() or, like a consent wrapper before consent, not)."""
    page = browser.new_page()
    held: list[Route] = []
    html = SNIPPET.replace("{LOAD}", "analytics.load('WK'); analytics.page();" if load else "")
    page.route("https://shop.test/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.route(LOADER, lambda route: held.append(route))  # held back until the test releases it
    page.route(
        "https://cdn.segment.com/v1/projects/WK/settings",
        lambda route: route.fulfill(json={"integrations": {"Segment.io": {"apiKey": "WK"}}}),
    )
    page.route(
        "https://api.segment.io/**",
        lambda route: route.fulfill(json={}, headers={"access-control-allow-origin": "*"}),
    )
    page.goto("https://shop.test/", wait_until="domcontentloaded")
    if load:
        # the snippet's script asks for the loader on its own time: wait until the route holds it
        for _ in range(500):
            if held:
                break
            page.wait_for_timeout(20)
    return page, held


def test_a_loader_on_its_way_is_loading_until_analytics_next_has_initialised(bare_browser: Browser) -> None:
    page, held = shop(bare_browser, load=True)
    page.wait_for_function("document.querySelector('script[src*=\"analytics.min.js\"]') !== null")
    state = read_page_state(page)
    assert state is not None and state.loading  # downloading: no resource entry yet

    (route,) = held
    body = STANDALONE.read_text(encoding="utf-8").replace("__WRITE_KEY__", "WK")
    route.fulfill(body=body, content_type="application/javascript")
    page.wait_for_function("window.analytics && window.analytics.initialized === true", timeout=15000)
    state = read_page_state(page)
    assert state is not None and not state.loading
    assert state.delivery.source == "page"
    page.close()


def test_a_snippet_that_has_not_called_load_is_not_loading(bare_browser: Browser) -> None:
    # a consent wrapper holds load() back until consent: nothing is on its way, nothing to wait for
    page, held = shop(bare_browser, load=False)
    assert read_page_state(page) is None
    assert held == []
    page.close()


def test_an_event_held_in_a_slow_middleware_is_pending_until_delivered(bare_browser: Browser) -> None:
    # analytics-next hands an event to an empty queue's plugins at once (dispatchSingle): it sits in
    # no queue while a slow middleware (or a starved page) holds it, and a batch it joins later
    # could cross a mark unless probe counts it as pending
    page, held = shop(bare_browser, load=True)
    (route,) = held
    route.fulfill(body=STANDALONE.read_text(encoding="utf-8"), content_type="application/javascript")
    page.wait_for_function("window.analytics && window.analytics.initialized === true", timeout=15000)
    page.evaluate(
        """() => new Promise((done) => {
             // an async middleware: analytics-next awaits the promise it returns
             window.analytics.addSourceMiddleware(({payload, next}) => new Promise((resolve) => {
               window.__release = () => { next(payload); resolve(); };
             }));
             window.analytics.ready(done);
           })"""
    )
    first = read_page_state(page)  # probe starts listening before the event, as its waits do
    assert first is not None and first.pending == 0
    page.evaluate("() => { window.analytics.track('Held'); }")
    page.wait_for_function("typeof window.__release === 'function'")
    state = read_page_state(page)
    assert state is not None and state.pending == 1  # in the middleware: no queue holds it

    page.evaluate("() => window.__release()")
    page.wait_for_function("window.analytics.__probeDelivery.last > 0", timeout=15000)
    state = read_page_state(page)
    assert state is not None and state.pending == 0 and state.last_delivery > 0
    page.close()


def test_a_request_the_browser_issued_but_the_proxy_has_not_seen_is_in_flight(playwright: Playwright) -> None:
    # a starved (or remote) browser may hand a request to the proxy late: the proxy calls that gap
    # quiet, Playwright's request events do not. page.route holds the request inside the browser.
    suite = load_suite(LEAKY)
    with Runner(playwright, suite) as runner:
        user = "held-request"
        context = runner.new_context(user)
        waiter = Waiter(runner.proxy.recorder, user, quiet_ms=300, max_ms=5000)
        waiter.browser.watch(context)
        page = context.new_page()
        page.goto(suite.start_url)
        assert waiter.wait(page, "load", since=None).settled  # the page's own requests are done
        held: list[Route] = []
        page.route("**/held.txt", lambda route: held.append(route))
        page.evaluate("() => { window.__done = fetch('/held.txt').then(() => true, () => true); }")
        page.wait_for_function("() => true")  # let Playwright deliver the request and route events
        while not held:
            read_page_state(page)
        assert waiter.browser.activity()[0] == 1
        assert runner.proxy.recorder.activity(user)[0] == 0  # the proxy has not seen it

        with page.expect_event("requestfinished"):
            held[0].continue_()
        assert waiter.browser.activity()[0] == 0
        assert any(f.request.path == "/held.txt" for f in runner.proxy.recorder.flows(user))
        context.close()
