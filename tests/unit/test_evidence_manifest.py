"""manifest.json: writing, and verify naming every altered, missing or unexpected file."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from probe.evidence.manifest import MANIFEST_NAME, Manifest, read_manifest, verify, write_manifest

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
FILES = ["after-consent.png", "after-revoke.storage.json", "before-consent.png", "evidence.har", "suite.json"]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "accept_all"
    shutil.copytree(GOLDEN / "bundle", folder)
    suite_sha = hashlib.sha256(b"name: demo\n").hexdigest()
    write_manifest(
        folder,
        browser={"name": "chromium", "version": "156.0.8078.108"},
        scenario="accept_all",
        suite_sha256=suite_sha,
        started=datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC),
        ended="2026-11-29T12:00:09.500Z",
    )
    return folder


def test_written_manifest(bundle: Path) -> None:
    data = json.loads((bundle / MANIFEST_NAME).read_text())
    assert data == {
        "format": "probe-manifest/1",
        "tool": {"name": "probe", "version": "0.1.0"},
        "browser": {"name": "chromium", "version": "156.0.8078.108"},
        "scenario": "accept_all",
        "suite_sha256": hashlib.sha256(b"name: demo\n").hexdigest(),
        "started": "2026-11-29T12:00:00.000Z",
        "ended": "2026-11-29T12:00:09.500Z",
        "redacted": False,
        "redaction": None,
        "files": {name: hashlib.sha256((bundle / name).read_bytes()).hexdigest() for name in FILES},
    }
    assert list(data["files"]) == FILES
    assert read_manifest(bundle) == Manifest.model_validate(data)
    assert not list(bundle.glob(".manifest-*"))  # no temp file left behind


def test_intact_folder_verifies(bundle: Path) -> None:
    result = verify(bundle)
    assert (result.ok, result.exit_code, result.altered, result.missing, result.unexpected) == (
        True,
        0,
        [],
        [],
        [],
    )
    assert result.lines() == ["intact (5 files)"]


@pytest.mark.parametrize("name", ["evidence.har", "before-consent.png"])
def test_one_changed_byte_is_named(bundle: Path, name: str) -> None:
    data = bytearray((bundle / name).read_bytes())
    data[len(data) // 2] ^= 0x01
    (bundle / name).write_bytes(bytes(data))
    result = verify(bundle)
    assert (result.ok, result.exit_code, result.altered, result.missing, result.unexpected) == (
        False,
        1,
        [name],
        [],
        [],
    )
    assert result.lines() == [f"altered: {name} (sha256 differs from the manifest)"]


def test_deleted_and_added_files_are_named(bundle: Path) -> None:
    (bundle / "after-consent.png").unlink()
    (bundle / "notes.txt").write_text("added later")
    (bundle / "extra").mkdir()
    (bundle / "extra" / "x.json").write_text("{}")
    result = verify(bundle)
    assert (result.altered, result.missing, result.unexpected, result.exit_code) == (
        [],
        ["after-consent.png"],
        ["extra/x.json", "notes.txt"],
        1,
    )
    assert result.lines() == [
        "missing: after-consent.png (listed in the manifest, not in the folder)",
        "unexpected: extra/x.json (in the folder, not in the manifest)",
        "unexpected: notes.txt (in the folder, not in the manifest)",
    ]


def test_rewriting_the_manifest_accepts_the_new_state(bundle: Path) -> None:
    (bundle / "notes.txt").write_text("x")
    write_manifest(bundle, scenario="accept_all")
    assert verify(bundle).ok
    assert "notes.txt" in read_manifest(bundle).files


def test_cannot_verify_without_a_usable_manifest(tmp_path: Path, bundle: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (verify(empty).exit_code, verify(empty).error) == (2, f"{empty / MANIFEST_NAME}: no manifest.json")
    assert (
        verify(tmp_path / "absent").error
        == f"{tmp_path / 'absent'}: not an evidence folder (no such directory)"
    )

    manifest = bundle / MANIFEST_NAME
    manifest.write_text("{not json")
    result = verify(bundle)
    assert result.exit_code == 2
    assert result.error is not None and result.error.startswith(
        f"{manifest}: not a probe-manifest/1 manifest ("
    )
    assert result.lines() == [result.error]

    data = {"format": "probe-manifest/1", "tool": {"name": "probe"}, "files": {"../secret": "0" * 64}}
    manifest.write_text(json.dumps(data))
    assert verify(bundle).error == (
        f"{manifest}: not a probe-manifest/1 manifest (files: Value error, file name '../secret' is not"
        " a plain relative path)"
    )
    manifest.write_text(json.dumps({**data, "format": "probe-manifest/2", "files": {}}))
    assert verify(bundle).exit_code == 2


def test_unknown_meta_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        write_manifest(tmp_path, sceanrio="typo")
    with pytest.raises(ValidationError):
        write_manifest(tmp_path, started="yesterday")
    assert not (tmp_path / MANIFEST_NAME).exists()
