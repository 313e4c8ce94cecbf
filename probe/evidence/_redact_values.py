"""Redaction by position: a value is judged by where it sits (header, cookie, parameter, JSON field).

URLs keep scheme, host and path (only a path segment that is itself a secret changes); query values
are redacted by their parameter's name. JSON keeps its structure and every field the rules read.
Values too common to be secrets (``null``, flags, short numbers, a bare site address) stay.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

from ._cookies import parse_cookie_header, parse_set_cookie
from ._redact_policy import (
    AJS_IDENTIFIERS,
    GA_COOKIE,
    JWT,
    PRESERVE_KEYS,
    SAFE_SUBTREES,
    TRAIT_KEYS,
    URLISH,
    compact,
    is_blank,
    is_consent_cookie,
    is_placeholder,
    is_signal_name,
    name_kind,
    normalized,
    too_common,
)
from ._scrub import Scrubber

# kinds whose position alone makes a value secret: only blanks (null, flags) stay
_ALWAYS = frozenset({"id", "auth", "jwt", "email", "phone", "name", "address", "geo"})
_URL_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"'<>\\`]+")
_QUOTED_PAIR = re.compile(
    r"""(?P<name>["']?[A-Za-z_][\w.-]{0,40}["']?\s*[:=]\s*)(?P<q>["'])(?P<value>[^"'\\\s]{6,})(?P=q)"""
)
_MIXED = re.compile(r"[A-Za-z].*\d|\d.*[A-Za-z]")
# values hold no "=": a base64 token ending in "=" is not a form
_FORM = re.compile(r"[^\s=&]+=[^\s&=]*(?:&[^\s=&]+=[^\s&=]*)*")
_URL_PARTS = re.compile(
    r"^(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*:)(?://(?P<authority>[^/?#]*))?(?P<rest>.*)$", re.S
)
_HOST_HEADERS = frozenset({"host", ":authority", "origin"})
_URL_HEADERS = frozenset({"referer", "location", "content-location", "refresh"})
_COOKIE_SAFE = "-_.!~*'()"  # what encodeURIComponent leaves bare, so a re-encoded value reads the same


def _is_form(text: str) -> bool:
    # in a cookie or storage value a lone "a=b" is more likely base64 than a form
    return "&" in text and bool(_FORM.fullmatch(text))


class Values:
    """Rewrites strings by their position; ``propagate`` lets learned identifiers replace equal values."""

    def __init__(self, scrubber: Scrubber, *, propagate: bool = True) -> None:
        self.s = scrubber
        self.propagate = propagate

    # --- by name ------------------------------------------------------------------------------------

    def named(self, name: str | None, value: str, *, traits: bool = False) -> str:
        """A string under ``name`` (query or form parameter, JSON key, header, storage key)."""
        if not value or is_placeholder(value) or (name and is_signal_name(name)):
            return value
        kind = name_kind(name)
        if kind is None and traits:
            kind = "name" if name is not None and compact(name) in ("name", "title") else "trait"
        return self.secret(kind, value) if kind else self.loose(value)

    def secret(self, kind: str, value: str) -> str:
        """A value whose position makes it secret, unless it is blank or too common to be one."""
        if not value or is_placeholder(value) or is_blank(value):
            return value
        if kind not in _ALWAYS and too_common(value):
            return self.loose(value)
        core = normalized(value)
        if URLISH.match(value.strip()):
            return self.url(value)  # a URL is never a secret whole: its query and credentials are
        if URLISH.match(core):
            new = self.url(core)
            return value if new == core else quote(new, safe="")
        if JWT.fullmatch(core):
            kind = "jwt"
        if kind == "email":
            return self.s.email(core) if "@" in core else self.s.placeholder("email", core)
        if kind == "phone":
            return self.s.phone(core)
        if kind == "ip":
            return self.s.ip(core) or self.loose(value)
        return self.s.replace(kind, value)

    def loose(self, value: str) -> str:
        """A string with no telling name: a learned identifier, a JWT, a URL, JSON, or free text."""
        if not value or is_placeholder(value):
            return value
        if self.propagate and (known := self.s.known(value)) is not None:
            return known
        stripped = value.strip()
        if JWT.fullmatch(stripped):
            return self.s.placeholder("jwt", stripped)
        if URLISH.match(stripped):
            return self.url(value)
        if stripped.startswith("?") and "=" in stripped:
            return "?" + self.query(stripped[1:])
        if stripped[:1] in ("{", "["):
            new = self.json_text(value)
            if new is not None:
                return new
        return self.text(value)

    # --- text and URLs ------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Free text (HTML, scripts, messages): URLs in it, quoted secret pairs, then the word patterns."""
        out: list[str] = []
        last = 0
        for match in _URL_IN_TEXT.finditer(value):
            out.append(self._plain(value[last : match.start()]))
            out.append(self.url(match.group(0)))
            last = match.end()
        out.append(self._plain(value[last:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        if not text:
            return text
        text = _QUOTED_PAIR.sub(self._pair, text)
        return self.s.words(text, learned=self.propagate)

    def _pair(self, match: re.Match[str]) -> str:
        # ``"sessionToken": "a1b2..."`` in a page's script; code such as ``key:"ajs_user_id"`` or
        # ``code:"delivery_failure"`` names no secret, so only values with letters and digits count
        name = match.group("name").rstrip(" \t:=").strip("\"'")
        kind = name_kind(name)
        value = match.group("value")
        if kind is None or kind == "ip" or not _MIXED.search(value) or len(value) < 8:
            return match.group(0)
        return f"{match.group('name')}{match.group('q')}{self.secret(kind, value)}{match.group('q')}"

    def url(self, value: str) -> str:
        """A URL: scheme, host and port kept; credentials, secret path segments and query values not."""
        parts = _URL_PARTS.match(value)
        if not parts:
            return self.text(value)
        scheme, authority, rest = parts.group("scheme"), parts.group("authority"), parts.group("rest")
        if authority is None:
            return scheme + self.s.words(rest, learned=self.propagate)  # mailto:, tel:, urn:
        userinfo, at, hostport = authority.rpartition("@")
        if at and not is_placeholder(userinfo):
            authority = f"{self.s.placeholder('auth', unquote(userinfo))}@{hostport}"
        return f"{scheme}//{authority}{self.path_query(rest)}"

    def path_query(self, rest: str) -> str:
        """``/path?query#fragment`` (an HTTP/2 ``:path`` too): each part by what it is."""
        path, qmark, tail = rest.partition("?")
        if qmark:
            query, hashmark, fragment = tail.partition("#")
        else:
            path, hashmark, fragment = rest.partition("#")
            query = ""
        out = "/".join(self._segment(segment) for segment in path.split("/"))
        if qmark:
            out += "?" + self.query(query)
        if hashmark:
            # OAuth's implicit flow puts tokens in the fragment: access_token=...&state=...
            out += "#" + (self.query(fragment) if _FORM.fullmatch(fragment) else self._segment(fragment))
        return out

    def _segment(self, segment: str) -> str:
        if not segment or is_placeholder(segment):
            return segment
        if self.propagate and (known := self.s.known(unquote(segment))) is not None:
            return known
        return self.s.words(segment, phones=False, learned=self.propagate)

    def query(self, query: str) -> str:
        """``a=1&b=2``: each value redacted by its name; untouched pairs stay byte-identical."""
        parts = []
        for part in query.split("&"):
            name, eq, raw = part.partition("=")
            parts.append(f"{name}={self.param(unquote_plus(name), raw)}" if eq else self._segment(part))
        return "&".join(parts)

    def param(self, name: str, raw: str) -> str:
        """One query or form value as written (URL-encoded); re-encoded only when it changed."""
        if is_signal_name(name):
            return raw
        # e-mails first, on the raw text: decoding would turn jane+news@... into "jane news@..."
        raw = self.s.emails(raw)
        decoded = unquote_plus(raw)
        new = self.named(name, decoded)
        return raw if new == decoded else quote(new, safe="@:/,")

    def decoded_param(self, name: str, value: str) -> str:
        """A parameter value already decoded (HAR ``queryString`` and ``params`` arrays)."""
        return value if is_signal_name(name) else self.named(name, self.s.emails(value))

    # --- cookies, headers, storage ------------------------------------------------------------------

    def cookie(self, name: str, value: str) -> str:
        """A cookie value: ajs_* ids, GA client ids, consent cookies by their content, others whole."""
        if not value or is_blank(value) or is_placeholder(value):
            return value
        if name in AJS_IDENTIFIERS:
            return self.s.replace("id", value)
        if name == "_ga" and (ga := GA_COOKIE.match(value)):
            if is_placeholder(ga.group(2)):
                return value
            return ga.group(1) + self.s.ga_client_id(f"{ga.group(2)}.{ga.group(3)}", ga.group(3))
        if is_consent_cookie(name):
            return self.structured(value)  # the rules read the decision in it
        kind = name_kind(name)
        if kind in _ALWAYS:
            return self.secret(kind, value)
        core = normalized(value)
        if URLISH.match(core) or core[:1] in ("{", "[") or _is_form(value):
            return self.structured(value)
        if self.propagate and (known := self.s.known(value)) is not None:
            return known
        if too_common(value):
            return value
        return self.s.replace("jwt" if JWT.fullmatch(core) else "cookie", value)

    def structured(self, value: str) -> str:
        """A cookie or storage value holding JSON, a form or a URL (maybe URL-encoded), by its parts."""
        encoded = "%" in value
        plain = unquote(value) if encoded else value
        if plain.strip()[:1] in ("{", "["):
            new = self.json_text(plain)
            if new is not None:
                return value if new == plain else (quote(new, safe=_COOKIE_SAFE) if encoded else new)
        if _is_form(value):
            return self.query(value)
        if URLISH.match(plain):
            new = self.url(plain)
            return value if new == plain else (quote(new, safe=_COOKIE_SAFE) if encoded else new)
        return self.text(value)

    def header(self, name: str, value: str) -> str:
        """A header value by the header's meaning."""
        low = name.lower()
        if low == "cookie":
            pairs = parse_cookie_header(value)
            new = [(n, self.cookie(n, v) if n else v) for n, v in pairs]
            # a header with nothing to replace stays byte-identical, spacing included
            return value if new == pairs else "; ".join(f"{n}={v}" if n else v for n, v in new)
        if low == "set-cookie":
            return "\n".join(self._set_cookie(line) for line in value.split("\n"))
        if low in ("authorization", "proxy-authorization"):
            scheme, space, credentials = value.strip().partition(" ")
            if space and credentials.strip():
                return f"{scheme} {self.secret('auth', credentials.strip())}"
            return self.secret("auth", value)
        if low == ":path":
            return self.path_query(value)
        if low in _HOST_HEADERS:
            return value  # a site address: what the rules match vendors and Segment by
        if low in _URL_HEADERS:
            return self.text(value)
        return self.named(name, value)

    def _set_cookie(self, line: str) -> str:
        cookie_name, cookie_value, attrs = parse_set_cookie(line)
        new = self.cookie(cookie_name, cookie_value) if cookie_name else cookie_value
        if new == cookie_value:
            return line
        return f"{cookie_name}={new}" + (f";{attrs}" if attrs else "")

    def local(self, key: str, value: Any) -> Any:
        """A localStorage value (analytics.js keeps ids and traits there JSON-encoded)."""
        if not isinstance(value, str):
            return self.json(value, key)
        if not value or is_signal_name(key):
            return value
        if key in AJS_IDENTIFIERS:
            return value if is_blank(value) else self.s.replace("id", value)
        if compact(key) in TRAIT_KEYS:
            new = self.json_text(value, traits=True)
            return new if new is not None else self.secret("trait", value)
        if name_kind(key) is not None:
            return self.named(key, value)
        return self.structured(value) if value.strip()[:1] in ("{", "[") else self.loose(value)

    # --- JSON -----------------------------------------------------------------------------------------

    def json_text(self, text: str, *, traits: bool = False) -> str | None:
        """JSON text redacted and written back (compact), the same text when nothing changed; None if not JSON."""
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return None
        try:
            new = self.json(parsed, traits=traits)
        except RecursionError:
            return None
        return text if new == parsed else json.dumps(new, ensure_ascii=False, separators=(",", ":"))

    def json(
        self, value: Any, key: str | None = None, *, traits: bool = False, inherited: str | None = None
    ) -> Any:
        """A parsed JSON value: keys and the fields the rules read kept, each other value by its key."""
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                flat = compact(k)
                if k in SAFE_SUBTREES or flat in PRESERVE_KEYS or is_signal_name(k):
                    out[k] = v
                else:
                    # ``device: {id: ...}``, ``address: {street: ...}``: the container names the leaves
                    kind = name_kind(k) if isinstance(v, dict | list) else None
                    out[k] = self.json(v, k, traits=traits or flat in TRAIT_KEYS, inherited=kind or inherited)
            return out
        if isinstance(value, list):
            return [self.json(v, key, traits=traits, inherited=inherited) for v in value]
        if isinstance(value, str):
            if inherited and name_kind(key) is None:
                return self.secret(inherited, value)
            return self.named(key, value, traits=traits)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._number(value, key, traits, inherited)
        return value

    def _number(self, value: float, key: str | None, traits: bool, inherited: str | None) -> Any:
        kind = name_kind(key) or inherited
        if kind is not None and (kind in _ALWAYS or kind == "token"):
            return self.secret(kind, str(value))
        # in traits a count or an age is no secret; a long number (an account, a phone) or a fraction is
        if traits and (isinstance(value, float) or abs(value) >= 1_000_000):
            return self.secret("trait", str(value))
        return value

    def body(self, text: str, mime: str = "") -> str:
        """A request or response body: JSON stays valid JSON, forms stay forms, the rest is free text."""
        if text.lstrip()[:1] in ("{", "["):
            new = self.json_text(text)
            if new is not None:
                return new
        if "x-www-form-urlencoded" in mime.lower() or _FORM.fullmatch(text):
            return self.query(text)
        return self.text(text)
