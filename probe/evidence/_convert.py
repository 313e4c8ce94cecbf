"""Turn one raw HAR entry or page (a parsed JSON dict) into timeline objects, noting every defect.

Written for what real exporters produce: Chrome/Playwright HTTP/2 pseudo-headers, base64 content,
``size: -1`` with no body, Chrome's multi-line ``set-cookie``, Firefox's local-time offsets and
``postData.params``, mitmproxy's ``+00:00`` times and missing pagerefs, and probe's ``_probe`` fields.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..timeline import BEFORE, BROWSER, PHASES, SERVER, VISITOR_BY, Entry, PhaseMark, StorageSnapshot, Visitor

Headers = tuple[tuple[str, str], ...]

RESPONSE_BODY_CAP = 2 * 1024 * 1024  # bytes; settings JSON and SDK bundles are far below this

# Response bodies the analysis reads: Segment settings JSON, ingestion replies, SDK/CMP scripts.
_KEPT_MIME_PARTS = ("json", "javascript", "ecmascript")
_KEPT_SUFFIXES = (".js", ".mjs", ".json")


@dataclass
class ConvertState:
    """What the conversion of later entries needs to know about earlier ones."""

    response_body_cap: int = RESPONSE_BODY_CAP
    utf8_repaired: bool = False  # the byte stream replaced invalid UTF-8 somewhere
    missing_time: list[int] = field(default_factory=list)  # positions in the entry list, fixed afterwards
    # the same SDK bundle is served on every page view: keep one copy of each distinct body
    bodies: dict[bytes, bytes] = field(default_factory=dict)
    # 100k small requests repeat a few methods, header names and whole header lists: one copy of each
    # (the tables live only while the file is read; what they hold, the entries hold anyway)
    words: dict[str, str] = field(default_factory=dict)
    pairs: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    header_lists: dict[Headers, Headers] = field(default_factory=dict)

    def intern(self, body: bytes) -> bytes:
        """The one stored copy of an identical response body."""
        return self.bodies.setdefault(body, body)

    def word(self, text: str) -> str:
        """The one stored copy of a short repeated string (a method, a resource type, a context)."""
        return self.words.setdefault(text, text)

    def headers(self, pairs: list[tuple[str, str]]) -> Headers:
        """The header list as a tuple made of shared pairs, itself shared with identical lists."""
        shared = tuple(self._pair(pair) for pair in pairs)
        return self.header_lists.setdefault(shared, shared)

    def _pair(self, pair: tuple[str, str]) -> tuple[str, str]:
        found = self.pairs.get(pair)
        if found is None:
            # a value seen once (a cookie, a request id) still shares its header's name
            found = self.pairs[pair] = (self.word(pair[0]), pair[1])
        return found


def parse_time(value: Any) -> float | None:
    """ISO-8601 (``Z``, offsets, no zone = UTC) to epoch seconds; None when it is not a time."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        stamp = when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    return stamp if math.isfinite(stamp) else None


