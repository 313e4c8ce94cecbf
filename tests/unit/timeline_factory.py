"""Builders for synthetic recordings: Segment events, settings, vendor hits, phase marks, snapshots."""

from __future__ import annotations

import base64
import json
from copy import deepcopy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from probe.analysis import analyse
from probe.findings import Finding
from probe.suite import Suite
from probe.timeline import AFTER, REVOKED, Entry, PhaseMark, StorageSnapshot, Timeline

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "segment"
T0 = 1_764_370_000.0
WRITE_KEY = "DEMOWRITEKEY"
SITE = "https://shop.test"
CDN = "https://cdn.segment.com"
API = "https://api.segment.io/v1"
AMPLITUDE_BUNDLE = f"{CDN}/next-integrations/actions/amplitude-plugins/6765cb3cf169443c119b.js"
BRAZE_BUNDLE = f"{CDN}/next-integrations/actions/braze/9f3e8a1b2c4d5e6f7a8b.js"
GA4_HIT = "https://region1.google-analytics.com/g/collect?v=2&tid=G-DEMO123&cid=555.1700000000&en=page_view"
FB_HIT = "https://www.facebook.com/tr/?id=123456789&ev=PageView&noscript=1"

ACCEPT_ALL = {"necessary": True, "analytics": True, "marketing": True}
REJECT_ALL = {"necessary": True, "analytics": False, "marketing": False}
ANALYTICS_ONLY = {"necessary": True, "analytics": True, "marketing": False}


def make_suite(**changes: Any) -> Suite:
    """The demo site's suite: necessary (required), analytics, marketing; opt-in."""
    data: dict[str, Any] = {
        "name": "demo",
        "start_url": f"{SITE}/",
        "pages": ["/products"],
        "categories": {
            "necessary": {"segment": ["necessary"], "required": True},
            "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
            "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
        },
        "segment": {"write_key": WRITE_KEY},
    }
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Suite.model_validate(data)


def golden(name: str) -> bytes:
    """A golden file's bytes."""
    return (GOLDEN / name).read_bytes()


def golden_json(name: str) -> Any:
    """A golden JSON file, parsed."""
    return json.loads(golden(name))


def demo_settings() -> dict[str, Any]:
    """The demo's settings: consentSettings, Amplitude (analytics) and Braze (marketing) device mode."""
    settings = golden_json("settings_consent.json")
    settings["integrations"]["Segment.io"].pop("apiHost")  # the demo sends to api.segment.io
    return settings


@dataclass(frozen=True)
class Req:
    """A request (and response) before it gets its index and wire time."""

    method: str
    url: str
    request_headers: tuple[tuple[str, str], ...] = ()
    request_body: bytes | None = None
    status: int | None = 200
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes | None = None


def auth(write_key: str = WRITE_KEY) -> tuple[str, str]:
    """The Basic Authorization header analytics-next 1.84 sends."""
    return ("authorization", "Basic " + base64.b64encode(f"{write_key}:".encode()).decode())


def event(
    type: str = "track",
    name: str | None = "Product Viewed",
    prefs: dict[str, bool] | None = None,
    *,
    message_id: str | None = None,
    library: str = "analytics.js",
    **extra: Any,
) -> dict[str, Any]:
    """A Segment event object; ``prefs`` None leaves out context.consent."""
    payload: dict[str, Any] = {
        "timestamp": "2026-11-28T23:04:05.123Z",
        "integrations": {},
        "type": type,
        "properties": {},
        "context": {"library": {"name": library, "version": "next-1.84.3"}},
        "messageId": message_id or f"ajs-next-{type}-{name}",
        "anonymousId": "0d7f2c1e-5a6b-4c3d-8e9f-0a1b2c3d4e5f",
        "userId": None,
        "writeKey": WRITE_KEY,
    }
    if name is not None:
        payload["event" if type == "track" else "name"] = name
    if prefs is not None:
        payload["context"]["consent"] = {"categoryPreferences": dict(prefs)}
    payload.update(extra)
    return payload


def consent_updated(prefs: dict[str, bool]) -> dict[str, Any]:
    """The consent-change event consent-tools sends."""
    return event("track", "Segment Consent Preference Updated", prefs)


def single(payload: dict[str, Any], *, host: str = API, headers: tuple[tuple[str, str], ...] = ()) -> Req:
    """``POST <host>/<letter>`` carrying one event."""
    letter = str(payload.get("type", "track"))[0]
    return Req(
        "POST",
        f"{host}/{letter}",
        (("content-type", "text/plain"), auth(), *headers),
        json.dumps(payload).encode(),
    )


