"""Everything the rules read, computed once per recording: Segment traffic, vendor hits, expectations."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from probe.catalog import Catalog, FirstParty, Vendor, load_catalog
from probe.rules.consent_mode import ga_client_ids
from probe.rules.expect import Expectations, build_expectations, vendor_cmp_category
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
    by_index: dict[int, Entry] = field(default_factory=dict)
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
    entries = [e for e in timeline.entries if not e.noise and not catalog.is_browser_noise(e.host)]
    traffic = read_segment(entries, hosts=suite.segment.hosts, destinations=suite.segment.destinations)
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
        first_party=FirstParty.from_urls(
            [suite.start_url, *(urljoin(suite.start_url, p) for p in suite.pages)]
        ),
        entries=entries,
        vendor_hits=vendor_hits,
        identifiers=find_identifiers(timeline, entries),
        ga_client_ids=ga_client_ids(timeline, entries),
        by_index={e.index: e for e in entries},
        preflight_of=preflights(entries),
    )


def preflights(entries: list[Entry]) -> dict[int, Entry]:
    """Each request's CORS preflight: the OPTIONS to the same URL that asked for its method.

    The browser sends a preflighted request only after the preflight's answer, possibly after the
    consent click; the page asked for it when the preflight went out, and that moment is its wire time.
    """
    waiting: dict[tuple[str, str], Entry] = {}
    found: dict[int, Entry] = {}
    for entry in sorted(entries, key=lambda e: (e.started, e.index)):
        wanted = entry.header("access-control-request-method")
        if entry.method.upper() == "OPTIONS" and wanted:
            waiting[(entry.url, wanted.upper())] = entry
            continue
        preflight = waiting.pop((entry.url, entry.method.upper()), None)
        if preflight is not None:
            found[entry.index] = preflight
    return found
