"""One pass over a recording: every Segment request classified, events parsed, settings merged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from probe.segment.body import Body, decode_body
from probe.segment.endpoints import INGESTION_KINDS, Endpoints, Kind, write_key_in_path
from probe.segment.events import SegmentEvent, Unparseable, ingestion_body, parse_ingestion, request_write_key
from probe.segment.identifiers import IdentifierSighting, in_entry
from probe.segment.recognise import segment_sign
from probe.segment.settings import SegmentSettings, merge_settings, parse_settings
from probe.timeline import Entry


@dataclass(frozen=True)
class SegmentRequest:
    """A request that went to Segment (or a proxy of it)."""

    entry: int
    started: float
    url: str
    kind: Kind
    write_key: str | None = None
    # why a request on a host Segment does not own, whose payload was not there to read, counts as
    # Segment's: the path plus this sign elsewhere in the recording (None: host, path or body decided)
    recognised: str | None = None


@dataclass
class SegmentTraffic:
    """Everything Segment-related in one recording."""

    requests: list[SegmentRequest] = field(default_factory=list)
    events: list[SegmentEvent] = field(default_factory=list)
    unparseable: list[Unparseable] = field(default_factory=list)
    settings: SegmentSettings = field(default_factory=SegmentSettings)
    settings_found: list[SegmentSettings] = field(default_factory=list)  # one per settings response
    endpoints: Endpoints = field(default_factory=Endpoints.build)
    by_entry: dict[int, SegmentRequest] = field(default_factory=dict)

    def kind_of(self, index: int) -> Kind | None:
        """The Segment kind of HAR entry ``index``, None when it is not Segment traffic."""
        request = self.by_entry.get(index)
        return request.kind if request else None

    def of_kind(self, *kinds: Kind) -> list[SegmentRequest]:
        """Requests of the given kinds, in entry order."""
        return [r for r in self.requests if r.kind in kinds]


def _response_json(entry: Entry) -> Body:
    return decode_body(entry.response_body, entry.header("content-encoding", response=True))


def _add(
    traffic: SegmentTraffic, entry: Entry, kind: Kind, body: Body | None, recognised: str | None
) -> None:
    write_key = request_write_key(entry, body) or write_key_in_path(entry.path)
    traffic.requests.append(
        SegmentRequest(entry.index, entry.started, entry.url, kind, write_key, recognised)
    )
    if kind in INGESTION_KINDS:
        events, broken = parse_ingestion(entry, kind, body)
        traffic.events.extend(events)
        if broken is not None:
            traffic.unparseable.append(broken)


def read_segment(
    entries: Iterable[Entry],
    *,
    hosts: Iterable[str] = (),
    destinations: Mapping[str, list[str]] | None = None,
) -> SegmentTraffic:
    """Classify and parse the Segment traffic of ``entries`` (suite hosts and destination override given)."""
    entries = [e for e in entries if not e.noise]
    probe_endpoints = Endpoints.build()
    found: list[SegmentSettings] = []
    for entry in entries:
        if probe_endpoints.classify(entry.method, entry.url) == Kind.SETTINGS:
            response = _response_json(entry)
            if response.ok:
                found.append(parse_settings(response.data, entry=entry.index, url=entry.url))
    api_hosts = [s.api_host for s in found if s.api_host]
    endpoints = Endpoints.build([*hosts, *api_hosts])
    traffic = SegmentTraffic(
        settings=merge_settings(found, destinations),
        settings_found=found,
        endpoints=endpoints,
    )
    pending_options: list[Entry] = []
    # off-host call paths whose payload was not there to read: decided once the whole recording is seen
    undecided: list[tuple[Entry, Kind, Body]] = []
    for entry in entries:
        # only call-shaped requests are worth decoding (uploads and form posts are not)
        body = ingestion_body(entry) if endpoints.may_need_body(entry.method, entry.url) else None
        kind = endpoints.classify(entry.method, entry.url, body.data if body and body.ok else None)
        if kind is not None:
            _add(traffic, entry, kind, body, None)
        elif entry.method.upper() == "OPTIONS":
            pending_options.append(entry)
        elif body is not None and not body.ok and (guess := endpoints.off_host_kind(entry.method, entry.url)):
            undecided.append((entry, guess, body))
    if undecided:
        hosts_by_index = {e.index: e.host for e in entries}

        def sightings() -> Iterable[IdentifierSighting]:
            return (s for e in entries for s in in_entry(e, None))

        sign = segment_sign(traffic.requests, hosts_by_index.__getitem__, sightings)
        if sign is not None:
            for entry, kind, body in undecided:
                _add(traffic, entry, kind, body, sign)
    # a preflight to a first-party proxy is only recognisable once the POST it precedes was
    ingestion_urls = {_without_query(r.url) for r in traffic.requests if r.kind in INGESTION_KINDS}
    for entry in pending_options:
        if _without_query(entry.url) in ingestion_urls:
            traffic.requests.append(SegmentRequest(entry.index, entry.started, entry.url, Kind.PREFLIGHT))
    traffic.requests.sort(key=lambda r: r.entry)
    traffic.events.sort(key=lambda e: (e.entry, e.batch_index or 0))
    traffic.unparseable.sort(key=lambda u: u.entry)
    traffic.by_entry = {r.entry: r for r in traffic.requests}
    return traffic


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
