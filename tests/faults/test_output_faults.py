"""A read-only or full output folder: exit 2, one line, and a manifest naming what is missing.

Root ignores mode bits, so the faults are real file systems: a tmpfs mounted read-only, remounted
read-only mid-run, or too small, each in a private mount namespace (``unshare -m``) that vanishes with
the test. Where that cannot be done here, those tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from probe.cli import main
from tests.conftest import SITES

CATEGORIES = {"necessary": {"required": True}, "analytics": {"segment": ["analytics"]}}
# Run inside the namespace: mount, run probe (optionally remount read-only once the scenario has
# started), then copy what it wrote to where the test can read it.
SCRIPT = r"""
set -u
mount -t tmpfs -o "$MOUNT_OPTIONS" tmpfs "$MNT" || exit 97
if [ -n "${PREPARE:-}" ]; then mkdir -p "$MNT/$PREPARE" && mount -o remount,ro "$MNT" || exit 97; fi
"$PYTHON" -m probe "$@" >"$WORK/stdout" 2>"$WORK/stderr" &
pid=$!
if [ -n "${RO_AFTER:-}" ]; then
  n=0
  while ! grep -q "$RO_AFTER" "$WORK/stderr" && kill -0 "$pid" 2>/dev/null && [ $n -lt 1200 ]; do
    sleep 0.05; n=$((n + 1))
  done
  mount -o remount,ro "$MNT" || exit 98
fi
wait "$pid"
code=$?
cp -a "$MNT/." "$WORK/copy/"
exit $code
"""


def _can_mount(tmp: Path) -> str | None:
    """Why a private tmpfs cannot be mounted here, or None."""
    if shutil.which("unshare") is None:
        return "no unshare(1) here"
    try:
        done = subprocess.run(
            ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {tmp}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError as exc:
        return f"unshare failed: {exc}"
    if done.returncode != 0:
        return f"cannot mount a tmpfs in a private mount namespace: {done.stderr.strip()}"
    return None


@pytest.fixture(scope="module")
def mountable(tmp_path_factory: pytest.TempPathFactory) -> None:
    problem = _can_mount(tmp_path_factory.mktemp("mount-check"))
    if problem is not None:
        pytest.skip(problem)


class Outcome:
    """What a probe run in a private tmpfs left: exit code, output, and a copy of the tmpfs."""

    def __init__(self, work: Path, code: int) -> None:
        self.code = code
        self.stdout = (work / "stdout").read_text(encoding="utf-8")
        self.stderr = (work / "stderr").read_text(encoding="utf-8")
        self.copy = work / "copy"

    def causes(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("probe:")]


def run_on_tmpfs(tmp_path: Path, options: str, *args: str, ro_after: str = "", prepare: str = "") -> Outcome:
    work, mnt = tmp_path / "work", tmp_path / "mnt"
    (work / "copy").mkdir(parents=True)
    mnt.mkdir()
    env = {
        **os.environ,
        "MOUNT_OPTIONS": options,
        "MNT": str(mnt),
        "WORK": str(work),
        "PYTHON": sys.executable,
        "RO_AFTER": ro_after,
        "PREPARE": prepare,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", SCRIPT, "sh", *args],
        cwd=mnt.parent,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode not in (97, 98), "the tmpfs could not be mounted or remounted"
    return Outcome(work, done.returncode)


def big_page_suite(tmp_path: Path, pages: int = 1) -> Path:
    """A page far larger than the tmpfs: its HAR cannot be written, its screenshot can."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "big.html").write_text(
        "<!doctype html><html><body><p>big</p><!--" + "x" * 600_000 + "--></body></html>", encoding="utf-8"
    )
    urls = [f"https://big.test/big.html?visit={i}" for i in range(pages)]
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "big",
                "start_url": urls[0],
                "pages": urls,
                "categories": CATEGORIES,
                "offline": {"routes": [{"url": "https://big.test/", "dir": str(site)}]},
                "scenarios": ["no_decision", "gpc"],
                "settle_ms": 200,
            }
        ),
        encoding="utf-8",
    )
    return suite


