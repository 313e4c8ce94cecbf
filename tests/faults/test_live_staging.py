"""Live mode against a staging server: its own CA, basic auth, resets, WebSockets, through the real proxy.

The staging server is real HTTPS on 127.0.0.1 with a CA made for the test (``cryptography``), basic auth
on the site's host, and probe's own file routing serving the demo shop and its Segment CDN. The proxy
maps ``shop.test`` and ``cdn.segment.com`` to it (``Upstream.resolve``); the browser sees the real
names, and the proxy checks the staging certificate against those names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mitmproxy.test import tflow
from playwright.sync_api import Playwright

from probe.capture import CaptureProxy, Resolve, Router, Upstream
from probe.evidence.har_writer import MASKED_CREDENTIALS, build_har
from probe.judge import judge_bundle
from probe.runner import Runner
from probe.suite import Suite
from tests.capture.servers import ResettingUpstream, StagingServer, basic, exchange, status_of
from tests.conftest import read_har
from tests.faults.conftest import CREDENTIALS

pytestmark = pytest.mark.e2e

SITE = "https://shop.test"



def staging_suite(demo: Suite) -> Suite:
    """The demo shop as a staging site behind basic auth (the browser logs in through the URL)."""
    start = f"https://{CREDENTIALS}@shop.test/"
    return demo.model_copy(
        update={
            "name": "staging-shop",
            "start_url": start,
            "pages": [start, f"{SITE}/product.html"],
            "scenarios": [demo.scenario("accept_all")],
        }
    )


def upstream_for(staging: StagingServer, **options: Any) -> Upstream:
    resolve = tuple(Resolve(host, "127.0.0.1", staging.port) for host in ("shop.test", "cdn.segment.com"))
    return Upstream(resolve=resolve, **options)


def run_live(playwright: Playwright, suite: Suite, upstream: Upstream, out: Path) -> tuple[Any, list[str]]:
    said: list[str] = []
    with Runner(
        playwright, suite, live=True, sink_segment=True, upstream=upstream, progress=said.append
    ) as runner:
        run = runner.run_scenario(suite.scenario("accept_all"), out)
    return run, said


def test_without_the_staging_ca_the_run_stops_with_the_tls_cause_in_the_evidence(
    playwright: Playwright, demo_suite: Suite, staging: StagingServer, tmp_path: Path
) -> None:
    run, said = run_live(
        playwright, staging_suite(demo_suite), upstream_for(staging), tmp_path / "accept_all"
    )
    assert run.error is not None and run.error.startswith("site unreachable: https://")
    cause = [line for line in said if line.startswith("upstream error: https://shop.test:443")]
    assert len(cause) == 1 and "certificate verify failed" in cause[0].lower(), said
    assert cause[0].endswith("(trust its CA with --upstream-ca FILE)")
    har = read_har(run.evidence_dir)
    page = next(e for e in har["log"]["entries"] if e["request"]["url"].startswith(SITE))
    assert page["_probe"]["served"] == "error"
    assert "certificate verify failed" in page["_probe"]["error"].lower()
    assert page["response"]["_error"] == page["_probe"]["error"]
    assert har["log"]["_probe"]["mode"] == "live"
    assert har["log"]["_probe"]["upstream"]["tls_verify"] is True
    assert judge_bundle(run.evidence_dir).result.status == "error"
    # the scenario's one-line cause is the upstream's, never "blocked by offline mode"
    assert "offline mode" not in run.error and "staging-pass" not in run.error  # no basic-auth password
    assert "(upstream error: " in run.error and "certificate verify failed" in run.error.lower()


def test_with_the_staging_ca_the_scenario_runs_end_to_end_and_passes(
    playwright: Playwright, demo_suite: Suite, staging: StagingServer, tmp_path: Path
) -> None:
    upstream = upstream_for(staging, ca_files=(staging.ca,))
    run, said = run_live(playwright, staging_suite(demo_suite), upstream, tmp_path / "accept_all")
    assert run.error is None, (run.error, said)
    judged = judge_bundle(run.evidence_dir)
    assert (judged.result.status, judged.result.findings) == ("pass", [])
    har = read_har(run.evidence_dir)
    served = {e["request"]["url"].split("?")[0]: e["_probe"]["served"] for e in har["log"]["entries"]}
    assert served[f"{SITE}/"] == "upstream"
    assert served[f"{SITE}/product.html"] == "upstream"
    assert any(u.startswith("https://cdn.segment.com/") and s == "upstream" for u, s in served.items())
    assert any(u.startswith("https://api.segment.io/v1/") and s == "sink" for u, s in served.items())
    assert not any(s == "error" for s in served.values())
    trust = har["log"]["_probe"]["upstream"]
    assert trust["tls_verify"] is True
    assert [ca["subject"] for ca in trust["extra_ca"]] == ["CN=probe test staging CA"]
    assert trust["resolve"] == {
        "shop.test": f"127.0.0.1:{staging.port}",
        "cdn.segment.com": f"127.0.0.1:{staging.port}",
    }


def test_upstream_insecure_is_said_loudly_and_recorded(
    playwright: Playwright, demo_suite: Suite, staging: StagingServer, tmp_path: Path
) -> None:
    said: list[str] = []
    suite = staging_suite(demo_suite)
    upstream = upstream_for(staging, insecure=True)
    with Runner(playwright, suite, live=True, upstream=upstream, progress=said.append) as runner:
        context = runner.new_context("insecure")
        page = context.new_page()
        response = page.goto(f"https://{CREDENTIALS}@shop.test/")
        assert response is not None and response.status == 200
        context.close()
        runner.save_evidence(
            tmp_path,
            user="insecure",
            scenario="insecure",
            phases=[{"phase": "before-consent", "at": 0}],
            started=0,
        )
    assert said[0].startswith("WARNING: --upstream-insecure: upstream TLS certificates are NOT verified")
    har = read_har(tmp_path)
    assert har["log"]["_probe"]["upstream"]["tls_verify"] is False


def test_websocket_messages_are_recorded_like_devtools(
    playwright: Playwright, demo_suite: Suite, staging: StagingServer, tmp_path: Path
) -> None:
    upstream = upstream_for(staging, ca_files=(staging.ca,))
    with Runner(playwright, staging_suite(demo_suite), live=True, upstream=upstream) as runner:
        context = runner.new_context("ws")
        page = context.new_page()
        page.goto(f"https://{CREDENTIALS}@shop.test/ws.html")
        page.wait_for_function("window.echoes.length === 2", timeout=10000)
        context.close()
        assert runner.proxy.recorder.settle("ws", 0.2, 5)
        flows = runner.proxy.recorder.flows("ws")
    har = build_har(
        flows, [{"phase": "before-consent", "at": 0}], scenario="ws", context="ws", browser=("chromium", "x")
    )
    (socket,) = [e for e in har["log"]["entries"] if "_webSocketMessages" in e]
    assert socket["request"]["url"] == f"{SITE}/ws"
    assert (socket["response"]["status"], socket["_resourceType"]) == (101, "websocket")
    messages = [(m["type"], m["opcode"], m["data"]) for m in socket["_webSocketMessages"]]
    assert messages[:4] == [
        ("send", 1, "hello"),
        ("send", 2, "AQID"),
        ("receive", 1, "echo: hello"),
        ("receive", 2, "AQID"),
    ] or sorted(messages[:4]) == sorted(
        [("send", 1, "hello"), ("send", 2, "AQID"), ("receive", 1, "echo: hello"), ("receive", 2, "AQID")]
    )
    times = [m["time"] for m in socket["_webSocketMessages"]]
    assert times == sorted(times) and all(isinstance(t, float) for t in times)
    json.dumps(har)  # the whole entry is plain JSON


def test_an_upstream_that_resets_mid_body_is_recorded_with_its_error() -> None:
    upstream = ResettingUpstream()
    try:
        with CaptureProxy(Router(offline=False)) as proxy:
            login = f"Proxy-Authorization: {basic('live', proxy.gate.issue('live'))}\r\n"
            target = f"127.0.0.1:{upstream.port}"
            reply = exchange(
                proxy.port, f"GET http://{target}/big HTTP/1.1\r\nHost: {target}\r\n{login}\r\n".encode()
            )
            assert status_of(reply) == 502  # never a clean 200 to the page
            assert proxy.recorder.settle("live", 0.1, 5)
            har = build_har(
                proxy.recorder.flows("live"),
                [{"phase": "before-consent", "at": 0}],
                scenario="reset",
                context="live",
                browser=("chromium", "x"),
            )
    finally:
        upstream.close()
    (entry,) = har["log"]["entries"]
    assert upstream.connections == 1
    assert entry["_probe"]["served"] == "error"
    assert entry["_probe"]["error"] and entry["response"]["_error"] == entry["_probe"]["error"]
    assert entry["response"]["status"] in (0, 200)  # the headers may have arrived; the body did not


def test_only_the_runs_own_basic_auth_login_is_masked_in_the_har() -> None:
    login = tflow.tflow(resp=True)
    login.request.headers["Authorization"] = basic("probe", "staging-pass")
    segment = tflow.tflow(resp=True)  # analytics-next: Basic <writeKey>: (the rules read the key there)
    segment.request.headers["authorization"] = basic("DEMOWRITEKEY", "")
    other = tflow.tflow(resp=True)  # the same user with another password is not this run's login
    other.request.headers["Authorization"] = basic("probe", "other-pass")
    for flow in (login, segment, other):
        flow.metadata["probe"] = {"context": "c", "served": "upstream"}
    har = build_har(
        [login, segment, other],
        [{"phase": "before-consent", "at": 0}],
        scenario="s",
        context="c",
        browser=("chromium", "x"),
        credentials=("probe", "staging-pass"),
    )
    auth = [
        next(h["value"] for h in e["request"]["headers"] if h["name"].lower() == "authorization")
        for e in har["log"]["entries"]
    ]
    assert auth == [MASKED_CREDENTIALS, basic("DEMOWRITEKEY", ""), basic("probe", "other-pass")]
    assert har["log"]["_probe"]["http_credentials"] == {"masked": 1, "as": MASKED_CREDENTIALS}
    assert "staging-pass" not in json.dumps(har)



def test_the_staging_login_is_offered_only_to_the_sites_origin() -> None:
    from probe.browser import context_options
    from probe.runner.run import _origin

    origin = _origin("https://user:pw@Shop.test:8443/product.html?x=1")
    with CaptureProxy(Router([], [], offline=True)) as proxy:  # context options need a running proxy's login
        options = context_options(
            proxy.server, "ctx", http_credentials=("user", "pw"), credentials_origin=origin
        )
    # a third party's 401 challenge must not get the staging password
    assert options["http_credentials"] == {"username": "user", "password": "pw", "origin": "https://shop.test:8443"}
