"""Where a workspace audit reads the CDN settings: a writeKey (live), a saved file, or evidence.

Every way in ends in one validated settings document; anything else is a SourceError of one line
naming the input and what is wrong with it.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, ValidationError

from probe.segment import Endpoints, Kind, SegmentSettings, decode_body, parse_settings

DEFAULT_CDN = "https://cdn.segment.com"
TIMEOUT_S = 10.0
# real settings documents are tens to hundreds of kB; a bigger file is a mistake, not a workspace
MAX_BYTES = 16 * 1024 * 1024
SAVED_NAME = "settings.json"  # the audited document, in the run folder beside the reports
_WRITE_KEY = re.compile(r"[A-Za-z0-9_-]{1,128}")

SourceKind = Literal["write-key", "file", "har"]


class SourceError(Exception):
    """The settings could not be read; the message is the one-line cause."""


# -- the settings document at the boundary: the parts probe reads must have the types it expects ----


class _Open(BaseModel):
    # strict: a string where a list belongs is an error, never coerced; other keys are Segment's business
    model_config = ConfigDict(extra="allow", strict=True)


class _ConsentOfDestination(_Open):
    categories: list[str] = []


class _VersionSettings(_Open):
    componentTypes: list[str] = []  # noqa: N815 - Segment's field name


class _Integration(_Open):
    type: str | None = None
    bundlingStatus: str | None = None  # noqa: N815
    versionSettings: _VersionSettings | None = None  # noqa: N815
    consentSettings: _ConsentOfDestination | None = None  # noqa: N815
    apiKey: str | None = None  # noqa: N815
    apiHost: str | None = None  # noqa: N815
    maybeBundledConfigIds: dict[str, list[str]] | None = None  # noqa: N815


class _RemotePlugin(_Open):
    name: str | None = None
    creationName: str | None = None  # noqa: N815
    libraryName: str | None = None  # noqa: N815
    url: str | None = None
    settings: dict[str, Any] | None = None


class _SourceConsent(_Open):
    allCategories: list[str] = []  # noqa: N815
    hasUnmappedDestinations: bool | None = None  # noqa: N815


class SettingsDocument(_Open):
    """The CDN settings as far as probe reads them (``integrations`` is what makes it settings)."""

    integrations: dict[str, _Integration]
    remotePlugins: list[_RemotePlugin] = []  # noqa: N815
    consentSettings: _SourceConsent | None = None  # noqa: N815


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def check_document(data: Any, where: str) -> dict[str, Any]:
    """The document itself when it has the shape of CDN settings; else SourceError naming the first problem."""
    if not isinstance(data, dict):
        raise SourceError(f"{where}: {_kind(data)}, not CDN settings (a JSON object with integrations)")
    if "integrations" not in data:
        keys = ", ".join(sorted(map(str, data))[:5]) or "none"
        raise SourceError(f"{where}: no integrations object, so not Segment CDN settings (its keys: {keys})")
    try:
        SettingsDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        at = ".".join(str(part) for part in first["loc"]) or "document"
        more = f" ({len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise SourceError(
            f"{where}: {at}: {first['msg']} (found {_kind(first.get('input'))}){more}"
        ) from None
    return data


def parse_json(raw: bytes, where: str) -> Any:
    """JSON text to data; SourceError naming what kind of broken it is."""
    try:
        # decoded here: json.loads on bytes guesses UTF-16/32 from the first bytes, and settings are UTF-8
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except RecursionError:
        raise SourceError(f"{where}: not readable JSON (nested too deep)") from None


# -- the sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """One settings document, where it came from, and (from evidence) the suite recorded with it."""

    document: dict[str, Any]
    settings: SegmentSettings
    kind: SourceKind
    raw: bytes  # the document as read: saved beside the reports, so they can be judged again from it
    source: str  # the file, the HAR (with its entry) or the URL, as the report names it
    url: str | None = None  # the settings URL, when known (writeKey fetch, HAR entry)
    suite_data: dict[str, Any] | None = None  # an evidence folder's suite.json
    suite_file: Path | None = None
    found: int = 1  # settings responses in the recording (the last one is audited)


def settings_url(write_key: str, cdn: str = DEFAULT_CDN) -> str:
    """analytics-next's settings URL for a writeKey."""
    return f"{cdn.rstrip('/')}/v1/projects/{quote(write_key, safe='')}/settings"


def looks_like_write_key(text: str) -> bool:
    """True for a bare token (no path separators, dots or spaces): what a writeKey looks like."""
    return bool(_WRITE_KEY.fullmatch(text))


def load_source(text: str, *, cdn: str = DEFAULT_CDN, timeout: float = TIMEOUT_S) -> Loaded:
    """A writeKey, a settings .json file, a HAR, or an evidence (or run) folder, read and checked."""
    path = Path(text)
    if path.is_dir():
        return load_folder(path)
    if path.is_file():
        if path.name.endswith((".har", ".har.gz")):
            return load_har_settings(path)
        return load_file(path)
    if looks_like_write_key(text):
        return fetch_write_key(text, cdn=cdn, timeout=timeout)
    raise SourceError(f"{text}: no such file or folder, and not a writeKey")


