"""Redact evidence before it leaves the team: HARs and storage snapshots get stable placeholders.

Replaced: cookie values (headers, HAR ``cookies`` arrays, storage snapshots), Authorization and
Proxy-Authorization credentials, e-mail addresses, phone numbers and IP addresses in headers, URLs
and bodies, and Segment identity fields (userId, anonymousId, ...). Kept: cookie names (``ajs_*``
included), header names, and the Segment fields the analysis reads (type, event, messageId,
writeKey, context.consent). JSON bodies stay valid JSON; base64 bodies are decoded, redacted and
re-encoded. Two passes: the first learns every cookie value and credential so that the second can
also replace them where they leak into URLs or bodies.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ._cookies import parse_cookie_header, parse_set_cookie
from ._errors import HarError, one_line
from ._scrub import Scrubber
from ._stream import EntriesBoundary, EntryItem, Member, StreamBroken, iter_log, open_har_bytes
from .har_reader import find_bundle_har
from .manifest import Redaction, read_manifest, verify, write_manifest

__all__ = ["redact_bundle", "redact_har"]

AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "x-auth-token"})
_STORAGE_GLOB = "*.storage.json"


# --- pass 1: learn the secrets ---------------------------------------------------------------------


def _learn_headers(headers: Any, scrubber: Scrubber) -> None:
    for name, value in _pairs(headers):
        low = name.lower()
        if low == "cookie":
            for _, cookie_value in parse_cookie_header(value):
                scrubber.add_secret(cookie_value, "cookie")
        elif low == "set-cookie":
            for line in value.split("\n"):
                scrubber.add_secret(parse_set_cookie(line)[1], "cookie")
        elif low in AUTH_HEADERS:
            scheme, _, credentials = value.strip().partition(" ")
            scrubber.add_secret(credentials.strip() or scheme, "auth")


def _learn(value: Any, scrubber: Scrubber) -> None:
    """Walk any HAR fragment (entry, page) and remember cookie values and credentials in it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, sub in item.items():
                if key == "headers":
                    _learn_headers(sub, scrubber)
                elif key == "cookies" and isinstance(sub, list):
                    for cookie in sub:
                        if isinstance(cookie, dict) and isinstance(cookie.get("value"), str):
                            scrubber.add_secret(cookie["value"], "cookie")
                elif key == "cookies" and isinstance(sub, dict):  # probe page storage: name -> value
                    for cookie_value in sub.values():
                        if isinstance(cookie_value, str):
                            scrubber.add_secret(cookie_value, "cookie")
                else:
                    stack.append(sub)
        elif isinstance(item, list):
            stack.extend(item)


# --- pass 2: rewrite -------------------------------------------------------------------------------


def _is_pair(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(item.get("value"), str)


def _pairs(headers: Any) -> Iterator[tuple[str, str]]:
    if isinstance(headers, list):
        for item in headers:
            if _is_pair(item):
                yield item["name"], item["value"]


def _header_value(name: str, value: str, s: Scrubber) -> str:
    low = name.lower()
    if low == "cookie":
        return "; ".join(
            f"{n}={_cookie(v, s)}" if n else _cookie(v, s) for n, v in parse_cookie_header(value)
        )
    if low == "set-cookie":
        lines = []
        for line in value.split("\n"):
            cookie_name, cookie_value, attrs = parse_set_cookie(line)
            head = f"{cookie_name}={_cookie(cookie_value, s)}" if cookie_name else _cookie(cookie_value, s)
            lines.append(head + (f";{s.text(attrs)}" if attrs else ""))
        return "\n".join(lines)
    if low in AUTH_HEADERS:
        scheme, space, credentials = value.strip().partition(" ")
        if space and credentials.strip():
            return f"{scheme} {s.placeholder('auth', credentials.strip())}"
        return s.placeholder("auth", value.strip()) if value.strip() else value
    if low == ":path":
        return s.url(value)
    return s.string(value)


def _cookie(value: str, s: Scrubber) -> str:
    # an empty value is how a cookie gets deleted: that fact is evidence, not personal data
    return s.placeholder("cookie", value) if value else value


def _redact_headers(headers: Any, s: Scrubber) -> Any:
    if not isinstance(headers, list):
        return _walk(headers, s)
    out = []
    for item in headers:
        if _is_pair(item):
            item = {**item, "value": _header_value(item["name"], item["value"], s)}
        else:
            item = _walk(item, s)
        out.append(item)
    return out


def _redact_cookie_list(cookies: Any, s: Scrubber) -> Any:
    if isinstance(cookies, dict):  # probe page storage: name -> value
        return {k: _cookie(v, s) if isinstance(v, str) else v for k, v in cookies.items()}
    if not isinstance(cookies, list):
        return _walk(cookies, s)
    out = []
    for cookie in cookies:
        if isinstance(cookie, dict):
            cookie = {k: _cookie_field(k, v, s) for k, v in cookie.items()}
        out.append(cookie)
    return out


def _cookie_field(key: str, value: Any, s: Scrubber) -> Any:
    if key == "value" and isinstance(value, str):
        return _cookie(value, s)
    return value if key == "name" else _walk(value, s)


def _named_values(items: list[Any], s: Scrubber) -> list[Any]:
    """``queryString`` / ``params`` arrays: each value redacted in the light of its name."""
    out = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("value"), str):
            name = item.get("name") if isinstance(item.get("name"), str) else None
            item = {**item, "value": s.string(item["value"], name)}
        out.append(item)
    return out


