"""Segment events as sent on the wire: one per single-event request, one per ``batch[]`` item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from probe.segment.body import (
    NOT_CAPTURED,
    Body,
    basic_auth_user,
    clip,
    compact_json,
    decode_body,
    pixel_payload,
)
from probe.segment.endpoints import Kind, event_type_for_path, wire_call
from probe.timeline import BROWSER, SERVER, Entry

CONSENT_UPDATED = "Segment Consent Preference Updated"
# library names of Segment's server-side sources (context.library.name)
SERVER_LIBRARIES = frozenset(
    {
        "analytics-node",
        "@segment/analytics-node",
        "analytics-python",
        "analytics-ruby",
        "analytics-go",
        "analytics-java",
        "analytics-kotlin-jvm",
        "analytics-php",
        "analytics.net",
        "analytics-csharp",
        "analytics-node-next",
    }
)


@dataclass(frozen=True)
class ConsentStamp:
    """``context.consent`` of an event (consent-tools, or the legacy consent-manager shape)."""

    category_preferences: dict[str, bool] | None
    destination_preferences: dict[str, bool] | None = None
    default_destination_behavior: str | None = None

    @property
    def legacy(self) -> bool:
        """True for @segment/consent-manager's stamp (it adds destination-level fields)."""
        return self.destination_preferences is not None or self.default_destination_behavior is not None


@dataclass(frozen=True)
class SegmentEvent:
    """One Segment event on the wire."""

    entry: int  # HAR entry index of the request that carried it
    started: float  # wire time of that request
    url: str
    type: str | None
    name: str | None  # track event name, page/screen name
    message_id: str | None
    category_preferences: dict[str, bool] | None  # None: no context.consent.categoryPreferences
    excerpt: str  # JSON excerpt for evidence (<= 300 chars)
    write_key: str | None = None
    anonymous_id: str | None = None
    user_id: str | None = None
    library: str | None = None
    consent: ConsentStamp | None = None
    batch_index: int | None = None  # position in batch[], None for single-event requests
    payload: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    created: float | None = None  # the event's own ``timestamp`` (epoch seconds), next to its wire time
    side: str = BROWSER  # SERVER when the site's backend sent it (its entry's ``_probe.side``)

    @property
    def stamped(self) -> bool:
        """True when the event carries ``context.consent.categoryPreferences``."""
        return self.category_preferences is not None

    @property
    def is_consent_update(self) -> bool:
        """True for the consent-change event consent-tools sends."""
        return self.type == "track" and self.name == CONSENT_UPDATED

    @property
    def from_server_library(self) -> bool:
        """True when a server-side Segment library produced the event."""
        return (self.library or "").lower() in SERVER_LIBRARIES

    @property
    def server_side(self) -> bool:
        """True for a server-side event: the backend's entry, or (in a foreign HAR) a server library's."""
        return self.side == SERVER or self.from_server_library


@dataclass(frozen=True)
class Unparseable:
    """A request to a Segment ingestion endpoint whose body could not be read as events."""

    entry: int
    started: float
    url: str
    kind: Kind
    reason: str
    excerpt: str = ""


def _bool_map(value: Any) -> dict[str, bool] | None:
    if not isinstance(value, dict):
        return None
    # consent-tools rejects non-boolean values; keep only what a destination filter would read as a flag
    return {str(k): v for k, v in value.items() if isinstance(v, bool)}


