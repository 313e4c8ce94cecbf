"""Network addresses as probe writes and reads them: ``HOST:PORT`` with IPv6 hosts in brackets."""

from __future__ import annotations

import socket
from typing import NamedTuple

LOOPBACK = "127.0.0.1"
# the names that stay on this machine; in this order they are the backend's NO_PROXY
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class HostPort(NamedTuple):
    """A host (IPv6 without brackets) and a port."""

    host: str
    port: int


def bracket(host: str) -> str:
    """The host as it goes before ``:PORT`` or in a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def parse_hostport(value: str) -> HostPort:
    """``HOST:PORT`` (``[IPv6]:PORT``; port 0 to 65535) as a HostPort; ValueError if it is not one."""
    host, sep, port = value.strip().rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    # the host may be empty (":80"): whether that means anything is the caller's to say.
    # ASCII digits only: str.isdigit() also takes digits int() refuses (superscripts)
    if not sep or not (port.isascii() and port.isdigit()) or int(port) > 65535:
        raise ValueError(f"not HOST:PORT: {value!r}")
    return HostPort(host, int(port))


def free_port() -> int:
    """A loopback port nothing listens on now (whoever asked binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])
