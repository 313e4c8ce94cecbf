"""Redact evidence before it leaves the team: secrets and personal data become stable placeholders.

Redaction goes by position (a header, a cookie, a query parameter, a JSON field), never by finding a
learned string inside other text, so nothing the rules read changes and the findings stay the same.
See ``_redact_policy`` for what counts as secret and ``_redact_values`` for how each position is
rewritten. An evidence folder is redacted whole: the HAR, the storage snapshots, suite.json, and
the reports, which are judged again from the redacted evidence; its manifest is then rewritten.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ._errors import HarError, one_line
from ._redact_har import storage, walk
from ._redact_reports import REPORT_NAMES, has_reports, regenerate_reports
from ._redact_values import Values
from ._scrub import Scrubber
from ._stream import EntriesBoundary, EntryItem, Member, StreamBroken, iter_log, open_har_bytes
from .har_reader import find_bundle_har, is_scenario_folder
from .manifest import MANIFEST_NAME, Redaction, read_manifest, verify, write_manifest

__all__ = ["has_reports", "redact_bundle", "redact_bundles", "redact_folder", "redact_har"]

_STORAGE_GLOB = "*.storage.json"
SUITE_JSON = "suite.json"
SCREENSHOTS_KEPT = "screenshots (*.png) are not redacted: look at them before sharing, or drop them with probe redact --drop-screenshots"
SCREENSHOTS_DROPPED = "screenshots removed (--drop-screenshots): a picture cannot be redacted"

_Item = Member | EntryItem | EntriesBoundary


# --- files -----------------------------------------------------------------------------------------


def _har_items(path: Path) -> Iterator[_Item]:
    with open_har_bytes(path) as (stream, _):
        try:
            yield from iter_log(stream, str(path))
        except StreamBroken as exc:
            raise HarError(f"{path}: cannot redact a broken HAR ({exc})") from exc


def _learn_har(path: Path, v: Values) -> None:
    for item in _har_items(path):
        if isinstance(item, EntryItem | Member):
            walk(item.value, v, item.key if isinstance(item, Member) else None)


def _rewrite_har(src: Path, dst: Path, v: Values) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".redact-", dir=dst.parent)
    tmp = Path(tmp_name)
    try:
        with open_har_bytes(src) as (stream, was_gzip), os.fdopen(fd, "wb") as raw:
            out: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if was_gzip else raw  # type: ignore[assignment]
            try:
                _write_redacted(iter_log(stream, str(src)), out, v)
            except StreamBroken as exc:
                raise HarError(f"{src}: cannot redact a broken HAR ({exc})") from exc
            finally:
                if was_gzip:
                    out.close()
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_redacted(items: Iterator[_Item], out: IO[bytes], v: Values) -> None:
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
            out.write(dump(walk(item.value, v)))
            continue
        out.write(b"" if first_member else b",")
        first_member = False
        if isinstance(item, EntriesBoundary):
            out.write(b'\n"entries": [')
        else:
            out.write(b"\n" + dump(item.key) + b": " + dump(walk(item.value, v, item.key)))
    out.write(b"\n}}\n")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise HarError(f"{path}: cannot redact ({type(exc).__name__}: {one_line(exc)})") from exc


def _write_json_if_changed(path: Path, old: Any, new: Any) -> bool:
    if new == old:
        return False  # nothing personal in it: the file stays byte-identical
    path.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", encoding="utf-8", errors="replace")
    return True


# --- one evidence folder ---------------------------------------------------------------------------


@dataclass
class _Bundle:
    """One evidence folder's files that hold visitor data, read once and rewritten after learning."""

    directory: Path
    har: Path
    storage: dict[Path, Any] = field(default_factory=dict)
    suite: Any = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, directory: Path) -> _Bundle:
        if not directory.is_dir():
            raise HarError(f"{directory}: not an evidence folder (no such directory)")
        bundle = cls(directory, find_bundle_har(directory))
        before = verify(directory)
        if before.error is None and not before.ok:
            bundle.notes.append(
                "before redaction the folder did not match its manifest: " + "; ".join(before.lines())
            )
        bundle.storage = {p: _read_json(p) for p in sorted(directory.glob(_STORAGE_GLOB))}
        if (directory / SUITE_JSON).is_file():
            bundle.suite = _read_json(directory / SUITE_JSON)
        return bundle

    def passes(self, s: Scrubber) -> tuple[Values, Values]:
        # the suite is configuration: only what is secret where it stands, no learned identifiers in it
        return Values(s), Values(s, propagate=False)

    def learn(self, s: Scrubber) -> None:
        evidence, config = self.passes(s)
        _learn_har(self.har, evidence)
        for data in self.storage.values():
            storage(data, evidence)
        if self.suite is not None:
            config.json(self.suite)

    def rewrite(self, s: Scrubber) -> list[str]:
        """Rewrite the files in place; the names of the files written (the others are noted)."""
        evidence, config = self.passes(s)
        _rewrite_har(self.har, self.har, evidence)
        written: list[Path] = [self.har]
        unchanged: list[Path] = []
        for path, data in self.storage.items():
            changed = _write_json_if_changed(path, data, storage(data, evidence))
            (written if changed else unchanged).append(path)
        if self.suite is not None:
            suite_path = self.directory / SUITE_JSON
            changed = _write_json_if_changed(suite_path, self.suite, config.json(self.suite))
            (written if changed else unchanged).append(suite_path)
        if unchanged:
            self.notes.append(f"read, nothing to replace: {', '.join(p.name for p in unchanged)}")
        return [p.relative_to(self.directory).as_posix() for p in written]

    def leftovers(self, drop_screenshots: bool) -> list[str]:
        """Remove or note screenshots, and note every other file redaction does not understand."""
        notes = []
        pngs = sorted(self.directory.glob("*.png"))
        if pngs and drop_screenshots:
            for png in pngs:
                png.unlink()
            notes.append(f"{SCREENSHOTS_DROPPED}: {', '.join(p.name for p in pngs)}")
        elif pngs:
            notes.append(SCREENSHOTS_KEPT)
        known = {self.har, *self.storage, self.directory / SUITE_JSON, self.directory / MANIFEST_NAME}
        known |= {self.directory / name for name in REPORT_NAMES}
        for path in sorted(self.directory.rglob("*")):
            if path.is_file() and path not in known and path.suffix != ".png":
                notes.append(
                    f"not redacted (not evidence probe knows): {path.relative_to(self.directory).as_posix()}"
                )
        return notes


