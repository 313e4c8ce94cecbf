"""Routing fails closed: route URLs match whole hosts and path segments, and any error is a local 502."""

from __future__ import annotations

from pathlib import Path

import pytest
from mitmproxy.test import taddons, tflow, tutils

from probe.capture import Recorder, Router
from probe.capture.routing import Answer
from probe.suite import Route
from tests.capture.test_addon import make_flow, run


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>shop</h1>")
    (tmp_path / "site" / "x.js").write_text("x")
    return tmp_path / "site"


@pytest.mark.parametrize(
    ("url", "served"),
    [
        ("https://shop.test/", "local"),
        ("https://shop.test", "local"),
        ("https://shop.test/index.html", "local"),
        ("https://shop.test.attacker.example/", "blocked"),
        ("https://shop.test.attacker.example/index.html", "blocked"),
        ("https://shop.testx/", "blocked"),
        ("https://x.shop.test/", "blocked"),
        ("http://shop.test/", "blocked"),  # another scheme is another origin
        ("https://shop.test:8443/", "blocked"),  # so is another port
    ],
)
def test_a_route_without_a_trailing_slash_matches_its_host_only(site: Path, url: str, served: str) -> None:
    rec = Recorder(Router([Route(url="https://shop.test", dir=site)]))
    flow = run(rec, make_flow(url))
    assert flow.metadata["probe"]["served"] == served, url
    if served == "blocked":
        assert flow.response.status_code == 502


def test_a_file_route_matches_whole_path_segments(site: Path) -> None:
    router = Router(
        [
            Route(url="https://shop.test/vendor/x.js", file=site / "x.js"),
            Route(url="https://shop.test/", dir=site),
        ]
    )
    rec = Recorder(router)
    exact = run(rec, make_flow("https://shop.test/vendor/x.js?v=2"))
    longer = run(rec, make_flow("https://shop.test/vendor/x.js.map"))
    assert (exact.response.status_code, exact.response.content) == (200, b"x")
    assert longer.response.status_code == 404  # the dir route answers it: no such file


def test_a_glob_stays_inside_the_path(site: Path) -> None:
    rec = Recorder(Router([Route(url="https://cdn.test/v1/*/a.js", file=site / "x.js")]))
    assert run(rec, make_flow("https://cdn.test/v1/KEY/a.js")).metadata["probe"]["served"] == "local"
    other = run(rec, make_flow("https://cdn.test.evil.example/v1/KEY/a.js"))
    assert other.metadata["probe"]["served"] == "blocked"


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/x%00y", "a NUL byte in the path"),
        ("/..%2f..%2fsecret", "the path leaves the route's folder"),
        ("/%2e%2e/%2e%2e/etc/passwd", "the path leaves the route's folder"),
        ("/" + "a" * 5000, "routing failed: OSError"),
    ],
)
def test_hostile_paths_are_blocked_with_a_reason(site: Path, path: str, reason: str) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/", dir=site)]))
    flow = run(rec, make_flow("https://shop.test" + path))
    meta = flow.metadata["probe"]
    assert (flow.response.status_code, meta["served"], meta["blocked"]) == (502, "blocked", True)
    assert meta["reason"].startswith(reason)


@pytest.mark.parametrize("method", ["PROPFIND", "TRACE", "FOO", "CONNECT"])
def test_offline_refuses_methods_no_static_site_or_sink_answers(site: Path, method: str) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/", dir=site)], ["collect.test"]))
    for url in ("https://shop.test/", "https://collect.test/e"):
        flow = run(rec, make_flow(url, method=method))
        assert flow.metadata["probe"]["served"] == "blocked"
        assert flow.metadata["probe"]["reason"] == f"method {method!r} is not served offline"


def test_offline_refuses_protocol_upgrades(site: Path) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/", dir=site)]))
    flow = run(
        rec, make_flow("https://shop.test/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    )
    assert flow.metadata["probe"]["served"] == "blocked"


def test_a_host_header_that_is_not_the_destination_is_blocked(site: Path) -> None:
    for router in (Router([Route(url="https://shop.test/", dir=site)]), Router(offline=False)):
        rec = Recorder(router)
        flow = make_flow("https://elsewhere.example/")
        flow.request.headers["Host"] = "shop.test"
        run(rec, flow)
        assert flow.metadata["probe"]["served"] == "blocked", router.offline
        assert flow.metadata["probe"]["reason"].startswith("Host header 'shop.test'")


class Exploding(Router):
    def answer(self, method: str, url: str, headers: dict[str, str]) -> Answer | None:
        raise RuntimeError("a bug in routing")


@pytest.mark.parametrize("offline", [True, False])
def test_an_exception_in_routing_is_a_local_502_in_both_modes(offline: bool) -> None:
    rec = Recorder(Exploding(offline=offline))
    flow = run(rec, make_flow("https://shop.test/"))
    assert flow.response.status_code == 502
    assert flow.metadata["probe"]["served"] == "blocked"
    assert flow.metadata["probe"]["reason"] == "routing failed: RuntimeError: a bug in routing"


def test_offline_a_request_is_refused_from_its_first_hook_until_routing_answers(site: Path) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/", dir=site)]))
    flow = make_flow("https://shop.test/")
    with taddons.context(rec):
        rec.requestheaders(flow)
    # had the request hook never run (an addon error, a client that stops mid-body) this stands
    assert (flow.response.status_code, flow.metadata["probe"]["served"]) == (502, "blocked")
    with taddons.context(rec):
        rec.request(flow)
    assert (flow.response.status_code, flow.metadata["probe"]["served"]) == (200, "local")


def test_offline_an_answer_routing_did_not_give_is_replaced(site: Path) -> None:
    rec = Recorder(Router([Route(url="https://shop.test/", dir=site)]))
    flow = make_flow("https://shop.test/")
    with taddons.context(rec):
        rec.requestheaders(flow)
        flow.metadata["probe"]["answered"] = False  # as if a response had come from anywhere but routing
        flow.response = tutils.tresp(status_code=200, content=b"from upstream")
        rec.responseheaders(flow)
    assert (flow.response.status_code, flow.metadata["probe"]["served"]) == (502, "blocked")


def test_flows_of_unverified_users_are_never_recorded_nor_forwarded() -> None:
    rec = Recorder(Router(offline=False))
    flow = tflow.tflow()  # no proxyauth metadata: the gate did not admit it
    with taddons.context(rec):
        rec.requestheaders(flow)
        rec.request(flow)
    assert rec.flows(None) == [] and "probe" not in flow.metadata
    assert flow.response is not None and flow.response.status_code == 407


def test_live_upstream_failures_are_told_once_per_origin_and_cause_and_client_aborts_not_at_all() -> None:
    from mitmproxy.flow import Error

    said: list[str] = []
    rec = Recorder(Router(offline=False), report=said.append)
    for message in ("Certificate verify failed: x", "Certificate verify failed: x", "Client disconnected."):
        flow = make_flow("https://staging.test/")
        with taddons.context(rec):
            rec.requestheaders(flow)
            rec.request(flow)
            flow.error = Error(message)
            rec.error(flow)
        assert flow.metadata["probe"]["served"] == "error"
    assert said == [
        "upstream error: https://staging.test:443: Certificate verify failed: x (trust its CA with --upstream-ca FILE)"
    ]
