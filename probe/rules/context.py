"""Everything the rules read, computed once per recording: Segment traffic, vendor hits, expectations."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from urllib.parse import urljoin

from probe.catalog import Catalog, FirstParty, Vendor, load_catalog, site_hosts
from probe.rules.consent_mode import ga_client_ids
from probe.rules.expect import Expectations, build_expectations, vendor_cmp_category
from probe.rules.sides import ServerTraffic, split_sides
from probe.segment import (
    IdentifierSighting,
    SegmentEvent,
    SegmentTraffic,
    find_identifiers,
    is_segment_domain,
    read_segment,
)
from probe.suite import Suite
from probe.timeline import Entry, Timeline


@dataclass(frozen=True)
class VendorHit:
    """A request to a catalogued vendor."""

    entry: Entry
    vendor: Vendor
    cmp_category: str | None  # the CMP category that governs it for this suite; None: unmapped


@dataclass
class Context:
    """One recording, read for judgement."""

    timeline: Timeline
    suite: Suite
    catalog: Catalog
    traffic: SegmentTraffic
    expect: Expectations
    first_party: FirstParty
    entries: list[Entry]  # site entries (browser noise removed)
    vendor_hits: list[VendorHit]
    identifiers: list[IdentifierSighting]
    ga_client_ids: set[str]
    server: ServerTraffic  # the backend's traffic (browser rules read only ``traffic``: the browser's)
    by_index: dict[int, Entry] = field(default_factory=dict)  # both sides' entries
    preflight_of: dict[int, Entry] = field(default_factory=dict)  # request index -> its CORS preflight

    def phase(self, entry: Entry) -> str:
        """The phase an entry belongs to, by wire time (a preflighted request's starts at its preflight)."""
        return self.timeline.phase_of(self.preflight_of.get(entry.index, entry))

    def phase_at(self, started: float, index: int) -> str:
        """The phase of the entry with HAR index ``index`` (falls back to its wire time)."""
        entry = self.by_index.get(index)
        return self.phase(entry) if entry else self.timeline.phase_at(started)

    def event_phase(self, event: SegmentEvent) -> str:
        """The phase a Segment event was on the wire in."""
        return self.phase_at(event.started, event.entry)

    def created_phase(self, event: SegmentEvent) -> str | None:
        """The phase in force at the event's own ``timestamp``; None when it has none."""
        return self.timeline.phase_at(event.created) if event.created is not None else None

    def crossing(self, events: list[SegmentEvent]) -> str:
        """A message tail for events created in one phase and sent in another ("" when none were)."""
        crossed = [
            (e, created)
            for e in events
            if (created := self.created_phase(e)) is not None and created != self.event_phase(e)
        ]
        if not crossed:
            return ""
        event, created = crossed[0]
        count, held = ("it was", "it") if len(events) == 1 else (f"{len(crossed)} of them were", "them")
        return (
            f" Note: {count} created in {created} (event timestamp) and sent in "
            f"{self.event_phase(event)} (wire time); the page held {held} back until then."
        )


def build_context(timeline: Timeline, suite: Suite, catalog: Catalog | None = None) -> Context:
    """Read a recording once for all rules."""
    catalog = catalog or load_catalog()
    backend = [e for e in timeline.entries if e.server and not e.noise]
    entries = [
        e for e in timeline.entries if not e.server and not e.noise and not catalog.is_browser_noise(e.host)
    ]
    # one pass over both sides: settings and apiHosts the browser saw classify the backend's calls too
    both = read_segment(
        sorted([*entries, *backend], key=lambda e: e.index),
        hosts=suite.segment.hosts,
        destinations=suite.segment.destinations,
    )
    traffic, server = split_sides(both, backend)
    vendor_hits: list[VendorHit] = []
    for entry in entries:
        if traffic.kind_of(entry.index) is not None or is_segment_domain(entry.host):
            continue
        if entry.method.upper() == "OPTIONS":
            continue  # a preflight precedes the real request, which is judged on its own
        vendor = catalog.match(entry.url)
        if vendor is not None:
            vendor_hits.append(VendorHit(entry, vendor, vendor_cmp_category(vendor, suite)))
    return Context(
        timeline=timeline,
        suite=suite,
        catalog=catalog,
        traffic=traffic,
        expect=build_expectations(timeline, suite),
        first_party=first_party_of(entries, suite, catalog),
        entries=entries,
        vendor_hits=vendor_hits,
        identifiers=find_identifiers(timeline, entries),
        ga_client_ids=ga_client_ids(timeline, entries),
        server=server,
        by_index={e.index: e for e in [*entries, *backend]},
        preflight_of=preflights(entries),
    )


def first_party_of(entries: list[Entry], suite: Suite, catalog: Catalog) -> FirstParty:
    """The site's own hosts: the pages the recording navigated to, else its Origin/Referer, else the suite.

    The recording comes first: a foreign HAR judged without --suite gets a suite guessed from its first
    entry, which may be a CDN image or the browser's own background call, never the site.
    """
    seen = site_hosts(entries, catalog)
    if seen:
        return FirstParty.from_hosts(seen)
    return FirstParty.from_urls([suite.start_url, *(urljoin(suite.start_url, p) for p in suite.pages)])


# A DevTools HAR stamps a request when the page made it, which can be a millisecond or two before the
# preflight the browser then sends for it; a later start than this is another request's preflight.
PREFLIGHT_LAG = 0.05
_PREFLIGHT_CANDIDATES = 8  # nearest earlier preflights to the same URL considered per request
# Request headers a page cannot set, or that need no preflight (CORS-safelisted), or that the browser
# or DevTools add on their own: none of them is named in Access-Control-Request-Headers.
_NOT_ASKED = frozenset(
    {
        "accept", "accept-language", "content-language", "range", "accept-encoding", "accept-charset",
        "user-agent", "referer", "origin", "cookie", "cookie2", "host", "connection", "content-length",
        "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "via", "expect", "date", "dnt",
        "priority", "cache-control", "pragma", "upgrade-insecure-requests", "x-client-data", "purpose",
        "access-control-request-headers", "access-control-request-method",
    }
)  # fmt: skip
_SIMPLE_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def _asked_headers(preflight: Entry) -> frozenset[str] | None:
    """Access-Control-Request-Headers as a set of names; None when the HAR did not record it."""
    value = preflight.header("access-control-request-headers")
    if value is None:
        return None
    return frozenset(n.strip().lower() for n in value.split(",") if n.strip())


def _sent_headers(request: Entry) -> frozenset[str]:
    """The request's headers that need a preflight (what the page itself set, beyond the safelist)."""
    names = set()
    for name, value in request.request_headers:
        if name in _NOT_ASKED or name.startswith(("sec-", "proxy-", ":")):
            continue
        if name == "content-type" and value.split(";")[0].strip().lower() in _SIMPLE_TYPES:
            continue
        names.add(name)
    return frozenset(names)


def _fits(asked: frozenset[str] | None, sent: frozenset[str]) -> bool:
    """True when a preflight that asked for ``asked`` headers fits a request carrying ``sent`` ones.

    Each side may be incomplete in a HAR (no Access-Control-Request-Headers recorded, or Chrome's
    provisional headers only), so a side that shows nothing does not rule a pairing out.
    """
    return asked is None or not sent or sent <= asked


def preflights(entries: list[Entry]) -> dict[int, Entry]:
    """Each request's CORS preflight: an OPTIONS to the same URL that asked for its method and headers.

    The browser sends a preflighted request only after the preflight's answer, possibly after the
    consent click; the page asked for it when the preflight went out, and that moment is its wire time.
    Pairs are made closest in time first, each preflight serving one request: a request recorded up to
    PREFLIGHT_LAG before its own preflight still gets it, not an older preflight to the same URL left
    over from before (one whose request is missing, or that the browser's preflight cache made spare).
    """
    waiting: dict[tuple[str, str], list[Entry]] = {}
    for entry in entries:
        wanted = entry.header("access-control-request-method")
        if entry.method.upper() == "OPTIONS" and wanted:
            waiting.setdefault((entry.url, wanted.strip().upper()), []).append(entry)
    if not waiting:
        return {}
    asked: dict[int, frozenset[str] | None] = {}
    starts: dict[tuple[str, str], list[float]] = {}
    for key, group in waiting.items():
        group.sort(key=lambda e: (e.started, e.index))
        starts[key] = [e.started for e in group]
        asked.update((e.index, _asked_headers(e)) for e in group)
    pairs: list[tuple[float, int, int, Entry, Entry]] = []
    for request in entries:
        key = (request.url, request.method.upper())
        if key not in waiting or request.method.upper() == "OPTIONS":
            continue
        group = waiting[key]
        end = bisect_right(starts[key], request.started + PREFLIGHT_LAG)
        sent = _sent_headers(request)
        for preflight in group[max(0, end - _PREFLIGHT_CANDIDATES) : end]:
            if _fits(asked[preflight.index], sent):
                gap = abs(request.started - preflight.started)
                pairs.append((gap, request.index, preflight.index, request, preflight))
    found: dict[int, Entry] = {}
    used: set[int] = set()
    for _, _, _, request, preflight in sorted(pairs, key=lambda p: p[:3]):
        if request.index not in found and preflight.index not in used:
            found[request.index] = preflight
            used.add(preflight.index)
    return found
