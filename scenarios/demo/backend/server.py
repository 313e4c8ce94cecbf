"""The demo shop's backend: checkout sends `Order Completed` to Segment from the server, stamped with
the visitor's consent read from the CMP's cookie; a revocation asks Segment's Public API to suppress
and delete the visitor's data.

Python's standard HTTP server and Segment's own server library (segment-analytics-python). It reaches
Segment the way any backend does: through HTTPS_PROXY, trusting REQUESTS_CA_BUNDLE. probe starts it
with PORT set and stops it at the end of the run.

DEMO_BACKEND_FAULT (unset: the compliant shop) breaks one duty, for probe's violating fixtures
(tests/sites/server/): ``no-consent`` sends Order Completed without context.consent;
``stale-after-revoke`` stamps each visitor's first consent for good; ``no-deletion`` answers the revoke
with 200 and files no regulation; ``permissive-identity`` stamps every category granted for an
identified customer, whatever the cookie says.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

import requests
from segment.analytics import Client

WRITE_KEY = "DEMOWRITEKEY"
PUBLIC_API = "https://api.segmentapis.com"
PUBLIC_API_TOKEN = "demo-public-api-token"  # offline, probe answers the Public API itself
# vanilla-cookieconsent category -> the Segment consent categories it stands for (as in suite.yaml)
CATEGORIES = {"necessary": ["necessary"], "analytics": ["analytics"], "marketing": ["marketing"]}
OPTIONAL = ("analytics", "marketing")
FAULTS = ("no-consent", "stale-after-revoke", "no-deletion", "permissive-identity")
FAULT = os.environ.get("DEMO_BACKEND_FAULT", "")
first_consent: dict[str, dict[str, bool]] = {}  # stale-after-revoke: visitor id -> the consent seen first

log = logging.getLogger("demo-backend")
# the library's defaults: it reaches api.segment.io through HTTPS_PROXY, as requests does
segment = Client(WRITE_KEY, on_error=lambda error, batch: log.error("segment: %s (%d events)", error, len(batch)))


def cookies(header: str | None) -> dict[str, str]:
    """The request's cookies, URL-decoded."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except Exception:  # noqa: BLE001 - a malformed cookie header means no cookies
        return {}
    return {name: unquote(morsel.value) for name, morsel in jar.items()}


def consent(jar: dict[str, str]) -> dict[str, bool] | None:
    """categoryPreferences from vanilla-cookieconsent's cc_cookie; None before the visitor decided."""
    try:
        stored = json.loads(jar.get("cc_cookie", ""))
    except ValueError:
        return None
    accepted = stored.get("categories") if isinstance(stored, dict) else None
    if not isinstance(accepted, list):
        return None
    return {seg: name in accepted for name, ids in CATEGORIES.items() for seg in ids}


def ajs_id(jar: dict[str, str], name: str) -> str | None:
    """An analytics.js id cookie (analytics.js classic wrote it JSON-quoted)."""
    value = jar.get(name, "").strip().strip('"')
    return value or None


class Handler(BaseHTTPRequestHandler):
    """POST /api/checkout and POST /api/privacy/revoke."""

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        jar = cookies(self.headers.get("cookie"))
        if self.path == "/api/checkout":
            self.answer(*checkout(jar, body))
        elif self.path == "/api/privacy/revoke":
            self.answer(*revoke(jar))
        else:
            self.answer(404, {"error": "no such endpoint"})

    def answer(self, status: int, data: dict[str, Any]) -> None:
        payload = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        log.info("%s %s", self.address_string(), format % args)


def checkout(jar: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    """Place the order; tell Segment, with the consent the visitor gave, if they allowed any tracking."""
    try:
        order = json.loads(body or b"{}")
    except ValueError:
        return 400, {"error": "the body is not JSON"}
    order_id = f"order-{secrets.token_hex(4)}"
    preferences = consent(jar)
    anonymous_id, user_id = ajs_id(jar, "ajs_anonymous_id"), ajs_id(jar, "ajs_user_id")
    if FAULT:
        preferences = faulty_consent(preferences, anonymous_id, user_id)
    # no decision, or nothing optional granted: the server tracks nothing, as the browser does not
    tracked = bool(preferences and any(preferences[c] for c in OPTIONAL) and (anonymous_id or user_id))
    if tracked:
        segment.track(
            user_id=user_id,
            anonymous_id=anonymous_id,
            event="Order Completed",
            properties={"order_id": order_id, "products": [{"sku": order.get("sku"), "price": 12}],
                        "currency": "EUR", "total": 12},
            context={} if FAULT == "no-consent" else {"consent": {"categoryPreferences": preferences}},
        )
        segment.flush()  # sent before the answer: the visitor's click and its server event stay together
    return 200, {"order_id": order_id, "tracked": tracked}


def faulty_consent(
    preferences: dict[str, bool] | None, anonymous_id: str | None, user_id: str | None
) -> dict[str, bool] | None:
    """The consent a faulty backend acts on instead of the cookie's (DEMO_BACKEND_FAULT)."""
    ids = [i for i in (user_id, anonymous_id) if i]
    if FAULT == "stale-after-revoke" and preferences is not None and ids:
        # a per-visitor cache that is never invalidated: a revoke does not reach it
        cached = next((first_consent[i] for i in ids if i in first_consent), preferences)
        for i in ids:
            first_consent.setdefault(i, cached)
        return cached
    if FAULT == "permissive-identity" and preferences is not None and user_id:
        # the customer's profile says yes to everything, and the server trusts it over the browser
        return {seg: True for ids in CATEGORIES.values() for seg in ids}
    return preferences


def revoke(jar: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The visitor withdrew consent: suppress and delete their data at Segment (a userId is needed)."""
    user_id = ajs_id(jar, "ajs_user_id")
    if FAULT == "no-deletion":
        return 200, {"revoked": True}  # tells the browser it is done; Segment never hears of it
    if user_id is None:
        # regulations take USER_ID or OBJECT_ID subjects only: an anonymous visitor cannot be named
        return 409, {"error": "no userId: Segment cannot delete or suppress an anonymous visitor"}
    answer = requests.post(
        f"{PUBLIC_API}/regulations",
        json={"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": [user_id]},
        headers={"authorization": f"Bearer {PUBLIC_API_TOKEN}"},
        timeout=15,
    )
    if answer.status_code != 200:
        return 502, {"error": f"Public API answered {answer.status_code}"}
    return 200, {"regulateId": answer.json()["data"]["regulateId"]}


def main() -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if FAULT and FAULT not in FAULTS:
        sys.exit(f"DEMO_BACKEND_FAULT={FAULT!r} is not one of {', '.join(FAULTS)}")
    if FAULT:
        log.warning("running with fault %s: this backend breaks the rules on purpose", FAULT)
    # probe stops the backend with SIGTERM: leave serve_forever so the queue is flushed on the way out
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    port = int(os.environ.get("PORT", "8090"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    log.info("listening on 127.0.0.1:%d", port)
    try:
        server.serve_forever()
    finally:
        segment.shutdown()


if __name__ == "__main__":
    main()
