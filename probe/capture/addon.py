"""The mitmproxy addon: answers offline requests, records every flow per browser context, marks phases."""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from mitmproxy import http

from probe.capture.routing import Router, is_noise

NOISE_CONTEXT = "_browser"  # proxy user of the browser-level (background) proxy


@dataclass(frozen=True)
class Mark:
    """A phase boundary in the proxy's own clock."""

    phase: str
    at: float
    info: dict[str, object] = field(default_factory=dict)


def context_of(flow: http.HTTPFlow) -> str | None:
    """The browser context that made a flow: the user name it authenticated to the proxy with."""
    auth = flow.metadata.get("proxyauth")
    return auth[0] if auth else None


class Recorder:
    """Hook methods in mitmproxy's addon style. Thread-safe: the runner reads while the proxy writes."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self._lock = threading.Lock()
        self._flows: dict[str | None, list[http.HTTPFlow]] = defaultdict(list)
        self._marks: dict[str, list[Mark]] = defaultdict(list)
        self._inflight: Counter[str | None] = Counter()
        self._last: dict[str | None, float] = {}

    # -- hooks -------------------------------------------------------------------------------------------

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """Record the flow as soon as its headers arrive, so aborted requests are not lost."""
        if flow.response is not None and flow.response.status_code == 407:
            return  # proxy-auth handshake, not the page's traffic
        ctx = context_of(flow)
        flow.metadata["probe"] = {
            "context": ctx,
            "noise": ctx == NOISE_CONTEXT or is_noise(flow.request.pretty_host.lower()),
            "blocked": False,
            "served": "upstream",
        }
        with self._lock:
            self._flows[ctx].append(flow)
            self._inflight[ctx] += 1
            self._last[ctx] = time.time()

    def request(self, flow: http.HTTPFlow) -> None:
        """Answer locally what offline mode owns."""
        meta = flow.metadata.get("probe")
        if meta is None or flow.response is not None:
            return
        headers = {k.lower(): v for k, v in flow.request.headers.items()}
        answer = self.router.answer(flow.request.method, flow.request.pretty_url, headers)
        if answer is None:
            return
        meta["served"] = answer.served
        meta["blocked"] = answer.served == "blocked"
        flow.response = http.Response.make(answer.status, answer.body, answer.headers)

    def response(self, flow: http.HTTPFlow) -> None:
        """A flow finished."""
        self._finish(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        """A flow failed (client aborted, upstream unreachable)."""
        meta = flow.metadata.get("probe")
        if meta is not None and flow.response is None:
            meta["served"] = "error"
        self._finish(flow)

    def _finish(self, flow: http.HTTPFlow) -> None:
        meta = flow.metadata.get("probe")
        if meta is None or meta.get("finished"):
            return
        meta["finished"] = True
        ctx = meta["context"]
        with self._lock:
            self._inflight[ctx] -= 1
            self._last[ctx] = time.time()

    # -- runner side -------------------------------------------------------------------------------------

    def mark(self, context: str, phase: str, **info: object) -> Mark:
        """Start a phase for a context now, in the proxy's clock."""
        mark = Mark(phase, time.time(), dict(info))
        with self._lock:
            self._marks[context].append(mark)
        return mark

    def flows(self, context: str) -> list[http.HTTPFlow]:
        """A snapshot of the flows of one context, in wire order."""
        with self._lock:
            flows = list(self._flows.get(context, ()))
        return sorted(flows, key=lambda f: f.request.timestamp_start)

    def marks(self, context: str) -> list[Mark]:
        """The phase marks of one context."""
        with self._lock:
            return list(self._marks.get(context, ()))

    def activity(self, context: str) -> tuple[int, float]:
        """(requests in flight, time of the last start or finish) for a context."""
        with self._lock:
            return self._inflight[context], self._last.get(context, 0.0)

    def forget(self, context: str) -> None:
        """Drop a finished context's flows so long suites do not grow memory."""
        with self._lock:
            self._flows.pop(context, None)
            self._marks.pop(context, None)
            self._inflight.pop(context, None)
            self._last.pop(context, None)

    def settle(self, context: str, quiet: float, limit: float, since: float | None = None) -> bool:
        """Wait until a context has had nothing in flight and no request start or finish for ``quiet``
        seconds, counted from ``since`` at the earliest (default: now, so requests an action is about
        to start are waited for). Returns False when ``limit`` seconds passed first.

        The runner's waiting (probe.runner.waiting) adds the page's own delivery delay on top.
        """
        start = time.time()
        since = start if since is None else since
        while True:
            now = time.time()
            inflight, last = self.activity(context)
            if inflight <= 0 and now - max(last, since) >= quiet:
                return True
            if now - start >= limit:
                return False
            time.sleep(0.02)
