"""Synthetic HAR pieces shared by the benchmarks' generators and the golden-fixture builders.

Key order is part of the output, not a detail: the golden HARs are committed byte for byte, and a
streaming reader meets keys in the order the producer wrote them. So the two producers probe reads
keep their own order (``layout``): Chrome DevTools (headers before cookies, a page's time first) and
probe's own writer (mitmproxy's entries: cookies first; a page's id first, then its ``_probe`` record).

Importable as ``tests.har_builder`` once the repository root is on ``sys.path``: pytest puts it there
(``tests`` is a package), scripts under benchmarks/ and tests/golden/ insert it themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

Layout = Literal["devtools", "probe"]
Json = dict[str, Any]

SEGMENT_API = "https://api.segment.io/v1"
SEGMENT_CDN = "https://cdn.segment.com"
DEVTOOLS_CREATOR: Json = {"name": "WebInspector", "version": "537.36"}
ANALYTICS_NEXT: Json = {"name": "analytics.js", "version": "next-1.84.3"}


def iso(moment: datetime) -> str:
    """HAR time: milliseconds and a ``Z``, as both producers write it."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def clock(t0: datetime) -> Callable[[float], str]:
    """``when(seconds)``: the HAR time ``seconds`` after ``t0`` (fixtures read easier as offsets)."""

    def when(seconds: float) -> str:
        return iso(t0 + timedelta(seconds=seconds))

    return when


def compact(value: Any) -> str:
    """JSON without spaces, as analytics-next and probe's sink put bodies on the wire."""
    return json.dumps(value, separators=(",", ":"))


def headers(*pairs: tuple[str, str]) -> list[Json]:
    return [{"name": name, "value": value} for name, value in pairs]


def request(
    method: str,
    url: str,
    header_list: list[Json],
    *,
    post: str | None = None,
    mime: str = "text/plain",
    http_version: str = "http/2.0",
    layout: Layout = "devtools",
) -> Json:
    """A HAR request; ``post`` is the body text (None: no postData)."""
    req: Json = {"method": method, "url": url, "httpVersion": http_version}
    if layout == "probe":
        req.update(cookies=[], headers=header_list, queryString=[])
    else:
        req.update(headers=header_list, queryString=[], cookies=[])
    req.update(headersSize=-1, bodySize=len(post or ""))
    if post is not None:
        req["postData"] = {"mimeType": mime, "text": post}
    return req


def content(text: str | None, mime: str, *, base64: bool = False) -> Json:
    """A response's content; ``text`` None records no body (the size is then 0)."""
    out: Json = {"size": len(text or ""), "mimeType": mime}
    if text is not None:
        out["text"] = text
        if base64:
            out["encoding"] = "base64"
    return out


def response(
    body: Json,
    *,
    status: int = 200,
    header_list: list[Json] | None = None,
    http_version: str = "http/2.0",
    body_size: int = -1,
    layout: Layout = "devtools",
) -> Json:
    """A HAR response around ``body`` (see ``content``)."""
    resp: Json = {"status": status, "statusText": "", "httpVersion": http_version}
    if layout == "probe":
        resp.update(cookies=[], headers=header_list or [])
    else:
        resp.update(headers=header_list or [], cookies=[])
    resp.update(content=body, redirectURL="", headersSize=-1, bodySize=body_size)
    return resp


def entry(
    started: str,
    req: Json,
    resp: Json,
    *,
    time: float,
    timings: Json,
    kind: str | None = None,
    pageref: str = "page_1",
    probe: Json | None = None,
) -> Json:
    """One entry; ``kind`` is DevTools' ``_resourceType``, ``probe`` probe's ``_probe`` record."""
    out: Json = {} if kind is None else {"_resourceType": kind}
    out.update(pageref=pageref, startedDateTime=started, time=time, request=req, response=resp, cache={})
    out["timings"] = timings
    if probe is not None:
        out["_probe"] = probe
    return out


def page(
    page_id: str, title: str, started: str, *, probe: Json | None = None, layout: Layout = "devtools"
) -> Json:
    """A HAR page; probe's writer adds its ``_probe`` record (phase, action, choice)."""
    if layout == "probe":
        out: Json = {"id": page_id, "title": title, "startedDateTime": started}
    else:
        out = {"startedDateTime": started, "id": page_id, "title": title}
    out["pageTimings"] = {}
    if probe is not None:
        out["_probe"] = probe
    return out


def segment_url(kind: str) -> str:
    """The analytics-next endpoint of an event type: /v1/t, /v1/p, /v1/i ..."""
    return f"{SEGMENT_API}/{kind[0]}"


def segment_context(prefs: Mapping[str, bool] | None, **fields: Any) -> Json:
    """An event's context: ``fields`` (library, page ...) then, unless ``prefs`` is None, the consent stamp."""
    context: Json = dict(fields)
    if prefs is not None:
        context["consent"] = {"categoryPreferences": dict(prefs)}
    return context


def named(event: Json, kind: str, name: str | None) -> Json:
    """Add an event's name where Segment keeps it: ``event`` for a track, ``name`` for page and screen."""
    if name is not None:
        event["event" if kind == "track" else "name"] = name
    return event


def _log(pages: list[Json], creator: Json, browser: Json | None) -> Json:
    log: Json = {"version": "1.2", "creator": creator}
    if browser is not None:
        log["browser"] = browser
    log["pages"] = pages
    return log


def document(
    pages: list[Json],
    entries: list[Json],
    *,
    creator: Json = DEVTOOLS_CREATOR,
    browser: Json | None = None,
    probe: Json | None = None,
) -> Json:
    """A whole HAR; ``probe`` is probe's ``log._probe`` (format, scenario, context, mode)."""
    log = _log(pages, creator, browser)
    log["entries"] = entries
    if probe is not None:
        log["_probe"] = probe
    return {"log": log}


def write_all(folder: Path, hars: Mapping[str, Json]) -> None:
    """Write each HAR as the committed fixtures are: one-space indent, a final newline."""
    for name, har in hars.items():
        (folder / name).write_text(json.dumps(har, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {name}")


class StreamedHar:
    """A HAR written one entry at a time, so a benchmark can make files far bigger than it could hold.

    ``written`` counts the characters so far (the generators stop at a target size), ``count`` the entries.
    """

    def __init__(self, path: Path, pages: Iterable[Json], creator: Json = DEVTOOLS_CREATOR) -> None:
        self.path = path
        self.pages = list(pages)
        self.creator = creator
        self.written = 0
        self.count = 0

    def __enter__(self) -> StreamedHar:
        self._out = open(self.path, "w", encoding="utf-8")  # closed in __exit__, after the tail
        # the head as json.dumps writes it, reopened to take the entries array
        self._write(json.dumps({"log": _log(self.pages, self.creator, None)})[:-2] + ', "entries": [\n')
        return self

    def add(self, item: Json) -> None:
        self._write(("" if self.count == 0 else ",\n") + json.dumps(item))
        self.count += 1

    def _write(self, text: str) -> None:
        self._out.write(text)
        self.written += len(text)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if kind is None:  # a generator that failed leaves a truncated file, not a valid-looking one
                self._out.write("\n]}}\n")
        finally:
            self._out.close()
