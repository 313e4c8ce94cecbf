"""HAR fragments and storage snapshots rewritten part by part, each part by its HAR meaning."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from ._redact_values import Values

# HAR fields that are structure, times or names: never personal
_KEEP = frozenset(
    {"startedDateTime", "mimeType", "pageref", "id", "method", "httpVersion", "encoding", "phase", "signals",
     "choice", "action", "served", "format", "_resourceType", "opcode", "type", "time", "title", "comment"}
)  # fmt: skip


def _is_pair(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str)


def _headers(headers: Any, v: Values) -> Any:
    if not isinstance(headers, list):
        return walk(headers, v)
    return [{**h, "value": v.header(h["name"], h["value"])} if _is_pair(h) else walk(h, v) for h in headers]


def _cookies(cookies: Any, v: Values) -> Any:
    """HAR ``cookies`` arrays, Playwright cookie dicts, or probe's page storage ``{name: value}``."""
    if isinstance(cookies, dict):
        return {k: v.cookie(k, c) if isinstance(c, str) else walk(c, v) for k, c in cookies.items()}
    if not isinstance(cookies, list):
        return walk(cookies, v)
    out = []
    for cookie in cookies:
        if _is_pair(cookie):
            # domain, path, expiry and flags say where a cookie lives, not who the visitor is
            cookie = {**cookie, "value": v.cookie(cookie["name"], cookie["value"])}
        out.append(cookie)
    return out


def _params(items: Any, v: Values) -> Any:
    """``queryString`` and form ``params``: each value by its name."""
    if not isinstance(items, list):
        return walk(items, v)
    return [
        {**p, "value": v.decoded_param(p["name"], p["value"])} if _is_pair(p) else walk(p, v) for p in items
    ]


def _body(container: Any, v: Values) -> Any:
    """``postData`` or ``content``: text (plain or base64) and form params."""
    if not isinstance(container, dict):
        return walk(container, v)
    out = dict(container)
    mime = out["mimeType"] if isinstance(out.get("mimeType"), str) else ""
    text = out.get("text")
    if isinstance(text, str) and text:
        base64_encoded = isinstance(out.get("encoding"), str) and out["encoding"].lower() == "base64"
        out["text"] = _base64(text, lambda t: v.body(t, mime)) if base64_encoded else v.body(text, mime)
    for key, value in out.items():
        if key == "params":
            out[key] = _params(value, v)
        elif key not in ("text", "mimeType", "encoding"):
            out[key] = walk(value, v, key)
    return out


def _base64(text: str, redact: Callable[[str], str]) -> str:
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return text  # binary (an image, a font): nothing textual to redact
    new = redact(decoded)
    return text if new == decoded else base64.b64encode(new.encode("utf-8")).decode("ascii")


def _messages(messages: Any, v: Values) -> Any:
    """Chrome's ``_webSocketMessages``: text frames as bodies, binary frames decoded when text."""
    if not isinstance(messages, list):
        return walk(messages, v)
    out = []
    for message in messages:
        if isinstance(message, dict) and isinstance(message.get("data"), str):
            data = message["data"]
            binary = message.get("opcode") == 2
            message = {**message, "data": _base64(data, v.body) if binary else v.body(data)}
        out.append(message)
    return out


def storage(value: Any, v: Values) -> Any:
    """Cookies and localStorage: probe's page ``_probe.storage`` or a ``<phase>.storage.json`` file."""
    if not isinstance(value, dict):
        return walk(value, v)
    out = {}
    for key, item in value.items():
        if key == "cookies":
            out[key] = _cookies(item, v)
        elif key == "localStorage" and isinstance(item, dict):
            out[key] = _local(item, v)
        else:
            out[key] = walk(item, v, key)
    return out


def _local(items: dict[str, Any], v: Values) -> dict[str, Any]:
    # page storage is {key: value}; a storage file nests it by origin: {origin: {key: value}}
    return {k: _local(i, v) if isinstance(i, dict) else v.local(k, i) for k, i in items.items()}


def _ip(value: Any, v: Values) -> Any:
    return v.secret("ip", value) if isinstance(value, str) else walk(value, v)


def _url(value: Any, v: Values) -> Any:
    return v.url(value) if isinstance(value, str) and value else walk(value, v)


_SPECIAL: dict[str, Callable[[Any, Values], Any]] = {
    "headers": _headers,
    "cookies": _cookies,
    "queryString": _params,
    "postData": _body,
    "content": _body,
    "storage": storage,
    "_webSocketMessages": _messages,
    "serverIPAddress": _ip,
    "url": _url,
    "redirectURL": _url,
}


def walk(value: Any, v: Values, key: str | None = None) -> Any:
    """Any HAR fragment (entry, page, ``log`` member): known parts by their meaning, other strings loosely."""
    if isinstance(value, dict):
        out = {}
        for k, item in value.items():
            special = _SPECIAL.get(k)
            out[k] = special(item, v) if special else item if k in _KEEP else walk(item, v, k)
        return out
    if isinstance(value, list):
        return [walk(item, v, key) for item in value]
    if isinstance(value, str):
        return v.loose(value)
    return value
