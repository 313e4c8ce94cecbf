"""Live mode's upstream settings: the trust bundle, the host mapping, what the evidence says."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from mitmproxy import connection
from mitmproxy.proxy import server_hooks

from probe.capture import CaptureProxy, ProxyError, Resolve, Router, Upstream, UpstreamError
from probe.capture.upstream import UpstreamMap
from tests.capture.servers import make_ca


def test_resolve_parses_host_address_and_port() -> None:
    assert Resolve.parse("Shop.Test.=127.0.0.1:8443") == Resolve("shop.test", "127.0.0.1", 8443)
    assert Resolve.parse("shop.test=10.0.0.5") == Resolve("shop.test", "10.0.0.5", None)
    assert Resolve.parse("shop.test=[::1]:443") == Resolve("shop.test", "::1", 443)
    for bad in ("shop.test", "=1.2.3.4", "shop.test=", "shop.test=1.2.3.4:99999"):
        with pytest.raises(UpstreamError):
            Resolve.parse(bad)


def test_the_trust_bundle_holds_the_system_store_and_the_extra_ca(tmp_path: Path) -> None:
    ca, _, _ = make_ca(tmp_path, ["staging.test"])
    bundle = Upstream(ca_files=(ca,)).write_trust(tmp_path)
    text = bundle.read_text()
    assert ca.read_text().strip() in text
    system = ssl.get_default_verify_paths().cafile
    if system and Path(system).is_file():
        first_system_cert = Path(system).read_text().split("-----END CERTIFICATE-----")[0]
        assert first_system_cert in text
    assert oct(bundle.stat().st_mode)[-3:] == "600"
    evidence = Upstream(ca_files=(ca,), resolve=(Resolve("shop.test", "127.0.0.1", 1),)).evidence()
    assert evidence["tls_verify"] is True
    assert evidence["extra_ca"][0]["subject"] == "CN=probe test staging CA"
    assert len(evidence["extra_ca"][0]["sha256"]) == 64
    assert evidence["resolve"] == {"shop.test": "127.0.0.1:1"}


def test_a_file_without_a_certificate_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_text("nope")
    with pytest.raises(UpstreamError, match="not a PEM certificate file"):
        Upstream(ca_files=(bad,)).extra_certificates()
    with pytest.raises(ProxyError, match="not a PEM certificate file"):
        CaptureProxy(Router(offline=False), upstream=Upstream(ca_files=(bad,)))


def test_upstream_options_are_refused_offline() -> None:
    with pytest.raises(ProxyError, match="apply to live mode only"):
        CaptureProxy(Router(), upstream=Upstream(insecure=True))


def test_the_map_moves_the_connection_and_keeps_the_name() -> None:
    mapper = UpstreamMap((Resolve("shop.test", "127.0.0.1", 8443),))
    server = connection.Server(address=("shop.test", 443))
    server.sni = "shop.test"
    mapper.server_connect(
        server_hooks.ServerConnectionHookData(
            server=server, client=connection.Client(peername=("127.0.0.1", 1), sockname=("127.0.0.1", 2))
        )
    )
    assert (server.address, server.sni) == (("127.0.0.1", 8443), "shop.test")
    other = connection.Server(address=("cdn.test", 443))
    mapper.server_connect(
        server_hooks.ServerConnectionHookData(
            server=other, client=connection.Client(peername=("127.0.0.1", 1), sockname=("127.0.0.1", 2))
        )
    )
    assert other.address == ("cdn.test", 443)


def test_the_evidence_says_which_mode_the_proxy_ran_in(tmp_path: Path) -> None:
    assert CaptureProxy(Router(), confdir=tmp_path).evidence() == {"mode": "offline"}
    live = CaptureProxy(Router(offline=False), confdir=tmp_path, upstream=Upstream(insecure=True)).evidence()
    assert live["mode"] == "live" and live["upstream"]["tls_verify"] is False
