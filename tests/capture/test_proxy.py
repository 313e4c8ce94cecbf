"""The proxy's lifecycle and security: loopback only, a private per-run CA that does not outlive the run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from probe.capture import CaptureProxy, Router
from probe.capture.ca import CA_CERT, CA_KEY


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path


def test_binds_loopback_with_a_private_per_run_ca(state_home: Path) -> None:
    with CaptureProxy(Router()) as proxy:
        assert proxy.server.startswith("http://127.0.0.1:")
        assert proxy._master is not None
        listening = proxy._master.addons.get("proxyserver").listen_addrs()
        assert [addr[0] for addr in listening] == ["127.0.0.1"]  # never 0.0.0.0
        assert proxy.confdir.parent == state_home / "probe" / "ca"
        assert stat.S_IMODE(proxy.confdir.stat().st_mode) == 0o700
        for pem in proxy.confdir.glob("*.pem"):
            assert stat.S_IMODE(pem.stat().st_mode) == 0o600, pem.name
        assert (proxy.confdir / CA_KEY).is_file() and (proxy.confdir / CA_CERT).is_file()
        assert len(proxy.spki) == 44  # base64 of a sha256
        confdir = proxy.confdir
    assert not confdir.exists(), "the run's CA key must not outlive the run"


def test_each_run_gets_its_own_ca(state_home: Path) -> None:
    with CaptureProxy(Router()) as first, CaptureProxy(Router()) as second:
        assert first.confdir != second.confdir
        assert first.spki != second.spki
