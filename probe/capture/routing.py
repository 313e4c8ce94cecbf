"""Offline mode: which requests the proxy answers itself (local files, sinks) and which it refuses."""

from __future__ import annotations

import fnmatch
import json
import mimetypes
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from probe.segment.endpoints import is_ingestion_path, is_regulation
from probe.suite import Route

# Hosts Segment ingests events on; sunk by default offline, and live with --sink-segment.
SEGMENT_INGEST_HOSTS = ("api.segment.io", "events.eu1.segmentapis.com")
# Chromium's own background traffic: recorded, but never counted as the site's.
NOISE_HOSTS = (
    "accounts.google.com",
    "clients2.google.com",
    "update.googleapis.com",
    "optimizationguide-pa.googleapis.com",
    "content-autofill.googleapis.com",
    "safebrowsing.googleapis.com",
    "connectivitycheck.gstatic.com",
    "www.gstatic.com",
    "redirector.gvt1.com",
    "edgedl.me.gvt1.com",
)
GIF_1X1 = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
# What a page can ask of a static file server or a sink; anything else is refused offline.
OFFLINE_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@dataclass(frozen=True)
class Answer:
    """A response the proxy gives without asking any upstream."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    served: str = "local"  # local | sink | blocked
    reason: str | None = None  # why a request was blocked, when it is more than "no route"

    @classmethod
    def blocked(cls, reason: str | None = None) -> Answer:
        """The proxy's refusal: a local 502 that never asked any upstream."""
        text = "blocked by probe offline mode" if reason is None else f"blocked by probe: {reason}"
        return cls(502, f"{text}\n".encode(), {"content-type": "text/plain"}, "blocked", reason)


def is_noise(host: str) -> bool:
    """True for the browser's own background hosts."""
    return host in NOISE_HOSTS


def host_matches(host: str, patterns: Iterable[str]) -> bool:
    """Match a host against names and ``*.suffix`` patterns."""
    for pattern in patterns:
        if pattern.startswith("*."):
            if host == pattern[2:] or host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def cors_headers(request_headers: dict[str, str]) -> dict[str, str]:
    """CORS answer that lets any credentialed request through; echoes what a preflight asks for.

    analytics-next sends Authorization and X-Retry-Count, so an answer that does not echo
    Access-Control-Request-Headers makes the browser drop the POST before it reaches us.
    """
    origin = request_headers.get("origin") or "*"
    headers = {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": request_headers.get("access-control-request-method")
        or "GET, POST, PUT, OPTIONS",
        "access-control-allow-headers": request_headers.get("access-control-request-headers")
        or "content-type",
        "access-control-max-age": "0",
    }
    if origin != "*":
        headers["vary"] = "Origin"
    return headers


