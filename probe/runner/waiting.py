"""Waiting for the site, not for a fixed window.

After every action probe waits until the context's traffic has been quiet for the suite's window,
measured from the action, and never less than the site's own delivery delay (analytics-next's
batching ``timeout``, read from the page or from the Segment settings the proxy captured). Before a
phase mark it drains: whatever the page queued must have left it. Before a context closes, its
pages are closed the way a tab closes, so ``pagehide`` flushes run and their keepalive requests are
recorded. Every wait is kept as a record in the evidence, so a reader can see why a mark sits where
it does.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from mitmproxy import http
from playwright.sync_api import BrowserContext, Page, Request
from playwright.sync_api import Error as PlaywrightError

from probe import interrupts
from probe.capture import BACKEND_CONTEXT, Recorder
from probe.segment.endpoints import is_ingestion_path, is_regulation

POLL_S = 0.05
# analytics-next's batching defaults (plugins/segmentio/batched-dispatcher.ts)
DEFAULT_BATCH_TIMEOUT_MS = 5000
DEFAULT_BATCH_SIZE = 10
_SETTINGS_PATH = re.compile(r"/v1/projects/[^/]+/settings$")

# What analytics-next exposes in the page: the events not yet through its plugins (queued, or, seen
# through a listener probe adds once per page, dispatched and not yet delivered), the delivery
# strategy it was loaded with (load options win over the CDN settings, as in its own merge), when the
# last event went through the plugins (into the batch buffer, when batching) and since when probe has
# been listening. null when no loaded analytics-next is on the page.
PAGE_STATE_JS = r"""() => {
  const a = window.analytics;
  // Segment still loading: the snippet inserted analytics.js, which has not replaced the stub yet (a
  // starved page may sit quiet between the download and the settings fetch), or the instance is
  // not initialised. A loader that never initialises stops counting 5 s after its download.
  const loading = () => {
    if (a && !Array.isArray(a) && a.initialized === false) return true;
    if (a && !Array.isArray(a)) return false;
    const s = Array.from(document.scripts).find((e) => /\/analytics\.js\/v1\/|\/analytics(\.min)?\.js(\?|$)/.test(e.src));
    if (!s) return false;
    const r = performance.getEntriesByName(s.src)[0];
    return !r || performance.now() - r.responseEnd < 5000;
  };
  if (!a || Array.isArray(a) || !a.queue || !a.queue.queue || !a.settings || a.initialized === false) {
    return loading() ? {loading: true} : null;
  }
  if (!a.__probeDelivery) {
    const d = a.__probeDelivery = {last: 0, attached: Date.now(), started: {}};
    const seen = (ctx) => { d.last = Date.now(); if (ctx && ctx.id) delete d.started[ctx.id]; };
    // an empty queue delivers at once (delivery_*), a busy one through its flush loop ('flush')
    try { ['delivery_success', 'delivery_failure', 'flush'].forEach((e) => a.queue.on(e, seen)); } catch (e) {}
    // an empty queue hands an event straight to the plugins (dispatchSingle): in no queue until it is
    // delivered, however long a slow middleware or a starved page keeps it there
    try { a.on('dispatch_start', (ctx) => { if (ctx && ctx.id) d.started[ctx.id] = Date.now(); }); } catch (e) {}
  }
  const seg = (o) => (o && o.integrations && o.integrations['Segment.io']) || null;
  const fromOptions = seg(a.options), fromCdn = seg(a.settings.cdnSettings);
  const strategy = (fromOptions && fromOptions.deliveryStrategy) || (fromCdn && fromCdn.deliveryStrategy) || null;
  const q = a.queue.queue, now = Date.now(), started = a.__probeDelivery.started;
  // events on their way through the plugins, queued, or waiting to be retried, each counted once; a
  // dispatch that never ends (a plugin that hangs) stops counting after 10 s
  const on = new Set(Object.keys(started).filter((id) => now - started[id] < 10000));
  try { (q.queue || []).concat(q.future || []).forEach((c) => { if (c && c.id) on.add(c.id); }); } catch (e) {}
  const todo = typeof q.todo === 'number' ? q.todo : (q.length || 0);
  return {
    loading: false,
    pending: Math.max(on.size, todo),
    last: a.__probeDelivery.last,
    attached: a.__probeDelivery.attached,
    strategy: strategy && strategy.strategy || null,
    timeout: strategy && strategy.config && strategy.config.timeout,
    size: strategy && strategy.config && strategy.config.size,
  };
}"""


@dataclass(frozen=True)
class Delivery:
    """How the site's Segment delivers events: at once, or batched with a delay."""

    delay_ms: int = 0  # the longest an event may sit in the page before it is sent
    size: int | None = None  # batch size, when batching
    source: str = "none"  # page | settings | none

    def describe(self) -> str:
        """``batching timeout 5000 ms, size 10 (from the page)`` or ``immediate``."""
        if not self.delay_ms:
            return "immediate"
        return f"batching timeout {self.delay_ms} ms, size {self.size} (from the {self.source})"