def load_file(path: Path) -> Loaded:
    """A saved settings JSON file."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceError(f"{path}: {size} bytes, more than the {MAX_BYTES} a settings file may have")
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    where = str(path)
    document = check_document(parse_json(raw, where), where)
    return Loaded(document, parse_settings(document), "file", raw, where)


def fetch_write_key(write_key: str, *, cdn: str = DEFAULT_CDN, timeout: float = TIMEOUT_S) -> Loaded:
    """GET the settings of a writeKey from the CDN, as analytics.js does on every page load."""
    url = settings_url(write_key, cdn)
    if not url.startswith(("https://", "http://")):
        raise SourceError(f"--cdn {cdn}: not an http(s) URL")
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "probe"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            raw = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        hint = " (no source has this writeKey?)" if exc.code == 404 else ""
        raise SourceError(f"writeKey {write_key}: {url} answered HTTP {exc.code}{hint}") from None
    except urllib.error.URLError as exc:
        raise SourceError(f"writeKey {write_key}: cannot fetch {url}: {_network_cause(exc.reason)}") from None
    except TimeoutError:
        raise SourceError(f"writeKey {write_key}: cannot fetch {url}: no answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:  # a reset connection, a malformed --cdn URL
        raise SourceError(f"writeKey {write_key}: cannot fetch {url}: {_network_cause(exc)}") from None
    if len(raw) > MAX_BYTES:
        raise SourceError(f"writeKey {write_key}: {url} sent more than {MAX_BYTES} bytes; not settings")
    document = check_document(parse_json(raw, url), url)
    return Loaded(document, parse_settings(document), "write-key", raw, url, url=url)


def _network_cause(reason: object) -> str:
    """Why a fetch failed, in words: DNS, refused, TLS, timeout."""
    if isinstance(reason, socket.gaierror):
        return f"the host name does not resolve ({reason.strerror or reason}): no network, or no DNS"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return "no answer in time"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({reason.reason or reason})"
    if isinstance(reason, OSError):
        return reason.strerror or str(reason) or type(reason).__name__
    return str(reason)


def load_folder(folder: Path) -> Loaded:
    """An evidence folder (its evidence.har and suite.json), a run folder (its first scenario with settings),
    or the run folder of an earlier ``probe workspace`` (its settings.json)."""
    from probe.evidence import HarError
    from probe.evidence.har_reader import find_bundle_har

    if not _has_har(folder) and (folder / SAVED_NAME).is_file():
        return load_file(folder / SAVED_NAME)
    bundles = [folder] if _has_har(folder) else sorted(p for p in folder.iterdir() if p.is_dir() and _has_har(p))
    if not bundles:
        raise SourceError(f"{folder}: no evidence.har here or in its sub-folders")
    missing: list[str] = []
    for bundle in bundles:
        try:
            har = find_bundle_har(bundle)
        except HarError as exc:
            raise SourceError(str(exc)) from None
        try:
            loaded = load_har_settings(har)
        except _NoSettings:
            missing.append(bundle.name)
            continue
        suite_file = bundle / "suite.json"
        suite_data = _suite_json(suite_file)
        return Loaded(
            loaded.document,
            loaded.settings,
            "har",
            loaded.raw,
            loaded.source,
            url=loaded.url,
            suite_data=suite_data,
            suite_file=suite_file if suite_data is not None else None,
            found=loaded.found,
        )
    where = "" if bundles == [folder] else f" of any scenario ({', '.join(missing)})"
    raise SourceError(f"{folder}: no Segment settings response in the recording{where}")


def _has_har(folder: Path) -> bool:
    return (folder / "evidence.har").is_file() or (folder / "evidence.har.gz").is_file()


def _suite_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:
        raise SourceError(f"{path}: not a readable suite.json ({exc})") from None
    if not isinstance(data, dict):
        raise SourceError(f"{path}: {_kind(data)}, not a suite")
    return data


class _NoSettings(SourceError):
    """A recording without a settings response."""


def load_har_settings(path: Path) -> Loaded:
    """The last settings response of a HAR (probe's, Playwright's, DevTools', mitmproxy's)."""
    from probe.evidence import HarError, load_har

    try:
        read = load_har(path)
    except HarError as exc:
        raise SourceError(str(exc)) from None
    endpoints = Endpoints.build()
    responses = [
        e
        for e in read.timeline.entries
        if endpoints.classify(e.method, e.url) == Kind.SETTINGS and e.response_body is not None
    ]
    if not responses:
        raise _NoSettings(f"{path}: no Segment settings response in this recording")
    # the latest answer is the workspace as it stood last; earlier ones of the same page are the same
    entry = responses[-1]
    where = f"{path} entry {entry.index}"
    body = decode_body(entry.response_body, entry.header("content-encoding", response=True))
    if not body.ok:
        raise SourceError(f"{where}: the settings response is not readable JSON ({body.error})")
    document = check_document(body.data, where)
    settings = parse_settings(document, entry=entry.index)
    raw = body.text.encode("utf-8") if body.text else json.dumps(document).encode("utf-8")
    return Loaded(document, settings, "har", raw, where, url=entry.url, found=len(responses))
