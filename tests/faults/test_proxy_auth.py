"""The proxy serves only its own browser: every other login gets 407, is not recorded, goes nowhere.

Each browser context (and the browser-level ``_browser`` user) has a random secret made for the run.
A local process without it (no login, a wrong secret, another context's user name with a guessed
secret) is refused, in offline mode and, where an open proxy would do harm, in live mode.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Playwright

from probe.browser import context_options, find_browser, launch
from probe.capture import NOISE_CONTEXT, CaptureProxy, Router
from tests.capture.servers import CountingUpstream, basic, exchange, status_of

pytestmark = pytest.mark.e2e

VICTIM = "scenario-a1b2c3"


def _strangers(proxy: CaptureProxy) -> dict[str, str]:
    """Proxy-Authorization lines a stranger might try ("" = none at all)."""
    secret = proxy.gate.issue(VICTIM)
    return {
        "no login": "",
        "wrong secret": f"Proxy-Authorization: {basic(VICTIM, secret[:-1] + ('A' if secret[-1] != 'A' else 'B'))}\r\n",
        "empty secret": f"Proxy-Authorization: {basic(VICTIM, '')}\r\n",
        "the old fixed password": f"Proxy-Authorization: {basic(VICTIM, 'probe')}\r\n",
        "background user, guessed": f"Proxy-Authorization: {basic(NOISE_CONTEXT, 'probe')}\r\n",
        "unknown user": f"Proxy-Authorization: {basic('mallory', secret)}\r\n",
        "not basic": f"Proxy-Authorization: Bearer {secret}\r\n",
        "malformed": "Proxy-Authorization: Basic !!!\r\n",
    }


def _assert_refused(reply: bytes, why: str) -> None:
    assert status_of(reply) == 407, (why, reply[:200])
    assert b'proxy-authenticate: basic realm="probe"' in reply.lower(), why


def _nothing_recorded(proxy: CaptureProxy) -> None:
    for user in (VICTIM, NOISE_CONTEXT, "mallory", None):
        assert proxy.recorder.flows(user) == [], user  # type: ignore[arg-type]


def test_offline_strangers_get_407_and_nothing_is_recorded() -> None:
    with CaptureProxy(Router(sinks=["collect.test"])) as proxy:
        for why, login in _strangers(proxy).items():
            plain = f"POST http://collect.test/e HTTP/1.1\r\nHost: collect.test\r\n{login}Content-Length: 2\r\n\r\nhi"
            _assert_refused(exchange(proxy.port, plain.encode()), why)
            tunnel = f"CONNECT collect.test:443 HTTP/1.1\r\nHost: collect.test:443\r\n{login}\r\n"
            _assert_refused(exchange(proxy.port, b"GET / HTTP/1.1\r\n\r\n", tunnel=tunnel.encode()), why)
        _nothing_recorded(proxy)
        # the victim's own login still works, and is what gets recorded
        good = f"Proxy-Authorization: {basic(VICTIM, proxy.gate.issue(VICTIM))}\r\n"
        reply = exchange(
            proxy.port, f"GET http://collect.test/e HTTP/1.1\r\nHost: collect.test\r\n{good}\r\n".encode()
        )
        assert status_of(reply) == 204
        assert [f.request.pretty_url for f in proxy.recorder.flows(VICTIM)] == ["http://collect.test/e"]


def test_live_mode_is_not_an_open_proxy() -> None:
    upstream = CountingUpstream()
    target = f"127.0.0.1:{upstream.port}"
    try:
        with CaptureProxy(Router(offline=False)) as proxy:
            for why, login in _strangers(proxy).items():
                plain = f"GET http://{target}/ HTTP/1.1\r\nHost: {target}\r\n{login}\r\n"
                _assert_refused(exchange(proxy.port, plain.encode()), why)
                tunnel = f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n{login}\r\n"
                raw = f"GET / HTTP/1.1\r\nHost: {target}\r\n\r\n".encode()
                _assert_refused(exchange(proxy.port, raw, tunnel=tunnel.encode()), why)
            assert upstream.connections == 0
            _nothing_recorded(proxy)
            # the control: with the run's own login the same request is forwarded
            good = f"Proxy-Authorization: {basic(VICTIM, proxy.gate.issue(VICTIM))}\r\n"
            reply = exchange(
                proxy.port, f"GET http://{target}/ HTTP/1.1\r\nHost: {target}\r\n{good}\r\n".encode()
            )
            assert (status_of(reply), reply.endswith(b"upstream")) == (200, True)
            assert upstream.connections == 1
            assert proxy.recorder.settle(VICTIM, 0.1, 5)
            (flow,) = proxy.recorder.flows(VICTIM)
            assert flow.metadata["probe"]["served"] == "upstream"
            assert "proxy-authorization" not in {k.lower() for k in flow.request.headers}
    finally:
        upstream.close()


@pytest.fixture
def offline_proxy() -> Iterator[CaptureProxy]:
    from probe.suite import Route
    from tests.conftest import SITES

    with CaptureProxy(Router([Route(url="https://capture.test/", dir=SITES / "capture")])) as proxy:
        yield proxy


def test_a_browser_context_with_another_contexts_name_and_a_guessed_secret_gets_nothing(
    playwright: Playwright, offline_proxy: CaptureProxy
) -> None:
    proxy = offline_proxy
    browser = launch(
        playwright,
        find_browser(playwright),
        proxy_server=proxy.server,
        noise_user=NOISE_CONTEXT,
        spki=proxy.spki,
    )
    try:
        own = browser.new_context(**context_options(proxy.server, VICTIM))
        own.new_page().goto("https://capture.test/next.html")
        impostor = browser.new_context(
            proxy={"server": proxy.server, "username": VICTIM, "password": "guessed"}
        )
        with pytest.raises(PlaywrightError):
            impostor.new_page().goto("https://capture.test/?impostor", timeout=10000)
        assert proxy.recorder.settle(VICTIM, 0.2, 5)
        urls = [f.request.pretty_url for f in proxy.recorder.flows(VICTIM)]
        assert "https://capture.test/next.html" in urls
        assert not any("impostor" in u for u in urls)
        own.close()
        impostor.close()
    finally:
        browser.close()
    secrets = {proxy.gate.issue(VICTIM), proxy.gate.issue(NOISE_CONTEXT), proxy.gate.issue("other")}
    assert len(secrets) == 3 and all(len(s) >= 32 for s in secrets)  # one random secret per user
