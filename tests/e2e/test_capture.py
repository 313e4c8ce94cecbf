"""Capture completeness and per-context tagging, through the real Chromium and proxy."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from probe.browser import context_options, find_browser, launch
from probe.capture import NOISE_CONTEXT, CaptureProxy, Router
from probe.evidence.har_writer import build_har
from probe.suite import Suite
from tests.conftest import SITES, read_har

pytestmark = pytest.mark.e2e
N = 5


def capture_suite(n: int) -> Suite:
    return Suite.model_validate(
        {
            "name": "capture",
            "start_url": f"https://capture.test/?n={n}",
            "pages": [f"https://capture.test/?n={n}", "https://capture.test/next.html"],
            "categories": {"necessary": {"required": True}},
            "offline": {
                "routes": [{"url": "https://capture.test/", "dir": str(SITES / "capture")}],
                "sinks": ["collect.test"],
            },
            "scenarios": ["no_decision"],
        }
    )


def test_every_kind_of_request_is_captured_exactly(site_runner, tmp_path: Path) -> None:
    run = site_runner(capture_suite(N), "no_decision", tmp_path / "capture")
    assert run.error is None
    har = read_har(run.evidence_dir)
    kinds = Counter(
        e["request"]["url"].split("/")[3]
        for e in har["log"]["entries"]
        if e["request"]["url"].startswith("https://collect.test/") and e["request"]["method"] != "OPTIONS"
    )
    assert kinds == {"fetch": N, "xhr": N, "img": N, "beacon": N, "keepalive": N}
    bodies = sorted(
        e["request"]["postData"]["text"]
        for e in har["log"]["entries"]
        if "/keepalive/" in e["request"]["url"]
    )
    assert bodies == [f"keepalive {i}" for i in range(N)]


def test_parallel_contexts_each_get_only_their_own_flows(playwright: Playwright) -> None:
    router = Router([_ticker_route()], ["collect.test"])
    with CaptureProxy(router) as proxy:
        browser = launch(
            playwright,
            find_browser(playwright),
            proxy_server=proxy.server,
            noise_user=NOISE_CONTEXT,
            spki=proxy.spki,
        )
        contexts = {
            who: browser.new_context(**context_options(proxy.server, who)) for who in ("ctxA", "ctxB")
        }
        pages = {who: ctx.new_page() for who, ctx in contexts.items()}
        for who, page in pages.items():
            page.goto(f"https://capture.test/ticker.html?who={who}")
        start_at = pages["ctxA"].evaluate("Date.now()") + 1000  # both tickers start together
        for page in pages.values():
            page.evaluate(f"window.startAt = {start_at}")
        for page in pages.values():
            page.wait_for_function("document.title === 'done'", timeout=15000)
        for who in pages:
            assert proxy.recorder.settle(who, 0.3, 5)
        hars = {
            who: build_har(
                proxy.recorder.flows(who),
                [{"phase": "before-consent", "at": 0}],
                scenario=who,
                context=who,
                browser=("chromium", browser.version),
            )
            for who in pages
        }
        browser.close()
    spans = {}
    for who, har in hars.items():
        ticks = [e for e in har["log"]["entries"] if "collect.test/tick?" in e["request"]["url"]]
        assert len(ticks) == 30
        assert {e["_probe"]["context"] for e in har["log"]["entries"]} == {who}
        assert all(f"who={who}" in e["request"]["url"] for e in ticks)
        spans[who] = (ticks[0]["startedDateTime"], ticks[-1]["startedDateTime"])
    # the two contexts really ran at the same time
    assert spans["ctxA"][0] < spans["ctxB"][1] and spans["ctxB"][0] < spans["ctxA"][1]


def _ticker_route():
    from probe.suite import Route

    return Route(url="https://capture.test/", dir=SITES / "capture")
