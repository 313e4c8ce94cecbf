"""The per-run certificate authority: private to the user, trusted by the browser by SPKI pin only."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CA_CERT = "mitmproxy-ca-cert.pem"
CA_KEY = "mitmproxy-ca.pem"  # key + cert; mitmproxy writes it under umask 077


def state_dir() -> Path:
    """probe's per-user state directory (XDG_STATE_HOME, else ~/.local/state/probe)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "probe"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def new_confdir() -> Path:
    """A fresh, owner-only mitmproxy confdir for one run (its CA is generated on proxy start)."""
    root = state_dir() / "ca"
    root.mkdir(exist_ok=True, mode=0o700)
    return Path(tempfile.mkdtemp(prefix="run-", dir=root))


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
