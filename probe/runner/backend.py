"""The site's backend: started for the run (or started by the user), reaching the world through the proxy.

probe gives it a proxy user of its own (``_backend``) with a secret made for the run, and the
environment the common runtimes read: ``HTTPS_PROXY`` / ``HTTP_PROXY`` with that login, ``NO_PROXY``
for loopback, and the run CA's certificate (never its key) as ``SSL_CERT_FILE``,
``REQUESTS_CA_BUNDLE`` and ``NODE_EXTRA_CA_CERTS``. A command runs in its own process group, so
stopping it leaves no orphan; its output goes to ``backend.log`` in the run folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from probe import interrupts
from probe.capture import BACKEND_CONTEXT, CaptureProxy
from probe.capture.ca import CA_CERT
from probe.netaddr import LOOPBACK, LOOPBACK_HOSTS, HostPort, bracket, free_port, parse_hostport
from probe.suite import Backend

LOG_NAME = "backend.log"
STOP_GRACE_S = 5.0
_groups: set[int] = set()  # process groups of running backends: killed even when probe must stop at once


def kill_all() -> None:
    """Kill every backend still running (probe is exiting without its usual clean-up)."""
    for group in list(_groups):
        with contextlib.suppress(OSError):
            os.killpg(group, signal.SIGKILL)


interrupts.at_stop_now(kill_all)


class BackendError(RuntimeError):
    """The backend could not be started, or stopped answering: the run cannot be judged."""


def address_of(spec: Backend) -> HostPort:
    """Where the backend listens: the suite's address, or a free loopback port for its command."""
    if spec.address is None:
        return HostPort(LOOPBACK, free_port())
    host, port = parse_hostport(spec.address)  # checked when the suite loaded
    return HostPort(LOOPBACK if host == "localhost" else host, port)


class BackendProcess:
    """The backend of one run: its environment, its process (when probe starts it), its log."""

    def __init__(self, spec: Backend, address: tuple[str, int], base: Path, log_dir: Path) -> None:
        self.spec, self.address, self.base = spec, address, base
        self.log_path = log_dir / LOG_NAME
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._trust_dir: Path | None = None
        self.env: dict[str, str] = {}

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{bracket(self.address[0])}:{self.address[1]}"

    def environment(self, proxy: CaptureProxy) -> dict[str, str]:
        """What the backend needs to reach Segment through the proxy (the secret is in the proxy URL)."""
        if self.env:
            return self.env  # made once: the certificate copy is deleted by stop()
        login = proxy.login(BACKEND_CONTEXT)
        host = login["server"].removeprefix("http://")
        proxy_url = f"http://{login['username']}:{login['password']}@{host}"
        # a copy of the certificate alone, outside the confdir: the backend never learns where the key is
        self._trust_dir = Path(tempfile.mkdtemp(prefix="probe-backend-"))
        ca_file = self._trust_dir / "probe-run-ca.pem"
        shutil.copyfile(proxy.confdir / CA_CERT, ca_file)
        env = {
            "PORT": str(self.address[1]),
            "PROBE_BACKEND_URL": self.url,
            "HTTPS_PROXY": proxy_url,
            "HTTP_PROXY": proxy_url,
            "NO_PROXY": ",".join(LOOPBACK_HOSTS),
            "SSL_CERT_FILE": str(ca_file),
            "REQUESTS_CA_BUNDLE": str(ca_file),
            "NODE_EXTRA_CA_CERTS": str(ca_file),
        }
        ingest = proxy.ingestion_url()
        if ingest is not None:
            env["PROBE_SEGMENT_HOST"] = ingest
        # lower-case twins: curl and some libraries read only those
        env.update({k.lower(): v for k, v in env.items() if k.endswith("_PROXY")})
        self.env = env
        return env

    def start(self, proxy: CaptureProxy) -> None:
        """Start the command (if any) and wait until the address answers; BackendError otherwise."""
        # the backend inherits probe's environment, but not the staging login given to probe
        inherited = {k: v for k, v in os.environ.items() if k != "PROBE_HTTP_CREDENTIALS"}
        env = {**inherited, **self.environment(proxy), **self.spec.env}
        if self.spec.command is not None:
            argv = list(self.spec.command)
            if argv[0] in ("python", "python3"):
                argv[0] = sys.executable  # probe's own interpreter, with probe's packages
            self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
            try:
                self._process = subprocess.Popen(
                    argv,
                    cwd=self.base,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stopped whole, never orphaned
                )
            except OSError as exc:
                self.stop()
                raise BackendError(f"backend command {argv[0]!r} could not start: {exc.strerror or exc}") from exc
            _groups.add(self._process.pid)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.spec.ready_timeout_ms / 1000
        while True:
            problem = self.problem()
            if problem is not None:
                message = f"{problem} before it listened on {self._where()}{self._log_hint()}"
                self.stop()
                raise BackendError(message)
            if _answers(self.address):
                return
            if time.monotonic() >= deadline:
                message = (
                    f"backend did not listen on {self._where()} within "
                    f"{self.spec.ready_timeout_ms / 1000:g} s{self._log_hint()}"
                )
                self.stop()
                raise BackendError(message)
            time.sleep(0.05)

    def _where(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    def _log_hint(self) -> str:
        if self._process is None:
            return ""
        last = _last_line(self.log_path)
        return f" (backend.log: {last})" if last else f" (see {self.log_path})"

    def problem(self) -> str | None:
        """Why the started backend is gone (its exit code), or None while it runs (or was not started here)."""
        if self._process is None:
            return None
        code = self._process.poll()
        if code is None:
            return None
        how = f"signal {-code}" if code < 0 else f"code {code}"
        return f"backend exited with {how}"

    def crashed(self) -> str | None:
        """A one-line cause when the backend died during the run, else None."""
        problem = self.problem()
        return f"{problem} during the run{self._log_hint()}" if problem else None

    def stop(self) -> None:
        """Stop the process group (TERM, then KILL), close the log, delete the certificate copy."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(STOP_GRACE_S)
        if process is not None:
            # children that outlived the leader are in its group still
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            _groups.discard(process.pid)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._trust_dir is not None:
            shutil.rmtree(self._trust_dir, ignore_errors=True)
            self._trust_dir = None
            self.env = {}  # it named the deleted copy


def _answers(address: tuple[str, int]) -> bool:
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family) as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(address)
        except OSError:
            return False
        return True


def _last_line(path: Path) -> str:
    """The log's last non-empty line (a traceback's last line names the error), shortened."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 4096))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
