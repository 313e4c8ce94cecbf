"""Builds the server-side golden HARs: probe's own shape, synthetic (no real visitor's data).

Run from the repository root (``.venv/bin/python tests/golden/har/server/build.py``) after changing
it; it rewrites the ``*.har`` files beside it. Each is one scenario of a shop whose backend sends
events to Segment (``_probe.side: "server"``, attributed by ``_probe.visitor``):

- no-consent.har: the backend attaches no consent, before and after the decision (accept all).
- stamped.har: the backend stamps the visitor's state: nothing optional before the decision, all after.
- stale-after-revoke.har: after the revoke the backend keeps stamping "all granted"; it does call the
  Privacy API.
- unstamped-after-revoke.har: after the revoke the backend sends an event with no stamp.
- revoke-deleted.har: after the revoke the backend stamps the new choice and creates a regulation
  through Segment's Public API (POST /regulations/sources/<id>).
- no-deletion.har: the same without the regulation call (the backend is recorded: its events are there).
- merged-identity.har: the browser identifies the visitor as user u-7 with analytics refused; the
  backend's events for u-7 grant analytics.
- merged-identity-agrees.har: the same with the backend stamping the visitor's choice.
- two-visitors.har: the backend's batches mix this visitor's events with another visitor's unstamped
  ones; ``_probe.visitor.events`` says which are this visitor's.
- hostile-visitor.har: backend entries whose ``_probe.visitor`` / ``_probe.side`` have wrong types.
"""

from __future__ import annotations

import base64
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))  # run as a script: the repository root, for tests.har_builder

from tests import har_builder as hb  # noqa: E402

when = hb.clock(datetime(2026, 11, 30, 10, 0, 0, tzinfo=UTC))
SITE = "https://shop.test"
CDN = hb.SEGMENT_CDN
API = hb.SEGMENT_API
PUBLIC_API = "https://api.segmentapis.com"
WRITE_KEY = "wk_server"
SERVER_KEY = "wk_backend"
ANON = "5b1c7e2a-0000-4000-8000-00000000beef"
OTHER_ANON = "9d0e4f11-0000-4000-8000-00000000cafe"
USER = "u-7"
CONTEXT = "ctx-server-1"
BACKEND = "_backend"
HTTP = "HTTP/1.1"
ANALYTICS_NODE = {"name": "@segment/analytics-node", "version": "2.1.3"}
DECIDE_AT, REVOKE_AT = 5.0, 20.0
ALL = {"necessary": True, "analytics": True, "marketing": True}
NONE = {"necessary": True, "analytics": False, "marketing": False}
NO_ANALYTICS = {"necessary": True, "analytics": False, "marketing": True}
SETTINGS = {
    "integrations": {"Segment.io": {"apiKey": WRITE_KEY}},
    "consentSettings": {"allCategories": ["analytics", "marketing"], "hasUnmappedDestinations": False},
}


def phase_at(at: float, revoke: bool) -> str:
    if revoke and at >= REVOKE_AT:
        return "after-revoke"
    return "after-consent" if at >= DECIDE_AT else "before-consent"