def _redact_body(container: Any, s: Scrubber) -> Any:
    """``postData`` or ``content``: text (plain or base64) and form params."""
    if not isinstance(container, dict):
        return _walk(container, s)
    out = dict(container)
    raw_mime = out.get("mimeType")
    mime = raw_mime if isinstance(raw_mime, str) else ""
    text = out.get("text")
    if isinstance(text, str) and text:
        if isinstance(out.get("encoding"), str) and out["encoding"].lower() == "base64":
            out["text"] = _redact_base64(text, mime, s)
        else:
            out["text"] = s.body_text(text, mime)
    if isinstance(out.get("params"), list):
        out["params"] = _named_values(out["params"], s)
    for key, value in out.items():
        if key not in ("text", "params", "mimeType", "encoding"):
            out[key] = _walk(value, s)
    return out


def _redact_base64(text: str, mime: str, s: Scrubber) -> str:
    try:
        raw = base64.b64decode(text, validate=True)
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return text  # binary (an image, a font): nothing textual to redact
    redacted = s.body_text(decoded, mime)
    return text if redacted == decoded else base64.b64encode(redacted.encode("utf-8")).decode("ascii")


def _redact_storage_map(storage: Any, s: Scrubber) -> Any:
    """probe page ``_probe.storage``: cookie values and localStorage values."""
    if not isinstance(storage, dict):
        return _walk(storage, s)
    out = {}
    for key, value in storage.items():
        if key == "cookies":
            out[key] = _redact_cookie_list(value, s)
        elif key == "localStorage" and isinstance(value, dict):
            out[key] = {k: _local_value(k, v, s) for k, v in value.items()}
        else:
            out[key] = _walk(value, s)
    return out


def _local_value(key: str, value: Any, s: Scrubber) -> Any:
    if not isinstance(value, str):
        return _walk(value, s)
    if key.lower() in ("ajs_user_id", "ajs_anonymous_id", "ajs_group_id") and value not in ("", "null"):
        placeholder = s.placeholder("id", value)
        # analytics.js stores these JSON-encoded; keep the value parseable the same way
        return json.dumps(placeholder) if value.startswith('"') else placeholder
    return s.body_text(value)


_SPECIAL: dict[str, Callable[[Any, Scrubber], Any]] = {
    "headers": _redact_headers,
    "cookies": _redact_cookie_list,
    "postData": _redact_body,
    "content": _redact_body,
    "storage": _redact_storage_map,
}


