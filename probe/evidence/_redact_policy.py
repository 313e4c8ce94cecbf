"""What redaction treats as secret: field names, value shapes, and values too common to be secrets.

Redaction works by position (a header, a cookie, a query parameter, a JSON field), so what a value
means comes from the name it sits under. This module only answers questions; it rewrites nothing.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote

from ._cookies import CMP_COOKIES

# kinds of placeholder; when one value is met under several kinds, the first in this order names it
KINDS: Final = ("id", "auth", "jwt", "token", "cookie", "email", "phone", "name", "address", "geo", "ip", "trait")  # fmt: skip
# a GA client id keeps its second part (``redacted-id-<hash>.<first visit>``), so _ga still parses
PLACEHOLDER = re.compile(r"redacted-(?:" + "|".join(KINDS) + r")-[0-9a-f]{8}(?:\.\d+)?")
EMAIL_PLACEHOLDER = re.compile(r"redacted-email-[0-9a-f]{8}@example\.invalid")

# header.payload.signature (JWE adds two more parts; an unsigned token ends in its last dot)
JWT = re.compile(r"(?<![\w-])eyJ[\w-]{4,}\.[\w-]{4,}\.(?:[\w-]+(?:\.[\w-]+){0,2})?(?![\w-])")
URLISH = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SITE_ADDRESS = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#@\s]+/?$")
_HOSTNAME = re.compile(r"^(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}(?::\d+)?$")
_STRONG = re.compile(r"^(?=[\w.~+/=-]*[A-Za-z])(?=[\w.~+/=-]*\d)[\w.~+/=-]{16,}$")
# GA's _ga cookie: GA1.<level>.<random>.<first visit>; the last two parts are the client id (cid=)
GA_COOKIE = re.compile(r"^(GA\d\.\d+\.)(\d+|redacted-id-[0-9a-f]{8})\.(\d+)$")

# values that are flags or absences, never secrets; replacing one would change what the rules see
# (``ajs_group_id=null`` is "no identifier", a placeholder would be one)
_BLANK: Final = frozenset(
    {"", "null", "undefined", "none", "nil", "nan", "true", "false", "yes", "no", "on", "off",
     "-", "--", "{}", "[]", "0", "1", "-1"}
)  # fmt: skip

# Segment fields the rules read, kept as they are (SAFE_SUBTREES: with everything below them)
PRESERVE_KEYS: Final = frozenset(
    {"type", "event", "messageid", "writekey", "timestamp", "sentat", "originaltimestamp", "receivedat",
     "categorypreferences"}
)  # fmt: skip
SAFE_SUBTREES: Final = frozenset({"consent", "integrations", "_metadata", "library"})
TRAIT_KEYS: Final = frozenset({"traits", "ajsusertraits", "ajsgroupproperties", "usertraits"})
# consent signals (TCF, GPP, US Privacy, Consent Mode) by name in queries, bodies, cookies and storage:
# they record the visitor's choice, which is what the audit is about
SIGNAL_NAMES: Final = frozenset(
    {"gdprconsent", "gdpr", "gpp", "gppsid", "usprivacy", "tcf", "tcstring", "euconsent", "euconsentv2",
     "gppstring", "uspstring", "gdprapplies", "consent", "gppconsent", "otgppconsent", "iabgpphdrgppstring",
     "iabtcftcstring", "iabusprivacystring", "iabgppgppsid", "gcs", "gcd", "npa", "dma", "dmacps",
     "pscdl"}
)  # fmt: skip
AJS_IDENTIFIERS: Final = frozenset({"ajs_anonymous_id", "ajs_user_id", "ajs_group_id"})

_EXACT: Final[dict[str, str]] = {
    **dict.fromkeys(("authorization", "proxyauthorization"), "auth"),
    **dict.fromkeys(("email", "mail", "emailaddress", "useremail"), "email"),
    **dict.fromkeys(
        ("phone", "phonenumber", "mobile", "mobilephone", "telephone", "tel", "cell", "cellphone", "fax",
         "msisdn"),
        "phone",
    ),
    **dict.fromkeys(
        ("userid", "anonymousid", "previousid", "groupid", "ajsuserid", "ajsanonymousid", "ajsgroupid",
         "consentid", "visitorid", "clientid", "cid", "uid", "customerid", "accountid", "memberid",
         "profileid", "personid", "advertisingid", "idfa", "idfv", "gaid", "adid", "externalid",
         "distinctid"),
        "id",
    ),
    **dict.fromkeys(
        ("password", "passwd", "pwd", "pass", "passphrase", "secret", "clientsecret", "otp", "pin",
         "credential", "credentials"),
        "auth",
    ),
    **dict.fromkeys(
        ("sig", "sid", "code", "key", "auth", "ticket", "nonce", "hmac", "jsessionid", "phpsessid",
         "aspsessionid", "connectsid"),
        "token",
    ),
    **dict.fromkeys(
        ("firstname", "lastname", "fullname", "givenname", "familyname", "surname", "middlename",
         "username", "displayname", "nickname", "birthday", "birthdate", "dateofbirth", "dob"),
        "name",
    ),
    **dict.fromkeys(
        ("address", "streetaddress", "street", "address1", "address2", "addressline1", "addressline2",
         "postalcode", "postcode", "zip", "zipcode"),
        "address",
    ),
    **dict.fromkeys(
        ("latitude", "longitude", "lat", "lng", "lon", "long", "geo", "geolocation", "coordinates", "coords"),
        "geo",
    ),
    **dict.fromkeys(
        ("ip", "ipaddress", "clientip", "serveripaddress", "remoteaddr", "xforwardedfor", "xrealip",
         "forwardedfor"),
        "ip",
    ),
}  # fmt: skip
_AUTH_PARTS: Final = frozenset({"secret", "password", "passwd", "pwd", "credential", "credentials", "otp"})
_TOKEN_PARTS: Final = frozenset(
    {"token", "jwt", "bearer", "session", "sessionid", "device", "deviceid", "signature", "csrf", "xsrf",
     "auth", "apikey"}
)  # fmt: skip
_ID_ENDINGS: Final = ("userid", "anonymousid", "visitorid", "customerid", "memberid", "profileid")
_KEY_QUALIFIERS: Final = frozenset(
    {"api", "access", "private", "secret", "client", "auth", "license", "signing"}
)
_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def compact(name: str) -> str:
    """A name without case or separators: ``X-Session-Id`` and ``session_id`` both give ``xsessionid``."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def name_kind(name: str | None) -> str | None:
    """The kind of secret a value under ``name`` is (header, parameter, JSON key, cookie), or None."""
    if not name:
        return None
    flat = compact(name)
    if flat in PRESERVE_KEYS or flat in SIGNAL_NAMES:
        return None
    if flat in _EXACT:
        return _EXACT[flat]
    parts = [p.lower() for p in _PARTS.findall(name)]
    if "email" in parts or flat.endswith("email"):
        return "email"
    if "phone" in parts:
        return "phone"
    if any(p in _AUTH_PARTS for p in parts):
        return "auth"
    if any(p in _TOKEN_PARTS for p in parts):
        return "token"
    if parts[-1:] == ["key"] and any(p in _KEY_QUALIFIERS for p in parts[:-1]):
        return "token"
    return "id" if flat.endswith(_ID_ENDINGS) else None