def entry(
    at: float,
    method: str,
    url: str,
    *,
    body: Any = None,
    response: Any = None,
    status: int = 200,
    server: Any = None,
    visitor: Any = None,
    revoke: bool = True,
    headers: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """One probe HAR entry; ``server`` True marks the backend's (or a hostile value for ``_probe.side``)."""
    sent = hb.headers(*headers)
    text = None if body is None else hb.compact(body)
    if text is not None:
        sent += hb.headers(("content-type", "application/json"))
    reply = hb.content(None if response is None else hb.compact(response), "application/json")
    phase = phase_at(at, revoke)
    extra: dict[str, Any] = {"phase": phase, "context": CONTEXT, "noise": False, "blocked": False, "served": "sink"}
    if server is not None:
        extra.update(context=BACKEND, side="server" if server is True else server)
        if visitor is not None:
            extra["visitor"] = visitor
    return hb.entry(
        when(at),
        hb.request(method, url, sent, post=text, mime="application/json", http_version=HTTP, layout="probe"),
        hb.response(reply, status=status, http_version=HTTP, body_size=reply["size"], layout="probe"),
        time=5.0,
        timings={"send": 0, "wait": 4, "receive": 1},
        pageref=phase,
        probe=extra,
    )


def browser_event(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None, **ids: str) -> dict[str, Any]:
    """POST api.segment.io/v1/<letter> as analytics-next sends it."""
    body: dict[str, Any] = {
        "type": kind,
        "anonymousId": ANON,
        "context": hb.segment_context(prefs, library=hb.ANALYTICS_NEXT),
        "messageId": f"ajs-next-server-fixture-{kind}-{int(at * 1000)}",
        "timestamp": when(at),
        "writeKey": WRITE_KEY,
        **ids,
    }
    return entry(at, "POST", hb.segment_url(kind), body=hb.named(body, kind, name))


def server_item(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None, **ids: str) -> dict[str, Any]:
    """One event as @segment/analytics-node puts it in a batch."""
    item: dict[str, Any] = {
        "type": kind,
        "context": hb.segment_context(prefs, library=ANALYTICS_NODE),
        "messageId": f"node-next-server-fixture-{kind}-{int(at * 1000)}-{len(ids)}",
        "timestamp": when(at),
        "integrations": {},
        **ids,
    }
    return hb.named(item, kind, name)


def server_batch(at: float, items: list[dict[str, Any]], visitor: Any, **options: Any) -> dict[str, Any]:
    """POST api.segment.io/v1/batch from the backend (Basic auth with the server source's writeKey)."""
    token = base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    return entry(
        at,
        "POST",
        f"{API}/batch",
        body={"batch": items, "sentAt": when(at)},
        response={"success": True},
        server=options.pop("server", True),
        visitor=visitor,
        headers=(("authorization", f"Basic {token}"),),
        **options,
    )


def regulation(at: float, status: int = 200) -> dict[str, Any]:
    """The backend's Public API call: suppress and delete the visitor's user id."""
    body = {"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": [USER]}
    return entry(
        at,
        "POST",
        f"{PUBLIC_API}/regulations/sources/src_shop",
        body=body,
        response={"data": {"regulateId": "synthetic-regulate-1"}},
        status=status,
        server=True,
        visitor={"by": "subject", "ids": [USER], "events": None},
        headers=(("authorization", "Bearer synthetic-public-api-token"),),
    )


def by_anon(events: list[int] | None = None) -> dict[str, Any]:
    return {"by": "anonymousId", "ids": [ANON], "events": events}


def by_user(events: list[int] | None = None) -> dict[str, Any]:
    return {"by": "userId", "ids": [USER], "events": events}


def page(phase: str, at: float, choice: dict[str, bool] | None, action: str | None) -> dict[str, Any]:
    probe = {"phase": phase, "action": action, "choice": choice}
    return hb.page(phase, f"server: {phase}", when(at), probe=probe, layout="probe")


def har(name: str, entries: list[dict[str, Any]], choice: dict[str, bool], revoke: dict[str, bool] | None) -> Any:
    pages = [page("before-consent", 0.0, None, None), page("after-consent", DECIDE_AT, choice, "choose")]
    if revoke is not None:
        pages.append(page("after-revoke", REVOKE_AT, revoke, "choose"))
    return hb.document(
        pages,
        sorted(entries, key=lambda e: e["startedDateTime"]),
        creator={"name": "probe", "version": "0.1.0"},
        browser={"name": "chromium", "version": "156.0.8078.108"},
        probe={"format": "probe-har/1", "scenario": name, "context": CONTEXT, "mode": "offline"},
    )


def shop(at_consent: dict[str, bool]) -> list[dict[str, Any]]:
    """The browser's part up to the decision: the page, then Segment loaded with the choice."""
    return [
        entry(0.0, "GET", f"{SITE}/", response=None),
        entry(DECIDE_AT + 0.2, "GET", f"{CDN}/analytics.js/v1/{WRITE_KEY}/analytics.min.js"),
        entry(DECIDE_AT + 0.3, "GET", f"{CDN}/v1/projects/{WRITE_KEY}/settings", response=SETTINGS),
        browser_event(DECIDE_AT + 0.5, "page", "Home", at_consent),
    ]


def revoked_to(prefs: dict[str, bool]) -> list[dict[str, Any]]:
    """The browser's part of a revoke: the consent-change event with the new stamp, then a page."""
    return [
        browser_event(REVOKE_AT + 0.3, "track", "Segment Consent Preference Updated", prefs),
        browser_event(REVOKE_AT + 1.0, "page", "Account", prefs),
    ]


def order(at: float, prefs: dict[str, bool] | None, **ids: str) -> dict[str, Any]:
    return server_item(at, "track", "Order Completed", prefs, **ids)


def files() -> dict[str, Any]:
    """File name -> HAR document."""
    anon = {"anonymousId": ANON}
    return {
        "no-consent.har": har(
            "no-consent",
            [
                *shop(ALL),
                server_batch(1.0, [server_item(1.0, "page", "Home", None, **anon)], by_anon(), revoke=False),
                server_batch(12.0, [order(12.0, None, **anon)], by_anon(), revoke=False),
            ],
            ALL,
            None,
        ),
        "stamped.har": har(
            "stamped",
            [
                *shop(ALL),
                server_batch(1.0, [server_item(1.0, "page", "Home", NONE, **anon)], by_anon(), revoke=False),
                server_batch(12.0, [order(12.0, ALL, **anon)], by_anon(), revoke=False),
            ],
            ALL,
            None,
        ),
        "stale-after-revoke.har": har(
            "stale-after-revoke",
            [
                *shop(ALL),
                server_batch(12.0, [order(12.0, ALL, **anon)], by_anon()),
                *revoked_to(NONE),
                server_batch(24.0, [order(24.0, ALL, **anon)], by_anon()),
                regulation(25.0),
            ],
            ALL,
            NONE,
        ),
        "unstamped-after-revoke.har": har(
            "unstamped-after-revoke",
            [
                *shop(ALL),
                server_batch(12.0, [order(12.0, ALL, **anon)], by_anon()),
                *revoked_to(NONE),
                server_batch(24.0, [order(24.0, None, **anon)], by_anon()),
                regulation(25.0),
            ],
            ALL,
            NONE,
        ),
        "revoke-deleted.har": har(
            "revoke-deleted",
            [
                *shop(ALL),
                server_batch(12.0, [order(12.0, ALL, **anon)], by_anon()),
                *revoked_to(NONE),
                server_batch(24.0, [order(24.0, NONE, **anon)], by_anon()),
                regulation(25.0),
            ],
            ALL,
            NONE,
        ),
        "no-deletion.har": har(
            "no-deletion",
            [
                *shop(ALL),
                server_batch(12.0, [order(12.0, ALL, **anon)], by_anon()),
                *revoked_to(NONE),
                server_batch(24.0, [order(24.0, NONE, **anon)], by_anon()),
            ],
            ALL,
            NONE,
        ),
        "merged-identity.har": har(
            "merged-identity",
            [
                *shop(NO_ANALYTICS),
                browser_event(8.0, "identify", None, NO_ANALYTICS, userId=USER),
                server_batch(12.0, [order(12.0, ALL, userId=USER)], by_user(), revoke=False),
            ],
            NO_ANALYTICS,
            None,
        ),
        "merged-identity-agrees.har": har(
            "merged-identity-agrees",
            [
                *shop(NO_ANALYTICS),
                browser_event(8.0, "identify", None, NO_ANALYTICS, userId=USER),
                server_batch(12.0, [order(12.0, NO_ANALYTICS, userId=USER)], by_user(), revoke=False),
            ],
            NO_ANALYTICS,
            None,
        ),
        "two-visitors.har": har(
            "two-visitors",
            [
                *shop(ALL),
                server_batch(
                    12.0,
                    [
                        order(11.5, ALL, **anon),
                        order(11.6, None, anonymousId=OTHER_ANON),  # another visitor's, unstamped
                        server_item(11.7, "identify", None, ALL, **anon),
                    ],
                    by_anon([0, 2]),
                    revoke=False,
                ),
                server_batch(
                    13.0,
                    [order(12.9, None, anonymousId=OTHER_ANON), order(12.95, ALL, **anon)],
                    by_anon([1]),
                    revoke=False,
                ),
            ],
            ALL,
            None,
        ),
        "hostile-visitor.har": har(
            "hostile-visitor",
            [
                *shop(ALL),
                server_batch(10.0, [order(10.0, None, **anon)], "everyone", revoke=False),
                server_batch(11.0, [order(11.0, None, **anon)], {"by": "guess", "ids": [ANON]}, revoke=False),
                server_batch(
                    12.0, [order(12.0, None, **anon)], {"by": "anonymousId", "ids": [7], "events": [0]}, revoke=False
                ),
                server_batch(
                    13.0, [order(13.0, None, **anon)], {"by": "anonymousId", "ids": [ANON], "events": [True]}, revoke=False
                ),
                # a side that is no side reads as the browser's: a browser-library event, stamped right
                {**browser_event(14.0, "track", "Cart Viewed", ALL), "_probe": {
                    "phase": "after-consent", "context": CONTEXT, "side": 42, "visitor": by_anon(),
                }},
            ],
            ALL,
            None,
        ),
    }


def main() -> None:
    hb.write_all(HERE, files())


if __name__ == "__main__":
    main()
