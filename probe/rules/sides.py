"""The recording's two sides: what the browser sent, and what the site's backend sent for this visitor.

Browser rules read only the browser's Segment traffic; the server rules read the backend's events that
are this scenario's visitor's (``_probe.visitor``). A foreign HAR has no backend entries, but an event a
server library produced (``context.library.name``) is server-side evidence wherever it was recorded.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from probe.rules.stamps import by_entry
from probe.segment import SegmentEvent, SegmentTraffic
from probe.timeline import Entry


@dataclass
class ServerTraffic:
    """The backend's Segment traffic judged for this visitor, and what was left out and why."""

    traffic: SegmentTraffic  # requests and events of server-side entries (events: this visitor's only)
    entries: list[Entry] = field(default_factory=list)  # every backend entry of the recording
    indices: frozenset[int] = frozenset()  # HAR indices of server-side requests (backend or server library)
    other_visitors: dict[int, int] = field(default_factory=dict)  # entry -> batch items of other visitors
    unattributed: list[int] = field(default_factory=list)  # backend entries with events but no visitor

    @property
    def events(self) -> list[SegmentEvent]:
        """Server-side events of this scenario's visitor, in wire order."""
        return self.traffic.events

    @property
    def recorded(self) -> bool:
        """True when the recording holds server-side traffic (so what the backend did not send can be judged)."""
        return bool(self.indices)


def split_sides(traffic: SegmentTraffic, backend: list[Entry]) -> tuple[SegmentTraffic, ServerTraffic]:
    """The browser's view of ``traffic`` and the server side's (``backend``: the backend's entries)."""
    by_index = {e.index: e for e in backend}
    library_only = {
        index
        for index, events in by_entry(traffic.events).items()
        if index not in by_index and all(e.from_server_library for e in events)
    }
    server_indices = frozenset(by_index) | library_only
    browser_events: list[SegmentEvent] = []
    server_events: list[SegmentEvent] = []
    other_visitors: dict[int, int] = {}
    unattributed: dict[int, None] = {}
    for event in traffic.events:
        entry = by_index.get(event.entry)
        if entry is None:
            (server_events if event.server_side else browser_events).append(event)
            continue
        if entry.visitor is None:
            unattributed[event.entry] = None  # not known to be this visitor's: never judged as theirs
            continue
        wanted = entry.visitor.events
        if wanted is not None and event.batch_index is not None and event.batch_index not in wanted:
            other_visitors[event.entry] = other_visitors.get(event.entry, 0) + 1
            continue
        server_events.append(event)
    browser = _view(traffic, lambda i: i not in server_indices, browser_events)
    server = _view(traffic, server_indices.__contains__, server_events)
    return browser, ServerTraffic(
        traffic=server,
        entries=backend,
        indices=server_indices,
        other_visitors=other_visitors,
        unattributed=list(unattributed),
    )


def _view(traffic: SegmentTraffic, keep: Callable[[int], bool], events: list[SegmentEvent]) -> SegmentTraffic:
    """The part of ``traffic`` whose requests ``keep`` accepts by HAR index, with ``events``."""
    requests = [r for r in traffic.requests if keep(r.entry)]
    return dataclasses.replace(
        traffic,
        requests=requests,
        events=events,
        unparseable=[u for u in traffic.unparseable if keep(u.entry)],
        by_entry={r.entry: r for r in requests},
    )
