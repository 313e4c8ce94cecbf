"""Segment's visitor identifiers (``ajs_*``) wherever the recording shows them stored."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from probe.segment.cookies import request_cookies, response_cookies
from probe.timeline import Entry, StorageSnapshot, Timeline

AJS_IDENTIFIERS = ("ajs_anonymous_id", "ajs_user_id", "ajs_group_id")
_EMPTY = {"", "null", '""', "undefined", "%22%22"}


@dataclass(frozen=True)
class IdentifierSighting:
    """One place an ``ajs_*`` identifier was seen stored."""

    name: str
    value: str
    source: str  # "cookie" / "localStorage" (snapshot), "set-cookie" / "cookie-header" (wire)
    phase: str | None
    entry: int | None = None
    url: str | None = None

    def describe(self) -> str:
        """Plain-language location of the sighting."""
        where = {
            "cookie": "cookie in the storage snapshot",
            "localStorage": "localStorage key in the storage snapshot",
            "set-cookie": "Set-Cookie response header",
            "cookie-header": "Cookie request header",
        }[self.source]
        return f"{self.name}={self.value} ({where})"


def is_identifier_value(value: str) -> bool:
    """True when a stored value really holds an id (not null, empty or a JSON-encoded empty)."""
    text = unquote(value.strip())
    if text.startswith('"') and text.endswith('"') and len(text) >= 2:
        text = text[1:-1]
    return text.strip() not in _EMPTY


def in_snapshot(snapshot: StorageSnapshot) -> list[IdentifierSighting]:
    """Identifiers in a phase's cookies and localStorage."""
    found: list[IdentifierSighting] = []
    for source, store in (("cookie", snapshot.cookies), ("localStorage", snapshot.local_storage)):
        for name in AJS_IDENTIFIERS:
            value = store.get(name)
            if value is not None and is_identifier_value(value):
                found.append(IdentifierSighting(name, value, source, snapshot.phase))
    return found


def in_entry(entry: Entry, phase: str | None) -> list[IdentifierSighting]:
    """Identifiers an entry's Set-Cookie response or Cookie request headers carry."""
    found = [
        IdentifierSighting(c.name, c.value, "set-cookie", phase, entry.index, entry.url)
        for c in response_cookies(entry)
        if c.name in AJS_IDENTIFIERS and not c.deletes and is_identifier_value(c.value)
    ]
    found += [
        IdentifierSighting(name, value, "cookie-header", phase, entry.index, entry.url)
        for name, value in request_cookies(entry)
        if name in AJS_IDENTIFIERS and is_identifier_value(value)
    ]
    return found


def find_identifiers(timeline: Timeline, entries: Iterable[Entry] | None = None) -> list[IdentifierSighting]:
    """Every ``ajs_*`` identifier sighting: snapshots first, then entries in wire order."""
    found = [s for snap in timeline.snapshots for s in in_snapshot(snap)]
    for entry in entries if entries is not None else timeline.site_entries():
        found += in_entry(entry, timeline.phase_of(entry))
    return found
