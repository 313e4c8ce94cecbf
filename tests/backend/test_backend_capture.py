"""The backend lane without a browser: the real proxy, a real backend process, real analytics-python.

The backend gets its own proxy login, the run CA's certificate (never the key), a loopback ingestion
endpoint that needs the run's secret; offline it reaches only the sinks, and the site's backend
prefixes reach it alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from probe.capture import BACKEND_CONTEXT, CaptureProxy, Router
from probe.netaddr import free_port
from probe.runner.backend import BackendError, BackendProcess, kill_all
from probe.suite import Backend

APP = Path(__file__).resolve().parent / "app.py"
PREFIX = "https://shop.test/api/"


def spec(**extra: object) -> Backend:
    return Backend.model_validate({"command": [sys.executable, str(APP)], "forward": [PREFIX], **extra})


@pytest.fixture
def lane(tmp_path: Path) -> Iterator[tuple[CaptureProxy, BackendProcess]]:
    """An offline proxy whose shop.test/api/ prefix goes to a started backend."""
    address = ("127.0.0.1", free_port())
    router = Router(sinks=["api.segmentapis.com"], offline=True, backend_prefixes=[PREFIX], backend_address=address)
    with CaptureProxy(router) as proxy:
        backend = BackendProcess(spec(), address, tmp_path, tmp_path)
        backend.start(proxy)
        try:
            yield proxy, backend
        finally:
            backend.stop()


def backend_session(backend: BackendProcess) -> requests.Session:
    """A requests session configured only by the backend's environment, as its libraries would be."""
    session = requests.Session()
    session.trust_env = False
    session.proxies = {"http": backend.env["HTTP_PROXY"], "https": backend.env["HTTPS_PROXY"]}
    session.verify = backend.env["REQUESTS_CA_BUNDLE"]
    return session


def urls(proxy: CaptureProxy, user: str) -> list[tuple[str, str, int, str]]:
    return [
        (f.request.method, f.request.pretty_url, f.response.status_code if f.response else 0,
         f.metadata["probe"]["served"])
        for f in proxy.recorder.flows(user)
    ]


