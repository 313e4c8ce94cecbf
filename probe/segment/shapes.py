"""What a Segment payload looks like, from analytics.js, the HTTP Tracking API or the Pixel API.

A body on a host Segment does not own is only Segment's when its shape says so; this module is that
judgement, kept apart from the host and path rules in ``endpoints``.
"""

from __future__ import annotations

from typing import Any

CALL_TYPES = frozenset({"track", "page", "identify", "group", "alias", "screen"})
# the field each HTTP API call carries besides the visitor's id (analytics.js adds type and messageId)
_CALL_FIELDS: dict[str, tuple[str, ...]] = {
    "track": ("event",),
    "identify": ("traits",),
    "group": ("groupId",),
    "alias": ("previousId",),
    "page": ("name", "properties"),
    "screen": ("name", "properties"),
}


def _present(value: Any) -> bool:
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, int) and not isinstance(value, bool)
    )


def _has_identity(data: dict[str, Any]) -> bool:
    return _present(data.get("anonymousId")) or _present(data.get("userId"))


def looks_like_event(data: Any, call: str | None = None) -> bool:
    """True for one Segment event object: analytics.js's own, or an HTTP API call of type ``call``.

    analytics.js always sends ``type`` and ``messageId``. The HTTP API requires an ``anonymousId`` or
    ``userId``; with it, a ``writeKey``, a ``type`` Segment knows, or the field the call is about
    (``event`` for track, ``traits`` for identify, ...) makes the shape.
    """
    if not isinstance(data, dict):
        return False
    if "type" in data and "messageId" in data:
        return True
    if not _has_identity(data):
        return False
    kind = data.get("type") if data.get("type") in CALL_TYPES else call
    if _present(data.get("writeKey")) or data.get("type") in CALL_TYPES:
        return True
    fields = _CALL_FIELDS.get(kind or "", ())
    return any(data.get(name) not in (None, "", {}) for name in fields)


def _batch_item(item: Any) -> bool:
    if not isinstance(item, dict):
        return False
    if "type" in item and "messageId" in item:
        return True
    return item.get("type") in CALL_TYPES and _has_identity(item)


def looks_like_segment_payload(data: Any, call: str | None = None) -> bool:
    """True for a JSON body shaped like a Segment event, batch or metrics payload.

    ``call`` is the call the path names (``track``, ``identify``, ...) when it names one.
    """
    if not isinstance(data, dict):
        return False
    batch = data.get("batch")
    if isinstance(batch, list) and batch:
        # a batch item must say its type: the path names no call for it
        return any(_batch_item(e) for e in batch)
    series = data.get("series")
    if isinstance(series, list) and any(isinstance(s, dict) and "metric" in s for s in series):
        return True
    return looks_like_event(data, call)
