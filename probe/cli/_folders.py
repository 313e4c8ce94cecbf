"""Folders a command reads and writes: the new run folder, ``--run-dir``'s checks, evidence inside a folder."""

from __future__ import annotations

from pathlib import Path

from probe.cli._console import fail, why
from probe.evidence import HarError
from probe.evidence.har_reader import UNATTRIBUTED_DIR, is_scenario_folder


def exact_run_dir(run_dir: Path | None, out: Path | None) -> Path | None:
    """Check ``--run-dir`` before any work: exit 2 with its cause when it cannot be used."""
    if run_dir is None:
        return None
    if out is not None:
        fail("--run-dir and --out cannot be used together (--run-dir is the exact folder)")
    if run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        # never mix two runs' evidence and reports in one folder
        fail(f"{run_dir}: --run-dir exists and is not an empty folder; give a new or empty one")
    return run_dir


def make_run_dir(exact: Path | None, out: Path | None) -> Path:
    """The run folder, new (or the given empty --run-dir) and writable; exit 2 before any browser."""
    from probe.runner.run import new_run_dir

    target = exact or out or Path("artifacts")
    try:
        if exact is not None:
            exact.mkdir(parents=True, exist_ok=True)
            run_dir = exact
        else:
            run_dir = new_run_dir(target)
        # creating a folder can work where writing a file does not (a read-only bind, a quota)
        probe_file = run_dir / ".probe-write-test"
        probe_file.write_bytes(b"")
        probe_file.unlink()
    except OSError as exc:
        fail(f"{target}: cannot create a run folder there ({why(exc)})")
    return run_dir


def suite_dir(run_dir: Path, name: str) -> Path:
    """A suite's folder in a run of several suites (its name was checked as a folder name)."""
    folder = run_dir / name
    folder.mkdir(exist_ok=True)
    return folder


def sub_folders_holding(folder: Path, name: str) -> list[Path]:
    """The sub-folders of ``folder`` that hold a file ``name``, sorted."""
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / name).is_file())


def evidence_folders(folder: Path) -> list[Path]:
    """Evidence folders: the folder itself, or its scenario sub-folders (a run folder; not its
    ``server-unattributed`` folder, which holds no scenario)."""
    if (folder / "evidence.har").is_file() or (folder / "evidence.har.gz").is_file():
        return [folder]
    found = [f for f in sub_folders_holding(folder, "evidence.har") if is_scenario_folder(f)]
    if not found:
        raise HarError(f"{folder}: no evidence.har here or in its sub-folders")
    return found


def plus_unattributed(folder: Path, bundles: list[Path]) -> list[Path]:
    """``bundles`` and, when ``folder`` is a run folder that has one, its unattributed backend requests:
    what redaction must cover besides the scenarios (other visitors' ids and the backend's tokens)."""
    extra = folder / UNATTRIBUTED_DIR
    return [*bundles, extra] if bundles != [folder] and (extra / "evidence.har").is_file() else bundles
