"""Offline means offline: hostile requests through the real proxy never reach a real local server.

The upstream here is a real server on 127.0.0.1 that counts connections, and the suite's route serves
its very origin from a folder: before the hardening, a ``fetch('/x%00y')`` made routing raise and
mitmproxy forwarded the request to that server, recorded as ``served: upstream``. Each hostile request
below, from a real Chromium page and from raw sockets with a valid proxy login, must be answered by the
proxy and recorded as blocked, and the server must see no connection at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from probe.browser import context_options, find_browser, launch
from probe.capture import NOISE_CONTEXT, CaptureProxy, Router
from probe.evidence.har_writer import build_har
from probe.suite import Route
from tests.capture.servers import CountingUpstream, basic, exchange, status_of

pytestmark = pytest.mark.e2e

PAGE_USER, RAW_USER = "hostile-page", "hostile-raw"


@pytest.fixture(scope="module")
def upstream() -> Iterator[CountingUpstream]:
    server = CountingUpstream()
    yield server
    server.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("<!doctype html><title>routed</title><h1>routed</h1>")
    (root / "secret.txt").write_text("outside the route's folder")
    return root / "site"


@pytest.fixture(scope="module")
def proxy(upstream: CountingUpstream, site: Path) -> Iterator[CaptureProxy]:
    # the route serves the upstream's own origin, as in the report; the look-alike route has no slash
    routes = [
        Route(url=f"http://127.0.0.1:{upstream.port}/", dir=site),
        Route(url="https://shop.test", dir=site),
    ]
    with CaptureProxy(Router(routes)) as running:
        yield running


def _entries(proxy: CaptureProxy, user: str) -> list[dict[str, Any]]:
    har = build_har(
        proxy.recorder.flows(user),
        [{"phase": "before-consent", "at": 0}],
        scenario=user,
        context=user,
        browser=("chromium", "test"),
    )
    return har["log"]["entries"]


PAGE_FETCHES = """async ([up]) => {
  const hostile = [
    ['/x%00y', {}],
    ['/..%2f..%2fsecret.txt', {}],
    ['/a/..%2f..%2f..%2fsecret.txt', {}],
    ['/' + 'a'.repeat(5000), {}],
    ['/', {method: 'PROPFIND'}],
    ['/x', {method: 'FOO'}],
    [`http://localhost:${up}/`, {mode: 'no-cors'}],
    [`https://127.0.0.1:${up}/x%00y`, {mode: 'no-cors'}],
    [`https://127.0.0.1:${up}/`, {mode: 'no-cors', method: 'POST', body: 'x'}],
    ['https://shop.test.attacker.example/', {mode: 'no-cors'}],
    ['https://shop.test.attacker.example/index.html', {mode: 'no-cors'}],
  ];
  const out = [];
  for (const [url, init] of hostile) {
    try { const r = await fetch(url, init); out.push([url, r.status]); }
    catch (e) { out.push([url, String(e)]); }
  }
  await new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${up}/ws`);
    ws.onopen = ws.onerror = ws.onclose = () => resolve(null);
  });
  return out;
}"""


def test_hostile_page_requests_are_blocked_and_never_reach_the_upstream(
    playwright: Playwright, proxy: CaptureProxy, upstream: CountingUpstream
) -> None:
    browser = launch(
        playwright,
        find_browser(playwright),
        proxy_server=proxy.server,
        noise_user=NOISE_CONTEXT,
        spki=proxy.spki,
    )
    try:
        context = browser.new_context(**context_options(proxy.server, PAGE_USER))
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{upstream.port}/")
        assert page.title() == "routed"  # the route answers its origin: the page is served locally
        results = page.evaluate(PAGE_FETCHES, [upstream.port])
        assert proxy.recorder.settle(PAGE_USER, 0.3, 10)
        context.close()
    finally:
        browser.close()

    assert upstream.connections == 0
    entries = _entries(proxy, PAGE_USER)
    first, hostile = entries[0], [e for e in entries[1:] if not e["request"]["url"].endswith("/favicon.ico")]
    assert (first["request"]["url"], first["_probe"]["served"]) == (
        f"http://127.0.0.1:{upstream.port}/",
        "local",
    )
    not_blocked = [(e["request"]["method"], e["request"]["url"][:80], e["_probe"]) for e in hostile
                   if e["_probe"]["served"] != "blocked" or not e["_probe"]["blocked"]]  # fmt: skip
    assert not_blocked == []
    assert all(e["response"]["status"] == 502 for e in hostile)
    # what the page sent arrived and was refused (Chromium answers some fetches from the 502 itself)
    urls = {e["request"]["url"] for e in hostile}
    up = upstream.port
    for expected in (
        f"http://127.0.0.1:{up}/x%00y",
        f"http://localhost:{up}/",
        f"https://127.0.0.1:{up}/x%00y",
        "https://shop.test.attacker.example/",
        f"http://127.0.0.1:{up}/ws",
    ):
        assert expected in urls, (expected, sorted(urls), results)
    reasons = {e["request"]["url"]: e["_probe"].get("reason") for e in hostile}
    origin = f"http://127.0.0.1:{up}"
    assert reasons[f"{origin}/x%00y"] == "a NUL byte in the path"
    assert reasons[f"{origin}/..%2f..%2fsecret.txt"] == "the path leaves the route's folder"
    assert reasons[f"{origin}/{'a' * 5000}"].startswith("routing failed: OSError")  # name too long
    assert reasons[f"{origin}/ws"] == "protocol upgrades (WebSocket) cannot be served offline"
    assert reasons[f"{origin}/"] == "method 'PROPFIND' is not served offline"
    assert reasons["https://shop.test.attacker.example/"] is None  # no route: the look-alike is no match
    assert {e["request"]["method"] for e in hostile} >= {"PROPFIND", "FOO", "POST", "GET"}
    assert any(e["request"]["httpVersion"] == "HTTP/2.0" for e in hostile)  # the TLS ones came over h2


def _login(proxy: CaptureProxy) -> bytes:
    return f"Proxy-Authorization: {basic(RAW_USER, proxy.gate.issue(RAW_USER))}\r\n".encode()


def test_hostile_raw_requests_with_a_valid_login_are_blocked_and_never_reach_the_upstream(
    proxy: CaptureProxy, upstream: CountingUpstream
) -> None:
    up, auth = upstream.port, _login(proxy)
    connect = f"CONNECT localhost:{up} HTTP/1.1\r\nHost: localhost:{up}\r\n".encode() + auth + b"\r\n"
    plain = [
        f"GET http://localhost:{up}/ HTTP/1.1\r\nHost: localhost:{up}\r\n",
        f"GET http://2130706433:{up}/ HTTP/1.1\r\nHost: 2130706433:{up}\r\n",
        f"GET http://0x7f000001:{up}/ HTTP/1.1\r\nHost: 0x7f000001:{up}\r\n",
        f"GET http://[::ffff:127.0.0.1]:{up}/ HTTP/1.1\r\nHost: [::ffff:127.0.0.1]:{up}\r\n",
        f"GET http://127.0.0.1:{up}/x%00y HTTP/1.1\r\nHost: 127.0.0.1:{up}\r\n",
        f"GET http://127.0.0.1:{up}/{'b' * 60000} HTTP/1.1\r\nHost: 127.0.0.1:{up}\r\n",
        f"FOO http://localhost:{up}/ HTTP/1.1\r\nHost: localhost:{up}\r\n",
        f"TRACE http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: 127.0.0.1:{up}\r\n",
        # the Host header names the routed origin, the request goes elsewhere
        f"GET http://localhost:{up}/ HTTP/1.1\r\nHost: 127.0.0.1:{up}\r\n",
        f"GET http://localhost:{up}/ws HTTP/1.1\r\nHost: localhost:{up}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
    ]
    replies = [exchange(proxy.port, line.encode() + auth + b"\r\n") for line in plain]
    assert [status_of(r) for r in replies] == [502] * len(plain), [r[:120] for r in replies]

    expect = exchange(
        proxy.port,
        f"POST http://localhost:{up}/ HTTP/1.1\r\nHost: localhost:{up}\r\nExpect: 100-continue\r\n".encode()
        + auth
        + b"Content-Length: 5\r\n\r\nhello",
    )
    assert (
        status_of(expect.split(b"\r\n\r\n", 1)[-1] if expect.startswith(b"HTTP/1.1 100") else expect) == 502
    )

    inside = f"GET / HTTP/1.1\r\nHost: localhost:{up}\r\n\r\n".encode()
    tunnelled = exchange(proxy.port, inside, tunnel=connect)
    tls = exchange(proxy.port, inside, tunnel=connect, tls_host="localhost")
    absolute_inside = exchange(
        proxy.port,
        f"GET http://127.0.0.1:{up}/ HTTP/1.1\r\nHost: localhost:{up}\r\n\r\n".encode(),
        tunnel=connect,
    )
    assert [status_of(r) for r in (tunnelled, tls, absolute_inside)] == [502, 502, 502]
    # bytes in a tunnel that are not HTTP are not relayed; nor is a CONNECT inside a tunnel
    garbage = exchange(proxy.port, b"\x00\x01binary, not http\r\n\r\n", tunnel=connect)
    nested = exchange(proxy.port, f"CONNECT 127.0.0.1:{up} HTTP/1.1\r\n\r\n".encode(), tunnel=connect)
    assert status_of(garbage) in (0, 400, 502) and status_of(nested) in (0, 400, 502)
    assert proxy.recorder.settle(RAW_USER, 0.2, 5)

    assert upstream.connections == 0
    entries = _entries(proxy, RAW_USER)
    assert len(entries) >= len(plain) + 4
    assert [e["_probe"]["served"] for e in entries] == ["blocked"] * len(entries)
    methods = {e["request"]["method"] for e in entries}
    assert methods >= {"GET", "POST", "FOO", "TRACE"}
    hosts = {e["request"]["url"].split("/")[2] for e in entries}
    assert {f"2130706433:{up}", f"0x7f000001:{up}", f"localhost:{up}"} <= hosts
    reasons = [e["_probe"].get("reason") or "" for e in entries]
    assert sum(r.startswith("Host header '127.0.0.1") for r in reasons) == 1  # routed name, other host
    assert not any(
        r.startswith("routing failed: ValueError") for r in reasons
    )  # IPv6 is routed, not an error
    for entry in entries:  # the login never lands in the evidence
        assert all(h["name"].lower() != "proxy-authorization" for h in entry["request"]["headers"])