@dataclass(frozen=True)
class PageState:
    """One read of analytics-next's state in the page."""

    pending: int
    last_delivery: float  # epoch seconds the last event went through the plugins; 0: none seen
    watched_since: float  # epoch seconds probe's listener was added; events before it were not seen
    delivery: Delivery
    loading: bool = False  # analytics.js is on its way: the page will send, however quiet it is now


@dataclass(frozen=True)
class Wait:
    """One wait: after (or before) what, how long, and why it ended where it did."""

    after: str
    reason: str
    window_ms: int
    waited_ms: int
    settled: bool
    delivery: str
    pending: int | None  # events analytics-next still held when the wait ended; None: not readable

    def record(self) -> dict[str, Any]:
        """The wait as stored in the evidence (HAR page ``_probe.waits``)."""
        return {
            "after": self.after,
            "reason": self.reason,
            "window_ms": self.window_ms,
            "waited_ms": self.waited_ms,
            "settled": self.settled,
            "delivery": self.delivery,
            "pending_events": self.pending,
        }


def _batching(strategy: Any) -> Delivery | None:
    if not isinstance(strategy, dict) or strategy.get("strategy") != "batching":
        return None
    config: dict[str, Any] = strategy["config"] if isinstance(strategy.get("config"), dict) else {}
    timeout, size = config.get("timeout"), config.get("size")
    return Delivery(
        int(timeout) if isinstance(timeout, int | float) and timeout >= 0 else DEFAULT_BATCH_TIMEOUT_MS,
        int(size) if isinstance(size, int | float) and size > 0 else DEFAULT_BATCH_SIZE,
        "settings",
    )


def _segment_call(host: str, path: str) -> bool:
    """A backend POST that delivers to Segment: ingestion (any host: a library's own endpoint) or a regulation."""
    return (
        is_ingestion_path(path)
        or path.rstrip("/").endswith("/batch")
        or is_regulation("POST", f"https://{host}{path}")
    )


def settings_delivery(flows: list[http.HTTPFlow]) -> Delivery:
    """The delivery strategy of the Segment settings a context fetched (the last one wins)."""
    found = Delivery()
    for flow in flows:
        if flow.response is None or not _SETTINGS_PATH.search(flow.request.path.split("?", 1)[0]):
            continue
        try:
            data = json.loads(flow.response.get_text(strict=False) or "")
        except (ValueError, TypeError):
            continue
        integrations = data.get("integrations") if isinstance(data, dict) else None
        segment = integrations.get("Segment.io") if isinstance(integrations, dict) else None
        strategy = segment.get("deliveryStrategy") if isinstance(segment, dict) else None
        found = _batching(strategy) or Delivery()
    return found


