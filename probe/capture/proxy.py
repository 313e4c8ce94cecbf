"""Running the capture proxy in-process, in a thread of its own, bound to loopback.

In-process rather than a mitmdump subprocess: it starts ten times faster, the runner reads flows and
sets phase marks directly (no IPC, one clock), and no orphan process can outlive a crashed test. A
thread rather than sharing Playwright's loop, because pytest-playwright's sync API owns the main thread.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from mitmproxy.options import Options
from mitmproxy.tools.dump import DumpMaster

from probe.capture import auth, ca
from probe.capture.addon import BACKEND_CONTEXT, Recorder, Report
from probe.capture.guard import OfflineGuard, offline_options
from probe.capture.routing import SEGMENT_INGEST_HOSTS, Router
from probe.capture.upstream import Upstream, UpstreamError, UpstreamMap
from probe.netaddr import LOOPBACK, HostPort, bracket, free_port, parse_hostport


class ProxyError(RuntimeError):
    """The capture proxy could not start."""


def listen_address(value: str) -> HostPort:
    """``HOST:PORT`` (IPv6 in brackets; port 0 for a free one) as (host, port); ValueError if not."""
    try:
        address: HostPort | None = parse_hostport(value)
    except ValueError:
        address = None
    if address is None or not address.host:
        raise ValueError(f"wants HOST:PORT (PORT 0 for a free one), not {value!r}")
    if address.host in ("0.0.0.0", "::"):
        # the address is also what the browser is told to use: it must be one the browser can reach
        raise ValueError(
            f"{address.host} is not an address a browser can connect to; name the interface's own"
        )
    return address


class CaptureProxy:
    """A mitmproxy DumpMaster with probe's addons, on 127.0.0.1 and a free port (or ``listen``).

    Addon order matters: the gate admits (or 407s) a request before the Recorder routes and records it;
    offline, the guard refuses every upstream connection; live, the upstream map places them.
    """

    def __init__(
        self,
        router: Router,
        *,
        confdir: Path | None = None,
        upstream: Upstream | None = None,
        report: Report | None = None,
        listen: tuple[str, int] | None = None,
    ) -> None:
        self.upstream = upstream or Upstream()
        # loopback unless the user names an address (a browser on another machine must reach it);
        # anywhere, only contexts holding this run's per-context secrets are served
        self.host, self._listen_port = listen or (LOOPBACK, 0)
        if router.offline and self.upstream.given:
            raise ProxyError(
                "--upstream-ca, --upstream-insecure and --resolve apply to live mode only "
                "(this run is offline: add --live)"
            )
        try:
            self.upstream.extra_certificates()  # a bad CA file stops the run before anything starts
        except UpstreamError as exc:
            raise ProxyError(str(exc)) from exc
        self.router = router
        self.gate = auth.ProxyGate()
        self.recorder = Recorder(router, report=report)
        self.confdir = confdir or ca.new_confdir()
        self._owns_confdir = confdir is None
        self.port = 0
        # a backend may be given a loopback Segment host instead of a proxy (probe.capture.auth)
        # a port of its own, not 0: mitmproxy refuses two listeners asking for port 0
        self._ingest_port = free_port() if router.backend_address is not None else 0
        self._master: DumpMaster | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    @property
    def server(self) -> str:
        """The proxy URL for Playwright's ``proxy={"server": ...}``."""
        return f"http://{bracket(self.host)}:{self.port}"

    @property
    def spki(self) -> str:
        """SPKI pin of this run's CA."""
        return ca.spki_hash(self.confdir)

    def login(self, user: str) -> dict[str, str]:
        """Playwright ``proxy=`` settings for one proxy user: this proxy, the user, its secret."""
        return {"server": self.server, "username": user, "password": self.gate.issue(user)}

    def ingestion_url(self) -> str | None:
        """A loopback Segment ingestion endpoint for libraries that take a host, not a proxy.

        ``http://127.0.0.1:PORT/<secret>``: a request under it is Segment's ingestion (api.segment.io)
        for the backend's proxy user; without the secret it is refused. None when there is no backend.
        """
        if not self._ingest_port:
            return None
        return f"http://{LOOPBACK}:{self._ingest_port}{self.gate.open_ingestion(BACKEND_CONTEXT)}"

    def evidence(self) -> dict[str, Any]:
        """How this proxy reached the site, for the HAR's ``log._probe``."""
        if self.router.offline:
            return {"mode": "offline"}
        return {"mode": "live", "upstream": self.upstream.evidence()}

    def _mode_options(self) -> dict[str, Any]:
        common: dict[str, Any] = {"http2": True, "proxyauth": None}  # the gate checks logins, not mitmproxy
        if self._ingest_port:
            # the listener stands for Segment's default ingestion host
            ingest_host = SEGMENT_INGEST_HOSTS[0]
            common["mode"] = ["regular", f"reverse:https://{ingest_host}@{LOOPBACK}:{self._ingest_port}"]
        if self.router.offline:
            return {**common, **offline_options(), "ssl_insecure": False}
        return {**common, **self.upstream.options(self.confdir)}

    def _check_listen(self) -> None:
        """A chosen address must be this machine's and free: said in one line, before mitmproxy tries.

        mitmproxy reports a failed bind by logging and leaving its loop, with no cause to pass on.
        """
        if (self.host, self._listen_port) == (LOOPBACK, 0):
            return
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self.host, self._listen_port, type=socket.SOCK_STREAM
            )[0]
            with socket.socket(family, kind, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's listener does
                sock.bind(address)
        except OSError as exc:
            raise ProxyError(
                f"--proxy-listen {bracket(self.host)}:{self._listen_port}: cannot listen there ({exc.strerror or exc})"
            ) from None

    def start(self) -> CaptureProxy:
        """Start the proxy thread and wait until it listens."""
        self._check_listen()
        self._thread = threading.Thread(target=self._run, name="probe-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise ProxyError("capture proxy did not start within 15 s")
        if self._failure is not None:
            raise ProxyError(f"capture proxy failed to start: {self._failure}") from self._failure
        ca.secure(self.confdir)
        auth.register(self.server, self.gate)
        return self

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start(); the thread must not die silently
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        opts = Options(listen_host=self.host, listen_port=self._listen_port, confdir=str(self.confdir))
        master = DumpMaster(opts, with_termlog=False, with_dumper=False)
        # Addon options exist only once DumpMaster has loaded its addons.
        opts.update(**self._mode_options())
        master.addons.add(self.gate, OfflineGuard(self.router.offline, self.router.backend_address))
        if not self.router.offline:
            master.addons.add(UpstreamMap(self.upstream.resolve))
        master.addons.add(self.recorder)
        self._master, self._loop = master, asyncio.get_running_loop()
        task = asyncio.create_task(master.run())
        server = master.addons.get("proxyserver")
        for _ in range(300):
            addrs = [a for s in server.servers if s.mode.type_name == "regular" for a in s.listen_addrs]
            if addrs:
                self.port = addrs[0][1]
                break
            if task.done():
                break
            await asyncio.sleep(0.01)
        # mitmproxy writes its CA in the `running` hook, which may come after the port is bound.
        for _ in range(500):
            if (self.confdir / ca.CA_CERT).is_file() or task.done():
                break
            await asyncio.sleep(0.01)
        if not self.port:
            self._failure = ProxyError("proxy server did not bind")
        elif not (self.confdir / ca.CA_CERT).is_file():
            self._failure = ProxyError(f"proxy wrote no CA certificate in {self.confdir}")
        self._ready.set()
        await task

    def stop(self) -> None:
        """Shut the proxy down and delete the run's CA if this proxy created it."""
        if self.port:
            auth.unregister(self.server)
        if self._master is not None and self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._master.shutdown)
        if self._thread is not None:
            self._thread.join(10)
        if self._owns_confdir:
            ca.discard(self.confdir)

    def __enter__(self) -> CaptureProxy:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


logging.getLogger("mitmproxy").setLevel(logging.WARNING)
