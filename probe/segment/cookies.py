"""Cookie headers as the browser sent and the server set them."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from probe.timeline import Entry


@dataclass(frozen=True)
class SetCookie:
    """One ``Set-Cookie`` response header."""

    name: str
    value: str
    deletes: bool  # expired or emptied: the server removes the cookie rather than storing it


def cookie_pairs(header: str | None) -> list[tuple[str, str]]:
    """Name/value pairs of a ``Cookie`` request header."""
    pairs: list[tuple[str, str]] = []
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name:
            pairs.append((name.strip(), value.strip()))
    return pairs


def parse_set_cookie(header: str, now: float) -> SetCookie | None:
    """A ``Set-Cookie`` header's cookie, noting whether it deletes the cookie at wire time ``now``."""
    first, *attributes = header.split(";")
    name, sep, value = first.strip().partition("=")
    if not sep or not name.strip():
        return None
    value = value.strip()
    deletes = value in ("", '""')
    for attribute in attributes:
        key, _, arg = attribute.strip().partition("=")
        key = key.strip().lower()
        if key == "max-age":
            try:
                deletes = deletes or int(arg.strip()) <= 0
            except ValueError:
                pass
        elif key == "expires":
            try:
                deletes = deletes or parsedate_to_datetime(arg.strip()).timestamp() <= now
            except (TypeError, ValueError, IndexError):
                pass
    return SetCookie(name.strip(), value, deletes)


def request_cookies(entry: Entry) -> list[tuple[str, str]]:
    """Cookies the browser sent with the request (all ``Cookie`` headers)."""
    return [pair for key, value in entry.request_headers if key == "cookie" for pair in cookie_pairs(value)]


def response_cookies(entry: Entry) -> list[SetCookie]:
    """Cookies the response set (``Set-Cookie`` headers, possibly folded with newlines)."""
    found: list[SetCookie] = []
    for key, value in entry.response_headers:
        if key != "set-cookie":
            continue
        for line in value.split("\n"):
            parsed = parse_set_cookie(line, entry.started) if line.strip() else None
            if parsed is not None:
                found.append(parsed)
    return found
