"""Which of the backend's requests belong to which scenario: by the visitor's identity, never by timing.

A scenario's visitor is known by the ids its browser context carried: the ``ajs_anonymous_id`` and
``ajs_user_id`` cookies it sent (to the backend too), and the ``anonymousId`` / ``userId`` of its
Segment events. Events that name two ids at once (identify, alias, or any event with both) link
them, in the browser's traffic and in the backend's. A backend request is the visitor's when:

- it is a Segment event or batch (the path names the call, as ``/v1/track`` or ``/v1/batch``; off
  Segment's hosts the body must look like Segment's too): the events whose ids are the visitor's
  (``by``: ``userId`` or ``anonymousId``, or ``cookie`` when that id was seen only in a cookie);
- it is a Privacy API regulation: its ``subjectIds`` name the visitor (``by``: ``subject``);
- otherwise, it carries the visitor's ``ajs_*`` cookies itself (``by``: ``cookie``).

Fresh browser contexts get fresh ids, so scenarios that run side by side never share one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mitmproxy import http

from probe.segment.body import decode_body
from probe.segment.endpoints import INGESTION_KINDS, Endpoints, Kind, is_regulation, wire_call
from probe.segment.identifiers import AJS_IDENTIFIERS, is_identifier_value
from probe.segment.shapes import looks_like_segment_payload
from probe.timeline import Visitor

# the visitor's own ids: an ajs_group_id names an account that many visitors share
VISITOR_COOKIES = tuple(name for name in AJS_IDENTIFIERS if name != "ajs_group_id")
MAX_BODY = 4 * 1024 * 1024  # a larger body is no Segment batch (Segment caps a batch at 500 KB)
# Segment's own ingestion hosts; a library's or first-party proxy's host is known by the body it sends
_SEGMENT = Endpoints.build()
Request = tuple[http.HTTPFlow, Any]  # a flow and its body parsed as JSON (None when it is not JSON)


@dataclass
class Identities:
    """The ids a visitor is known by, and where each was seen."""

    from_events: set[str] = field(default_factory=set)  # anonymousId / userId of its Segment events
    from_cookies: set[str] = field(default_factory=set)  # values of the ajs_* cookies it sent

    @property
    def all(self) -> set[str]:
        """Every id of the visitor."""
        return self.from_events | self.from_cookies


def cookie_value(raw: str) -> str | None:
    """An ``ajs_*`` cookie's id: URL-decoded, without the JSON quotes analytics.js classic wrote.

    None when the cookie holds no id (``null``, ``undefined``, empty): visitors who share such a
    value share no identity.
    """
    if not is_identifier_value(raw):
        return None
    value = unquote(raw).strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value


def request_json(flow: http.HTTPFlow) -> Any:
    """A request body parsed as JSON (Segment sends text/plain JSON, sometimes base64), or None."""
    content = flow.request.get_content(strict=False) if flow.request.raw_content else None
    if not content or len(content) > MAX_BODY:
        return None
    body = decode_body(content)
    return body.data if body.ok else None


def segment_events(flow: http.HTTPFlow, body: Any) -> tuple[list[dict[str, Any]], bool] | None:
    """The events a request sends to Segment and whether it is a batch; None when it sends none.

    The path names the call, so a single event needs no ``type`` (the HTTP Tracking API's
    ``POST /v1/track``). Off Segment's hosts (a library's endpoint, a first-party proxy at any path
    prefix) the body must be shaped like Segment's too.
    """
    request = flow.request
    parts = urlsplit(request.pretty_url)
    call = wire_call(request.method, parts.path or "/")
    if request.method.upper() != "POST" or call is None or call.kind not in INGESTION_KINDS:
        return None
    if not isinstance(body, dict):
        return None
    host = (parts.hostname or "").lower()
    if not (_SEGMENT.is_known_host(host, call.prefix) or looks_like_segment_payload(body, call.event_type)):
        return None
    if call.kind == Kind.EVENT:
        return [body], False
    batch = body.get("batch")
    if not isinstance(batch, list):
        return None
    # every item keeps its place: _probe.visitor.events names positions in batch[]
    return [e if isinstance(e, dict) else {} for e in batch], True


def regulation_subjects(body: Any) -> list[str]:
    """The subject ids a Privacy API regulation's body names."""
    ids = body.get("subjectIds") if isinstance(body, dict) else None
    return _ids(ids) if isinstance(ids, list) else []


def _ids(values: Iterable[Any]) -> list[str]:
    """The values that are ids: strings or numbers, never null, empty or the text ``null``."""
    found = (str(v) for v in values if isinstance(v, str | int) and not isinstance(v, bool))
    return [v for v in found if is_identifier_value(v)]


def _event_ids(event: dict[str, Any]) -> list[str]:
    return _ids(event.get(k) for k in ("anonymousId", "userId", "previousId"))


def _cookie_ids(flow: http.HTTPFlow) -> list[str]:
    found = []
    for name in VISITOR_COOKIES:
        for raw in flow.request.cookies.get_all(name):
            value = cookie_value(raw)
            if value is not None:
                found.append(value)
    return found


def browser_identities(flows: Iterable[http.HTTPFlow]) -> Identities:
    """The ids a browser context's own traffic shows (cookies it sent, its Segment events)."""
    ids = Identities()
    for flow in flows:
        ids.from_cookies.update(_cookie_ids(flow))
        if flow.request.method != "POST":
            continue
        parsed = segment_events(flow, request_json(flow))
        if parsed is not None:
            for event in parsed[0]:
                ids.from_events.update(_event_ids(event))
    return ids


def link(ids: Identities, requests: Sequence[Request]) -> Identities:
    """Grow ``ids`` with ids that the backend's events tie to them (identify, alias), to a fixpoint."""
    links: list[set[str]] = []
    for flow, body in requests:
        for event in (segment_events(flow, body) or ([], False))[0]:
            found = set(_event_ids(event))
            if len(found) > 1:
                links.append(found)
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
    parsed = segment_events(flow, body)
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
    # any regulation names its subjects, one lifting a suppression too
    if is_regulation(flow.request.method, flow.request.pretty_url):
        hit = set(regulation_subjects(body)) & known
        return Visitor("subject", tuple(sorted(hit)), None) if hit else None
    cookies = set(_cookie_ids(flow)) & known
    return Visitor("cookie", tuple(sorted(cookies)), None) if cookies else None


def event_count(flow: http.HTTPFlow, body: Any) -> int | None:
    """How many events a batch request holds; None when it is not a batch (it is attributed whole)."""
    parsed = segment_events(flow, body)
    return len(parsed[0]) if parsed is not None and parsed[1] else None