@dataclass(frozen=True)
class SinkPrefix:
    """A URL-prefix sink (``https://www.shop.test/ingest/``): one origin, one path and what lies below it."""

    scheme: str
    host: str
    port: int
    path: str  # without a trailing slash; "" for the whole origin

    @classmethod
    def parse(cls, value: str) -> SinkPrefix:
        """Read a sink entry that contains ``://``."""
        parts = urlsplit(value)
        scheme = parts.scheme.lower()
        return cls(scheme, (parts.hostname or "").lower(), _port(parts.port, scheme), parts.path.rstrip("/"))

    def covers(self, url: str) -> bool:
        """True when ``url`` is on this origin, at this path or below it (whole path segments only)."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme != self.scheme or (parts.hostname or "").lower() != self.host:
            return False  # exact host: www.shop.test.evil.example is another host
        try:
            if _port(parts.port, scheme) != self.port:
                return False
        except ValueError:
            return False
        path = parts.path or "/"
        # a segment boundary: /ingest/ covers /ingest and /ingest/v1/t, never /ingestion
        return path.rstrip("/") == self.path or path.startswith(self.path + "/")

    def is_broader_than(self, route: Route) -> bool:
        """True unless ``route`` lies inside this prefix and is longer (a more specific route wins)."""
        literal = route.url.split("*", 1)[0]  # a glob is as specific as its literal start
        return not (self.covers(literal) and len(urlsplit(literal).path.rstrip("/")) > len(self.path))


def _regulation_answer() -> bytes:
    """What the Public API answers a created regulation with: its id (made up, 27 characters as Segment's)."""
    regulate_id = secrets.token_hex(14)[:27]
    return json.dumps({"data": {"regulateId": regulate_id}}).encode()


def _port(port: int | None, scheme: str) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


@dataclass(frozen=True)
class RoutePattern:
    """A route's URL taken apart, so it matches whole hosts and whole path segments.

    ``https://shop.test`` answers ``https://shop.test/...`` and never ``https://shop.test.evil.example/``;
    ``/vendor/x.js`` answers that file, not ``/vendor/x.js.map``. A ``*`` globs within its own part
    (host or path), never across the boundary between them.
    """

    route: Route
    scheme: str
    host: str  # lower case; a glob when it holds a *
    port: int
    path: str  # a literal prefix, or a glob when it holds a *

    @classmethod
    def parse(cls, route: Route) -> RoutePattern | None:
        """The pattern of a route, or None when its URL cannot be read (such a route answers nothing)."""
        try:
            parts = urlsplit(route.url)
            scheme = parts.scheme.lower()
            port = _port(parts.port, scheme)
        except ValueError:
            return None
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        return cls(route, scheme, parts.hostname.lower(), port, parts.path or "/")

    def match(self, scheme: str, host: str, port: int, path: str) -> str | None:
        """The rest of ``path`` after this route (a dir route serves it), or None when it does not match."""
        if scheme != self.scheme or port != self.port:
            return None
        if not (fnmatch.fnmatchcase(host, self.host) if "*" in self.host else host == self.host):
            return None
        path = path or "/"
        if "*" in self.path:
            return "" if fnmatch.fnmatchcase(path, self.path) else None
        prefix = self.path.rstrip("/")
        if path.rstrip("/") == prefix:
            return path[len(prefix) :].lstrip("/")
        if path.startswith(prefix + "/"):
            return path[len(prefix) + 1 :]
        return None


class Refused(Exception):
    """A request routing refuses on purpose (it is answered as blocked, with this reason)."""


class Router:
    """Decides, per request, whether the proxy answers locally, sinks, blocks or forwards.

    Order: a URL-prefix sink that covers the request, unless a matching route is more specific than it
    (a route inside the prefix, with a longer path); then the routes, first match wins; then host sinks;
    then blocked (offline) or forwarded (live). So ``https://www.shop.test/ingest/`` as a sink answers
    the site's first-party Segment proxy even though the ``https://www.shop.test/`` dir route serves
    the rest of that origin.
    """

    def __init__(
        self,
        routes: Iterable[Route] = (),
        sinks: Iterable[str] = (),
        *,
        offline: bool = True,
        sink_segment: bool = False,
        backend_prefixes: Iterable[str] = (),
        backend_address: tuple[str, int] | None = None,
    ) -> None:
        self.routes = list(routes)
        self.patterns = [p for p in map(RoutePattern.parse, self.routes) if p is not None]
        sinks = list(sinks)
        self.sinks = [s for s in sinks if "://" not in s]  # host names and *.suffix patterns
        # longest first, so the most specific prefix answers
        self.prefix_sinks = sorted(
            (SinkPrefix.parse(s) for s in sinks if "://" in s), key=lambda p: len(p.path), reverse=True
        )
        if offline or sink_segment:
            self.sinks.extend(h for h in SEGMENT_INGEST_HOSTS if h not in self.sinks)
        self.offline = offline
        # URL prefixes handed to the site's backend, longest first, and where it listens
        self.backend = sorted(
            (SinkPrefix.parse(p) for p in backend_prefixes), key=lambda p: len(p.path), reverse=True
        )
        self.backend_address = backend_address

    def backend_target(self, url: str) -> tuple[str, int] | None:
        """The backend's address when ``url`` lies under one of its prefixes, else None."""
        if self.backend_address is None:
            return None
        bare = url.split("#", 1)[0].split("?", 1)[0]
        return self.backend_address if any(p.covers(bare) for p in self.backend) else None

    def answer(self, method: str, url: str, headers: dict[str, str]) -> Answer | None:
        """The local answer for a request, or None to forward it upstream (live mode).

        ``url`` is where the request really goes (the proxy's destination, not a Host header).
        Offline, the answer is never None: what no route or sink answers is blocked.
        """
        try:
            return self._answer(method, url, headers)
        except Refused as exc:
            return Answer.blocked(str(exc))
        except Exception as exc:  # noqa: BLE001 - a request routing cannot place is refused, never forwarded
            return Answer.blocked(f"routing failed: {type(exc).__name__}: {exc}"[:300])

    def refusal(self, method: str, header_names: Iterable[str]) -> str | None:
        """Why a request is refused offline whatever its URL (method, protocol upgrade), or None."""
        if self.offline and method not in OFFLINE_METHODS:
            return f"method {method[:40]!r} is not served offline"
        if self.offline and "upgrade" in header_names:
            return "protocol upgrades (WebSocket) cannot be served offline"
        return None

    def _answer(self, method: str, url: str, headers: dict[str, str]) -> Answer | None:
        parts = urlsplit(url.split("#", 1)[0])
        scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
        refusal = self.refusal(method, headers)
        if refusal is not None:
            raise Refused(refusal)
        preflight = method == "OPTIONS" and "access-control-request-method" in headers
        bare = url.split("#", 1)[0].split("?", 1)[0]
        matched = self._match_route(scheme, host, _port(parts.port, scheme), parts.path)
        prefix = next((p for p in self.prefix_sinks if p.covers(bare)), None)
        if prefix is not None and (matched is None or prefix.is_broader_than(matched[0])):
            return self._sink(method, url, headers, preflight, proxy=True)
        local = self._serve(*matched) if matched is not None else None
        if local is not None:
            if preflight:
                return Answer(204, b"", cors_headers(headers), "local")
            # CDNs answer cross-origin fetches (Segment settings); local files must too.
            return Answer(local.status, local.body, {**cors_headers(headers), **local.headers}, local.served)
        if host_matches(host, self.sinks):
            return self._sink(method, url, headers, preflight)
        if self.offline:
            return Answer.blocked()
        return None

    def _sink(
        self, method: str, url: str, headers: dict[str, str], preflight: bool, *, proxy: bool = False
    ) -> Answer:
        """A sink's answer; ``proxy``: a URL-prefix sink, a first-party Segment proxy."""
        cors = cors_headers(headers)
        if preflight:
            return Answer(204, b"", cors, "sink")
        path = urlsplit(url).path
        # a first-party proxy's apiHost may drop the /v1 (/ingest/t), so there the letter tail decides
        if method == "POST" and (
            host_matches(urlsplit(url).hostname or "", SEGMENT_INGEST_HOSTS)
            or "/v1/" in path
            or (proxy and is_ingestion_path(path))
        ):
            return Answer(
                200,
                json.dumps({"success": True}).encode(),
                {**cors, "content-type": "application/json"},
                "sink",
            )
        # a sunk Privacy API answers a regulation as Segment does, so the backend goes on as it would
        if is_regulation(method, url):
            return Answer(200, _regulation_answer(), {**cors, "content-type": "application/json"}, "sink")
        if method == "GET" and ("image" in headers.get("accept", "") or path.endswith((".gif", ".png"))):
            return Answer(200, GIF_1X1, {**cors, "content-type": "image/gif"}, "sink")
        return Answer(204, b"", cors, "sink")

    def _match_route(self, scheme: str, host: str, port: int, path: str) -> tuple[Route, str] | None:
        """The first route matching a destination, and the rest of its path (percent-encoded)."""
        for pattern in self.patterns:
            rest = pattern.match(scheme, host, port, path)
            if rest is not None:
                return pattern.route, rest
        return None

    def _serve(self, route: Route, rest: str) -> Answer:
        target = self._target(route, rest)
        if target is None:
            return Answer(404, b"not found\n", {"content-type": "text/plain"}, "local")
        return self._file(route, target)

    @staticmethod
    def _target(route: Route, rest: str) -> Path | None:
        if route.file is not None:
            return route.file if route.file.is_file() else None
        assert route.dir is not None
        base = route.dir.resolve()
        rel = unquote(rest)
        if "\x00" in rel:
            raise Refused("a NUL byte in the path")
        candidate = (base / rel.lstrip("/")).resolve()
        if candidate != base and base not in candidate.parents:
            raise Refused("the path leaves the route's folder")
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    @staticmethod
    def _file(route: Route, path: Path) -> Answer:
        body = path.read_bytes()
        for old, new in route.replace.items():
            body = body.replace(old.encode(), new.encode())
        ctype = route.content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        return Answer(200, body, {"content-type": ctype, "cache-control": "no-store"}, "local")
