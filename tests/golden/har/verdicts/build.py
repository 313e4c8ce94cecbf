"""Builds the verdict golden HARs: Chrome DevTools-shaped, synthetic (no real visitor's data).

Run from the repository root (``.venv/bin/python tests/golden/har/verdicts/build.py``) after changing
it; it rewrites the ``*.har`` files beside it. Each file reproduces one shape that probe misjudged:

- no-phase.har: Segment and a pixel, no consent cookie, event or stamp: it used to pass (exit 0).
- no-readable-entries.har: two entries, neither readable: it used to pass (exit 0).
- cookie-no-stamps.har: a Klaro cookie shows the decision, nothing shows the choice; one pixel fired
  long before anything could have been clicked.
- reject-all-no-stamps.har: pixels after a decision the auditor knows was "reject all".
- stale-stamps-after-revoke.har: the site keeps stamping "all granted" after the visitor revoked.
- cookie-next-request.har: the Klaro cookie a script wrote shows up only with the next navigation,
  six seconds after the consent log, the pixels and the SDK the click itself set off.
- consent-event-after-pixels.har: the consent-change event follows the pixels the click fired; a
  Cookiebot cookie agrees (confidence high).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))  # run as a script: the repository root, for tests.har_builder

from tests import har_builder as hb  # noqa: E402

when = hb.clock(datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC))
SITE = "https://www.shop.example"
CDN = hb.SEGMENT_CDN
API = hb.SEGMENT_API
WRITE_KEY = "wk_verdicts"
ANON = "3f2a9c1e-0000-4000-8000-00000000a11d"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
ALL = {"necessary": True, "analytics": True, "marketing": True}
KLARO = "klaro=" + quote(hb.compact({"analytics": True, "marketing": True}))
COOKIEBOT = "CookieConsent=" + quote("{stamp:'synthetic',necessary:true,statistics:true,marketing:true}")
TIMINGS = {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 18, "receive": 0.9}


def entry(
    at: float,
    url: str,
    kind: str,
    method: str = "GET",
    *,
    body: dict[str, Any] | None = None,
    cookie: str | None = None,
    status: int = 200,
) -> dict[str, Any]:
    """One Chrome DevTools entry; ``kind`` is its _resourceType."""
    sent = hb.headers((":authority", url.split("/")[2]), (":method", method), ("user-agent", UA))
    if cookie:
        sent += hb.headers(("cookie", cookie))
    text = None if body is None else hb.compact(body)
    if text is not None:
        sent += hb.headers(("content-type", "text/plain"))
    if method == "OPTIONS":
        sent += hb.headers(
            ("access-control-request-method", "POST"), ("access-control-request-headers", "content-type")
        )
    return hb.entry(
        when(at),
        hb.request(method, url, sent, post=text),
        hb.response(hb.content(None, "text/plain"), status=status),
        time=20.0,
        timings=TIMINGS,
        kind=kind,
    )


def event(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None) -> dict[str, Any]:
    """A Segment event body as analytics-next sends it; ``prefs`` None leaves out context.consent."""
    body: dict[str, Any] = {
        "timestamp": when(at),
        "integrations": {},
        "type": kind,
        "properties": {},
        "context": hb.segment_context(prefs, library=hb.ANALYTICS_NEXT),
        "messageId": f"ajs-next-synthetic-{kind}-{int(at * 1000)}",
        "anonymousId": ANON,
        "userId": None,
        "writeKey": WRITE_KEY,
        "sentAt": when(at),
    }
    return hb.named(body, kind, name)


def segment(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None) -> dict[str, Any]:
    """POST api.segment.io/v1/<letter> carrying one event."""
    return entry(at, hb.segment_url(kind), "fetch", "POST", body=event(at, kind, name, prefs))


def loader(at: float) -> dict[str, Any]:
    return entry(at, f"{CDN}/analytics.js/v1/{WRITE_KEY}/analytics.min.js", "script")


def settings(at: float) -> dict[str, Any]:
    return entry(at, f"{CDN}/v1/projects/{WRITE_KEY}/settings", "fetch")


def ga(at: float) -> dict[str, Any]:
    return entry(at, "https://www.google-analytics.com/g/collect?v=2&tid=G-VERDICTS&cid=111.222&en=page_view", "ping")


def fb_pixel(at: float) -> dict[str, Any]:
    return entry(at, "https://www.facebook.com/tr/?id=424242&ev=PageView&noscript=1", "image")


def har(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return hb.document([hb.page("page_1", f"{SITE}/", when(0))], entries)


def files() -> dict[str, dict[str, Any]]:
    """File name -> HAR document."""
    return {
        "no-phase.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                loader(0.3),
                settings(0.45),
                segment(0.7, "page", "Home", None),
                ga(0.9),
            ]
        ),
        "no-readable-entries.har": har(
            [
                {"startedDateTime": when(0), "time": 1, "response": {"status": 200}},  # no request
                {"startedDateTime": when(1), "request": "GET /", "response": {}},  # request not an object
            ]
        ),
        "cookie-no-stamps.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                entry(0.2, f"{SITE}/static/app.js", "script"),
                ga(0.5),  # page load: long before anything could be clicked
                entry(2.0, f"{SITE}/api/recommendations", "fetch"),  # still no cookie: no decision yet
                fb_pixel(6.1),
                entry(12.0, f"{SITE}/account", "document", cookie=KLARO),
            ]
        ),
        "reject-all-no-stamps.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                entry(0.1, f"{SITE}/static/app.js", "script"),
                fb_pixel(1.0),
                ga(1.2),
                entry(1.5, f"{SITE}/api/cart", "fetch"),
            ]
        ),
        "stale-stamps-after-revoke.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                loader(2.0),
                settings(2.1),
                segment(2.3, "track", "Segment Consent Preference Updated", ALL),
                segment(3.0, "page", "Home", ALL),
                entry(10.0, f"{SITE}/preferences/save", "fetch", "POST", body={"analytics": False}),
                segment(10.5, "track", "Product Viewed", ALL),  # stale: still "all granted"
                fb_pixel(11.0),
            ]
        ),
        "cookie-next-request.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                entry(0.2, f"{SITE}/static/app.js", "script"),
                ga(0.5),  # page load: long before anything could be clicked
                entry(2.0, f"{SITE}/api/recommendations", "fetch"),  # still no cookie: no decision yet
                entry(6.05, f"{SITE}/api/consent-log", "fetch", "POST", body={"choice": "all"}),
                ga(6.1),
                fb_pixel(6.15),
                loader(6.2),
                settings(6.3),
                segment(6.5, "page", "Home", ALL),
                entry(12.0, f"{SITE}/account", "document", cookie=KLARO),  # the script-written cookie
                segment(12.3, "track", "Account Viewed", ALL),
            ]
        ),
        "consent-event-after-pixels.har": har(
            [
                entry(0.0, f"{SITE}/", "document"),
                entry(0.25, f"{SITE}/static/app.js", "script"),
                ga(5.02),
                fb_pixel(5.08),
                loader(5.15),
                settings(5.25),
                entry(5.4, f"{API}/t", "preflight", "OPTIONS"),
                segment(5.41, "track", "Segment Consent Preference Updated", ALL),
                entry(6.0, f"{SITE}/products", "document", cookie=COOKIEBOT),
                segment(6.3, "page", "Products", ALL),
            ]
        ),
    }


def main() -> None:
    hb.write_all(HERE, files())


if __name__ == "__main__":
    main()
