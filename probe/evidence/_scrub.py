"""String-level redaction: personal values become stable keyed-hash placeholders.

The same value always becomes the same placeholder (within one key), so an auditor can still see
that two requests carried the same e-mail or cookie. The hash is keyed so a guessed value cannot be
hashed and compared; the key is not stored anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections import defaultdict
from typing import Any
from urllib.parse import quote, unquote, unquote_plus

PLACEHOLDER = re.compile(r"redacted-(?:email|phone|ip|cookie|auth|id)-[0-9a-f]{8}")
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@" + _DOMAIN)
_EMAIL_ENCODED = re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._+-]*%40" + _DOMAIN)
_IPV4 = re.compile(r"(?<![\w.])(?<!\w/)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:.])")
_PHONE_INTL = re.compile(r"(?<![\w+%])\+\d[\d ().-]{6,20}\d(?![\w])")
_PHONE_NANP = re.compile(r"(?<![\w-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])")
_FORM = re.compile(r"[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*")
_EMAIL_PLACEHOLDER = re.compile(r"redacted-email-[0-9a-f]{8}@example\.invalid")
_URLISH = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")

# JSON / form keys whose values are personal whatever they look like
EMAIL_KEYS = frozenset({"email", "e-mail", "mail", "emailaddress", "email_address", "user_email"})
PHONE_KEYS = frozenset({"phone", "phone_number", "phonenumber", "mobile", "telephone", "tel"})
ID_KEYS = frozenset(
    {
        "userid",
        "anonymousid",
        "previousid",
        "groupid",
        "user_id",
        "anonymous_id",
        "ajs_user_id",
        "ajs_anonymous_id",
    }
)
# Segment fields the analysis reads: never touched (context.consent is kept whole, see SAFE_SUBTREES)
PRESERVE_KEYS = frozenset(
    {
        "type",
        "event",
        "messageId",
        "writeKey",
        "apiKey",
        "timestamp",
        "sentAt",
        "originalTimestamp",
        "receivedAt",
        "categoryPreferences",
    }
)
SAFE_SUBTREES = frozenset({"consent", "integrations", "_metadata", "library"})


def _secret_worthy(value: str) -> bool:
    # short values ("1", "true", "en") would wipe unrelated text if replaced everywhere
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    return len(value) >= 8 or (len(value) >= 5 and has_digit and has_alpha)


class Scrubber:
    """Replaces e-mails, phones, IPs, known cookie values and credentials by stable placeholders."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self.seen: dict[str, set[str]] = defaultdict(set)
        self._secrets: dict[str, str] = {}
        self._secret_re: re.Pattern[str] | None = None

    # --- placeholders -----------------------------------------------------------------------------

    def token(self, value: str) -> str:
        """8 hex digits of a keyed hash; quotes around a value do not change it (cookie vs. body)."""
        core = value.strip()
        for quote_mark in ('"', "%22"):
            if len(core) > 2 * len(quote_mark) and core.startswith(quote_mark) and core.endswith(quote_mark):
                core = core[len(quote_mark) : -len(quote_mark)]
        digest = hmac.new(self._key, core.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return digest.hexdigest()[:8]

    def placeholder(self, kind: str, value: str) -> str:
        """The stable placeholder for ``value`` of ``kind`` (email, phone, ip, cookie, auth, id)."""
        if PLACEHOLDER.fullmatch(value) or _EMAIL_PLACEHOLDER.fullmatch(value):
            return value  # already redacted: redacting twice must not change anything
        token = self.token(value)
        self.seen[kind].add(token)
        if kind == "email":
            return f"redacted-email-{token}@example.invalid"
        return f"redacted-{kind}-{token}"

    def counts(self) -> dict[str, int]:
        """Distinct values replaced, per kind."""
        return {kind: len(tokens) for kind, tokens in sorted(self.seen.items())}

    # --- known secrets (cookie values, credentials), replaced wherever they appear -------------------

    def add_secret(self, value: str, kind: str) -> None:
        """Remember a cookie value or credential so every later occurrence anywhere is replaced too."""
        if not value or PLACEHOLDER.fullmatch(value) or not _secret_worthy(value):
            return
        replacement = self.placeholder(kind, value)
        for form in {value, unquote(value), quote(value, safe="")}:
            if _secret_worthy(form):
                self._secrets.setdefault(form, replacement)
        self._secret_re = None

    def _replace_secrets(self, text: str) -> str:
        if not self._secrets:
            return text
        if self._secret_re is None:
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._secret_re = re.compile("|".join(re.escape(s) for s in ordered))
        return self._secret_re.sub(lambda m: self._secrets[m.group(0)], text)

    # --- text ---------------------------------------------------------------------------------------

    def text(self, value: str) -> str:
        """Free text: known secrets, e-mails (plain and %40-encoded), IPs and phone numbers."""
        value = self._replace_secrets(value)
        value = _EMAIL.sub(self._email, value)
        value = _EMAIL_ENCODED.sub(lambda m: self._email_value(unquote(m.group(0))), value)
        value = _IPV4.sub(self._ip, value)
        value = _IPV6.sub(self._ip, value)
        value = _PHONE_INTL.sub(self._phone, value)
        return _PHONE_NANP.sub(self._phone, value)

    def _email(self, match: re.Match[str]) -> str:
        return self._email_value(match.group(0))

    def _email_value(self, email: str) -> str:
        if email.endswith("@example.invalid") and email.startswith("redacted-email-"):
            return email
        return self.placeholder("email", email.lower())

    def _ip(self, match: re.Match[str]) -> str:
        text = match.group(0)
        try:
            address = ipaddress.ip_address(text.split("%")[0])
        except ValueError:
            return text
        if address.is_loopback or address.is_unspecified:
            return text  # the local test sites, not a visitor
        return self.placeholder("ip", str(address))

    def _phone(self, match: re.Match[str]) -> str:
        text = match.group(0)
        digits = sum(c.isdigit() for c in text)
        if not 8 <= digits <= 15 and not text.startswith("("):
            return text
        return self.placeholder("phone", re.sub(r"\D", "", text))

    # --- structured strings ---------------------------------------------------------------------------

    def string(self, value: str, key: str | None = None) -> str:
        """A string value, using its key (JSON field or form name) and URL shape when known."""
        if not value or PLACEHOLDER.fullmatch(value):
            return value
        low = key.lower() if isinstance(key, str) else None
        if key in PRESERVE_KEYS:
            return value
        if low in EMAIL_KEYS:
            return self._email_value(value) if "@" in value else self.placeholder("email", value)
        if low in PHONE_KEYS:
            return self.placeholder("phone", re.sub(r"\D", "", value) or value)
        if low in ID_KEYS:
            return self.placeholder("id", value)
        if _URLISH.match(value):
            return self.url(value)
        if value.startswith("?") and "=" in value:
            return "?" + self.query(value[1:])
        return self.text(value)

    def url(self, value: str) -> str:
        """A URL: path and fragment as text, each query value decoded, redacted and re-encoded."""
        base, qmark, rest = value.partition("?")
        if qmark:
            query, hashmark, fragment = rest.partition("#")
        else:
            base, hashmark, fragment = value.partition("#")
            query = ""
        out = self.text(base)
        if qmark:
            out += "?" + self.query(query)
        if hashmark:
            out += "#" + self.text(fragment)
        return out

    def query(self, query: str) -> str:
        """``a=1&b=2`` with each value redacted by its name; untouched pairs stay byte-identical."""
        parts = []
        for part in query.split("&"):
            name, eq, raw = part.partition("=")
            if not eq:
                parts.append(self.text(part))
                continue
            decoded = unquote_plus(raw)
            new = self.string(decoded, unquote_plus(name))
            parts.append(f"{name}={raw if new == decoded else quote(new, safe='@:/,')}")
        return "&".join(parts)

    def json_value(self, value: Any, key: str | None = None) -> Any:
        """A parsed JSON value with every personal string replaced; structure and types kept."""
        if isinstance(value, dict):
            return {
                k: v if k in SAFE_SUBTREES or k in PRESERVE_KEYS else self.json_value(v, k)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json_value(v, key) for v in value]
        if isinstance(value, str):
            return self.string(value, key)
        if isinstance(value, int | float) and not isinstance(value, bool) and isinstance(key, str):
            if key.lower() in ID_KEYS | PHONE_KEYS:
                return self.string(str(value), key)
        return value

    def body_text(self, text: str, mime: str = "") -> str:
        """A body as text: JSON stays valid JSON, forms stay forms, anything else is free text."""
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                parsed = json.loads(text)
            except (ValueError, RecursionError):
                parsed = None
            else:
                try:
                    new = self.json_value(parsed)
                except RecursionError:
                    return self.text(text)
                return text if new == parsed else json.dumps(new, ensure_ascii=False, separators=(",", ":"))
        if "x-www-form-urlencoded" in mime.lower() or _FORM.fullmatch(text):
            return self.query(text)
        return self.text(text)
