"""Which Segment endpoint a request hit, from its method, host and path (and body shape for proxies)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit


class Kind(StrEnum):
    """What a Segment request is."""

    EVENT = "event"  # /v1/{t,p,i,g,a,s}: one event
    BATCH = "batch"  # /v1/b (analytics-next batching), /v1/batch (server libraries)
    METRICS = "metrics"  # /v1/m: the SDK's own telemetry, not an event
    PREFLIGHT = "preflight"  # CORS OPTIONS to an ingestion endpoint, not an event
    LOADER = "loader"  # analytics.js / analytics.min.js / analytics.classic.js
    SETTINGS = "settings"  # /v1/projects/<wk>/settings
    DESTINATION_LIST = "destination-list"  # /v1/projects/<wk>/integrations (consent-manager)
    SDK_BUNDLE = "sdk-bundle"  # /analytics-next/bundles/ lazy chunks
    DEVICE_MODE = "device-mode"  # /next-integrations/ destination bundles
    PUBLIC_API = "public-api"  # api.segmentapis.com (regulations: deletion/suppression)
    OTHER = "other"  # any other request to a Segment-owned host


INGESTION_KINDS = frozenset({Kind.EVENT, Kind.BATCH})
SDK_KINDS = frozenset({Kind.LOADER, Kind.SETTINGS, Kind.SDK_BUNDLE, Kind.DEVICE_MODE, Kind.METRICS})

DEFAULT_API_HOSTS = ("api.segment.io/v1", "events.eu1.segmentapis.com/v1")
SEGMENT_DOMAINS = ("segment.io", "segment.com", "segmentapis.com", "segment.build")

_LETTER_KIND = {
    **{letter: Kind.EVENT for letter in "tpigas"},
    "b": Kind.BATCH,
    "batch": Kind.BATCH,
    "m": Kind.METRICS,
}
_TAIL = re.compile(r"^(?P<prefix>.*)/(?P<letter>[tpigasbm]|batch)$")
_PROXY_TAIL = re.compile(r"/v1/(?P<letter>[tpigasbm]|batch)$")
_LETTER_TYPE = {"t": "track", "p": "page", "i": "identify", "g": "group", "a": "alias", "s": "screen"}

# CDN shapes are distinctive enough to recognise on any host (custom cdnURL proxies)
_CDN_SHAPES: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"/analytics\.js/v1/[^/]+(/platform)?/analytics(\.min|\.classic)?\.js$"), Kind.LOADER),
    (re.compile(r"/v1/projects/[^/]+/settings$"), Kind.SETTINGS),
    (re.compile(r"/v1/projects/[^/]+/integrations$"), Kind.DESTINATION_LIST),
    (re.compile(r"/analytics-next/bundles/[^/]+$"), Kind.SDK_BUNDLE),
    (re.compile(r"/next-integrations/(actions|integrations)/.+"), Kind.DEVICE_MODE),
)
_WRITE_KEY_IN_PATH = re.compile(r"/(?:analytics\.js/v1|v1/projects)/(?P<wk>[^/]+)/")


@dataclass(frozen=True)
class ApiHost:
    """An ingestion base: host plus the path prefix the letters hang off (``/v1``, ``/ces/v1``, "")."""

    host: str
    prefix: str = ""

    @classmethod
    def parse(cls, value: str) -> ApiHost | None:
        """Read ``apiHost`` values like ``api.segment.io/v1`` or ``https://proxy.shop.test/ces/v1``."""
        text = value.strip()
        if not text:
            return None
        parts = urlsplit(text if "://" in text else f"https://{text}")
        host = (parts.hostname or "").lower()
        if not host:
            return None
        return cls(host=host, prefix=parts.path.rstrip("/"))


def is_segment_domain(host: str) -> bool:
    """True for hosts Segment itself owns."""
    return any(host == d or host.endswith("." + d) for d in SEGMENT_DOMAINS)


def event_type_for_path(path: str) -> str | None:
    """The event type a single-event path stands for (``/v1/t`` -> ``track``)."""
    match = _TAIL.match(path)
    return _LETTER_TYPE.get(match.group("letter")) if match else None


def is_ingestion_path(path: str) -> bool:
    """True for a path ending like a Segment ingestion endpoint: ``/t /p /i /g /a /s /b /m /batch``."""
    return bool(_TAIL.match(path))


def write_key_in_path(path: str) -> str | None:
    """The writeKey embedded in a CDN path, if any."""
    match = _WRITE_KEY_IN_PATH.search(path)
    return match.group("wk") if match else None


def looks_like_segment_payload(data: Any) -> bool:
    """True for a JSON body shaped like a Segment event, batch or metrics payload."""
    if not isinstance(data, dict):
        return False
    if "type" in data and "messageId" in data:
        return True
    batch = data.get("batch")
    if isinstance(batch, list) and batch:
        return any(isinstance(e, dict) and "type" in e and "messageId" in e for e in batch)
    series = data.get("series")
    return isinstance(series, list) and any(isinstance(s, dict) and "metric" in s for s in series)


@dataclass(frozen=True)
class Endpoints:
    """The ingestion hosts in play for one recording."""

    api_hosts: tuple[ApiHost, ...]

    @classmethod
    def build(cls, extra: Iterable[str] = ()) -> Endpoints:
        """Default Segment hosts plus suite hosts and ``apiHost`` values from captured settings."""
        seen: dict[ApiHost, None] = {}
        for value in (*DEFAULT_API_HOSTS, *extra):
            parsed = ApiHost.parse(value)
            if parsed is not None:
                seen[parsed] = None
        return cls(api_hosts=tuple(seen))

    def _known_ingestion(self, host: str, path: str) -> str | None:
        match = _TAIL.match(path)
        if not match:
            return None
        for api in self.api_hosts:
            if api.host != host:
                continue
            # a bare host from suite.segment.hosts accepts any prefix; a configured prefix must match
            # whole path segments (a suite's https://www.shop.test/ingest/ covers /ingest/v1/t)
            prefix = match.group("prefix")
            if not api.prefix or prefix == api.prefix or prefix.startswith(api.prefix + "/"):
                return match.group("letter")
        return None

    def may_need_body(self, method: str, url: str) -> bool:
        """True when classifying the request needs its body (a POST to an ingestion-shaped path)."""
        path = urlsplit(url).path or "/"
        return method.upper() == "POST" and bool(_TAIL.match(path))

    def classify(self, method: str, url: str, body: Any = None) -> Kind | None:
        """The Segment kind of a request, or None when it is not Segment traffic.

        ``body`` is the parsed JSON body (or None); it lets first-party proxies be recognised by shape.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        method = method.upper()
        for pattern, kind in _CDN_SHAPES:
            if pattern.search(path):
                return kind
        letter = self._known_ingestion(host, path)
        if letter is None:
            proxy = _PROXY_TAIL.search(path)
            if proxy and method == "POST" and looks_like_segment_payload(body):
                letter = proxy.group("letter")
        if letter is not None:
            if method == "OPTIONS":
                return Kind.PREFLIGHT
            if method == "POST":
                return _LETTER_KIND[letter]
        if is_segment_domain(host):
            return (
                Kind.PUBLIC_API if host.endswith("segmentapis.com") and "/regulations" in path else Kind.OTHER
            )
        return None
