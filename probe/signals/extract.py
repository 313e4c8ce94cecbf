"""Where consent signals travel: every TC string, GPP string, US Privacy string, ``gdpr`` flag,
``gpp_sid`` and GPC signal a recording shows, with where and in which phase it was seen.

Sources: query strings and form bodies, JSON bodies (any depth: OpenRTB ``regs.gpp``, Segment
``properties.tcf``), ``Cookie`` and ``Set-Cookie`` headers, the per-phase storage snapshots, the
``Sec-GPC`` request header, and the page signals the runner read (see ``probe.signals.pages``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

from probe.segment import decode_body, request_cookies, response_cookies
from probe.signals.pages import page_signals
from probe.timeline import Entry, Timeline

Kind = Literal["tcf", "gpp", "gpp_sid", "usp", "gdpr", "gpc"]
STRING_KINDS: tuple[Kind, ...] = ("tcf", "gpp", "usp")

# query / form / JSON keys, lower-cased; the IAB macro names first, then what SDKs and Segment
# action destinations use (properties.tcf, properties.gpp)
_FIELD_KINDS: dict[str, Kind] = {
    "gdpr_consent": "tcf",
    "gdpr": "gdpr",
    "gpp": "gpp",
    "gpp_sid": "gpp_sid",
    "us_privacy": "usp",
    "tcf": "tcf",
    "tcstring": "tcf",
    "tc_string": "tcf",
    "euconsent": "tcf",
    "euconsent-v2": "tcf",
    "gppstring": "gpp",
    "gpp_string": "gpp",
    "usprivacy": "usp",
    "uspstring": "usp",
    "gdprapplies": "gdpr",
    "consent": "tcf",  # OpenRTB user.consent / user.ext.consent; only taken when it looks like one
}
# generic names that also carry other things ("consent": "granted", "tcf": 2): taken only when the
# value has the shape of a TC string
_LOOSE_NAMES = frozenset({"consent", "tcf"})
_COOKIE_KINDS: dict[str, Kind] = {
    "euconsent-v2": "tcf",
    "usprivacy": "usp",
    "us_privacy": "usp",
    "__gpp": "gpp",
    "otgppconsent": "gpp",  # OneTrust
    "iabgpp_hdr_gppstring": "gpp",
    "__gpp_sid": "gpp_sid",
}
_STORAGE_KINDS: dict[str, Kind] = _COOKIE_KINDS | {
    "iabtcf_tcstring": "tcf",
    "iabusprivacy_string": "usp",
    "iabgpp_gppsid": "gpp_sid",
}
# a cheap body test before any parsing: every field name above contains one of these ("consent" alone
# is left out: every stamped Segment event has context.consent, and OpenRTB bodies that carry
# user.consent also carry regs.gdpr)
_BODY_HINTS = (b"gdpr", b"gpp", b"privacy", b"usp", b"tcf", b"tcstring", b"tc_string", b"euconsent")
_SID_LIST = re.compile(r"^\[?\s*(\d+(?:\s*[,_]\s*\d+)*)\s*\]?$")
_MAX_BODY = 2_000_000  # larger bodies are media uploads, not consent carriers
_MAX_DEPTH = 12
_TC_SHAPE = re.compile(r"^C[A-Za-z0-9_\-+/]{20,}(\.[A-Za-z0-9_\-+/=]+)*=*$")
_GPP_SHAPE = re.compile(r"^DB[A-Za-z0-9_\-]+(~[A-Za-z0-9_\-.+/=]*)*$")
_USP_SHAPE = re.compile(r"^\d[YNyn\-]{3}$")
_SHAPES: dict[Kind, re.Pattern[str]] = {"tcf": _TC_SHAPE, "gpp": _GPP_SHAPE, "usp": _USP_SHAPE}


@dataclass(frozen=True)
class Sighting:
    """One consent signal seen once: its kind, value, phase and where it was."""

    kind: Kind
    value: str
    phase: str
    source: str  # e.g. "query gdpr_consent", "cookie euconsent-v2", "storage localStorage __gpp"
    entry: int | None = None  # HAR entry index; None for end-of-phase storage and page signals
    url: str | None = None
    at: float | None = None  # wire time; None: the state at the end of the phase

    @property
    def final(self) -> bool:
        """True for end-of-phase state (storage snapshot, page API) rather than a request."""
        return self.entry is None

    def describe(self) -> str:
        """``cookie euconsent-v2=CP...`` for evidence excerpts."""
        return f"{self.source}={self.value}"


def _clean(kind: Kind, raw: Any, *, strict: bool) -> str | None:
    """The signal value as text, or None when it is absent, a placeholder, or (strict) not shaped right."""
    if isinstance(raw, bool):
        raw = int(raw)
    if isinstance(raw, int | float) and kind in ("gdpr", "gpp_sid"):
        return str(int(raw))
    if isinstance(raw, list) and kind == "gpp_sid":
        return ",".join(str(v) for v in raw if isinstance(v, int | str))
    if not isinstance(raw, str):
        return None
    value = unquote(raw).strip().strip('"')
    if kind == "gpp_sid" and (ids := _SID_LIST.match(value)):
        return re.sub(r"\s*[,_]\s*", ",", ids.group(1))  # "[2, 6]" and OpenRTB's "2_6" alike
    # unexpanded ad-server macros (${GDPR_CONSENT_755}, [GPP], %%GDPR%%) carry no signal
    if not value or value in ("-", "null", "undefined") or value[:1] in "${[%":
        return None
    shape = _SHAPES.get(kind)
    if strict and shape is not None and not shape.match(value):
        return None
    return value


def _entry_sightings(entry: Entry, phase: str) -> Iterator[Sighting]:
    def seen(kind: Kind, raw: Any, source: str, *, strict: bool = False) -> Iterator[Sighting]:
        value = _clean(kind, raw, strict=strict)
        if value is not None:
            yield Sighting(kind, value, phase, source, entry.index, entry.url, entry.started)

    for key, value in entry.query:
        kind = _FIELD_KINDS.get(key.lower())
        if kind is not None:
            yield from seen(kind, value, f"query {key}", strict=key.lower() in _LOOSE_NAMES)
    for name, value in request_cookies(entry):
        kind = _COOKIE_KINDS.get(name.lower())
        if kind is not None:
            yield from seen(kind, value, f"cookie {name}")
    for cookie in response_cookies(entry):
        kind = _COOKIE_KINDS.get(cookie.name.lower())
        if kind is not None and not cookie.deletes:
            yield from seen(kind, cookie.value, f"set-cookie {cookie.name}")
    if entry.header("sec-gpc") == "1":
        yield Sighting("gpc", "1", phase, "header sec-gpc", entry.index, entry.url, entry.started)
    for path, key, value in _body_fields(entry):
        kind = _FIELD_KINDS[key.lower()]
        yield from seen(kind, value, f"body {path}", strict=key.lower() in _LOOSE_NAMES)


def _body_fields(entry: Entry) -> Iterator[tuple[str, str, Any]]:
    """(path, key, value) of consent-named fields in a JSON or form body."""
    raw = entry.request_body
    if not raw or len(raw) > _MAX_BODY:
        return
    compressed = raw[:2] == b"\x1f\x8b" or entry.header("content-encoding") is not None
    lowered = raw.lower()
    if not compressed and not any(hint in lowered for hint in _BODY_HINTS):
        return  # cheap skip: most bodies (Segment batches, pixels) name none of the fields
    content_type = (entry.header("content-type") or "").lower()
    if "x-www-form-urlencoded" in content_type:
        text = raw.decode("utf-8", errors="replace")
        for key, value in parse_qsl(text, keep_blank_values=True):
            if key.lower() in _FIELD_KINDS:
                yield key, key, value
        return
    body = decode_body(raw, entry.header("content-encoding"))
    if body.ok:
        yield from _walk(body.data, "", 0)


def _walk(node: Any, path: str, depth: int) -> Iterator[tuple[str, str, Any]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and key.lower() in _FIELD_KINDS and not isinstance(value, dict):
                yield where, key, value
            elif isinstance(value, dict | list):
                yield from _walk(value, where, depth + 1)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _walk(item, f"{path}[{i}]", depth + 1)


def _storage_sightings(timeline: Timeline) -> Iterator[Sighting]:
    for snapshot in timeline.snapshots:
        for where, items in (("cookie", snapshot.cookies), ("localStorage", snapshot.local_storage)):
            for name, value in items.items():
                kind = _STORAGE_KINDS.get(name.lower())
                if kind is None:
                    continue
                parsed = _storage_value(value) if where == "localStorage" else value
                cleaned = _clean(kind, parsed, strict=False)
                if cleaned is not None:
                    yield Sighting(kind, cleaned, snapshot.phase, f"storage {where} {name}")


def _storage_value(value: str) -> Any:
    # some CMPs store JSON ({"gppString": ...} or a JSON-quoted string) rather than the bare string
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    if isinstance(parsed, dict):
        return next((parsed[k] for k in ("gppString", "tcString", "uspString") if k in parsed), value)
    return parsed if isinstance(parsed, str | int | list) else value


def _page_sightings(timeline: Timeline) -> Iterator[Sighting]:
    for phase, signals in page_signals(timeline).items():
        fields: tuple[tuple[Kind, str, str, str], ...] = (
            ("tcf", "tcf", "tcString", "page __tcfapi getTCData"),
            ("gpp", "gpp", "gppString", "page __gpp ping"),
            ("usp", "usp", "uspString", "page __uspapi getUSPData"),
        )
        for kind, api, key, source in fields:
            data = signals.get(api)
            if isinstance(data, dict):
                value = _clean(kind, data.get(key), strict=False)
                if value is not None:
                    yield Sighting(kind, value, phase, source)
        if signals.get("gpc") is True:
            yield Sighting("gpc", "true", phase, "page navigator.globalPrivacyControl")


def find_sightings(timeline: Timeline, entries: Iterable[Entry] | None = None) -> list[Sighting]:
    """Every consent signal in a recording: requests in wire order, then end-of-phase state.

    ``entries`` narrows the requests (rules pass their context's, which also drops catalogued
    browser noise); by default every entry that is not browser noise.
    """
    found: list[Sighting] = []
    chosen = timeline.site_entries() if entries is None else list(entries)
    for entry in sorted(chosen, key=lambda e: (e.started, e.index)):
        found.extend(_entry_sightings(entry, timeline.phase_of(entry)))
    found.extend(_storage_sightings(timeline))
    found.extend(_page_sightings(timeline))
    return found