def convert_entry(index: int, raw: Any, state: ConvertState) -> tuple[Entry | None, list[str]]:
    """One ``log.entries[index]`` as an Entry (None when unusable) plus messages about its defects."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return None, [f"is {kind_of(raw)}, not an object; skipped"]
    request = raw.get("request")
    if not isinstance(request, dict):
        return None, ["has no request object; skipped"]

    req_headers, pseudo = _headers(request.get("headers"), "request.headers", problems)
    url = request.get("url")
    if not isinstance(url, str) or not url.strip():
        url = _url_from_pseudo(pseudo)
        if url is None:
            return None, ["has no request.url; skipped"]
        problems.append("has no request.url; rebuilt it from the HTTP/2 pseudo-headers")
    try:
        if not urlsplit(url).netloc and pseudo.get(":authority"):
            url = _url_from_pseudo({**pseudo, ":path": url}) or url
        _ = urlsplit(url).hostname  # rules read host and path; an unparseable URL is of no use to them
    except ValueError:
        return None, [f"request.url {url[:80]!r} is not a valid URL; skipped"]

    method = request.get("method")
    if not isinstance(method, str) or not method.strip():
        method = pseudo.get(":method") or "GET"
        problems.append(f"has no request.method; assumed {method}")

    started = parse_time(raw.get("startedDateTime"))
    if started is None:
        what = "no" if raw.get("startedDateTime") in (None, "") else "an unreadable"
        problems.append(f"has {what} startedDateTime; placed at the time of the entry before it")
        started = math.nan

    if "cookie" not in {k for k, _ in req_headers}:
        synth = _cookie_pairs(request.get("cookies"), "request.cookies", problems)
        if synth:
            req_headers.append(("cookie", "; ".join(f"{n}={v}" for n, v in synth)))
    request_body = _request_body(request.get("postData"), problems)

    response = raw.get("response")
    status: int | None = None
    resp_headers: list[tuple[str, str]] = []
    response_body: bytes | None = None
    if isinstance(response, dict):
        status = _status(response.get("status"), problems)
        resp_headers, _ = _headers(response.get("headers"), "response.headers", problems)
        resp_headers = _split_set_cookie(resp_headers)
        if "set-cookie" not in {k for k, _ in resp_headers}:
            for name, value in _cookie_pairs(response.get("cookies"), "response.cookies", problems):
                resp_headers.append(("set-cookie", f"{name}={value}"))
        response_body = _response_body(response.get("content"), url, state, problems)
    elif response is not None:
        problems.append(f"response is {kind_of(response)}, not an object; ignored")

    phase, context, noise, blocked, served = _probe_fields(raw.get("_probe"), problems)
    side, visitor = _side_fields(raw.get("_probe"), problems)
    if phase is None and raw.get("pageref") in PHASES:
        phase = raw["pageref"]
    resource_type = raw.get("_resourceType")

    if state.utf8_repaired and _has_replacement(url, request_body, response_body):
        problems.append("contains bytes that are not valid UTF-8; they were replaced with U+FFFD")

    entry = Entry(
        index=index,
        started=started,
        method=state.word(method.strip().upper()),
        url=url.strip(),
        request_headers=state.headers(req_headers),
        request_body=request_body,
        status=status,
        response_headers=state.headers(resp_headers),
        response_body=response_body,
        phase=state.word(phase) if phase is not None else None,
        context=state.word(context) if context is not None else None,
        noise=noise,
        blocked=blocked,
        served=state.word(served) if served is not None else None,
        resource_type=state.word(resource_type.lower())
        if isinstance(resource_type, str) and resource_type
        else None,
        side=side,
        visitor=visitor,
    )
    return entry, problems


def kind_of(value: Any) -> str:
    """'a list', 'an object', ... for messages about wrong JSON types."""
    names = {list: "a list", dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _headers(raw: Any, where: str, problems: list[str]) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """Lower-cased (name, value) pairs without pseudo-headers, and the pseudo-headers separately."""
    if raw is None:
        return [], {}
    if not isinstance(raw, list):
        problems.append(f"{where} is {kind_of(raw)}, not a list; ignored")
        return [], {}
    pairs: list[tuple[str, str]] = []
    pseudo: dict[str, str] = {}
    bad = 0
    for item in raw:
        name = item.get("name") if isinstance(item, dict) else None
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            bad += 1
            continue
        if value is None:
            value = ""
        elif isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        elif not isinstance(value, str):
            bad += 1
            continue
        key = name.strip().lower()
        if key.startswith(":"):
            pseudo[key] = value
        else:
            pairs.append((key, value))
    if bad:
        problems.append(f"{where}: {bad} item(s) are not name/value pairs; ignored")
    return pairs, pseudo


def _url_from_pseudo(pseudo: dict[str, str]) -> str | None:
    authority, path = pseudo.get(":authority"), pseudo.get(":path")
    if not authority or not path:
        return None
    return f"{pseudo.get(':scheme', 'https')}://{authority}{path}"


def _split_set_cookie(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # Chrome DevTools joins every Set-Cookie of a response into one value separated by newlines
    out: list[tuple[str, str]] = []
    for name, value in headers:
        if name == "set-cookie" and "\n" in value:
            out.extend((name, part) for part in value.split("\n") if part.strip())
        else:
            out.append((name, value))
    return out


def _cookie_pairs(raw: Any, where: str, problems: list[str]) -> list[tuple[str, str]]:
    """Name/value pairs of a HAR ``cookies`` array (used when the exporter dropped the header)."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where} is {kind_of(raw)}, not a list; ignored")
        return []
    pairs = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
            value = item.get("value")
            pairs.append((item["name"], value if isinstance(value, str) else ""))
    return pairs


