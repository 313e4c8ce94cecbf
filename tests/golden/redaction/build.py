"""Builds the redaction fixture: one probe evidence run with a secret of every kind planted in it.

Synthetic data only. Run from the repository root (``.venv/bin/python tests/golden/redaction/build.py``)
after changing it; it rewrites ``run/`` and ``planted.json`` (every planted secret, for the grep test).
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

from probe.evidence.manifest import write_manifest

HERE = Path(__file__).resolve().parent
RUN = HERE / "run"
SCENARIO = "leaky"


def b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def jwt(n: int) -> str:
    head = b64url({"alg": "HS256", "typ": "JWT"})
    return f"{head}.{b64url({'sub': f'planted-jwt-{n}', 'iat': 1795960000 + n})}.SiGnAtUrE{n}xYzPlantedQw"


AID = "9f3c2b1a-7d6e-4f50-8a9b-0c1d2e3f4a5b"
USER_ID = "user-4711-planted"
DEVICE_ID = "dev-7c3e9a55-planted"
DEVICE_ID2 = "ctxdev-0b9f2e77-planted"
AD_ID = "ad-6f1d3c22-planted"
SESSION_COOKIE = "sess-Q2hlZXNlY2FrZQ-planted"
SESSION_PARAM = "sessparam-8812-planted"
DEVICE_PARAM = "devparam-3301-planted"
OPAQUE_TOKEN = "ya29.PlantedAccessToken0123456789"
SIG = "sig-4b7f2c9e1d-planted"
SIGNATURE = "signature-77ab31-planted"
OAUTH_CODE = "oauthcode-5Zq9-planted"
API_KEY = "AIzaSyPlantedKey0123456789abcdef"
CONSENT_ID = "cid-2e4f6a8c-planted-consent"
SUITE_TOKEN = "suitetoken-0042-planted"
PASSWORD = "Sup3rS3cretPlantedPass"
GA_RANDOM = "9999988877"
EMAIL_TRAIT = "erika.mustermann+shop@example.org"
EMAIL_QUERY = "jane+news@example.org"
PHONE = "4915112345678"
LAT, LON = 52.520008, 13.404954
IP = "81.2.69.160"
JWTS = [jwt(n) for n in range(1, 9)]
NAMES = ["Erika Mustermann", "Erika", "Mustermann"]
ADDRESS = ["Hauptstrasse 5", "Musterstadt", "SW1A 1AA"]
GA = f"GA1.1.{GA_RANDOM}.1795960000"
CC_COOKIE = json.dumps(
    {"categories": ["necessary", "analytics", "marketing"], "revision": 0, "consentId": CONSENT_ID},
    separators=(",", ":"),
)
TIME = "2026-11-29T12:00:{:06.3f}Z"


def quote(value: str) -> str:
    from urllib.parse import quote as q

    return q(value, safe="")


def headers(**pairs: str) -> list[dict[str, str]]:
    return [{"name": k.replace("_", "-"), "value": v} for k, v in pairs.items()]


def entry(
    n: int,
    at: float,
    phase: str,
    method: str,
    url: str,
    req_headers: list[dict[str, str]] | None = None,
    body: tuple[str, str] | None = None,
    resp_headers: list[dict[str, str]] | None = None,
    content: dict[str, Any] | None = None,
    served: str = "local",
    **extra: Any,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": req_headers or [],
        "queryString": [],
        "headersSize": -1,
        "bodySize": len(body[1]) if body else 0,
    }
    if body:
        request["postData"] = {"mimeType": body[0], "text": body[1]}
    return {
        "pageref": phase,
        "startedDateTime": TIME.format(at),
        "time": 3.0,
        "request": request,
        "response": {
            "status": 200,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": resp_headers or [],
            "content": content or {"size": 0, "mimeType": "text/plain", "text": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 0,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 2, "receive": 1},
        "_probe": {
            "phase": phase,
            "context": "ctx-leaky-1",
            "noise": False,
            "blocked": False,
            "served": served,
        },
        **extra,
    }


def segment(event: dict[str, Any], n: int) -> str:
    base = {
        "timestamp": TIME.format(2.0 + n / 10),
        "integrations": {},
        "context": {
            "page": {"path": "/", "url": f"https://shop.test/?contact={quote(EMAIL_QUERY)}", "referrer": ""},
            "library": {"name": "analytics.js", "version": "next-1.84.3"},
            "consent": {"categoryPreferences": {"C0001": True, "C0002": True, "C0003": True}},
        },
        "messageId": f"ajs-next-17959600{n:05d}-0001",
        "anonymousId": AID,
        "writeKey": "wk_leaky",
        "sentAt": TIME.format(2.0 + n / 10),
    }
    base.update(event)
    return json.dumps(base, separators=(",", ":"))


def storage_cookies(phase: str) -> dict[str, str]:
    cookies = {
        "ajs_anonymous_id": AID,
        "ajs_group_id": "null",
        "last_site": quote("https://chatgpt.com"),
        "sessionid": SESSION_COOKIE,
        "_ga": GA,
    }
    if phase == "after-consent":
        cookies |= {"cc_cookie": quote(CC_COOKIE), "ajs_user_id": quote(f'"{USER_ID}"')}
    return cookies


def local_storage(phase: str) -> dict[str, str]:
    items = {"ajs_anonymous_id": json.dumps(AID), "auth": JWTS[5]}
    if phase == "after-consent":
        traits = {"email": EMAIL_TRAIT, "phone": PHONE, "firstName": NAMES[1], "lastName": NAMES[2],
                  "address": {"street": ADDRESS[0], "city": ADDRESS[1], "postalCode": ADDRESS[2]}}  # fmt: skip
        items |= {
            "ajs_user_id": json.dumps(USER_ID),
            "ajs_user_traits": json.dumps(traits),
            "oidc.user:https://id.shop.test": json.dumps(
                {"id_token": JWTS[6], "profile": {"email": EMAIL_TRAIT}}
            ),
        }
    return items


def build_entries() -> list[dict[str, Any]]:
    before, after = "before-consent", "after-consent"
    cookie_before = (
        f"last_site={quote('https://chatgpt.com')}; ajs_group_id=null; sessionid={SESSION_COOKIE}; _ga={GA}"
    )
    cookie_after = (
        f"sessionid={SESSION_COOKIE}; ajs_anonymous_id={AID}; ajs_user_id={quote(json.dumps(USER_ID))}; "
        f"_ga={GA}; cc_cookie={quote(CC_COOKIE)}; last_site={quote('https://chatgpt.com')}; ajs_group_id=null"
    )
    html = (
        f'<html><head><meta name="visitor" content="{AID}"><script>window.__SESSION__ = "{JWTS[0]}";'
        f'var cfg = {{"sessionToken": "{SESSION_PARAM}"}};</script></head><body>Shop</body></html>'
    )
    account = json.dumps({"session": {"token": JWTS[2]}, "echo": JWTS[3], "contact": EMAIL_TRAIT})
    identify = {
        "type": "identify",
        "userId": USER_ID,
        "traits": {
            "email": EMAIL_TRAIT, "phone": PHONE, "name": NAMES[0], "firstName": NAMES[1], "lastName": NAMES[2],
            "address": {"street": ADDRESS[0], "city": ADDRESS[1], "postalCode": ADDRESS[2], "country": "GB"},
            "crm_id": USER_ID, "plan": "pro",
        },
    }  # fmt: skip
    identify_context = {
        "traits": {"email": EMAIL_TRAIT, "phone": int(PHONE)},
        "location": {"latitude": LAT, "longitude": LON},
        "ip": IP,
        "device": {"id": DEVICE_ID2, "advertisingId": AD_ID, "type": "web"},
    }
    identify_body = json.loads(segment(identify, 5))
    identify_body["context"] |= identify_context
    return [
        entry(0, 0.1, before, "GET", f"https://shop.test/?utm_source=mail&contact={quote(EMAIL_QUERY)}",
              headers(Cookie=cookie_before, X_Forwarded_For=IP),
              resp_headers=headers(Set_Cookie=f"sessionid={SESSION_COOKIE}; Path=/; HttpOnly")
              + headers(Set_Cookie=f"ajs_anonymous_id={AID}; Path=/; Max-Age=31536000"),
              content={"size": len(html), "mimeType": "text/html", "text": html}),
        entry(1, 0.2, before, "GET",
              f"https://chatgpt.com/backend-api/conversation?sig={SIG}&access_token={OPAQUE_TOKEN}&q=jane+news@example.org",
              headers(X_Client_Token=JWTS[1], Referer=f"https://shop.test/?contact={quote(EMAIL_QUERY)}",
                      Cookie=cookie_before), served="upstream"),
        entry(2, 0.3, before, "GET", "https://cdn.segment.com/analytics.js/v1/wk_leaky/analytics.min.js",
              content={"size": 20, "mimeType": "application/javascript", "text": "/* analytics.js */"}),
        entry(3, 0.4, before, "GET",
              f"https://www.google-analytics.com/g/collect?v=2&tid=G-LEAK&cid={GA_RANDOM}.1795960000&uid={USER_ID}",
              headers(Cookie=f"_ga={GA}"), served="sink"),
        entry(4, 2.1, after, "POST", "https://api.segment.io/v1/t",
              headers(Authorization="Basic d2tfbGVha3k6", Content_Type="text/plain", Cookie=cookie_after,
                      X_Session_Id=AID, X_Device_Id=DEVICE_ID),
              body=("text/plain", segment({"type": "track", "event": "Segment Consent Preference Updated",
                                           "properties": {}}, 4)),
              content={"size": 16, "mimeType": "application/json", "text": '{"success":true}'}, served="sink"),
        entry(5, 2.2, after, "POST", "https://api.segment.io/v1/i",
              headers(Authorization=f"Bearer {JWTS[4]}", Content_Type="text/plain", Cookie=cookie_after),
              body=("text/plain", json.dumps(identify_body, separators=(",", ":"))),
              content={"size": 16, "mimeType": "application/json", "text": '{"success":true}'}, served="sink"),
        entry(6, 2.3, after, "GET", f"https://shop.test/account/{JWTS[7]}/profile", headers(Cookie=cookie_after),
              content={"size": len(account), "mimeType": "application/json", "encoding": "base64",
                       "text": base64.b64encode(account.encode()).decode()}),
        entry(7, 2.4, after, "GET",
              f"https://shop.test/oauth/callback?code={OAUTH_CODE}&state=fixed&key={API_KEY}"
              f"&session_id={SESSION_PARAM}&device_id={DEVICE_PARAM}&signature={SIGNATURE}"
              f"&password={PASSWORD}",
              headers(Cookie=cookie_after)),
        entry(8, 2.5, after, "POST", "https://shop.test/newsletter",
              headers(Content_Type="application/x-www-form-urlencoded", Cookie=cookie_after),
              body=("application/x-www-form-urlencoded",
                    f"email={quote(EMAIL_TRAIT)}&phone=%2B49+151+12345678&first_name={NAMES[1]}")),
        entry(9, 2.6, after, "GET", f"https://shop.test/track?vid={AID}&ref={quote('https://chatgpt.com')}",
              headers(X_Trace_Visitor=AID, Cookie=cookie_after)),
        entry(10, 2.7, after, "GET", "wss://shop.test/live", headers(Cookie=cookie_after),
              _resourceType="websocket",
              _webSocketMessages=[
                  {"type": "send", "time": 1795960002.7, "opcode": 1,
                   "data": json.dumps({"auth": JWTS[0], "visitor": AID})},
                  {"type": "receive", "time": 1795960002.8, "opcode": 1, "data": '{"ok":true}'},
              ]),
    ]  # fmt: skip


def build_har() -> dict[str, Any]:
    pages = []
    for n, (phase, action, choice) in enumerate(
        [("before-consent", None, None),
         ("after-consent", "accept_all", {"necessary": True, "analytics": True, "marketing": True})]
    ):  # fmt: skip
        pages.append(
            {
                "id": phase,
                "title": f"{SCENARIO}: {phase}",
                "startedDateTime": TIME.format(2.0 * n),
                "pageTimings": {},
                "_probe": {
                    "phase": phase,
                    "action": action,
                    "choice": choice,
                    "storage": {"cookies": storage_cookies(phase), "localStorage": local_storage(phase)},
                },
            }
        )
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "probe", "version": "0.1.0"},
            "browser": {"name": "chromium", "version": "156.0.8078.108"},
            "_probe": {
                "format": "probe-har/1",
                "scenario": SCENARIO,
                "context": "ctx-leaky-1",
                "mode": "offline",
            },
            "pages": pages,
            "entries": build_entries(),
        }
    }


def storage_file(phase: str) -> dict[str, Any]:
    cookies = [
        {"name": name, "value": value, "domain": "shop.test", "path": "/", "expires": 1827489605,
         "httpOnly": name == "sessionid", "secure": True, "sameSite": "Lax"}
        for name, value in storage_cookies(phase).items()
    ]  # fmt: skip
    return {"cookies": cookies, "localStorage": {"https://shop.test": local_storage(phase)}}


SUITE = {
    "name": "leaky-shop",
    "start_url": f"https://auditor:{PASSWORD}@shop.test/",
    "pages": [f"https://shop.test/account?token={SUITE_TOKEN}"],
    "consent_model": "opt-in",
    "categories": {
        "necessary": {"segment": ["C0001"], "required": True},
        "analytics": {"segment": ["C0002"], "vendor_categories": ["analytics"]},
        "marketing": {"segment": ["C0003"], "vendor_categories": ["marketing"]},
    },
    "segment": {"write_key": "wk_leaky"},
}
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def planted() -> list[str]:
    return [
        AID, USER_ID, DEVICE_ID, DEVICE_ID2, AD_ID, SESSION_COOKIE, SESSION_PARAM, DEVICE_PARAM,
        OPAQUE_TOKEN, SIG, SIGNATURE, OAUTH_CODE, API_KEY, CONSENT_ID, SUITE_TOKEN, PASSWORD, GA_RANDOM,
        EMAIL_TRAIT, EMAIL_QUERY, PHONE, str(LAT), str(LON), IP, *JWTS, *NAMES, *ADDRESS,
    ]  # fmt: skip


def main() -> None:
    if RUN.exists():
        shutil.rmtree(RUN)
    folder = RUN / SCENARIO
    folder.mkdir(parents=True)
    (folder / "evidence.har").write_text(json.dumps(build_har(), indent=1) + "\n", encoding="utf-8")
    for phase in ("before-consent", "after-consent"):
        (folder / f"{phase}.storage.json").write_text(
            json.dumps(storage_file(phase), indent=1), encoding="utf-8"
        )
        (folder / f"{phase}.png").write_bytes(PNG)
    (folder / "suite.json").write_text(json.dumps(SUITE, indent=1), encoding="utf-8")
    write_manifest(folder, scenario=SCENARIO, started="2026-11-29T12:00:00Z", ended="2026-11-29T12:00:03Z")
    (HERE / "planted.json").write_text(json.dumps(planted(), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