def test_the_backend_gets_the_ca_certificate_never_the_key(lane: tuple[CaptureProxy, BackendProcess]) -> None:
    proxy, backend = lane
    files = {backend.env[k] for k in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")}
    assert len(files) == 1
    ca_file = Path(files.pop())
    text = ca_file.read_text(encoding="ascii")
    assert text.count("BEGIN CERTIFICATE") == 1 and "PRIVATE KEY" not in text
    assert proxy.confdir not in ca_file.parents  # it does not even learn where the key lies
    assert not [v for v in backend.env.values() if str(proxy.confdir) in v]
    assert backend.env["HTTPS_PROXY"].startswith(f"http://{BACKEND_CONTEXT}:")
    assert backend.env["NO_PROXY"] == "127.0.0.1,localhost,::1"
    assert backend.env["PORT"] == str(backend.address[1])


def test_the_backends_analytics_python_is_recorded_under_its_own_user(
    lane: tuple[CaptureProxy, BackendProcess],
) -> None:
    proxy, backend = lane
    code = (
        "from segment.analytics import Client\n"
        "c = Client('KEY', sync_mode=True)\n"
        "c.track(anonymous_id='anon-1', event='Order Completed')\n"
    )
    env = {**os.environ, **backend.env}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert urls(proxy, BACKEND_CONTEXT) == [("POST", "https://api.segment.io/v1/batch", 200, "sink")]


def test_the_proxy_wants_the_backends_login(lane: tuple[CaptureProxy, BackendProcess]) -> None:
    proxy, backend = lane
    anonymous = requests.post("http://api.segment.io/v1/batch", proxies={"http": proxy.server}, timeout=10)
    assert anonymous.status_code == 407
    wrong = backend.env["HTTP_PROXY"].replace(f"{BACKEND_CONTEXT}:", f"{BACKEND_CONTEXT}:x")
    assert requests.post("http://api.segment.io/v1/batch", proxies={"http": wrong}, timeout=10).status_code == 407
    assert proxy.recorder.flows(BACKEND_CONTEXT) == []  # strangers are not recorded
    assert backend_session(backend).post("https://api.segment.io/v1/batch", json={}, timeout=10).status_code == 200


def test_offline_the_backend_reaches_only_the_sinks(lane: tuple[CaptureProxy, BackendProcess]) -> None:
    proxy, backend = lane
    session = backend_session(backend)
    regulation = session.post(
        "https://api.segmentapis.com/regulations",
        json={"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": ["u1"]},
        timeout=10,
    )
    assert regulation.status_code == 200 and len(regulation.json()["data"]["regulateId"]) == 27
    assert session.get("https://elsewhere.example/collect", timeout=10).status_code == 502
    # the backend's own address is not a route: only the site's prefixes reach it
    assert session.get(f"{backend.url}/api/x", timeout=10).status_code == 502
    assert urls(proxy, BACKEND_CONTEXT) == [
        ("POST", "https://api.segmentapis.com/regulations", 200, "sink"),
        ("GET", "https://elsewhere.example/collect", 502, "blocked"),
        ("GET", f"{backend.url}/api/x", 502, "blocked"),
    ]


def test_the_sites_prefix_goes_to_the_backend_with_its_own_host(
    lane: tuple[CaptureProxy, BackendProcess],
) -> None:
    proxy, backend = lane
    browser = requests.Session()
    browser.trust_env = False
    login = proxy.login("ctxA")
    server = login["server"].removeprefix("http://")
    browser.proxies = {"https": f"http://ctxA:{login['password']}@{server}"}
    browser.verify = backend.env["REQUESTS_CA_BUNDLE"]
    answer = browser.get("https://shop.test/api/hello?x=1", timeout=10)
    assert answer.json() == {"host": "shop.test", "path": "/api/hello?x=1"}
    assert browser.get("https://shop.test/apix", timeout=10).status_code == 502  # a whole segment only
    assert urls(proxy, "ctxA") == [
        ("GET", "https://shop.test/api/hello?x=1", 200, "backend"),
        ("GET", "https://shop.test/apix", 502, "blocked"),
    ]


def test_the_ingestion_endpoint_wants_the_runs_secret(lane: tuple[CaptureProxy, BackendProcess]) -> None:
    proxy, backend = lane
    host = backend.env["PROBE_SEGMENT_HOST"]
    assert host.startswith("http://127.0.0.1:") and host.count("/") == 3
    plain = requests.Session()
    plain.trust_env = False
    assert plain.post(f"{host}/v1/batch", json={"batch": []}, timeout=10).json() == {"success": True}
    base = host.rsplit("/", 1)[0]
    assert plain.post(f"{base}/guess/v1/batch", json={"batch": []}, timeout=10).status_code == 403
    assert plain.post(f"{base}/v1/batch", json={"batch": []}, timeout=10).status_code == 403
    assert urls(proxy, BACKEND_CONTEXT) == [("POST", "https://api.segment.io/v1/batch", 200, "sink")]


def test_a_backend_that_crashes_at_start_is_named_with_its_last_words(tmp_path: Path) -> None:
    with CaptureProxy(Router(offline=True)) as proxy:
        backend = BackendProcess(spec(env={"BACKEND_MODE": "crash"}), ("127.0.0.1", free_port()), tmp_path, tmp_path)
        with pytest.raises(BackendError) as caught:
            backend.start(proxy)
    where = f"127.0.0.1:{backend.address[1]}"
    assert str(caught.value) == (
        f"backend exited with code 3 before it listened on {where} (backend.log: backend: cannot open the database)"
    )
    assert (tmp_path / "backend.log").read_text(encoding="utf-8") == "backend: cannot open the database\n"


def test_a_backend_that_never_listens_is_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    with CaptureProxy(Router(offline=True)) as proxy:
        backend = BackendProcess(
            spec(env={"BACKEND_MODE": "silent"}, ready_timeout_ms=1500), ("127.0.0.1", free_port()), tmp_path, tmp_path
        )
        with pytest.raises(BackendError) as caught:
            backend.start(proxy)
    assert str(caught.value) == (
        f"backend did not listen on 127.0.0.1:{backend.address[1]} within 1.5 s (see {tmp_path / 'backend.log'})"
    )
    assert not pid_file.exists()


def test_stopping_the_backend_leaves_no_orphan(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    address = ("127.0.0.1", free_port())
    with CaptureProxy(Router(offline=True, backend_prefixes=[PREFIX], backend_address=address)) as proxy:
        backend = BackendProcess(
            spec(env={"BACKEND_MODE": "spawn", "CHILD_PID_FILE": str(pid_file)}), address, tmp_path, tmp_path
        )
        backend.start(proxy)
        child = int(pid_file.read_text())
        assert Path(f"/proc/{child}").exists()
        trust = Path(backend.env["SSL_CERT_FILE"]).parent
        backend.stop()
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]
    assert not trust.exists()  # the certificate copy goes with it
    assert backend.crashed() is None


def test_a_hard_stop_kills_the_backend_and_its_children(tmp_path: Path) -> None:
    # probe exiting at once (a second Ctrl-C) skips the usual clean-up: interrupts calls kill_all
    pid_file = tmp_path / "child.pid"
    address = ("127.0.0.1", free_port())
    with CaptureProxy(Router(offline=True, backend_prefixes=[PREFIX], backend_address=address)) as proxy:
        backend = BackendProcess(
            spec(env={"BACKEND_MODE": "spawn", "CHILD_PID_FILE": str(pid_file)}), address, tmp_path, tmp_path
        )
        backend.start(proxy)
        child = int(pid_file.read_text())
        kill_all()
        deadline = time.monotonic() + 10
        while backend.crashed() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend.crashed() == f"backend exited with signal 9 during the run (see {tmp_path / 'backend.log'})"
        backend.stop()
    assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]


def test_a_backend_the_user_started_is_told_its_environment(tmp_path: Path) -> None:
    from http.server import HTTPServer, SimpleHTTPRequestHandler
    from threading import Thread

    from probe.runner.run import router_for
    from probe.runner.server_side import BackendLane
    from probe.suite import Suite

    server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    suite = Suite.model_validate(
        {
            "name": "shop",
            "start_url": "https://shop.test/",
            "categories": {"necessary": {"required": True}, "analytics": {}, "marketing": {}},
            "backend": {"address": f"127.0.0.1:{port}", "forward": [PREFIX]},
        }
    )
    lines: list[str] = []
    side = BackendLane(suite, tmp_path, lines.append)
    assert side.address == ("127.0.0.1", port)
    try:
        with CaptureProxy(router_for(suite, backend=side.address)) as proxy:
            side.start(proxy)
            env = side.process.env
            side.finish(proxy)
    finally:
        server.shutdown()
    assert lines == [f"backend: expecting it at http://127.0.0.1:{port}; give it this environment:"] + [
        f"  {key}={env[key]}" for key in sorted(env)
    ]
    assert {"HTTPS_PROXY", "SSL_CERT_FILE", "PROBE_SEGMENT_HOST", "NO_PROXY"} <= set(env)
    assert not (tmp_path / "backend.log").exists()  # probe started nothing
