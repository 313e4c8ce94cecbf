"""Read any HAR (probe's own, Playwright, Chrome or Firefox DevTools, mitmproxy) into Timelines.

One streaming path for all sizes: entries are converted one at a time, so memory grows with the
number of requests, not with the bytes of their bodies. Kept bodies: every request body (Segment
events are POST bodies); response bodies only when JSON or JavaScript and at most
``RESPONSE_BODY_CAP`` bytes (settings JSON, ingestion replies, SDK and CMP scripts). Everything else
is dropped while reading.

Defects become ``HarProblem`` records (also copied into ``Timeline.notes``) and the rest of the file
is still read; only a file that is not a HAR at all raises ``HarError``.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from probe.banner.record import read_record

from ..timeline import PHASES, Entry, PhaseMark, StorageSnapshot, Timeline
from ._convert import RESPONSE_BODY_CAP, ConvertState, convert_entry, convert_page, kind_of
from ._errors import HarError, HarProblem, one_line
from ._phases import PhaseInference, apply_phases
from ._stream import EntriesBoundary, EntryItem, Member, StreamBroken, iter_log, open_har_bytes
from .limits import MB, ReadLimits, current_limits
from .pages import field_from_pages, signals_from_pages

__all__ = [
    "RESPONSE_BODY_CAP",
    "HarError",
    "HarProblem",
    "HarRead",
    "PhaseInference",
    "apply_phases",
    "load_bundle",
    "load_har",
    "read_bundle",
    "read_har",
    "split_contexts",
]

MAX_PROBLEMS = 200  # per file; a HAR with thousands of broken entries gets a summary line instead
MAX_NOTES = 50

_FLAVOURS = {
    "probe": "probe",
    "playwright": "playwright",
    "webinspector": "chrome",
    "firefox": "firefox",
    "mitmproxy": "mitmproxy",
}
HAR_NAMES = ("evidence.har", "evidence.har.gz")
# beside a run's scenario folders: the backend's requests no scenario's visitor made
# (probe.runner.server_side). An evidence folder like a scenario's (HAR and manifest), so verify and
# redact treat it alike; but no scenario: it is never judged as one.
UNATTRIBUTED_DIR = "server-unattributed"


def is_scenario_folder(path: Path) -> bool:
    """An evidence folder of a scenario, not the run's unattributed backend requests."""
    return path.name != UNATTRIBUTED_DIR


@dataclass
class HarRead:
    """A read HAR: the timeline, every problem found, and what produced the file."""

    path: Path
    timeline: Timeline
    problems: list[HarProblem] = field(default_factory=list)
    flavour: str = "other"  # probe | playwright | chrome | firefox | mitmproxy | other
    creator: str | None = None  # "Playwright 1.65.1"
    browser: str | None = None  # "chromium 156.0.8078.108"
    entries_in_file: int = 0  # entries seen, including skipped ones
    error: str | None = None  # why probe could not finish the scenario (log._probe.error)


class _Problems:
    """Collects problems up to a cap, counting what is left out."""

    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.items: list[HarProblem] = []
        self.dropped = 0

    def add(self, entry: int | None, message: str) -> None:
        if len(self.items) < MAX_PROBLEMS:
            self.items.append(HarProblem(self.file, entry, message))
        else:
            self.dropped += 1

    def finish(self) -> list[HarProblem]:
        if self.dropped:
            self.items.append(HarProblem(self.file, None, f"{self.dropped} more problems not listed"))
        return self.items