def read_page_state(page: Page | None) -> PageState | None:
    """analytics-next's queue and delivery config in the page; None when it cannot be read."""
    if page is None or page.is_closed():
        return None
    try:
        raw = page.evaluate(PAGE_STATE_JS)
    except PlaywrightError:
        return None  # mid-navigation, or the page is gone
    if not isinstance(raw, dict):
        return None
    if raw.get("loading") is True:
        return PageState(pending=0, last_delivery=0.0, watched_since=0.0, delivery=Delivery(), loading=True)
    batching = _batching({"strategy": raw.get("strategy"), "config": raw})
    delivery = Delivery(batching.delay_ms, batching.size, "page") if batching else Delivery(source="page")
    pending, last, attached = raw.get("pending"), raw.get("last"), raw.get("attached")
    return PageState(
        pending=int(pending) if isinstance(pending, int | float) else 0,
        last_delivery=float(last) / 1000 if isinstance(last, int | float) else 0.0,
        watched_since=float(attached) / 1000 if isinstance(attached, int | float) else 0.0,
        delivery=delivery,
    )


class BrowserRequests:
    """Requests the browser has issued and not yet seen end, as Playwright reports them.

    A starved browser (or a remote one) may hand a request to the proxy well after the page issued
    it, a beacon sent as an event reaches a device-mode destination for one: the proxy alone would
    call that gap quiet. Playwright's events arrive while probe talks to the page, so they are read
    only by waits that do (not by the flush after the pages closed).
    """

    CAP_S = 5.0  # a request Playwright never reports ended (a stream) stops counting after this

    def __init__(self) -> None:
        self._open: dict[Request, float] = {}
        self.last = 0.0

    def watch(self, context: BrowserContext) -> None:
        """Follow every request of ``context``'s pages."""
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self._open[request] = self.last = time.time()

    def _ended(self, request: Request) -> None:
        self._open.pop(request, None)
        self.last = time.time()

    def activity(self) -> tuple[int, float]:
        """(requests in flight, time of the last start or end), like the proxy's ``Recorder.activity``."""
        now = time.time()
        return sum(1 for started in self._open.values() if now - started < self.CAP_S), self.last


