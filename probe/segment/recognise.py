"""Segment calls on hosts Segment does not own: when a ``/v1/<call>`` request counts as Segment ingestion.

On Segment's ingestion hosts, and on hosts the suite or the captured settings name (``apiHost``), the
method and path decide alone. Elsewhere (a first-party proxy, a relay, a server-side source) a
``POST …/v1/track`` is too common a shape to trust by itself, so:

1. A payload the recording holds and that reads as JSON decides by its shape
   (``shapes.looks_like_segment_payload``: analytics.js's ``type`` + ``messageId``, or the HTTP API's
   ``anonymousId``/``userId`` with a ``writeKey``, a known ``type`` or the call's own field). JSON of
   any other shape is not Segment, whatever else the recording shows.
2. A payload the HAR did not capture (BrowserMob, some DevTools exports) or that cannot be read
   leaves only the path. The path counts when the recording shows Segment somewhere else: analytics.js,
   its settings or bundles fetched, events or a writeKey sent to a Segment host, or an ``ajs_``
   identifier stored. The request is then ingestion with its body unknown, and the first such sign is
   kept as the reason (in words that name no writeKey or identifier value, so redaction keeps them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from probe.segment.endpoints import INGESTION_KINDS, Kind
from probe.segment.identifiers import IdentifierSighting

if TYPE_CHECKING:
    from probe.segment.traffic import SegmentRequest

_WHERE = {
    "cookie": "cookie in the storage snapshot",
    "localStorage": "localStorage in the storage snapshot",
    "set-cookie": "Set-Cookie response header",
    "cookie-header": "Cookie request header",
}
_SDK_SIGNS = {
    Kind.LOADER: "analytics.js loaded",
    Kind.SETTINGS: "Segment settings fetched",
    Kind.SDK_BUNDLE: "a Segment SDK bundle fetched",
    Kind.DEVICE_MODE: "a Segment device-mode bundle fetched",
    Kind.DESTINATION_LIST: "Segment's destination list fetched",
}


def _request_sign(request: SegmentRequest, host: str) -> str | None:
    # no writeKey or identifier values in the words: redaction replaces them, findings must not change
    if request.kind in _SDK_SIGNS:
        return f"{_SDK_SIGNS[request.kind]} (entry {request.entry})"
    # an off-host request recognised by a guess is no evidence for the next guess
    if request.kind in INGESTION_KINDS and request.recognised is None:
        return f"Segment events sent to {host} (entry {request.entry})"
    if request.kind in (Kind.PUBLIC_API, Kind.OTHER):
        return f"a request to Segment's {host} (entry {request.entry})"
    return None


def segment_sign(
    requests: Iterable[SegmentRequest],
    host_of: Callable[[int], str],
    identifiers: Callable[[], Iterable[IdentifierSighting]],
) -> str | None:
    """The first sign elsewhere in the recording that the site runs Segment, in words; None if none.

    ``identifiers`` is only called when no request is a sign, since reading every cookie costs more.
    """
    for request in sorted(requests, key=lambda r: r.entry):
        sign = _request_sign(request, host_of(request.entry))
        if sign is not None:
            return sign
    for sighting in identifiers():
        # the name, never the value: a redacted copy of the evidence must give the same message
        where = _WHERE[sighting.source] + (f", entry {sighting.entry}" if sighting.entry is not None else "")
        return f"an {sighting.name} identifier stored ({where})"
    return None
