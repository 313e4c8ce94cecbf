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

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
T0 = datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC)
SITE = "https://www.shop.example"
CDN = "https://cdn.segment.com"
API = "https://api.segment.io/v1"
WRITE_KEY = "wk_verdicts"
ANON = "3f2a9c1e-0000-4000-8000-00000000a11d"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
ALL = {"necessary": True, "analytics": True, "marketing": True}
KLARO = "klaro=" + quote(json.dumps({"analytics": True, "marketing": True}, separators=(",", ":")))
COOKIEBOT = "CookieConsent=" + quote("{stamp:'synthetic',necessary:true,statistics:true,marketing:true}")


def when(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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
    host = url.split("/")[2]
    headers = [
        {"name": ":authority", "value": host},
        {"name": ":method", "value": method},
        {"name": "user-agent", "value": UA},
    ]
    if cookie:
        headers.append({"name": "cookie", "value": cookie})
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "http/2.0",
        "headers": headers,
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    }
    if body is not None:
        text = json.dumps(body, separators=(",", ":"))
        headers.append({"name": "content-type", "value": "text/plain"})
        request["postData"] = {"mimeType": "text/plain", "text": text}
        request["bodySize"] = len(text)
    if method == "OPTIONS":
        headers += [
            {"name": "access-control-request-method", "value": "POST"},
            {"name": "access-control-request-headers", "value": "content-type"},
        ]
    return {
        "_resourceType": kind,
        "pageref": "page_1",
        "startedDateTime": when(at),
        "time": 20.0,
        "request": request,
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": "text/plain"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"blocked": 1, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 18, "receive": 0.9},
    }


def event(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None) -> dict[str, Any]:
    """A Segment event body as analytics-next sends it; ``prefs`` None leaves out context.consent."""
    context: dict[str, Any] = {"library": {"name": "analytics.js", "version": "next-1.84.3"}}
    if prefs is not None:
        context["consent"] = {"categoryPreferences": dict(prefs)}
    body: dict[str, Any] = {
        "timestamp": when(at),
        "integrations": {},
        "type": kind,
        "properties": {},
        "context": context,
        "messageId": f"ajs-next-synthetic-{kind}-{int(at * 1000)}",
        "anonymousId": ANON,
        "userId": None,
        "writeKey": WRITE_KEY,
        "sentAt": when(at),
    }
    if name is not None:
        body["event" if kind == "track" else "name"] = name
    return body


def segment(at: float, kind: str, name: str | None, prefs: dict[str, bool] | None) -> dict[str, Any]:
    """POST api.segment.io/v1/<letter> carrying one event."""
    return entry(at, f"{API}/{kind[0]}", "fetch", "POST", body=event(at, kind, name, prefs))


def loader(at: float) -> dict[str, Any]:
    return entry(at, f"{CDN}/analytics.js/v1/{WRITE_KEY}/analytics.min.js", "script")


def settings(at: float) -> dict[str, Any]:
    return entry(at, f"{CDN}/v1/projects/{WRITE_KEY}/settings", "fetch")


def ga(at: float) -> dict[str, Any]:
    return entry(at, "https://www.google-analytics.com/g/collect?v=2&tid=G-VERDICTS&cid=111.222&en=page_view", "ping")


def fb_pixel(at: float) -> dict[str, Any]:
    return entry(at, "https://www.facebook.com/tr/?id=424242&ev=PageView&noscript=1", "image")


def har(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "WebInspector", "version": "537.36"},
            "pages": [{"startedDateTime": when(0), "id": "page_1", "title": f"{SITE}/", "pageTimings": {}}],
            "entries": entries,
        }
    }


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
    for name, document in files().items():
        (HERE / name).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