def is_signal_name(name: str) -> bool:
    """True for names that carry a consent signal (TCF, GPP, US Privacy, Consent Mode)."""
    return compact(name) in SIGNAL_NAMES


def is_consent_cookie(name: str) -> bool:
    """CMP decision cookies and consent-signal cookies: the rules read their values."""
    return name in CMP_COOKIES or is_signal_name(name)


def normalized(value: str) -> str:
    """The value itself: surrounding space, URL encoding and one pair of JSON quotes removed."""
    text = value.strip()
    if "%" in text:
        text = unquote(text)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text.strip()


def is_blank(value: str) -> bool:
    """Absent or a flag (``null``, ``true``, ``0`` ...): never redacted, wherever it sits."""
    return normalized(value).lower() in _BLANK


def too_common(value: str) -> bool:
    """Too short or too common to be a secret: flags, numbers of up to five digits, a bare site address."""
    text = normalized(value)
    return text.lower() in _BLANK or len(text) < 6 or bool(_SITE_ADDRESS.match(text))


def can_propagate(value: str) -> bool:
    """True when a learned secret may replace an equal value at any position, not only its own.

    Only identifier-like values qualify (eight characters or more, with a digit, not a host or URL):
    a word such as ``analytics`` could equal a category id the rules read.
    """
    text = normalized(value)
    return (
        len(text) >= 8
        and any(c.isdigit() for c in text)
        and not too_common(text)
        and not URLISH.match(text)
        and not _HOSTNAME.match(text)
    )


def is_strong(value: str) -> bool:
    """Long and mixed enough (a UUID, a random token) to be replaced where it is a word of free text."""
    return bool(_STRONG.match(value)) and not URLISH.match(value)


def is_placeholder(value: str) -> bool:
    """True for a value redaction already wrote (redacting twice changes nothing)."""
    text = normalized(value)
    return bool(PLACEHOLDER.fullmatch(text) or EMAIL_PLACEHOLDER.fullmatch(text))
