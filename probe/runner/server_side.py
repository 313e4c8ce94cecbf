"""A run's server side: the backend process, and which of its requests go into which scenario's HAR.

Each scenario's evidence gets the backend requests its visitor caused (probe.runner.attribution).
What no scenario claims by the end of the run is written to ``server-unattributed.har`` in the run
folder, never dropped: the console says so in one line, and the file gets a manifest of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mitmproxy import http

from probe.capture import BACKEND_CONTEXT, CaptureProxy, Recorder
from probe.evidence.har_reader import UNATTRIBUTED_DIR
from probe.evidence.har_writer import build_har, iso, write_har
from probe.evidence.manifest import write_manifest
from probe.runner import attribution
from probe.runner.backend import BackendProcess, address_of
from probe.suite import Suite

ServerEntry = tuple[http.HTTPFlow, dict[str, Any]]


class BackendLane:
    """The backend of a run and the bookkeeping of whose its requests are."""

    def __init__(self, suite: Suite, run_dir: Path | None, progress: Callable[[str], None]) -> None:
        assert suite.backend is not None
        self.suite, self.run_dir, self.progress = suite, run_dir, progress
        self.address = address_of(suite.backend)
        # load_suite made cwd absolute; a suite built in code without one runs where its file is
        base = suite.backend.cwd or (suite.path.parent if suite.path is not None else Path.cwd())
        self.process = BackendProcess(suite.backend, self.address, base, run_dir or _scratch())
        self.started = time.time()
        self._lock = threading.Lock()
        # id(flow) -> the batch indices some scenario took (None: the whole request was taken)
        self._claimed: dict[int, set[int] | None] = {}

    def start(self, proxy: CaptureProxy) -> None:
        """Start the backend (or tell the user what to give the one they run); BackendError if it fails."""
        if self.suite.backend is not None and self.suite.backend.command is None:
            env = self.process.environment(proxy)
            self.progress(f"backend: expecting it at {self.process.url}; give it this environment:")
            for key in sorted(env):
                self.progress(f"  {key}={env[key]}")
        self.process.start(proxy)

    def crashed(self) -> str | None:
        """Why the backend died during the run, or None."""
        return self.process.crashed()

    def entries_for(self, recorder: Recorder, user: str) -> list[ServerEntry]:
        """The backend's requests that belong to the visitor of context ``user``, with ``_probe.visitor``."""
        ids = attribution.browser_identities(recorder.flows(user))
        flows = recorder.flows(BACKEND_CONTEXT)
        bodies = [attribution.request_json(f) for f in flows]
        ids = attribution.link(ids, list(zip(flows, bodies, strict=True)))
        found: list[ServerEntry] = []
        with self._lock:
            for flow, body in zip(flows, bodies, strict=True):
                visitor = attribution.attribute(flow, body, ids)
                if visitor is None:
                    continue
                found.append((flow, {"visitor": visitor.record()}))
                if visitor.events is None:
                    self._claimed[id(flow)] = None
                else:
                    claimed = self._claimed.setdefault(id(flow), set())
                    if claimed is not None:
                        claimed.update(visitor.events)
        return found

    def unattributed(self, recorder: Recorder) -> list[ServerEntry]:
        """The backend's requests, or batch events, that no scenario claimed."""
        left: list[ServerEntry] = []
        with self._lock:
            for flow in recorder.flows(BACKEND_CONTEXT):
                claimed = self._claimed.get(id(flow), set())
                if claimed is None:
                    continue
                count = attribution.event_count(flow, attribution.request_json(flow))
                if count is None:
                    if not claimed:
                        left.append((flow, {"unattributed": {"events": None}}))
                    continue
                rest = [i for i in range(count) if i not in claimed]
                if rest or not count:
                    left.append((flow, {"unattributed": {"events": rest}}))
        return left

    def finish(self, proxy: CaptureProxy) -> None:
        """Stop the backend, then write what no scenario claimed (its last requests included)."""
        try:
            self.process.stop()
        finally:
            self._write_unattributed(proxy)

    def _write_unattributed(self, proxy: CaptureProxy) -> None:
        left = self.unattributed(proxy.recorder)
        if not left:
            return
        if self.run_dir is None:
            self.progress(f"server side: {len(left)} backend request(s) attributed to no scenario (no run folder)")
            return
        har = build_har(
            [],
            [{"phase": "backend", "at": self.started, "action": None, "choice": None}],
            scenario="server-unattributed",
            context=BACKEND_CONTEXT,
            browser=("none", "none"),
            server=left,
        )
        har["log"]["_probe"].update(proxy.evidence())
        folder = self.run_dir / UNATTRIBUTED_DIR
        folder.mkdir(exist_ok=True)
        write_har(folder / "evidence.har", har)
        write_manifest(
            folder,
            scenario=f"server-unattributed: {len(left)} backend request(s) no scenario's visitor made",
            started=iso(self.started),
            ended=iso(time.time()),
        )
        self.progress(f"server side: {len(left)} backend request(s) attributed to no scenario, kept in {folder}")


def _scratch() -> Path:
    """Where backend.log goes when the run has no folder (a pytest run): probe's state folder."""
    from probe.capture.ca import state_dir

    folder = state_dir() / "backend"
    folder.mkdir(exist_ok=True)
    return folder
