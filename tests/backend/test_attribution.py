"""Attribution of backend requests to a scenario's visitor, by identity (probe.runner.attribution)."""

from __future__ import annotations

import json
from typing import Any

from mitmproxy.test import tflow, tutils

from probe.runner.attribution import (
    Identities,
    attribute,
    browser_identities,
    cookie_value,
    event_count,
    link,
    request_json,
)
from probe.timeline import Visitor

API = "https://api.segment.io/v1"
REGULATIONS = "https://api.segmentapis.com/regulations"


def flow(body: Any = None, *, cookie: str | None = None, method: str = "POST", url: str | None = None) -> tflow.HTTPFlow:
    """A recorded request; a Segment body goes to the HTTP API path a library sends it to, unless ``url`` is given."""
    request = tutils.treq(method=method.encode(), content=b"" if body is None else json.dumps(body).encode())
    if url is None and isinstance(body, dict):
        url = f"{API}/batch" if "batch" in body else f"{API}/{body['type']}" if "type" in body else None
    if url is not None:
        request.url = url
    if cookie is not None:
        request.headers["cookie"] = cookie
    return tflow.tflow(req=request)


def event(anonymous_id: str | None = None, user_id: str | None = None, **more: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"type": more.pop("type", "track"), **more}
    if anonymous_id is not None:
        found["anonymousId"] = anonymous_id
    if user_id is not None:
        found["userId"] = user_id
    return found


def ids(events: set[str] = frozenset(), cookies: set[str] = frozenset()) -> Identities:  # type: ignore[assignment]
    return Identities(set(events), set(cookies))


def test_cookie_values_lose_url_encoding_and_classic_quotes() -> None:
    assert cookie_value("%22abc%22") == "abc"
    assert cookie_value("abc-1") == "abc-1"
    assert cookie_value('"u 1"') == "u 1"


def test_a_browser_context_is_known_by_its_cookies_and_its_events() -> None:
    flows = [
        flow(method="GET", cookie="ajs_anonymous_id=a1; cc_cookie=x; ajs_user_id=%22u1%22"),
        flow(event("a1", type="page")),
        flow({"batch": [event("a2"), event("a2", "u2", type="identify")]}),
        flow({"not": "segment", "anonymousId": "x"}),
        flow(event("ignored"), method="PUT"),
    ]
    found = browser_identities(flows)
    assert found.from_cookies == {"a1", "u1"}
    assert found.from_events == {"a1", "a2", "u2"}


def test_a_batch_is_attributed_event_by_event() -> None:
    body = {"batch": [event("a1"), event("stranger"), event(None, "u1"), "not an event"]}
    visitor = attribute(flow(body), body, ids({"a1", "u1"}))
    assert visitor == Visitor("userId", ("a1", "u1"), (0, 2))
    assert visitor.record() == {"by": "userId", "ids": ["a1", "u1"], "events": [0, 2]}
    assert event_count(flow(body), body) == 4


def test_a_single_event_is_attributed_whole() -> None:
    body = event("a1", event="Order Completed")
    assert attribute(flow(body), body, ids({"a1"})) == Visitor("anonymousId", ("a1",), None)
    assert event_count(flow(body), body) is None


def test_an_id_seen_only_in_a_cookie_says_so() -> None:
    body = {"batch": [event("a1")]}
    assert attribute(flow(body), body, ids(cookies={"a1"})) == Visitor("cookie", ("a1",), (0,))


def test_a_regulation_is_attributed_by_its_subjects() -> None:
    body = {"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": ["u9", "u1"]}
    assert attribute(flow(body, url=REGULATIONS), body, ids({"a1", "u1"})) == Visitor("subject", ("u1",), None)
    assert attribute(flow(body, url=REGULATIONS), body, ids({"a1"})) is None
    # the same body to the site's own endpoint is no regulation: only its cookies could tie it
    assert attribute(flow(body, url="https://shop.test/regulations"), body, ids({"a1", "u1"})) is None


def test_another_request_is_attributed_by_the_cookies_it_carries() -> None:
    carried = flow(method="GET", cookie="ajs_anonymous_id=a1")
    assert attribute(carried, request_json(carried), ids({"a1"})) == Visitor("cookie", ("a1",), None)
    stranger = flow(method="GET", cookie="ajs_anonymous_id=b7")
    assert attribute(stranger, request_json(stranger), ids({"a1"})) is None
    assert attribute(flow("x"), None, ids({"a1"})) is None


def test_identify_and_alias_on_the_backend_link_ids_to_a_fixpoint() -> None:
    bodies = [
        {"batch": [event("a1", "u1", type="identify")]},
        event(None, "u2", type="alias", previousId="u1"),
        event("z9", "u8", type="identify"),  # nobody's
    ]
    grown = link(ids(cookies={"a1"}), [(flow(body), body) for body in bodies])
    assert grown.all == {"a1", "u1", "u2"}
    regulation = {"regulationType": "DELETE_ONLY", "subjectIds": ["u2"]}
    assert attribute(flow(regulation, url=REGULATIONS), regulation, grown) == Visitor("subject", ("u2",), None)


def test_two_visitors_in_one_batch_each_get_their_own_events() -> None:
    body = {"batch": [event("a1"), event("b1"), event("a1")]}
    assert attribute(flow(body), body, ids({"a1"})) == Visitor("anonymousId", ("a1",), (0, 2))
    assert attribute(flow(body), body, ids({"b1"})) == Visitor("anonymousId", ("b1",), (1,))
    assert attribute(flow(body), body, ids()) is None


def test_an_http_api_call_is_named_by_its_path_and_needs_no_type() -> None:
    body = {"userId": "u1", "event": "Order Completed", "properties": {"total": 42}}
    assert attribute(flow(body, url=f"{API}/track"), body, ids({"u1"})) == Visitor("userId", ("u1",), None)
    # a first-party proxy at any prefix, when the body is Segment's
    sent = event("a1", messageId="ajs-next-1")
    assert attribute(flow(sent, url="https://www.shop.test/ingest/t"), sent, ids({"a1"})) == Visitor(
        "anonymousId", ("a1",), None
    )
    # on Segment's host the path decides; elsewhere a body not shaped like a call is no Segment event
    bare = {"userId": "u1"}
    assert attribute(flow(bare, url=f"{API}/track"), bare, ids({"u1"})) == Visitor("userId", ("u1",), None)
    assert attribute(flow(bare, url="https://shop.test/api/track"), bare, ids({"u1"})) is None
    assert attribute(flow(body, url=f"{API}/track", method="PUT"), body, ids({"u1"})) is None


def test_a_null_ajs_user_id_links_nobody() -> None:
    for empty in ("null", "undefined", "", "%22%22", "%22null%22"):
        assert cookie_value(empty) is None, empty
    first = browser_identities([flow(method="GET", cookie="ajs_anonymous_id=a1; ajs_user_id=null")])
    second = browser_identities([flow(method="GET", cookie="ajs_anonymous_id=b1; ajs_user_id=null")])
    assert (first.all, second.all) == ({"a1"}, {"b1"})
    # the other visitor's request shares only the null with this one
    theirs = flow(method="GET", cookie="ajs_anonymous_id=b1; ajs_user_id=null")
    assert attribute(theirs, None, first) is None
    body = event("b1", "null")
    assert attribute(flow(body), body, first) is None
    assert link(first, [(flow(body), body)]).all == {"a1"}