def _walk(value: Any, s: Scrubber, key: str | None = None) -> Any:
    """Any HAR fragment: known parts by their HAR meaning, every other string as text or URL."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in _SPECIAL:
                out[k] = _SPECIAL[k](v, s)
            elif k == "queryString" and isinstance(v, list):
                out[k] = _named_values(v, s)
            else:
                out[k] = _walk(v, s, k)
        return out
    if isinstance(value, list):
        return [_walk(v, s, key) for v in value]
    if isinstance(value, str):
        return s.string(value, key) if key not in ("startedDateTime", "mimeType", "pageref", "id") else value
    return value


# --- files -----------------------------------------------------------------------------------------


def _learn_har(path: Path, s: Scrubber) -> None:
    with open_har_bytes(path) as (stream, _):
        try:
            for item in iter_log(stream, str(path)):
                if isinstance(item, EntryItem | Member):
                    _learn(item.value, s)
        except StreamBroken as exc:
            raise HarError(f"{path}: cannot redact a broken HAR ({exc})") from exc


def _rewrite_har(src: Path, dst: Path, s: Scrubber) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".redact-", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with open_har_bytes(src) as (stream, was_gzip), os.fdopen(fd, "wb") as raw:
            out: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if was_gzip else raw  # type: ignore[assignment]
            try:
                _write_redacted(iter_log(stream, str(src)), out, s)
            except StreamBroken as exc:
                raise HarError(f"{src}: cannot redact a broken HAR ({exc})") from exc
            finally:
                if was_gzip:
                    out.close()
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_Item = Member | EntryItem | EntriesBoundary


def _write_redacted(items: Iterator[_Item], out: IO[bytes], s: Scrubber) -> None:
    def dump(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode("utf-8", "replace")

    out.write(b'{"log": {')
    first_member = True
    for item in items:
        if isinstance(item, EntriesBoundary) and not item.opening:
            out.write(b"\n]")
            continue
        if isinstance(item, EntryItem):
            out.write(b"\n" if item.index == 0 else b",\n")
            out.write(dump(_walk(item.value, s)))
            continue
        out.write(b"" if first_member else b",")
        first_member = False
        if isinstance(item, EntriesBoundary):
            out.write(b'\n"entries": [')
        else:
            out.write(b"\n" + dump(item.key) + b": " + dump(_walk(item.value, s, item.key)))
    out.write(b"\n}}\n")


def _learn_storage_file(path: Path, s: Scrubber) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise HarError(f"{path}: cannot redact ({type(exc).__name__}: {one_line(exc)})") from exc
    _learn(data, s)
    return data


def _rewrite_storage_file(path: Path, data: Any, s: Scrubber) -> None:
    """``{"cookies": [Playwright cookie dicts], "localStorage": {origin: {key: value}}}``."""
    if isinstance(data, dict):
        local = data.get("localStorage")
        data = _walk(data, s)
        if isinstance(local, dict):
            data["localStorage"] = {
                s.string(origin) if isinstance(origin, str) else origin: _local_items(items, s)
                for origin, items in local.items()
            }
    else:
        data = _walk(data, s)
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8", errors="replace")


def _local_items(items: Any, s: Scrubber) -> Any:
    if not isinstance(items, dict):
        return _walk(items, s)
    return {k: _local_value(k, v, s) for k, v in items.items()}


def _key(key: bytes | None) -> bytes:
    return key if key is not None else secrets.token_bytes(32)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def redact_har(src: str | Path, dst: str | Path, *, key: bytes | None = None) -> Redaction:
    """Write a redacted copy of one HAR (same compression); raises HarError for broken input."""
    src, dst = Path(src), Path(dst)
    scrubber = Scrubber(_key(key))
    _learn_har(src, scrubber)
    _rewrite_har(src, dst, scrubber)
    return Redaction(at=_now(), counts=scrubber.counts(), files=[dst.name])


def redact_bundle(directory: str | Path, *, key: bytes | None = None) -> Redaction:
    """Redact an evidence folder in place (HAR + *.storage.json) and rewrite its manifest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise HarError(f"{directory}: not an evidence folder (no such directory)")
    har = find_bundle_har(directory)
    notes: list[str] = []
    before = verify(directory)
    if before.error is None and not before.ok:
        notes.append("before redaction the folder did not match its manifest: " + "; ".join(before.lines()))
    scrubber = Scrubber(_key(key))
    _learn_har(har, scrubber)
    storage = {p: _learn_storage_file(p, scrubber) for p in sorted(directory.glob(_STORAGE_GLOB))}
    _rewrite_har(har, har, scrubber)
    for path, data in storage.items():
        _rewrite_storage_file(path, data, scrubber)
    if any(directory.rglob("*.png")):
        notes.append("screenshots (*.png) are not redacted: look at them before sharing")
    notes.append("suite.json is not redacted (site configuration, no visitor data)")
    files = [har.relative_to(directory).as_posix(), *(p.relative_to(directory).as_posix() for p in storage)]
    redaction = Redaction(at=_now(), counts=scrubber.counts(), files=files, notes=notes)
    try:
        meta = read_manifest(directory).model_dump(exclude={"files", "redacted", "redaction"})
    except ValueError:
        meta = {}
        redaction.notes.append("there was no valid manifest before redaction; a new one was written")
    write_manifest(directory, **meta, redacted=True, redaction=redaction)
    return redaction
