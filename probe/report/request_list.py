"""Which requests the HTML report lists: all of a short recording, a bounded sample of a long one.

A 100k-request HAR listed whole is a 90 MB page no browser opens comfortably. Above ``ROWS_LIMIT``
the list keeps the first ``FIRST_ROWS`` requests, ``AROUND_MARK`` on either side of each phase mark
(where consent was decided), and every request a finding or the checklist cites, so each evidence
link still has its row. The rest is counted, in place, between the rows it was left out of.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field

from probe.timeline import Entry, Timeline

ROWS_LIMIT = 2000  # a recording up to this many requests is listed whole
FIRST_ROWS = 500
AROUND_MARK = 50


@dataclass
class Listing:
    """The listed requests in HAR order, and how many were left out before each and after the last."""

    entries: list[Entry] = field(default_factory=list)
    gaps: list[int] = field(default_factory=list)  # requests left out just before entries[i]
    after: int = 0  # requests left out after the last listed one
    total: int = 0

    @property
    def left_out(self) -> int:
        """Requests of the recording not listed."""
        return self.total - len(self.entries)


def list_requests(timeline: Timeline, cited: Iterable[int]) -> Listing:
    """The requests to list for ``timeline``; ``cited`` entries are always among them."""
    by_index = sorted(timeline.entries, key=lambda e: e.index)
    if len(by_index) <= ROWS_LIMIT:
        return Listing(by_index, [0] * len(by_index), 0, len(by_index))
    keep = {e.index for e in by_index[:FIRST_ROWS]}
    keep.update(cited)
    by_time = sorted(timeline.entries, key=lambda e: (e.started, e.index))
    starts = [e.started for e in by_time]
    for mark in timeline.marks:
        at = bisect_left(starts, mark.at)
        keep.update(e.index for e in by_time[max(0, at - AROUND_MARK) : at + AROUND_MARK])
    listing = Listing(total=len(by_index))
    skipped = 0
    for entry in by_index:
        if entry.index in keep:
            listing.entries.append(entry)
            listing.gaps.append(skipped)
            skipped = 0
        else:
            skipped += 1
    listing.after = skipped
    return listing