class Waiter:
    """Waits on one browser context's traffic, and keeps a record of every wait."""

    def __init__(
        self, recorder: Recorder, user: str, *, quiet_ms: int, max_ms: int, backend_ms: int | None = None
    ) -> None:
        self.recorder, self.user = recorder, user
        self.quiet_ms, self.max_ms = quiet_ms, max_ms
        # the site's backend, when the suite has one: the longest its Segment library holds an event
        self.backend_ms = backend_ms
        self.browser = BrowserRequests()
        self._settings: tuple[int, Delivery] = (-1, Delivery())

    def delivery(self, state: PageState | None) -> Delivery:
        """The page's own delivery config when readable, else the captured settings'."""
        if state is not None and state.delivery.delay_ms:
            return state.delivery
        flows = self.recorder.flows(self.user)
        if self._settings[0] != len(flows):  # parse the settings again only when traffic grew
            self._settings = (len(flows), settings_delivery(flows))
        return self._settings[1]

    def wait(
        self, page: Page | None, after: str, *, since: float | None, reason: str = "", delay: bool = True
    ) -> Wait:
        """Wait until nothing is in flight or queued, and the traffic has been quiet for the window.

        The window is ``settle_ms`` plus the delivery delay, counted from the latest of: the last
        request start or finish, ``since`` (the action; None when draining before a mark), and the
        moment the page's last event went through analytics-next's plugins. ``delay=False`` leaves
        the delivery delay out (a page that is gone sends its batch at once, on ``pagehide``).
        """
        start = time.time()
        batched = False  # whether this wait had to cover an event sitting in the batch buffer
        widest = 0.0  # the longest window it needed (recorded)
        while True:
            state = read_page_state(page)
            delivery = self.delivery(state) if delay else Delivery()
            held = self._may_hold(state, delivery)
            batched |= held
            window = (self.quiet_ms + (delivery.delay_ms if held else 0)) / 1000
            widest = max(widest, window)
            inflight, last = self.recorder.activity(self.user)
            if page is not None and not page.is_closed():  # just read: Playwright's events are current
                issued, issued_last = self.browser.activity()
                inflight, last = max(inflight, issued), max(last, issued_last)
            if self.backend_ms is not None:
                # what the visitor's clicks make the backend send belongs to this wait too
                backend_inflight, backend_last = self.recorder.activity(BACKEND_CONTEXT)
                inflight, last = inflight + backend_inflight, max(last, backend_last)
                if self._backend_may_hold(start - self.backend_ms / 1000):
                    batched = True
                    window += self.backend_ms / 1000
                    widest = max(widest, window)
            anchor = max(last, since or 0.0, state.last_delivery if state else 0.0)
            queued = state.pending if state else 0
            now = time.time()
            loading = state is not None and state.loading
            settled = inflight <= 0 and queued <= 0 and not loading and now - anchor >= window
            if interrupts.received():
                return self._record(after, "interrupted", delivery, widest, start, settled, state)
            if settled or now - start >= (self.max_ms + delivery.delay_ms + (self.backend_ms or 0)) / 1000:
                why = reason or ("delivery delay" if batched else "quiet window")
                return self._record(after, why, delivery, widest, start, settled, state)
            time.sleep(POLL_S)

    def _backend_may_hold(self, recent: float) -> bool:
        """Whether the backend may still hold an event a recent request of this context gave it.

        Server libraries batch (analytics-python sends every ``upload_interval``): until the backend
        has sent something to Segment or the Privacy API after this context's last request to it
        started, an event may be waiting in its queue. Requests older than ``recent`` had their
        whole delay waited for already.
        """
        asked = [
            f.request.timestamp_start
            for f in self.recorder.flows(self.user)
            if f.metadata.get("probe", {}).get("served") == "backend" and f.request.timestamp_start >= recent
        ]
        if not asked:
            return False
        return not any(
            f.request.method == "POST"
            and f.request.timestamp_start >= max(asked)
            and _segment_call(f.request.pretty_host, f.request.path.split("?", 1)[0])
            for f in self.recorder.flows(BACKEND_CONTEXT)
        )

    def _may_hold(self, state: PageState | None, delivery: Delivery) -> bool:
        """Whether an event may still sit in the page's batch buffer.

        Where the page can be read: until a batch request left after the last event went into the
        buffer (a batch takes the whole buffer), or, when no event was seen since probe started
        listening, after that moment (an event handed over before it may still be waiting).
        Elsewhere: whenever the site batches.
        """
        if not delivery.delay_ms:
            return False
        if state is None or delivery.source != "page":
            return True
        after = state.last_delivery or state.watched_since
        return not any(
            f.request.method == "POST"
            and f.request.path.split("?", 1)[0].rstrip("/").endswith(("/b", "/batch"))
            and f.request.timestamp_start >= after
            for f in self.recorder.flows(self.user)
        )

    def flush(self, context: BrowserContext) -> Wait:
        """Close the context's pages as a tab closes (``pagehide`` runs), then wait for what they send."""
        closed = time.time()
        for page in list(context.pages):
            try:
                page.close()
            except PlaywrightError:
                pass  # already gone with the browser; what was recorded stays
        return self.wait(None, "closing the pages (pagehide flush)", since=closed, reason="flush", delay=False)

    @staticmethod
    def _record(
        after: str,
        reason: str,
        delivery: Delivery,
        window: float,
        start: float,
        settled: bool,
        state: PageState | None,
    ) -> Wait:
        return Wait(
            after=after,
            reason=reason if settled else f"{reason}: gave up, traffic did not settle",
            window_ms=round(window * 1000),
            waited_ms=round((time.time() - start) * 1000),
            settled=settled,
            delivery=delivery.describe(),
            pending=state.pending if state else None,
        )