def small_suite(tmp_path: Path) -> Path:
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "broken",
                "start_url": "https://broken.test/no-banner.html",
                "categories": CATEGORIES,
                "offline": {"routes": [{"url": "https://broken.test/", "dir": str(SITES / "broken")}]},
                "scenarios": ["no_decision"],
            }
        ),
        encoding="utf-8",
    )
    return suite


def test_an_out_folder_under_a_file_is_exit_2_before_any_browser(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["run", str(small_suite(tmp_path)), "--out", str(blocker / "out")], catch_exceptions=False
    )
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"probe: {blocker / 'out'}: cannot create a run folder there (Not a directory)"
    ]


@pytest.mark.parametrize("option", ["--out", "--run-dir"])
def test_a_read_only_output_folder_is_exit_2_with_one_line(
    option: str, mountable: None, tmp_path: Path
) -> None:
    # --run-dir names an existing empty folder: creating it "works", writing into it does not
    prepare = "empty" if option == "--run-dir" else ""
    target = "mnt/empty" if prepare else "mnt/out"
    options = "size=1m" if prepare else "size=1m,ro"  # with a folder to prepare: remounted read-only
    done = run_on_tmpfs(tmp_path, options, "run", str(small_suite(tmp_path)), option, target, prepare=prepare)
    assert done.code == 2
    assert done.stderr.splitlines() == [
        f"probe: {target}: cannot create a run folder there (Read-only file system)"
    ]  # refused before any browser: no progress line at all
    assert done.stdout == ""


@pytest.mark.e2e
def test_a_folder_turned_read_only_mid_run_names_every_file_it_could_not_write(
    mountable: None, tmp_path: Path
) -> None:
    done = run_on_tmpfs(
        tmp_path,
        "size=8m",
        "run",
        str(big_page_suite(tmp_path)),
        "--out",
        "mnt/out",
        "--workers",
        "1",  # scenarios in order: the second must never start once nothing can be kept
        ro_after="no_decision · started",
    )
    assert done.code == 2
    (cause,) = done.causes()
    (run_dir,) = (done.copy / "out").iterdir()
    assert cause == (
        f"probe: mnt/out/{run_dir.name}/no_decision: could not write evidence.har, suite.json, "
        "manifest.json (Read-only file system); "
        f"mnt/out/{run_dir.name}: could not write report.json, report.xml, report.html (Read-only file system)"
    )
    assert "Traceback" not in done.stderr
    assert "gpc · started" not in done.stderr  # nothing more can be kept: the run stops there


@pytest.mark.e2e
def test_a_full_disk_is_exit_2_and_the_manifest_names_what_is_missing(
    mountable: None, tmp_path: Path
) -> None:
    done = run_on_tmpfs(
        tmp_path, "size=256k", "run", str(big_page_suite(tmp_path)), "--out", "mnt/out", "--workers", "1"
    )
    assert done.code == 2
    (cause,) = done.causes()
    (run_dir,) = (done.copy / "out").iterdir()
    evidence = run_dir / "no_decision"
    assert cause.startswith(
        f"probe: mnt/out/{run_dir.name}/no_decision: could not write evidence.har (No space left on device); "
        "its manifest.json lists what is missing"
    )
    assert "Traceback" not in done.stderr
    manifest = json.loads((evidence / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unwritten"] == {"evidence.har": "No space left on device"}
    assert "evidence.har" not in manifest["files"] and "before-consent.png" in manifest["files"]
    assert not list(evidence.glob(".*partial"))  # no half file left to mislead a reader
    verified = CliRunner().invoke(main, ["verify", str(evidence)])
    assert verified.exit_code == 0  # what is there is what probe wrote ...
    assert (
        f"{evidence}: not written: evidence.har (probe could not write it: No space left on device)"
        in verified.output.splitlines()  # ... and verify says what is not
    )
    assert "gpc" not in {p.name for p in run_dir.iterdir()}  # the run stopped: the disk is full
