"""The proxy gate: a random secret per proxy user, checked on CONNECT and on every plain request."""

from __future__ import annotations

import pytest
from mitmproxy.test import tflow

from probe.capture import auth
from probe.capture.auth import ProxyGate, parse_basic
from tests.capture.servers import basic


def connect(header: str | None) -> tflow.HTTPFlow:
    flow = tflow.tflow()
    flow.request.method = "CONNECT"
    if header is not None:
        flow.request.headers["Proxy-Authorization"] = header
    return flow


def test_a_user_gets_one_random_secret_for_the_run() -> None:
    gate = ProxyGate()
    first = gate.issue("ctxA")
    assert gate.issue("ctxA") == first and gate.issue("ctxB") != first
    assert len(first) >= 32
    assert ProxyGate().issue("ctxA") != first  # another run, another secret
    with pytest.raises(ValueError):
        gate.issue("a:b")


@pytest.mark.parametrize(
    "header",
    [
        None,
        basic("ctxA", "probe"),
        basic("ctxA", ""),
        basic("ctxB", "SECRET"),
        "Bearer x",
        "Basic !!",
        "Basic",
    ],
)
def test_anything_but_the_issued_secret_gets_a_407_and_no_user(header: str | None) -> None:
    gate = ProxyGate()
    gate.issue("ctxA")
    gate.issue("ctxB")
    if header is not None:
        header = header.replace("SECRET", gate.issue("ctxA"))  # ctxB's name with ctxA's secret
    flow = connect(header)
    gate.http_connect(flow)
    assert flow.response is not None and flow.response.status_code == 407
    assert flow.response.headers["Proxy-Authenticate"] == 'Basic realm="probe"'
    assert "proxyauth" not in flow.metadata


def test_a_verified_tunnel_tags_its_requests_and_drops_the_secret() -> None:
    gate = ProxyGate()
    flow = connect(basic("ctxA", gate.issue("ctxA")))
    gate.http_connect(flow)
    assert flow.response is None
    assert flow.metadata["proxyauth"] == ("ctxA", "")
    assert "Proxy-Authorization" not in flow.request.headers
    inside = tflow.tflow()
    inside.client_conn = flow.client_conn
    gate.requestheaders(inside)
    assert inside.response is None and inside.metadata["proxyauth"] == ("ctxA", "")


def test_a_plain_request_needs_its_own_login() -> None:
    gate = ProxyGate()
    anonymous = tflow.tflow()
    gate.requestheaders(anonymous)
    assert anonymous.response is not None and anonymous.response.status_code == 407
    logged_in = tflow.tflow()
    logged_in.request.headers["Proxy-Authorization"] = basic("_browser", gate.issue("_browser"))
    gate.requestheaders(logged_in)
    assert logged_in.response is None and logged_in.metadata["proxyauth"] == ("_browser", "")
    assert "Proxy-Authorization" not in logged_in.request.headers


def test_parse_basic() -> None:
    assert parse_basic(basic("u", "p:q")) == ("u", "p:q")
    assert parse_basic("basic " + basic("u", "p").split()[1]) == ("u", "p")
    assert parse_basic("Basic dXNlcg==") is None  # no colon
    assert parse_basic("Digest x") is None
    assert parse_basic("Basic") is None
    assert parse_basic("Basic é") is None  # not base64: refused, not raised


def test_basic_token_is_the_decoded_bytes_as_sent() -> None:
    assert auth.basic_token(basic("u", "p")) == b"u:p"
    assert auth.basic_token("Basic " + "w6k6cA==") == "é:p".encode()
    assert auth.basic_token("Basic " + "6TpwCg==") == b"\xe9:p\n"  # Latin-1: bytes, not text
    assert auth.basic_token("Bearer dTpw") is None
    assert auth.basic_token("Basic !!") is None


def ingest(gate: ProxyGate, path: str) -> tflow.HTTPFlow:
    flow = tflow.tflow()
    flow.request.path = path
    gate._check_ingestion(flow)
    return flow


def test_the_ingestion_path_must_start_with_the_whole_secret() -> None:
    gate = ProxyGate()
    prefix = gate.open_ingestion("_backend")
    admitted = ingest(gate, f"{prefix}/v1/batch")
    assert (admitted.response, admitted.request.path) == (None, "/v1/batch")
    assert admitted.metadata["proxyauth"] == ("_backend", "")
    for path in (
        "/v1/batch",
        f"{prefix}",  # nothing after it
        f"{prefix}x/v1/batch",
        f"{prefix[:-1]}/v1/batch",
        f"x{prefix[1:]}/v1/batch",  # the secret without its leading slash
        f"/{prefix}/v1/batch",
    ):
        refused = ingest(gate, path)
        assert refused.response is not None and refused.response.status_code == 403, path
        assert "proxyauth" not in refused.metadata, path
    assert ingest(ProxyGate(), f"{prefix}/v1/batch").response is not None  # no endpoint opened


def test_logins_are_found_by_server_only_while_the_proxy_runs() -> None:
    gate = ProxyGate()
    auth.register("http://127.0.0.1:1", gate)
    try:
        settings = auth.login("http://127.0.0.1:1", "ctxA")
        assert settings == {
            "server": "http://127.0.0.1:1",
            "username": "ctxA",
            "password": gate.issue("ctxA"),
        }
    finally:
        auth.unregister("http://127.0.0.1:1")
    with pytest.raises(LookupError):
        auth.login("http://127.0.0.1:1", "ctxA")