def _key(key: bytes | None) -> bytes:
    return key if key is not None else secrets.token_bytes(32)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _learned(key: bytes | None, learn: Callable[[Scrubber], None]) -> Scrubber:
    scrubber = Scrubber(_key(key))
    scrubber.learning = True
    learn(scrubber)
    scrubber.start_rewriting()
    return scrubber


# --- public ----------------------------------------------------------------------------------------


def redact_har(src: str | Path, dst: str | Path, *, key: bytes | None = None) -> Redaction:
    """Write a redacted copy of one HAR (same compression); raises HarError for broken input."""
    src, dst = Path(src), Path(dst)
    scrubber = _learned(key, lambda s: _learn_har(src, Values(s)))
    _rewrite_har(src, dst, Values(scrubber))
    return Redaction(at=_now(), counts=scrubber.counts(), files=[dst.name])


def redact_bundles(
    directories: Sequence[str | Path], *, key: bytes | None = None, drop_screenshots: bool = False
) -> list[Redaction]:
    """Redact evidence folders in place with one key, so a value has one placeholder across them all.

    Each folder's HAR, ``*.storage.json`` and suite.json are rewritten, reports inside it are judged
    again from the redacted evidence, and its manifest is rewritten (redacted: true) and rehashed.
    """
    bundles = [_Bundle.open(Path(d)) for d in directories]

    def learn(s: Scrubber) -> None:
        for bundle in bundles:
            bundle.learn(s)

    scrubber = _learned(key, learn)
    redactions = []
    for bundle in bundles:
        scrubber.seen.clear()
        files = bundle.rewrite(scrubber)
        counts = scrubber.counts()
        notes = bundle.notes + bundle.leftovers(drop_screenshots)
        failure: BaseException | None = None
        if has_reports(bundle.directory):
            try:
                reports = regenerate_reports(bundle.directory, [bundle.directory])
            except BaseException as exc:  # the reports are gone; the manifest must still say what is there
                failure = exc
                notes.append(f"reports removed, they could not be judged again: {one_line(exc)}")
            else:
                files += reports
                notes.append(f"reports judged again from the redacted evidence: {', '.join(reports)}")
        redaction = Redaction(at=_now(), counts=counts, files=files, notes=notes)
        try:
            meta = read_manifest(bundle.directory).model_dump(exclude={"files", "redacted", "redaction"})
        except ValueError:
            meta = {}
            redaction.notes.append("there was no valid manifest before redaction; a new one was written")
        write_manifest(bundle.directory, **meta, redacted=True, redaction=redaction)
        if failure is not None:
            raise failure
        redactions.append(redaction)
    return redactions


def redact_bundle(
    directory: str | Path, *, key: bytes | None = None, drop_screenshots: bool = False
) -> Redaction:
    """Redact one evidence folder in place (see ``redact_bundles``)."""
    return redact_bundles([directory], key=key, drop_screenshots=drop_screenshots)[0]


def redact_folder(
    folder: str | Path,
    bundles: Sequence[str | Path],
    *,
    key: bytes | None = None,
    drop_screenshots: bool = False,
) -> tuple[list[Redaction], list[str]]:
    """Redact a run folder's evidence folders, then its own reports; the reports rewritten there."""
    folder = Path(folder)
    redactions = redact_bundles(bundles, key=key, drop_screenshots=drop_screenshots)
    inside = {Path(b).resolve() for b in bundles}
    reports: list[str] = []
    if folder.resolve() not in inside and has_reports(folder):
        reports = regenerate_reports(folder, [Path(b) for b in bundles if is_scenario_folder(Path(b))])
    return redactions, reports
