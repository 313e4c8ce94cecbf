"""Cookie header parsing and the consent cookies common CMPs write once the visitor decides."""

from __future__ import annotations

import re

# cookie name -> CMP. These appear only after a decision (see decided() for the exceptions).
CMP_COOKIES: dict[str, str] = {
    "cc_cookie": "vanilla-cookieconsent",
    "OptanonAlertBoxClosed": "OneTrust",
    "OptanonConsent": "OneTrust",
    "CookieConsent": "Cookiebot",
    "klaro": "Klaro",
    "orejime": "Orejime",
    "tarteaucitron": "tarteaucitron",
    "tracking-preferences": "Segment consent-manager",
    "euconsent-v2": "IAB TCF",
    "didomi_token": "Didomi",
    "uc_settings": "Usercentrics",
    "uc_user_interaction": "Usercentrics",
    "CookieScriptConsent": "Cookie-Script",
    "cookieyes-consent": "CookieYes",
    "cmplz_banner-status": "Complianz",
    "borlabs-cookie": "Borlabs",
}
# Values that change without a new decision (OneTrust re-stamps OptanonConsent on every page view).
VOLATILE = frozenset({"OptanonConsent"})

_INTERACTIONS = re.compile(r"interactionCount=(\d+)")


def parse_cookie_header(value: str) -> list[tuple[str, str]]:
    """``a=1; b=2`` as [(name, value)], in order; pairs without ``=`` keep an empty name."""
    pairs = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        name, sep, val = part.partition("=")
        pairs.append((name.strip(), val.strip()) if sep else ("", name.strip()))
    return pairs


def parse_set_cookie(value: str) -> tuple[str, str, str]:
    """A Set-Cookie value as (name, value, attributes-after-the-first-semicolon)."""
    first, sep, attrs = value.partition(";")
    name, eq, val = first.partition("=")
    if not eq:
        return "", first.strip(), attrs
    return name.strip(), val.strip(), attrs


def is_deletion(attrs: str) -> bool:
    """True when Set-Cookie attributes expire the cookie at once (how CMPs clear consent)."""
    low = attrs.lower().replace(" ", "")
    return "max-age=0" in low or "max-age=-" in low or "expires=thu,01jan1970" in low


def decided(name: str, value: str) -> bool:
    """True when this CMP cookie value records a visitor's decision (not a default or pending state)."""
    if name not in CMP_COOKIES or not value or value in ('""', "-1"):
        return False
    if name == "OptanonConsent":  # written before any decision with interactionCount=0
        counts = _INTERACTIONS.findall(value)
        return any(int(c) > 0 for c in counts)
    if name == "cookieyes-consent":
        return "action:yes" in value
    if name == "cmplz_banner-status":
        return value == "dismissed"
    return True