def load_har(
    path: str | Path, *, response_body_cap: int = RESPONSE_BODY_CAP, limits: ReadLimits | None = None
) -> HarRead:
    """Read a HAR (plain or gzip) with its problems; raises HarError only when it is not a HAR.

    ``limits`` (default: the caps in force, see ``limits.read_limits``) bound what the file may cost;
    a file over one raises HarLimitError.
    """
    path = Path(path)
    limits = limits or current_limits()
    if path.is_dir():
        raise HarError(f"{path}: is a folder, not a HAR file (use read_bundle for evidence folders)")
    problems = _Problems(path)
    state = ConvertState(response_body_cap=response_body_cap)
    entries: list[Entry] = []
    marks: list[PhaseMark] = []
    snapshots: list[StorageSnapshot] = []
    meta: dict[str, Any] = {}
    page_signals: dict[str, dict[str, Any]] = {}
    page_banner: dict[str, dict[str, Any]] = {}
    seen = 0
    saw_entries = broken = False
    with open_har_bytes(path, limits) as (stream, _gzip), _no_cyclic_gc():
        try:
            for item in iter_log(stream, str(path), limits):
                if isinstance(item, EntryItem):
                    seen = item.index + 1
                    state.utf8_repaired = stream.replaced > 0
                    _add_entry(item, state, entries, problems)
                elif isinstance(item, EntriesBoundary):
                    saw_entries = True
                elif isinstance(item, Member):
                    if item.key == "pages":
                        _add_pages(item.value, marks, snapshots, problems)
                        page_signals = signals_from_pages(item.value)
                        page_banner = {
                            phase: read_record(record)
                            for phase, record in field_from_pages(item.value, "banner").items()
                        }
                    elif item.key == "entries":
                        saw_entries = True
                        problems.add(None, f"log.entries is {kind_of(item.value)}, not a list; no entries")
                    else:
                        meta[item.key] = item.value
        except StreamBroken as exc:
            broken = not exc.after_log
            if exc.after_log:
                problems.add(None, f"unexpected data after the end of the HAR ({exc}); ignored")
            else:
                where = f"after entry {seen - 1}" if seen else "before the first entry"
                read = f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'} read"
                problems.add(None, f"the JSON breaks off {where} ({exc}); {read}, the rest is lost")
    if not broken and not saw_entries:
        problems.add(None, "log has no entries array")
    elif not broken and seen == 0:
        problems.add(None, "log.entries is empty")

    _fill_missing_times(entries, state, marks)
    raw_own = meta.get("_probe")
    own: dict[str, Any] = raw_own if isinstance(raw_own, dict) else {}
    context, name = own.get("context"), own.get("scenario")
    if isinstance(context, str) and context:
        # probe's writer puts log._probe after the entries: the default is applied afterwards, in
        # place, so a big HAR never holds two lists of entries
        for position, entry in enumerate(entries):
            if not entry.context:
                entries[position] = dataclasses.replace(entry, context=context)
    scenario = name if isinstance(name, str) else _stem(path)

    flavour, creator, browser = _describe_producer(meta)
    found = problems.finish()
    notes = [str(p) for p in found[:MAX_NOTES]]
    if len(found) > MAX_NOTES:
        notes.append(f"{path}: {len(found) - MAX_NOTES} more problems (see the full problem list)")
    timeline = Timeline(
        scenario=scenario,
        entries=entries,
        marks=sorted(marks, key=lambda m: m.at),
        snapshots=snapshots,
        notes=notes,
        page_signals=page_signals,
        page_banner=page_banner,
    )
    error = own.get("error") if isinstance(own.get("error"), str) else None
    return HarRead(path, timeline, found, flavour, creator, browser, seen, error)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cycle collector: it rescans every entry built so far and makes reading quadratic."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_har(path: str | Path, *, response_body_cap: int = RESPONSE_BODY_CAP) -> Timeline:
    """Read a HAR into one Timeline (problems go into its notes); raises HarError when not a HAR."""
    return load_har(path, response_body_cap=response_body_cap).timeline


def _add_entry(item: EntryItem, state: ConvertState, entries: list[Entry], problems: _Problems) -> None:
    try:
        entry, messages = convert_entry(item.index, item.value, state)
    except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the rest of the file
        problems.add(item.index, f"could not be read ({type(exc).__name__}: {one_line(exc)}); skipped")
        return
    for message in messages:
        problems.add(item.index, message)
    if entry is not None:
        if math.isnan(entry.started):
            state.missing_time.append(len(entries))
        entries.append(entry)


def _add_pages(
    value: Any, marks: list[PhaseMark], snapshots: list[StorageSnapshot], problems: _Problems
) -> None:
    if not isinstance(value, list):
        problems.add(None, f"log.pages is {kind_of(value)}, not a list; ignored")
        return
    messages: list[str] = []
    for position, page in enumerate(value):
        try:
            mark, snapshot = convert_page(position, page, messages)
        except Exception as exc:  # noqa: BLE001 - same reasoning as for entries
            messages.append(f"page {position} could not be read ({type(exc).__name__}); ignored")
            continue
        if mark is not None and all(m.phase != mark.phase for m in marks):
            marks.append(mark)
        if snapshot is not None:
            snapshots.append(snapshot)
    for message in messages:
        problems.add(None, message)


def _fill_missing_times(entries: list[Entry], state: ConvertState, marks: list[PhaseMark]) -> None:
    """Entries without a time take the previous entry's (the next one's at the start): wire order holds."""
    if not state.missing_time:
        return
    known = [e.started for e in entries if not math.isnan(e.started)]
    fallback = known[0] if known else (min((m.at for m in marks), default=0.0))
    previous = None
    for position, entry in enumerate(entries):
        if math.isnan(entry.started):
            when = previous if previous is not None else fallback
            entries[position] = dataclasses.replace(entry, started=when)
        previous = entries[position].started


def _describe_producer(meta: dict[str, Any]) -> tuple[str, str | None, str | None]:
    def label(raw: Any) -> str | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            return None
        version = raw.get("version")
        return f"{raw['name']} {version}".strip() if isinstance(version, str) else raw["name"]

    creator = meta.get("creator")
    name = creator.get("name") if isinstance(creator, dict) else None
    flavour = _FLAVOURS.get(name.strip().lower(), "other") if isinstance(name, str) else "other"
    return flavour, label(creator), label(meta.get("browser"))


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".har", ".json"):
        name = name.removesuffix(suffix)
    return name or path.name


