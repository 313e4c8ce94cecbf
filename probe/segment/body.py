"""Request/response bodies as Segment sends them: JSON in text/plain, sometimes gzip or base64."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from dataclasses import dataclass
from typing import Any

EXCERPT_LIMIT = 300
NOT_CAPTURED = "body not captured"  # the HAR has no postData: BrowserMob, some DevTools exports
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Body:
    """A decoded body: parsed JSON, or the reason it could not be parsed."""

    data: Any = None
    error: str | None = None
    text: str = ""

    @property
    def ok(self) -> bool:
        """True when the body parsed as JSON."""
        return self.error is None


def clip(text: str, limit: int = EXCERPT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def compact_json(value: Any) -> str:
    """JSON without spaces, keys in their original order, for evidence excerpts."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _inflate(raw: bytes, encoding: str) -> bytes | None:
    try:
        if raw[:2] == _GZIP_MAGIC or encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            try:
                return zlib.decompress(raw)
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS)  # raw deflate, as some servers send it
    except (OSError, EOFError, zlib.error):
        return None
    return raw


def _from_base64(text: str) -> bytes | None:
    compact = "".join(text.split())
    # short strings like "true" are valid base64 too; only consider body-sized payloads
    if len(compact) < 8 or len(compact) % 4 == 1:
        return None
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
        except (binascii.Error, ValueError):
            return None


def decode_body(raw: bytes | str | None, content_encoding: str | None = None) -> Body:
    """Parse a body as JSON whatever its declared type; never raises."""
    if raw is None or len(raw) == 0:
        return Body(error="empty body")
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    encoding = (content_encoding or "").strip().lower()
    first = _parse_bytes(data, encoding)
    if first.ok:
        return first
    decoded = _from_base64(data.decode("latin-1"))
    if decoded is not None:
        second = _parse_bytes(decoded, "")
        if second.ok:
            return second
    return first


def _parse_bytes(data: bytes, encoding: str) -> Body:
    inflated = _inflate(data, encoding)
    if inflated is None:
        return Body(error="corrupt compressed body")
    try:
        text = inflated.decode("utf-8")
    except UnicodeDecodeError:
        return Body(error="body is not UTF-8 text")
    try:
        return Body(data=json.loads(text), text=text)
    except (ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
        return Body(error=f"malformed JSON ({exc})", text=text)


def basic_auth_user(header: str | None) -> str | None:
    """The user part of a ``Basic`` Authorization header (Segment puts the writeKey there)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip() + "=" * (-len(token.strip()) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    user = decoded.split(":", 1)[0]
    return user or None


def pixel_payload(query: list[tuple[str, str]]) -> Body:
    """The Pixel API's payload: base64 (or plain) JSON in ``data``, else dotted query parameters.

    ``GET /v1/pixel/track?data=<base64 JSON>``, or ``?userId=u&event=E&properties.x=1&writeKey=K``.
    """
    params = dict(query)
    if "data" in params:
        return decode_body(params["data"])
    if not params:
        return Body(error="no data in the query")
    data: dict[str, Any] = {}
    for name, value in query:
        *parents, leaf = name.split(".")
        node = data
        for key in parents:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[leaf] = value
    return Body(data=data, text=compact_json(data))
