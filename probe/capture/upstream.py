"""Live mode's way to the site's servers: which CAs upstream TLS trusts, and where host names go.

By default the upstream certificate must chain to the system store (Debian's ca-certificates) or to
certifi's bundle (mitmproxy's default). ``--upstream-ca FILE`` adds a staging CA to those;
``--upstream-insecure`` turns verification off, and says so in the console and in the evidence.
``--resolve HOST:ADDRESS[:PORT]`` sends connections for HOST to ADDRESS (the Host header and
TLS server name stay HOST), so a staging server on 127.0.0.1 answers for its real name.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from mitmproxy.proxy import server_hooks

TRUST_BUNDLE = "upstream-trust.pem"


class UpstreamError(ValueError):
    """An upstream option that cannot be used (unreadable CA file, malformed mapping)."""


@dataclass(frozen=True)
class Resolve:
    """Connections for ``host`` go to ``address`` (and ``port``, when given)."""

    host: str
    address: str
    port: int | None = None

    @classmethod
    def parse(cls, value: str) -> Resolve:
        """Read ``HOST:ADDRESS[:PORT]`` or ``HOST=ADDRESS[:PORT]`` (an IPv6 address in brackets).

        A host name holds neither ``:`` nor ``=``, so the first of them ends it.
        """
        cut = min((i for i in (value.find(":"), value.find("=")) if i >= 0), default=-1)
        host, target = (value[:cut], value[cut + 1 :]) if cut >= 0 else (value, "")
        host = host.strip().lower().rstrip(".")
        if not host or not target.strip():
            raise UpstreamError(f"--resolve wants HOST:ADDRESS[:PORT], not {value!r}")
        try:
            parts = urlsplit(f"//{target.strip()}")
            address, port = parts.hostname, parts.port
        except ValueError as exc:
            raise UpstreamError(f"--resolve {value!r}: {exc}") from exc
        if not address:
            raise UpstreamError(f"--resolve {value!r}: no address")
        return cls(host, address, port)


@dataclass(frozen=True)
class Upstream:
    """Upstream TLS trust and host mapping for live mode."""

    ca_files: tuple[Path, ...] = ()
    insecure: bool = False
    resolve: tuple[Resolve, ...] = ()

    @property
    def given(self) -> bool:
        """True when any upstream option was set (they mean nothing offline)."""
        return bool(self.ca_files or self.insecure or self.resolve)

    def extra_certificates(self) -> list[x509.Certificate]:
        """The certificates of every ``--upstream-ca`` file; UpstreamError when one holds none."""
        found: list[x509.Certificate] = []
        for path in self.ca_files:
            try:
                certs = x509.load_pem_x509_certificates(path.read_bytes())
            except OSError as exc:
                raise UpstreamError(f"--upstream-ca {path}: cannot read it ({exc.strerror})") from exc
            except ValueError as exc:
                raise UpstreamError(f"--upstream-ca {path}: not a PEM certificate file ({exc})") from exc
            found.extend(certs)
        return found

    def write_trust(self, folder: Path) -> Path:
        """Write the bundle upstream TLS trusts: the system store, certifi's bundle and the extra CAs."""
        extra = self.extra_certificates()
        parts = [Path(certifi.where()).read_text(encoding="utf-8")]
        system = ssl.get_default_verify_paths().cafile
        if system and Path(system).is_file():
            parts.append(Path(system).read_text(encoding="utf-8", errors="replace"))
        parts.extend(c.public_bytes(Encoding.PEM).decode() for c in extra)
        bundle = folder / TRUST_BUNDLE
        bundle.write_text("\n".join(parts), encoding="utf-8")
        bundle.chmod(0o600)
        return bundle

    def options(self, folder: Path) -> dict[str, Any]:
        """mitmproxy options for live mode."""
        return {
            "connection_strategy": "lazy",
            "rawtcp": False,
            "ssl_insecure": self.insecure,
            # mitmproxy alone trusts certifi only; a staging CA is often in the system store
            "ssl_verify_upstream_trusted_ca": str(self.write_trust(folder)),
        }

    def evidence(self) -> dict[str, Any]:
        """What the HAR records about upstream trust (``log._probe.upstream``)."""
        return {
            "tls_verify": not self.insecure,
            "extra_ca": [
                {"subject": c.subject.rfc4514_string(), "sha256": c.fingerprint(hashes.SHA256()).hex()}
                for c in self.extra_certificates()
            ],
            "resolve": {r.host: r.address + (f":{r.port}" if r.port else "") for r in self.resolve},
        }


class UpstreamMap:
    """A mitmproxy addon that sends connections for mapped host names to their address."""

    def __init__(self, resolve: tuple[Resolve, ...]) -> None:
        self.resolve = {r.host: r for r in resolve}

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Rewrite the address only; the TLS server name stays the host, so its certificate is checked."""
        if not self.resolve or data.server.address is None:
            return
        host, port = data.server.address[0], data.server.address[1]
        target = self.resolve.get(str(host).lower().rstrip("."))
        if target is None:
            return
        if data.server.sni is None:
            data.server.sni = str(host)
        data.server.address = (target.address, target.port or port)
