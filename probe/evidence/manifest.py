"""``manifest.json`` of an evidence folder (``probe-manifest/1``): versions, times, sha256 of every file.

``verify`` tells an auditor whether a folder is still exactly what probe wrote (or what redaction
rewrote): each altered, missing or unexpected file is named.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import __version__

MANIFEST_FORMAT: Final = "probe-manifest/1"
MANIFEST_NAME = "manifest.json"
_SHA256 = r"^[0-9a-f]{64}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NameVersion(_Strict):
    """A program and its version."""

    name: str
    version: str | None = None


class Redaction(_Strict):
    """What redaction did: distinct values replaced per kind, files rewritten, what it left alone."""

    at: str
    method: str = "keyed-hash placeholders (HMAC-SHA256, key not kept)"
    counts: dict[str, int] = Field(default_factory=dict)  # kind -> distinct values replaced
    files: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


class Manifest(_Strict):
    """The whole ``manifest.json``."""

    format: Literal["probe-manifest/1"] = MANIFEST_FORMAT
    tool: NameVersion = Field(default_factory=lambda: NameVersion(name="probe", version=__version__))
    browser: NameVersion | None = None
    scenario: str | None = None
    suite_sha256: str | None = Field(default=None, pattern=_SHA256)
    started: str | None = None
    ended: str | None = None
    redacted: bool = False
    redaction: Redaction | None = None
    files: dict[str, str] = Field(default_factory=dict)  # relative POSIX path -> sha256
    # files probe meant to write but could not (full disk, read-only folder): name -> why
    unwritten: dict[str, str] = Field(default_factory=dict)

    @field_validator("started", "ended", mode="before")
    @classmethod
    def _iso(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if isinstance(value, str):
            datetime.fromisoformat(value)  # raises ValueError -> validation error
        return value

    @field_validator("files")
    @classmethod
    def _files(cls, value: dict[str, str]) -> dict[str, str]:
        for name, digest in value.items():
            if not _safe_relative(name):
                raise ValueError(f"file name {name!r} is not a plain relative path")
            if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                raise ValueError(f"{name}: {digest!r} is not a sha256 hex digest")
        return value


def _safe_relative(name: str) -> bool:
    # a manifest must not make verify read outside its folder
    path = PurePosixPath(name)
    return bool(name) and "\\" not in name and not path.is_absolute() and ".." not in path.parts


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_files(directory: Path) -> dict[str, str]:
    """sha256 of every file under ``directory`` except the manifest, by relative POSIX path."""
    files = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path != directory / MANIFEST_NAME:
            files[path.relative_to(directory).as_posix()] = sha256_file(path)
    return files


def write_manifest(directory: str | Path, **meta: Any) -> Manifest:
    """Hash every file in ``directory`` and write ``manifest.json`` with ``meta`` (Manifest fields)."""
    directory = Path(directory)
    meta.pop("files", None)
    manifest = Manifest(**meta, files=hash_files(directory))
    data = manifest.model_dump(mode="json")
    if not data["unwritten"]:
        del data["unwritten"]  # a complete folder's manifest reads exactly as before the field existed
    text = json.dumps(data, indent=2) + "\n"
    # write beside and rename: a reader never sees half a manifest
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, directory / MANIFEST_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return manifest


def read_manifest(directory: str | Path) -> Manifest:
    """The manifest of a folder; raises ValueError with a one-line reason when absent or invalid."""
    path = Path(directory) / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"{path}: no manifest.json") from None
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"{path}: cannot read ({exc})") from exc
    try:
        return Manifest.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ValueError(f"{path}: not a {MANIFEST_FORMAT} manifest ({where}: {err['msg']})") from exc


@dataclass
class VerifyResult:
    """Outcome of ``verify``: every file that differs from the manifest, by kind."""

    directory: Path
    altered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    error: str | None = None  # the folder could not be checked at all (no or invalid manifest)
    manifest: Manifest | None = None

    @property
    def ok(self) -> bool:
        """True when the folder is exactly what the manifest lists."""
        return self.error is None and not (self.altered or self.missing or self.unexpected)

    @property
    def exit_code(self) -> int:
        """0 intact, 1 altered/missing/unexpected files, 2 cannot verify."""
        return 2 if self.error else 0 if self.ok else 1

    def lines(self) -> list[str]:
        """Human-readable findings, one per file."""
        if self.error:
            return [self.error]
        out = [f"altered: {name} (sha256 differs from the manifest)" for name in self.altered]
        out += [f"missing: {name} (listed in the manifest, not in the folder)" for name in self.missing]
        out += [f"unexpected: {name} (in the folder, not in the manifest)" for name in self.unexpected]
        out = out or [f"intact ({len(self.manifest.files) if self.manifest else 0} files)"]
        unwritten = self.manifest.unwritten if self.manifest else {}
        return out + [
            f"not written: {name} (probe could not write it: {why})" for name, why in unwritten.items()
        ]


def verify(directory: str | Path) -> VerifyResult:
    """Check every file of an evidence folder against its manifest."""
    directory = Path(directory)
    result = VerifyResult(directory)
    if not directory.is_dir():
        result.error = f"{directory}: not an evidence folder (no such directory)"
        return result
    try:
        manifest = read_manifest(directory)
    except ValueError as exc:
        result.error = str(exc)
        return result
    result.manifest = manifest
    present = {p.relative_to(directory).as_posix(): p for p in directory.rglob("*") if p.is_file()}
    present.pop(MANIFEST_NAME, None)
    for name, digest in sorted(manifest.files.items()):
        path = present.pop(name, None)
        if path is None:
            result.missing.append(name)
        elif sha256_file(path) != digest:
            result.altered.append(name)
    result.unexpected = sorted(present)
    return result