def parse_consent(context: Any) -> ConsentStamp | None:
    """The consent stamp in an event's ``context``, or None when there is none."""
    if not isinstance(context, dict):
        return None
    consent = context.get("consent")
    if not isinstance(consent, dict):
        return None
    behavior = consent.get("defaultDestinationBehavior")
    return ConsentStamp(
        category_preferences=_bool_map(consent.get("categoryPreferences")),
        destination_preferences=_bool_map(consent.get("destinationPreferences")),
        default_destination_behavior=behavior if isinstance(behavior, str) else None,
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def event_excerpt(payload: dict[str, Any]) -> str:
    """The parts of an event an auditor needs: type, name, messageId, consent."""
    keep: dict[str, Any] = {}
    for key in ("type", "event", "name", "messageId"):
        if key in payload:
            keep[key] = payload[key]
    context = payload.get("context")
    if isinstance(context, dict) and "consent" in context:
        keep["context"] = {"consent": context["consent"]}
    return clip(compact_json(keep))


def event_time(value: Any) -> float | None:
    """An event's ISO-8601 ``timestamp`` as epoch seconds; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return None  # a local time of unknown zone cannot be put on the proxy's clock
    try:
        return when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def make_event(
    entry: Entry, payload: dict[str, Any], *, batch_index: int | None, write_key: str | None
) -> SegmentEvent:
    """A SegmentEvent from one event object of a request body."""
    context = payload.get("context")
    stamp = parse_consent(context)
    library = context.get("library") if isinstance(context, dict) else None
    event_type = _text(payload.get("type")) or (
        event_type_for_path(entry.path) if batch_index is None else None
    )
    name = _text(payload.get("event")) if event_type == "track" else _text(payload.get("name"))
    return SegmentEvent(
        entry=entry.index,
        started=entry.started,
        url=entry.url,
        type=event_type,
        name=name,
        message_id=_text(payload.get("messageId")),
        category_preferences=stamp.category_preferences if stamp else None,
        excerpt=event_excerpt(payload),
        write_key=_text(payload.get("writeKey")) or write_key,
        anonymous_id=_text(payload.get("anonymousId")),
        user_id=_text(payload.get("userId")),
        library=_text(library.get("name")) if isinstance(library, dict) else None,
        consent=stamp,
        batch_index=batch_index,
        payload=payload,
        created=event_time(payload.get("timestamp")),
        side=entry.side,
    )


def request_body(entry: Entry) -> Body:
    """The entry's request body decoded (gzip, base64) and parsed as JSON."""
    if entry.request_body is None:
        return Body(error=NOT_CAPTURED)
    return decode_body(entry.request_body, entry.header("content-encoding"))


def ingestion_body(entry: Entry) -> Body:
    """What an ingestion request carries: its body, or for a Pixel API GET the query's payload."""
    call = wire_call(entry.method, entry.path)
    if call is not None and call.pixel:
        return pixel_payload(entry.query)
    return request_body(entry)


def parse_ingestion(
    entry: Entry, kind: Kind, body: Body | None = None
) -> tuple[list[SegmentEvent], Unparseable | None]:
    """The events of an ingestion request, or why they could not be read."""
    body = body if body is not None else ingestion_body(entry)
    auth_key = basic_auth_user(entry.header("authorization"))

    def _broken(reason: str) -> tuple[list[SegmentEvent], Unparseable]:
        return [], Unparseable(entry.index, entry.started, entry.url, kind, reason, clip(body.text))

    if not body.ok:
        return _broken(body.error or "unreadable body")
    data = body.data
    if not isinstance(data, dict):
        return _broken("body is not a JSON object")
    if kind == Kind.EVENT:
        return [make_event(entry, data, batch_index=None, write_key=auth_key)], None
    batch = data.get("batch")
    if not isinstance(batch, list):
        return _broken("batch request without a batch[] array")
    write_key = _text(data.get("writeKey")) or auth_key
    events = [
        make_event(entry, item, batch_index=i, write_key=write_key)
        for i, item in enumerate(batch)
        if isinstance(item, dict)
    ]
    if len(events) != len(batch):
        return events, Unparseable(
            entry.index, entry.started, entry.url, kind, "batch[] holds items that are not objects", ""
        )
    return events, None


def request_write_key(entry: Entry, body: Body | None = None) -> str | None:
    """The writeKey of a request: body ``writeKey`` or the Basic Authorization user."""
    if body is not None and isinstance(body.data, dict):
        key = _text(body.data.get("writeKey"))
        if key:
            return key
    return basic_auth_user(entry.header("authorization"))
