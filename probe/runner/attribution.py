"""Which of the backend's requests belong to which scenario: by the visitor's identity, never by timing.

A scenario's visitor is known by the ids its browser context carried: the ``ajs_anonymous_id`` and
``ajs_user_id`` cookies it sent (to the backend too), and the ``anonymousId`` / ``userId`` of its
Segment events. Events that name two ids at once (identify, alias, or any event with both) link
them, in the browser's traffic and in the backend's. A backend request is the visitor's when:

- it is a Segment event or batch: the events whose ids are the visitor's (``by``: ``userId`` or
  ``anonymousId``, or ``cookie`` when that id was seen only in a cookie);
- it is a Privacy API regulation: its ``subjectIds`` name the visitor (``by``: ``subject``);
- otherwise, it carries the visitor's ``ajs_*`` cookies itself (``by``: ``cookie``).

Fresh browser contexts get fresh ids, so scenarios that run side by side never share one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from mitmproxy import http

from probe.segment.endpoints import is_regulation

ANONYMOUS_COOKIE = "ajs_anonymous_id"
USER_COOKIE = "ajs_user_id"
MAX_BODY = 4 * 1024 * 1024  # a larger body is no Segment batch (Segment caps a batch at 500 KB)


@dataclass
class Identities:
    """The ids a visitor is known by, and where each was seen."""

    from_events: set[str] = field(default_factory=set)  # anonymousId / userId of its Segment events
    from_cookies: set[str] = field(default_factory=set)  # values of the ajs_* cookies it sent

    @property
    def all(self) -> set[str]:
        """Every id of the visitor."""
        return self.from_events | self.from_cookies


@dataclass(frozen=True)
class Visitor:
    """A backend request's tie to a visitor: the HAR entry's ``_probe.visitor``."""

    by: str  # anonymousId | userId | cookie | subject
    ids: tuple[str, ...]
    events: tuple[int, ...] | None  # indices into the body's batch[]; None: the whole body

    def record(self) -> dict[str, Any]:
        """As written into the HAR."""
        return {"by": self.by, "ids": list(self.ids), "events": None if self.events is None else list(self.events)}


def cookie_value(raw: str) -> str:
    """An ``ajs_*`` cookie's id: URL-decoded, without the JSON quotes analytics.js classic wrote."""
    value = unquote(raw).strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def request_json(flow: http.HTTPFlow) -> Any:
    """A request body parsed as JSON (Segment sends text/plain JSON too), or None."""
    content = flow.request.get_content(strict=False) if flow.request.raw_content else None
    if not content or len(content) > MAX_BODY:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def segment_events(body: Any) -> tuple[list[dict[str, Any]], bool] | None:
    """The events of a Segment body and whether it is a batch; None when it is neither."""
    if not isinstance(body, dict):
        return None
    batch = body.get("batch")
    if isinstance(batch, list):
        return [e if isinstance(e, dict) else {} for e in batch], True
    if isinstance(body.get("type"), str) and ("anonymousId" in body or "userId" in body):
        return [body], False
    return None


def regulation_subjects(body: Any) -> list[str]:
    """The subject ids a Privacy API regulation's body names."""
    ids = body.get("subjectIds") if isinstance(body, dict) else None
    return [str(i) for i in ids if isinstance(i, str | int)] if isinstance(ids, list) else []


def _event_ids(event: dict[str, Any]) -> list[str]:
    ids = [event.get(k) for k in ("anonymousId", "userId", "previousId")]
    return [str(i) for i in ids if isinstance(i, str | int) and str(i)]


def _cookie_ids(flow: http.HTTPFlow) -> list[str]:
    found = []
    for name in (ANONYMOUS_COOKIE, USER_COOKIE):
        for raw in flow.request.cookies.get_all(name):
            value = cookie_value(raw)
            if value:
                found.append(value)
    return found


def browser_identities(flows: Iterable[http.HTTPFlow]) -> Identities:
    """The ids a browser context's own traffic shows (cookies it sent, its Segment events)."""
    ids = Identities()
    for flow in flows:
        ids.from_cookies.update(_cookie_ids(flow))
        if flow.request.method != "POST":
            continue
        parsed = segment_events(request_json(flow))
        if parsed is not None:
            for event in parsed[0]:
                ids.from_events.update(_event_ids(event))
    return ids


def link(ids: Identities, bodies: Sequence[Any]) -> Identities:
    """Grow ``ids`` with ids that the backend's events tie to them (identify, alias), to a fixpoint."""
    links = [
        set(_event_ids(e)) for body in bodies for e in (segment_events(body) or ([], False))[0] if len(_event_ids(e)) > 1
    ]
    grown = True
    while grown:
        grown = False
        known = ids.all
        for group in links:
            if group & known and not group <= known:
                ids.from_events.update(group - known)
                known = ids.all
                grown = True
    return ids


def attribute(flow: http.HTTPFlow, body: Any, ids: Identities) -> Visitor | None:
    """How a backend request belongs to the visitor known by ``ids``; None when it does not."""
    known = ids.all
    if not known:
        return None
    parsed = segment_events(body)
    if parsed is not None:
        events, batch = parsed
        mine: list[int] = []
        matched: set[str] = set()
        by_user = False
        for index, event in enumerate(events):
            hit = set(_event_ids(event)) & known
            if hit:
                mine.append(index)
                matched |= hit
                by_user |= str(event.get("userId")) in hit
        if not mine:
            return None
        by = "userId" if by_user else "anonymousId"
        if not matched & ids.from_events:
            by = "cookie"  # the visitor's id was seen only in the cookies its browser sent
        return Visitor(by, tuple(sorted(matched)), tuple(mine) if batch else None)
    if is_regulation(flow.request.method, flow.request.pretty_url):
        hit = set(regulation_subjects(body)) & known
        return Visitor("subject", tuple(sorted(hit)), None) if hit else None
    cookies = set(_cookie_ids(flow)) & known
    return Visitor("cookie", tuple(sorted(cookies)), None) if cookies else None


def event_count(body: Any) -> int | None:
    """How many events a batch body holds; None when it is not a batch (it is attributed whole)."""
    parsed = segment_events(body)
    return len(parsed[0]) if parsed is not None and parsed[1] else None