def split_contexts(timeline: Timeline) -> list[Timeline]:
    """One Timeline per browser context (entry.context); a single-context HAR gives itself back."""
    contexts = list(dict.fromkeys(e.context for e in timeline.entries))
    if len(contexts) <= 1:
        return [timeline]
    return [
        Timeline(
            scenario=context or f"{timeline.scenario} (no context)",
            entries=[e for e in timeline.entries if e.context == context],
            marks=list(timeline.marks),
            snapshots=list(timeline.snapshots),
            notes=[*timeline.notes, f"split from {timeline.scenario!r} by browser context"],
            page_signals=dict(timeline.page_signals),
        )
        for context in contexts
    ]


def find_bundle_har(directory: Path) -> Path:
    """The evidence HAR of a bundle folder: evidence.har(.gz), else its only *.har file."""
    for name in HAR_NAMES:
        if (directory / name).is_file():
            return directory / name
    candidates = sorted(
        p for p in directory.iterdir() if p.is_file() and p.name.endswith((".har", ".har.gz"))
    )
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise HarError(f"{directory}: no evidence.har in this folder")
    names = ", ".join(p.name for p in candidates)
    raise HarError(f"{directory}: several HAR files and no evidence.har ({names})")


def load_bundle(directory: str | Path) -> tuple[HarRead, dict[str, Any] | None]:
    """Read a probe evidence folder: its HAR (with problems) and the resolved suite, if present."""
    directory = Path(directory)
    if not directory.is_dir():
        raise HarError(f"{directory}: not an evidence folder (no such directory)")
    read = load_har(find_bundle_har(directory))
    suite = _read_suite(directory / "suite.json")
    _add_storage_files(directory, read.timeline)
    return read, suite


def read_bundle(directory: str | Path) -> tuple[Timeline, dict[str, Any] | None]:
    """Read a probe evidence folder into (Timeline, suite.json as a dict or None)."""
    read, suite = load_bundle(directory)
    return read.timeline, suite


SUITE_JSON_MAX = MB  # the same cap as a suite file: a resolved suite is never near it
STORAGE_JSON_MAX = 16 * MB  # cookies and localStorage of one page; real ones are a few KB


def _read_suite(path: Path) -> dict[str, Any] | None:
    """The recorded suite.json, validated: a bad one is refused in one line naming file and field."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            raw = handle.read(SUITE_JSON_MAX + 1)
        if len(raw) > SUITE_JSON_MAX:
            raise HarError(f"{path}: not a readable suite (larger than {SUITE_JSON_MAX // 1024} KiB)")
        text = raw.decode("utf-8")
        suite = json.loads(text)
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise HarError(f"{path}: not a readable suite ({type(exc).__name__}: {one_line(exc)})") from exc
    if not isinstance(suite, dict):
        raise HarError(f"{path}: not a readable suite (the top level is not an object)")
    from probe.suite import check_suite_data  # the suite model needs the catalog; only bundles need it

    check_suite_data(suite, path, text)
    return suite


def _add_storage_files(directory: Path, timeline: Timeline) -> None:
    """Snapshots from ``<phase>.storage.json`` for phases whose HAR page carried none."""
    have = {s.phase for s in timeline.snapshots}
    for phase in PHASES:
        path = directory / f"{phase}.storage.json"
        if phase in have or not path.is_file():
            continue
        try:
            if path.stat().st_size > STORAGE_JSON_MAX:
                timeline.notes.append(f"{path}: storage snapshot over {STORAGE_JSON_MAX // MB} MB; ignored")
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            snapshot = _snapshot_from_storage_file(phase, data)
        except (OSError, UnicodeError, ValueError, TypeError, AttributeError, RecursionError) as exc:
            timeline.notes.append(f"{path}: unreadable storage snapshot ({type(exc).__name__}); ignored")
            continue
        timeline.snapshots.append(snapshot)
    order = {p: i for i, p in enumerate(PHASES)}
    timeline.snapshots.sort(key=lambda s: order.get(s.phase, len(order)))


def _snapshot_from_storage_file(phase: str, data: Any) -> StorageSnapshot:
    if not isinstance(data, dict):
        raise TypeError("not an object")
    cookies = {
        str(c["name"]): str(c.get("value", ""))
        for c in data.get("cookies") or []
        if isinstance(c, dict) and "name" in c
    }
    local: dict[str, str] = {}
    for items in (data.get("localStorage") or {}).values():
        if isinstance(items, dict):
            local.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in items.items()})
    return StorageSnapshot(phase=phase, cookies=cookies, local_storage=local)
