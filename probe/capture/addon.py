"""The mitmproxy addon: answers offline requests, records every flow per browser context, marks phases.

Fail closed: offline, a request holds a "blocked" answer from its first hook until routing replaces it,
so an error anywhere in routing leaves a refusal, never a forwarded request. Live, a routing error is
answered as blocked too. Only flows of verified proxy users (probe.capture.auth) are recorded.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from mitmproxy import http

from probe.capture.routing import Answer, Router, is_noise
from probe.netaddr import bracket

NOISE_CONTEXT = "_browser"  # proxy user of the browser-level (background) proxy
BACKEND_CONTEXT = "_backend"  # proxy user of the site's backend (its calls to Segment, the Privacy API)
Report = Callable[[str], None]
# mitmproxy's words for a failure the browser caused, not the upstream
CLIENT_SIDE = ("client disconnected", "reset by client", "killed")


@dataclass(frozen=True)
class Mark:
    """A phase boundary in the proxy's own clock."""

    phase: str
    at: float
    info: dict[str, object] = field(default_factory=dict)


def context_of(flow: http.HTTPFlow) -> str | None:
    """The browser context that made a flow: the proxy user the gate verified (None: not verified)."""
    auth = flow.metadata.get("proxyauth")
    return auth[0] if auth else None


def destination(request: http.Request) -> str:
    """Where a request really goes, as a URL (an IPv6 host in brackets, which ``request.url`` omits)."""
    return f"{request.scheme}://{bracket(request.host)}:{request.port}{request.path}"


def _host_mismatch(request: http.Request) -> Answer | None:
    """The refusal of a request whose Host header names another host than its destination, else None."""
    host_header = request.host_header
    if host_header is not None and request.pretty_host.strip("[]").lower() != request.host.lower():
        # routing and forwarding must judge the same host: refuse rather than guess which one is meant
        return Answer.blocked(f"Host header {host_header[:80]!r} is not the destination {request.host}")
    return None


def _respond(flow: http.HTTPFlow, answer: Answer) -> None:
    meta = flow.metadata["probe"]
    meta["served"] = answer.served
    meta["blocked"] = answer.served == "blocked"
    meta["answered"] = True
    if answer.reason:
        meta["reason"] = answer.reason
    else:
        meta.pop("reason", None)
    flow.response = http.Response.make(answer.status, answer.body, answer.headers)


