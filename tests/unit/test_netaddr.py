"""HOST:PORT parsing, IPv6 bracketing and free ports, and the error texts of the options built on them."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import ValidationError

from probe.capture import listen_address
from probe.netaddr import LOOPBACK, HostPort, bracket, free_port, parse_hostport
from probe.runner.backend import address_of
from probe.suite import Backend


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        (" localhost:0 ", ("localhost", 0)),
        ("[::1]:65535", ("::1", 65535)),
        ("::1:80", ("::1", 80)),  # unbracketed: the last colon ends the host
        (":80", ("", 80)),  # no host: the caller says whether that means anything
    ],
)
def test_parse_hostport(value: str, address: tuple[str, int]) -> None:
    parsed = parse_hostport(value)
    assert parsed == address and isinstance(parsed, HostPort) and isinstance(parsed.port, int)


@pytest.mark.parametrize(
    "value", ["nonsense", "host:", "host:65536", "host:-1", "host:8o", "host:\u00b2", ""]
)
def test_parse_hostport_refuses(value: str) -> None:
    with pytest.raises(ValueError, match=r"^not HOST:PORT: "):
        parse_hostport(value)


def test_bracket() -> None:
    assert [bracket(h) for h in ("127.0.0.1", "shop.test", "::1")] == ["127.0.0.1", "shop.test", "[::1]"]


def test_free_port_is_free_on_loopback() -> None:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, free_port()))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nonsense", "wants HOST:PORT (PORT 0 for a free one), not 'nonsense'"),
        (":8080", "wants HOST:PORT (PORT 0 for a free one), not ':8080'"),
        ("[]:8080", "wants HOST:PORT (PORT 0 for a free one), not '[]:8080'"),
        ("h:70000", "wants HOST:PORT (PORT 0 for a free one), not 'h:70000'"),
        ("0.0.0.0:0", "0.0.0.0 is not an address a browser can connect to; name the interface's own"),
        ("[::]:1", ":: is not an address a browser can connect to; name the interface's own"),
    ],
)
def test_listen_address_messages(value: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        listen_address(value)
    assert str(caught.value) == message


def test_listen_address() -> None:
    assert listen_address("[::1]:0") == ("::1", 0)


def backend(address: str | None) -> Backend:
    return Backend(address=address, command=["x"], forward=["https://shop.test/api/"], cwd=Path("/"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1:0", "wants HOST:PORT with a port from 1 to 65535, not '127.0.0.1:0'"),
        ("127.0.0.1", "wants HOST:PORT with a port from 1 to 65535, not '127.0.0.1'"),
        ("10.0.0.5:80", "the backend must listen on loopback (127.0.0.1, [::1], localhost), not '10.0.0.5'"),
        (":80", "the backend must listen on loopback (127.0.0.1, [::1], localhost), not ''"),
    ],
)
def test_backend_address_messages(value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        backend(value)
    assert [e["msg"] for e in caught.value.errors()] == [f"Value error, {message}"]


def test_address_of() -> None:
    assert address_of(backend(" localhost:8080")) == ("127.0.0.1", 8080)
    assert address_of(backend("[::1]:8080")) == ("::1", 8080)
    host, port = address_of(backend(None))
    assert host == LOOPBACK and 0 < port <= 65535