def _status(raw: Any, problems: list[str]) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        if raw is not None:
            problems.append(f"response.status is {kind_of(raw)}, not a number; treated as no response")
        return None
    if not math.isfinite(raw):
        return None
    code = int(raw)
    return code if 0 < code < 1000 else None  # DevTools writes 0 for requests that got no response


def _decode(text: str, encoding: Any, where: str, problems: list[str]) -> bytes:
    if isinstance(encoding, str) and encoding.lower() == "base64":
        try:
            return base64.b64decode(text, validate=False)
        except (binascii.Error, ValueError):
            problems.append(f"{where} says base64 but does not decode; kept as text")
    return text.encode("utf-8", "replace")


def _request_body(raw: Any, problems: list[str]) -> bytes | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"request.postData is {kind_of(raw)}, not an object; ignored")
        return None
    text = raw.get("text")
    if isinstance(text, str):
        return _decode(text, raw.get("encoding"), "request.postData", problems)
    params = raw.get("params")
    if isinstance(params, list) and params:
        # Firefox may give only params for form posts
        pairs = [
            (p.get("name", ""), p.get("value", ""))
            for p in params
            if isinstance(p, dict)
            and isinstance(p.get("name", ""), str)
            and isinstance(p.get("value", ""), str)
        ]
        return urlencode(pairs).encode()
    if text is not None:
        problems.append(f"request.postData.text is {kind_of(text)}, not a string; ignored")
    return None


def wants_response_body(mime: str, url: str) -> bool:
    """True for bodies the analysis may read: JSON and JavaScript (settings, ingestion replies, SDKs)."""
    mime = mime.split(";")[0].strip().lower()
    if any(part in mime for part in _KEPT_MIME_PARTS):
        return True
    if mime and not mime.startswith(("text/plain", "application/octet-stream")):
        return False
    path = urlsplit(url).path.lower()
    return path.endswith(_KEPT_SUFFIXES) or path.endswith("/settings")


def _response_body(raw: Any, url: str, state: ConvertState, problems: list[str]) -> bytes | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(f"response.content is {kind_of(raw)}, not an object; ignored")
        return None
    text = raw.get("text")
    if text is None:
        return None  # Playwright/Chrome often record no body (size -1)
    if not isinstance(text, str):
        problems.append(f"response.content.text is {kind_of(text)}, not a string; ignored")
        return None
    mime = raw.get("mimeType")
    if not wants_response_body(mime if isinstance(mime, str) else "", url):
        return None
    base64_encoded = isinstance(raw.get("encoding"), str) and raw["encoding"].lower() == "base64"
    estimate = len(text) * 3 // 4 if base64_encoded else len(text)
    if estimate > state.response_body_cap:
        problems.append(
            f"response body ({_size(estimate)}) is over the {_size(state.response_body_cap)} cap; not kept"
        )
        return None
    body = _decode(text, raw.get("encoding"), "response.content", problems)
    if len(body) > state.response_body_cap:
        problems.append(
            f"response body ({_size(len(body))}) is over the {_size(state.response_body_cap)} cap; not kept"
        )
        return None
    return state.intern(body)


def _size(count: int) -> str:
    return f"{count} bytes" if count < 100_000 else f"{count / 1e6:.1f} MB"


def _probe_fields(raw: Any, problems: list[str]) -> tuple[str | None, str | None, bool, bool, str | None]:
    if raw is None:
        return None, None, False, False, None
    if not isinstance(raw, dict):
        problems.append(f"_probe is {kind_of(raw)}, not an object; ignored")
        return None, None, False, False, None
    phase = raw.get("phase")
    if phase is not None and phase not in PHASES:
        problems.append(f"_probe.phase {phase!r} is not one of {', '.join(PHASES)}; ignored")
        phase = None
    context = raw.get("context")
    if context is not None and not isinstance(context, str):
        problems.append(f"_probe.context is {kind_of(context)}, not a string; ignored")
        context = None
    flags = []
    for name in ("noise", "blocked"):
        value = raw.get(name, False)
        if not isinstance(value, bool):
            problems.append(f"_probe.{name} is {kind_of(value)}, not true/false; taken as false")
            value = False
        flags.append(value)
    served = raw.get("served")
    if served is not None and not isinstance(served, str):
        problems.append(f"_probe.served is {kind_of(served)}, not a string; ignored")
        served = None
    return phase, context, flags[0], flags[1], served