class Recorder:
    """Hook methods in mitmproxy's addon style. Thread-safe: the runner reads while the proxy writes."""

    def __init__(self, router: Router, *, report: Report | None = None) -> None:
        self.router = router
        self.report = report  # told once per origin and cause when live traffic fails upstream
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._flows: dict[str | None, list[http.HTTPFlow]] = defaultdict(list)
        self._marks: dict[str, list[Mark]] = defaultdict(list)
        self._inflight: Counter[str | None] = Counter()
        self._last: dict[str | None, float] = {}

    # -- hooks -------------------------------------------------------------------------------------------

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """Record the flow as soon as its headers arrive, so aborted requests are not lost."""
        ctx = context_of(flow)
        if ctx is None:
            return  # the gate answered 407: a stranger or the auth handshake, not the site's traffic
        try:
            noise = ctx == NOISE_CONTEXT or is_noise(flow.request.pretty_host.lower())
        except Exception:  # noqa: BLE001 - an unreadable Host header is not noise; record it all the same
            noise = ctx == NOISE_CONTEXT
        flow.metadata["probe"] = {
            "context": ctx,
            "noise": noise,
            "blocked": False,
            "served": "upstream",
        }
        if self.router.offline and flow.response is None:
            # provisional: routing replaces it; if routing never runs or fails, this refusal stands
            _respond(flow, Answer.blocked("not routed"))
            flow.metadata["probe"]["answered"] = False
        with self._lock:
            self._flows[ctx].append(flow)
            self._inflight[ctx] += 1
            self._last[ctx] = time.time()

    def request(self, flow: http.HTTPFlow) -> None:
        """Answer locally what the router owns; a request that cannot be routed is blocked."""
        meta = flow.metadata.get("probe")
        if meta is None:
            if flow.response is None:  # unverified yet unanswered (a gate failure): never forward it
                flow.response = http.Response.make(407, b"", {"proxy-authenticate": 'Basic realm="probe"'})
            return
        if meta.get("answered"):
            return
        try:
            if self._to_backend(flow):
                return
            answer = self._route(flow)
        except Exception as exc:  # noqa: BLE001 - fail closed: the hook must not let the request through
            answer = Answer.blocked(f"routing failed: {type(exc).__name__}: {exc}"[:300])
        if answer is not None:
            _respond(flow, answer)
        elif self.router.offline:
            _respond(flow, Answer.blocked("offline routing gave no answer"))
        # else live: mitmproxy forwards it upstream

    def _to_backend(self, flow: http.HTTPFlow) -> bool:
        """Hand a request under a backend prefix to the backend on loopback; True when it was.

        Only where the proxy connects changes (plain HTTP to the backend's address); the Host header,
        and the URL the evidence shows once the answer is in, stay what the browser asked for.
        """
        request = flow.request
        target = self.router.backend_target(destination(request))
        if target is None:
            return False
        mismatch = _host_mismatch(request)
        if mismatch is not None:
            _respond(flow, mismatch)
            return True
        refusal = self.router.refusal(request.method, {k.lower() for k in request.headers})
        if refusal is not None:
            _respond(flow, Answer.blocked(refusal))
            return True
        meta = flow.metadata["probe"]
        meta.update(served="backend", blocked=False, answered=True, asked=(request.scheme, request.host, request.port))
        meta.pop("reason", None)
        flow.response = None  # offline it held the provisional refusal; the backend answers instead
        request.data.scheme, request.data.host, request.data.port = b"http", target[0], target[1]
        return True

    @staticmethod
    def _restore(flow: http.HTTPFlow) -> None:
        """Put back the destination the browser asked for, once the backend has been reached."""
        asked = flow.metadata.get("probe", {}).pop("asked", None)
        if asked is not None:
            scheme, host, port = asked
            flow.request.data.scheme, flow.request.data.host, flow.request.data.port = scheme.encode(), host, port

    def _route(self, flow: http.HTTPFlow) -> Answer | None:
        request = flow.request
        mismatch = _host_mismatch(request)
        if mismatch is not None:
            return mismatch
        headers = {k.lower(): v for k, v in request.headers.items()}
        return self.router.answer(request.method, destination(request), headers)

    def responseheaders(self, flow: http.HTTPFlow) -> None:
        """Offline, an answer that routing did not give cannot be passed on (a second line of defence).

        mitmproxy calls this hook before ``response`` for every answer, upstream or set by a hook.
        """
        meta = flow.metadata.get("probe")
        self._restore(flow)
        if meta is not None and self.router.offline and meta.get("answered") is False:
            _respond(flow, Answer.blocked("an answer offline routing did not give"))

    def response(self, flow: http.HTTPFlow) -> None:
        """A flow finished."""
        self._finish(flow)

    def error(self, flow: http.HTTPFlow) -> None:
        """A flow failed: upstream unreachable, reset, truncated, TLS refused, or the client gave up."""
        meta = flow.metadata.get("probe")
        self._restore(flow)
        if meta is not None and flow.error is not None:
            meta["error"] = flow.error.msg
            if meta.get("served") in ("upstream", "backend"):
                meta["served"] = "error"
                self._tell(flow, flow.error.msg)
        self._finish(flow)

    def websocket_message(self, flow: http.HTTPFlow) -> None:
        """A WebSocket message is activity: waiting for quiet traffic counts it."""
        meta = flow.metadata.get("probe")
        if meta is not None:
            with self._lock:
                self._last[meta["context"]] = time.time()

    def websocket_start(self, flow: http.HTTPFlow) -> None:
        """Offline there is no upstream to hold a WebSocket with; refuse one that got this far."""
        if self.router.offline:
            flow.kill()

    def _finish(self, flow: http.HTTPFlow) -> None:
        meta = flow.metadata.get("probe")
        if meta is None or meta.get("finished"):
            return
        meta["finished"] = True
        ctx = meta["context"]
        with self._lock:
            self._inflight[ctx] -= 1
            self._last[ctx] = time.time()

    def _tell(self, flow: http.HTTPFlow, message: str) -> None:
        """Say once per origin and cause why live traffic failed, with a hint for certificate trouble."""
        if self.report is None or flow.metadata["probe"].get("noise"):
            return
        if any(mark in message.lower() for mark in CLIENT_SIDE):
            return  # the browser gave up (a navigation cancels its pending requests): not the upstream
        origin = f"{flow.request.scheme}://{flow.request.pretty_host}:{flow.request.port}"
        key = (origin, message)
        with self._lock:
            if key in self._reported:
                return
            self._reported.add(key)
        hint = ""
        if "certificate" in message.lower():
            hint = " (trust its CA with --upstream-ca FILE)"
        self.report(f"upstream error: {origin}: {message}{hint}")

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
