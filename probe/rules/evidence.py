"""Evidence pointers: HAR entry index, URL and an excerpt of at most 300 characters."""

from __future__ import annotations

from probe.findings import EvidenceRef
from probe.segment import IdentifierSighting, SegmentEvent, clip
from probe.timeline import Entry


def entry_ref(entry: Entry, excerpt: str | None = None) -> EvidenceRef:
    """Evidence pointing at one HAR entry."""
    if entry.blocked:
        # the offline proxy refused it, but the page still made the request: that is the behaviour judged
        excerpt = f"[refused by the offline proxy] {excerpt or ''}".strip()
    return EvidenceRef(entry=entry.index, url=entry.url, excerpt=clip(excerpt) if excerpt else None)


def event_ref(event: SegmentEvent) -> EvidenceRef:
    """Evidence pointing at the request that carried a Segment event, with the event's JSON."""
    prefix = f"batch[{event.batch_index}] " if event.batch_index is not None else ""
    return EvidenceRef(entry=event.entry, url=event.url, excerpt=clip(prefix + event.excerpt))


def sighting_ref(sighting: IdentifierSighting) -> EvidenceRef:
    """Evidence for an identifier seen in storage or headers."""
    where = f"{sighting.phase} storage: " if sighting.entry is None else ""
    return EvidenceRef(entry=sighting.entry, url=sighting.url, excerpt=clip(where + sighting.describe()))


def note_ref(text: str) -> EvidenceRef:
    """Evidence that is a statement about the recording (e.g. what is missing from it)."""
    return EvidenceRef(excerpt=clip(text))
