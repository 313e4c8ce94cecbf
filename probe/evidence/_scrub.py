"""Placeholders and free-text patterns: one secret value becomes one stable keyed-hash placeholder.

The same value always becomes the same placeholder (within one key), wherever it sits, so an
auditor can still see that a cookie, a header and an event carried the same identifier. The hash is
keyed so a guessed value cannot be hashed and compared; the key is not stored anywhere.

Redaction reads everything twice. While ``learning``, every value a position marks as secret is
remembered with its kind; the second pass then gives each value the placeholder of its strongest
kind, and may replace a remembered identifier where it appears whole at another position.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections import defaultdict
from urllib.parse import unquote

from ._redact_policy import JWT, KINDS, can_propagate, is_placeholder, is_strong, normalized

_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# plain, ``+``-addressed and URL-encoded (``%2B``, ``%40``) addresses alike; a match may start right
# after a percent-escape (``email%3Djane%40...`` inside a doubly encoded URL)
_EMAIL = re.compile(
    r"(?:(?<![\w.%+-])|(?<=%[0-9A-Fa-f]{2}))(?:[A-Za-z0-9._+-]|%2[BbDdEe]|%5[Ff])+(?:@|%40)" + _DOMAIN
)
_EMAIL_PLACEHOLDER = re.compile(r"redacted-email-[0-9a-f]{8}@example\.invalid")
_IPV4 = re.compile(r"(?<![\w.])(?<!\w/)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\w)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:.])")
_PHONE_INTL = re.compile(r"(?<![\w+%])\+\d[\d ().-]{6,20}\d(?![\w])")
_PHONE_NANP = re.compile(r"(?<![\w-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])")
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}


class Scrubber:
    """Stable placeholders for secret values, the identifiers learned in pass 1, and free-text patterns."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self.learning = False
        self.seen: dict[str, set[str]] = defaultdict(set)
        self._kinds: dict[str, str] = {}  # normalized value -> strongest kind it was met as
        self._fixed: dict[str, str] = {}  # normalized value -> a placeholder with a shape to keep
        self._strong_re: re.Pattern[str] | None = None

    # --- placeholders -----------------------------------------------------------------------------

    def token(self, value: str) -> str:
        """8 hex digits of a keyed hash of the value itself (quotes and URL encoding do not count)."""
        digest = hmac.new(self._key, normalized(value).encode("utf-8", "surrogatepass"), hashlib.sha256)
        return digest.hexdigest()[:8]

    def placeholder(self, kind: str, value: str) -> str:
        """The stable placeholder for ``value``; the kind it was learned as wins over ``kind``."""
        if is_placeholder(value):
            return normalized(value)  # already redacted: redacting twice changes nothing
        core = normalized(value)
        if kind == "email":
            core = core.lower()
        if self.learning:
            known = self._kinds.get(core)
            if known is None or _PRIORITY[kind] < _PRIORITY[known]:
                self._kinds[core] = kind
                self._strong_re = None
        kind = self._kinds.get(core, kind)
        token = self.token(core)
        self.seen[kind].add(token)
        fixed = self._fixed.get(core)
        if fixed is not None:
            return fixed
        if kind == "email":
            return f"redacted-email-{token}@example.invalid"
        return f"redacted-{kind}-{token}"

    def replace(self, kind: str, value: str) -> str:
        """``value`` replaced by its placeholder, keeping JSON or URL-encoded quotes around it."""
        core = value.strip()
        for mark in ('"', "%22"):
            if len(core) > 2 * len(mark) and core.startswith(mark) and core.endswith(mark):
                return mark + self.placeholder(kind, core[len(mark) : -len(mark)]) + mark
        return self.placeholder(kind, value)

    def ga_client_id(self, client_id: str, first_visit: str) -> str:
        """A GA client id (``<random>.<first visit>``) keeps its dotted shape: _ga and cid= stay equal."""
        core = normalized(client_id)
        self._fixed.setdefault(core, f"redacted-id-{self.token(core)}.{first_visit}")
        return self.placeholder("id", core)

    def known(self, value: str) -> str | None:
        """The placeholder of a learned identifier ``value`` is whole, when it may stand anywhere."""
        core = normalized(value)
        if core not in self._kinds or not can_propagate(core) or is_placeholder(core):
            return None
        return self.replace(self._kinds[core], value)

    def counts(self) -> dict[str, int]:
        """Distinct values replaced, per kind."""
        return {kind: len(tokens) for kind, tokens in sorted(self.seen.items()) if tokens}

    def start_rewriting(self) -> None:
        """End pass 1: from now on placeholders are written, and counted afresh."""
        self.learning = False
        self.seen.clear()

    # --- free text ----------------------------------------------------------------------------------

    def words(self, text: str, *, phones: bool = True, learned: bool = True) -> str:
        """Free text: JWTs, learned identifiers as whole words, e-mails, IPs and (optionally) phones."""
        text = JWT.sub(lambda m: self.placeholder("jwt", m.group(0)), text)
        if learned:
            text = self._strong_ids(text)
        text = _EMAIL.sub(lambda m: self.email(m.group(0)), text)
        text = _IPV4.sub(self._ip, text)
        text = _IPV6.sub(self._ip, text)
        if phones:
            text = _PHONE_INTL.sub(self._phone, text)
            text = _PHONE_NANP.sub(self._phone, text)
        return text

    def emails(self, text: str) -> str:
        """Only the e-mail addresses in ``text`` (a raw query value, before it is decoded)."""
        return _EMAIL.sub(lambda m: self.email(m.group(0)), text)

    def email(self, address: str) -> str:
        """The placeholder of an e-mail address, whatever its case or URL encoding."""
        if _EMAIL_PLACEHOLDER.fullmatch(address):
            return address
        return self.placeholder("email", unquote(address).lower())

    def ip(self, text: str) -> str | None:
        """The placeholder of an IP address; the text itself for loopback; None when not an IP."""
        try:
            address = ipaddress.ip_address(text.strip().strip("[]").split("%")[0])
        except ValueError:
            return None
        if address.is_loopback or address.is_unspecified:
            return text  # the local test sites, not a visitor
        return self.placeholder("ip", str(address))

    def phone(self, text: str) -> str:
        """The placeholder of a phone number: its digits decide, not how it was written."""
        digits = re.sub(r"\D", "", text)
        return self.placeholder("phone", digits if len(digits) >= 5 else text)

    def _ip(self, match: re.Match[str]) -> str:
        return self.ip(match.group(0)) or match.group(0)

    def _phone(self, match: re.Match[str]) -> str:
        text = match.group(0)
        digits = sum(c.isdigit() for c in text)
        if not 8 <= digits <= 15 and not text.startswith("("):
            return text
        return self.phone(text)

    def _strong_ids(self, text: str) -> str:
        # in text there is no position to go by: only long, mixed identifiers, and only as whole words
        if self.learning:
            return text
        if self._strong_re is None:
            strong = sorted(
                (v for v in self._kinds if is_strong(v) and can_propagate(v)), key=len, reverse=True
            )
            self._strong_re = re.compile(
                r"(?<![\w-])(?:" + "|".join(re.escape(v) for v in strong) + r")(?![\w-])"
                if strong
                else r"(?!)"
            )
        return self._strong_re.sub(lambda m: self.placeholder(self._kinds[m.group(0)], m.group(0)), text)
