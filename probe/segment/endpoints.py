"""Which Segment endpoint a request hit, from its method, host and path (and payload shape off Segment's hosts)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from probe.segment.shapes import looks_like_segment_payload


class Kind(StrEnum):
    """What a Segment request is."""

    EVENT = "event"  # /v1/{t,p,i,g,a,s}, HTTP API /v1/{track,page,...}, Pixel API GET /v1/pixel/<call>
    BATCH = "batch"  # /v1/b (analytics-next batching), /v1/batch and /v1/import (HTTP API, server libraries)
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
# Segment's Public API, where a regulation (deletion, suppression) is filed: POST /regulations for the
# workspace, /regulations/sources/<id> or /regulations/cloudsources/<id> for one source; EU workspaces
# use eu1. The deprecated Config API filed the same on its own host (segment-wire §6).
PRIVACY_API_HOSTS = ("api.segmentapis.com", "eu1.api.segmentapis.com")
LEGACY_PRIVACY_API_HOST = "platform.segmentapis.com"
_REGULATION = re.compile(r"^/regulations(/(sources|cloudsources)/[^/]+)?/?$")
_LEGACY_REGULATION = re.compile(r"^/v1beta/workspaces/[^/]+/regulations/?$")

_CALL_NAMES = ("track", "page", "identify", "group", "alias", "screen")
# the call a path ends in: analytics.js's letters, the HTTP Tracking API's names (/v1/import is its
# old name for /v1/batch), and the Pixel API's GET /v1/pixel/<call>
_CALL_KIND = {
    **{letter: Kind.EVENT for letter in "tpigas"},
    **{name: Kind.EVENT for name in _CALL_NAMES},
    "b": Kind.BATCH,
    "batch": Kind.BATCH,
    "import": Kind.BATCH,
    "m": Kind.METRICS,
}
_LETTER_TYPE = {"t": "track", "p": "page", "i": "identify", "g": "group", "a": "alias", "s": "screen"}
_CALL_TYPE = {**_LETTER_TYPE, **{name: name for name in _CALL_NAMES}}
# analytics.js's own shapes only: the offline proxy answers these under a prefix sink
_TAIL = re.compile(r"^(?P<prefix>.*)/(?P<letter>[tpigasbm]|batch)$")
_CALL_TAIL = re.compile(r"^(?P<prefix>.*)/(?P<call>[tpigasbm]|batch|import|" + "|".join(_CALL_NAMES) + r")$")
_PIXEL_TAIL = re.compile(r"^(?P<prefix>.*)/pixel/(?P<call>" + "|".join(_CALL_NAMES) + r")$")
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


@dataclass(frozen=True)
class WireCall:
    """The Segment call a request's method and path name, before knowing whose host it is."""

    prefix: str  # the path before the call (``/v1``, ``/ces/v1``, "")
    call: str  # ``t``, ``track``, ``batch``, ``import``, ...
    pixel: bool  # the Pixel API's GET /v1/pixel/<call>, data in the query

    @property
    def kind(self) -> Kind:
        """What the call is: one event, a batch, or the SDK's metrics."""
        return _CALL_KIND[self.call]

    @property
    def event_type(self) -> str | None:
        """The event type a single-event call stands for (``t`` and ``track`` -> ``track``)."""
        return _CALL_TYPE.get(self.call)

    @property
    def off_host_shape(self) -> bool:
        """True when the call hangs off ``/v1``, the only shape worth considering on a foreign host."""
        return self.prefix == "/v1" or self.prefix.endswith("/v1")


def wire_call(method: str, path: str) -> WireCall | None:
    """The call a request names: POST (or its OPTIONS preflight) ``…/<call>``, or GET ``…/pixel/<call>``."""
    method = method.upper()
    if method == "GET":
        match = _PIXEL_TAIL.match(path)
        return WireCall(match.group("prefix"), match.group("call"), True) if match else None
    match = _CALL_TAIL.match(path)
    return WireCall(match.group("prefix"), match.group("call"), False) if match else None


def event_type_for_path(path: str) -> str | None:
    """The event type a single-event path stands for (``/v1/t``, ``/v1/track``, ``/v1/pixel/track``)."""
    match = _PIXEL_TAIL.match(path) or _CALL_TAIL.match(path)
    return _CALL_TYPE.get(match.group("call")) if match else None


def is_ingestion_path(path: str) -> bool:
    """True for a path ending like analytics.js's ingestion endpoints: ``/t /p /i /g /a /s /b /m /batch``."""
    return bool(_TAIL.match(path))


def is_regulation(method: str, url: str) -> bool:
    """True for a request filing a regulation (deletion, suppression) with Segment's Privacy API.

    Only a POST files one (a GET on ``/regulations/<id>`` reads its status), and only on Segment's
    own hosts: a ``/regulations`` path elsewhere is the site's, whatever its body says. Any
    ``regulationType`` counts, UNSUPPRESS too: whether it deletes is the caller's question.
    """
    if method.upper() != "POST":
        return False
    parts = urlsplit(url)
    host, path = (parts.hostname or "").lower(), parts.path or "/"
    if host in PRIVACY_API_HOSTS:
        return bool(_REGULATION.match(path))
    return host == LEGACY_PRIVACY_API_HOST and bool(_LEGACY_REGULATION.match(path))


def write_key_in_path(path: str) -> str | None:
    """The writeKey embedded in a CDN path, if any."""
    match = _WRITE_KEY_IN_PATH.search(path)
    return match.group("wk") if match else None


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

    def is_known_host(self, host: str, prefix: str) -> bool:
        """True when ``host`` with path ``prefix`` is a configured ingestion base."""
        for api in self.api_hosts:
            if api.host != host:
                continue
            # a bare host from suite.segment.hosts accepts any prefix; a configured prefix must match
            # whole path segments (a suite's https://www.shop.test/ingest/ covers /ingest/v1/t)
            if not api.prefix or prefix == api.prefix or prefix.startswith(api.prefix + "/"):
                return True
        return False

    def may_need_body(self, method: str, url: str) -> bool:
        """True when classifying the request needs its payload (a POST or pixel GET on a call path)."""
        call = wire_call(method, urlsplit(url).path or "/")
        return call is not None and (call.pixel or method.upper() == "POST")

    def off_host_kind(self, method: str, url: str) -> Kind | None:
        """The kind a request would be if it were Segment's, on a host not known to ingest for it.

        None unless it is a POST on ``…/v1/<call>`` or a GET on ``…/v1/pixel/<call>``.
        """
        call = wire_call(method, urlsplit(url).path or "/")
        if call is None or not call.off_host_shape:
            return None
        if call.pixel or method.upper() == "POST":
            return call.kind
        return None

    def classify(self, method: str, url: str, body: Any = None) -> Kind | None:
        """The Segment kind of a request, or None when it is not Segment traffic.

        ``body`` is the parsed JSON payload (or None); it lets first-party proxies be recognised by shape.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        path = parts.path or "/"
        method = method.upper()
        for pattern, kind in _CDN_SHAPES:
            if pattern.search(path):
                return kind
        call = wire_call(method, path)
        if call is not None:
            if self.is_known_host(host, call.prefix):
                if method == "OPTIONS" and not call.pixel:
                    return Kind.PREFLIGHT
                if method == "POST" or call.pixel:
                    return call.kind
            elif self.off_host_kind(method, url) is not None and looks_like_segment_payload(
                body, call.event_type
            ):
                return call.kind
        if is_segment_domain(host):
            return (
                Kind.PUBLIC_API if host.endswith("segmentapis.com") and "/regulations" in path else Kind.OTHER
            )
        return None
