"""The per-run certificate authority: private to the user, trusted by the browser by SPKI pin only.

Each run's confdir records its owner process, so a later run can delete the key of a run that was
killed before it could clean up, and never touches the folder of a run that is still going.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CA_CERT = "mitmproxy-ca-cert.pem"
CA_KEY = "mitmproxy-ca.pem"  # key + cert; mitmproxy writes it under umask 077
OWNER = "owner.json"  # {"pid", "started"}: which process the confdir belongs to

_owned: set[Path] = set()  # confdirs this process created and has not discarded yet


def state_dir() -> Path:
    """probe's per-user state directory (XDG_STATE_HOME, else ~/.local/state/probe)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "probe"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def ca_root() -> Path:
    """The folder that holds every run's confdir."""
    root = state_dir() / "ca"
    root.mkdir(exist_ok=True, mode=0o700)
    return root


def new_confdir() -> Path:
    """A fresh, owner-only mitmproxy confdir for one run (its CA is generated on proxy start)."""
    root = ca_root()
    sweep_stale(root)
    confdir = Path(tempfile.mkdtemp(prefix="run-", dir=root))
    _owned.add(confdir)
    (confdir / OWNER).write_text(json.dumps(_owner(os.getpid())), encoding="utf-8")
    return confdir


def sweep_stale(root: Path | None = None) -> list[Path]:
    """Delete the confdirs whose owner process is gone; return them. Live or unknown owners are kept."""
    removed: list[Path] = []
    try:
        folders = sorted((root or ca_root()).glob("run-*"))
    except OSError:
        return removed
    for folder in folders:
        owner = _read_owner(folder)
        # no or unreadable owner file: an older probe, or a run still writing it; never guess
        if owner is not None and not _alive(*owner):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _owner(pid: int) -> dict[str, Any]:
    return {"pid": pid, "started": _start_ticks(pid)}


def _read_owner(folder: Path) -> tuple[int, int | None] | None:
    try:
        data = json.loads((folder / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid, started = (data.get("pid"), data.get("started")) if isinstance(data, dict) else (None, None)
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    return pid, started if isinstance(started, int) and not isinstance(started, bool) else None


def _alive(pid: int, started: int | None) -> bool:
    """True while ``pid`` runs and is still the process that wrote the owner file."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    stat = _stat(pid)
    if stat is None:
        return True  # no /proc: the pid exists, which is all we can tell
    state, ticks = stat
    # a zombie has ended; a different start time means the pid was reused by another process
    return state != "Z" and (started is None or ticks == started)


def _start_ticks(pid: int) -> int | None:
    stat = _stat(pid)
    return stat[1] if stat else None


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks since boot) from /proc, or None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
        # the command name in parentheses may hold spaces and ')'; the fields after the last ')' do not
        fields = text[text.rindex(")") + 2 :].split()
        return fields[0], int(fields[19])
    except (OSError, ValueError, IndexError):
        return None


def secure(confdir: Path) -> None:
    """Make sure every key file in the confdir is 0600 (mitmproxy already does; this guards upgrades)."""
    for pem in confdir.glob("*.pem"):
        pem.chmod(0o600)
    for other in confdir.glob("*.p12"):
        other.chmod(0o600)


def spki_hash(confdir: Path) -> str:
    """base64 sha256 of the CA's SubjectPublicKeyInfo, for --ignore-certificate-errors-spki-list."""
    cert = x509.load_pem_x509_certificate((confdir / CA_CERT).read_bytes())
    der = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def discard(confdir: Path) -> None:
    """Delete a run's CA: the key must not outlive the run."""
    shutil.rmtree(confdir, ignore_errors=True)
    _owned.discard(confdir)


def discard_owned() -> None:
    """Delete every CA this process still holds (a forced exit, or an exit that skipped proxy.stop)."""
    for confdir in list(_owned):
        discard(confdir)


atexit.register(discard_owned)