def _side_fields(raw: Any, problems: list[str]) -> tuple[str, Visitor | None]:
    """``_probe.side`` and, for a server entry, ``_probe.visitor``; wrong types read as absent."""
    if not isinstance(raw, dict):
        return BROWSER, None
    side = raw.get("side", BROWSER)
    if side not in (BROWSER, SERVER):
        problems.append(f'_probe.side {_shown(side)}, not "browser" or "server"; read as browser')
        return BROWSER, None
    if side != SERVER or raw.get("visitor") is None:
        return side, None
    visitor, why = _visitor(raw["visitor"])
    if visitor is None:
        problems.append(f"_probe.visitor{why}; read as not attributed to this scenario's visitor")
    return side, visitor


def _visitor(raw: Any) -> tuple[Visitor | None, str]:
    """A server entry's attribution, or None and what is wrong with it."""
    if not isinstance(raw, dict):
        return None, f" is {kind_of(raw)}, not an object"
    by, ids, events = raw.get("by"), raw.get("ids"), raw.get("events")
    if by not in VISITOR_BY:
        return None, f".by {_shown(by)}, not one of {', '.join(VISITOR_BY)}"
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        return None, ".ids is not a list of strings"
    if events is not None and (
        not isinstance(events, list)
        # bool is an int in Python: true is no batch position
        or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in events)
    ):
        return None, ".events is neither null nor a list of batch positions"
    return Visitor(by, tuple(ids), tuple(events) if events is not None else None), ""


def _shown(value: Any) -> str:
    """A hostile value for a message: ``is 'text'`` for a string, else ``is a number`` and the like."""
    return f"is {value[:40]!r}" if isinstance(value, str) else f"is {kind_of(value)}"


def _has_replacement(url: str, *bodies: bytes | None) -> bool:
    marker = "\ufffd".encode()
    return "\ufffd" in url or any(b is not None and marker in b for b in bodies)


def convert_page(
    position: int, raw: Any, problems: list[str]
) -> tuple[PhaseMark | None, StorageSnapshot | None]:
    """A probe page (one phase) as its mark and storage snapshot; foreign pages give (None, None)."""
    if not isinstance(raw, dict):
        problems.append(f"page {position} is {kind_of(raw)}, not an object; ignored")
        return None, None
    extra = raw.get("_probe")
    phase = extra.get("phase") if isinstance(extra, dict) else None
    if phase is None and raw.get("id") in PHASES:
        phase = raw.get("id")
    if phase not in PHASES:
        if extra is not None:
            problems.append(f"page {position}: _probe.phase {phase!r} is not a known phase; ignored")
        return None, None
    extra = extra if isinstance(extra, dict) else {}
    at = parse_time(raw.get("startedDateTime"))
    mark = None
    if phase != BEFORE:  # before-consent is implicit: it runs from the first request on
        if at is None:
            problems.append(f"page {position} ({phase}) has no readable startedDateTime; phase mark lost")
        else:
            mark = PhaseMark(
                phase=phase,
                at=at,
                choice=_choice(extra.get("choice"), position, problems),
                action=extra.get("action") if isinstance(extra.get("action"), str) else None,
            )
    snapshot = None
    storage = extra.get("storage")
    if isinstance(storage, dict):
        snapshot = StorageSnapshot(
            phase=phase,
            cookies=_str_map(storage.get("cookies"), f"page {position} storage.cookies", problems),
            local_storage=_str_map(
                storage.get("localStorage"), f"page {position} storage.localStorage", problems
            ),
        )
    elif storage is not None:
        problems.append(f"page {position}: _probe.storage is {kind_of(storage)}, not an object; ignored")
    return mark, snapshot


def _choice(raw: Any, position: int, problems: list[str]) -> dict[str, bool] | None:
    if raw is None:
        return None
    if isinstance(raw, dict) and all(isinstance(v, bool) for v in raw.values()):
        return {str(k): v for k, v in raw.items()}
    problems.append(f"page {position}: _probe.choice is not a map of category -> true/false; ignored")
    return None


def _str_map(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where} is {kind_of(raw)}, not an object; ignored")
        return {}
    return {str(k): v if isinstance(v, str) else str(v) for k, v in raw.items()}