def batch(events: list[dict[str, Any]], *, path: str = "/b") -> Req:
    """``POST /v1/b`` (analytics-next batching) or ``/v1/batch``."""
    body = {"writeKey": WRITE_KEY, "batch": [deepcopy(e) for e in events], "sentAt": "2026-11-28T23:04:06Z"}
    return Req("POST", f"{API}{path}", (("content-type", "text/plain"),), json.dumps(body).encode())


def raw_post(url: str, body: bytes, *headers: tuple[str, str]) -> Req:
    """A POST with an arbitrary body."""
    return Req("POST", url, headers, body)


def loader(write_key: str = WRITE_KEY) -> Req:
    """The analytics.min.js loader."""
    return Req("GET", f"{CDN}/analytics.js/v1/{write_key}/analytics.min.js")


def settings(doc: dict[str, Any] | None = None, write_key: str = WRITE_KEY) -> Req:
    """The settings request with its JSON response."""
    body = json.dumps(doc if doc is not None else demo_settings()).encode()
    return Req(
        "GET",
        f"{CDN}/v1/projects/{write_key}/settings",
        response_headers=(("content-type", "application/json"),),
        response_body=body,
    )


def get(url: str, *headers: tuple[str, str], response_headers: tuple[tuple[str, str], ...] = ()) -> Req:
    """A GET (page, script, pixel, bundle)."""
    return Req("GET", url, headers, response_headers=response_headers)


@dataclass
class Recording:
    """A timeline under construction: requests at increasing wire times, marks between them."""

    scenario: str = "synthetic"
    step: float = 1.0
    entries: list[Entry] = field(default_factory=list)
    marks: list[PhaseMark] = field(default_factory=list)
    snapshots: list[StorageSnapshot] = field(default_factory=list)
    clock: float = T0

    def add(self, *requests: Req, phase: str | None = None) -> Recording:
        """Append requests in wire order (``phase`` sets the recorded tag, else marks decide)."""
        for req in requests:
            self.clock += self.step
            self.entries.append(
                Entry(
                    index=len(self.entries),
                    started=self.clock,
                    method=req.method,
                    url=req.url,
                    request_headers=req.request_headers,
                    request_body=req.request_body,
                    status=req.status,
                    response_headers=req.response_headers,
                    response_body=req.response_body,
                    phase=phase,
                )
            )
        return self

    def decide(self, choice: dict[str, bool] | None, action: str | None = "choose") -> Recording:
        """The consent click: after-consent starts now."""
        self.clock += self.step / 2
        self.marks.append(PhaseMark(AFTER, self.clock, choice, action))
        return self

    def revoke(self, choice: dict[str, bool] | None, action: str | None = "revoke") -> Recording:
        """The change of mind: after-revoke starts now."""
        self.clock += self.step / 2
        self.marks.append(PhaseMark(REVOKED, self.clock, choice, action))
        return self

    def snapshot(
        self, phase: str, cookies: dict[str, str] | None = None, local: dict[str, str] | None = None
    ) -> Recording:
        """Storage at the end of a phase."""
        self.snapshots.append(StorageSnapshot(phase, dict(cookies or {}), dict(local or {})))
        return self

    def build(self) -> Timeline:
        """The finished Timeline."""
        return Timeline(self.scenario, list(self.entries), list(self.marks), list(self.snapshots))


def compliant_accept_all() -> Recording:
    """Demo site, accept all: nothing before the click, then Segment, stamps and pixels."""
    return (
        Recording("accept_all")
        .add(get(f"{SITE}/"))
        .decide(ACCEPT_ALL, "accept_all")
        .add(
            loader(),
            settings(),
            get(AMPLITUDE_BUNDLE),
            get(BRAZE_BUNDLE),
            single(consent_updated(ACCEPT_ALL)),
            single(event("page", "Home", ACCEPT_ALL)),
            get("https://www.googletagmanager.com/gtag/js?id=G-DEMO123"),
            get(GA4_HIT + "&gcs=G111"),
            get("https://connect.facebook.net/en_US/fbevents.js"),
            get(FB_HIT),
        )
    )


def compliant_revoke() -> Recording:
    """Demo site: accept all, then withdraw analytics and marketing, correctly signalled."""
    return (
        compliant_accept_all()
        .revoke(REJECT_ALL)
        .add(single(consent_updated(REJECT_ALL)), single(event("track", "Product Viewed", REJECT_ALL)))
    )


def judge(timeline: Timeline, suite: Suite | None = None) -> list[Finding]:
    """Findings for a timeline (demo suite unless given)."""
    return analyse(timeline, suite or make_suite())


def rule_ids(timeline: Timeline, suite: Suite | None = None) -> set[str]:
    """The set of rule ids that fire."""
    return {f.rule for f in judge(timeline, suite)}
