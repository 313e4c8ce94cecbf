"""Real local servers for the hardening tests: they listen on 127.0.0.1 and count what reaches them.

- ``CountingUpstream``: any TCP connection is counted (and an HTTP request gets a 200), so a test can
  prove that nothing was forwarded.
- ``StagingServer``: HTTPS with its own CA, HTTP basic auth on the site's host, probe's own Router to
  serve a suite's files and answer its sinks' hosts, a WebSocket echo at ``/ws``, and a log of what
  it answered.
- ``ResettingUpstream``: sends a 200 with a Content-Length it never fulfils, then resets.
- ``ProxyClient``: raw sockets through the capture proxy, with or without a proxy login.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from probe.capture import Router
from probe.suite import Route

LOOPBACK = "127.0.0.1"
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class CountingUpstream:
    """A TCP server on 127.0.0.1 that counts every connection and answers HTTP with 200 "upstream"."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind((LOOPBACK, 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        self.connections = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    @staticmethod
    def _answer(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nupstream")
            except OSError:
                pass

    def close(self) -> None:
        """Stop accepting."""
        self._sock.close()


class ResettingUpstream(CountingUpstream):
    """Answers 200 with ``Content-Length: 1000`` and 100 bytes, then resets the connection."""

    @staticmethod
    def _answer(conn: socket.socket) -> None:
        conn.settimeout(2)
        try:
            conn.recv(65536)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100
            )
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        except OSError:
            pass
        conn.close()


# -- certificates --------------------------------------------------------------------------------------


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(folder: Path, hosts: Iterable[str]) -> tuple[Path, Path, Path]:
    """A self-signed staging CA and a server certificate for ``hosts``: (ca.pem, cert.pem, key.pem)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("probe test staging CA"))
        .issuer_name(_name("probe test staging CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    hosts = list(hosts)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = folder / "staging-ca.pem", folder / "staging.pem", folder / "staging-key.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_pem, cert_pem, key_pem


# -- the staging server ---------------------------------------------------------------------------------


class _Staging(ThreadingHTTPServer):
    daemon_threads = True
    router: Router
    protected: str
    credentials: str
    seen: list[tuple[str, str, int]]  # (Host, method + path, status) of every request, in order
    seen_lock: threading.Lock


class _StagingHandler(BaseHTTPRequestHandler):
    server: _Staging
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # quiet: the test output is about probe

    def _host(self) -> str:
        return (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        with self.server.seen_lock:
            self.server.seen.append((self._host(), f"{self.command} {self.path}", status))
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _authorized(self) -> bool:
        if self._host() != self.server.protected:
            return True
        expected = "Basic " + base64.b64encode(self.server.credentials.encode()).decode()
        return self.headers.get("Authorization") == expected

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if not self._authorized():
            self._send(401, b"staging: log in\n", {"WWW-Authenticate": 'Basic realm="staging"'})
            return
        path = self.path.split("?", 1)[0]
        if path == "/ws" and self.headers.get("Upgrade", "").lower() == "websocket":
            self._echo()
            return
        if path == "/ws.html":
            self._send(200, WS_PAGE, {"Content-Type": "text/html; charset=utf-8"})
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.router.answer(self.command, f"https://{self._host()}{self.path}", headers)
        if answer is None or answer.served == "blocked":
            self._send(404, b"not on staging\n", {"Content-Type": "text/plain"})
            return
        self._send(answer.status, answer.body, answer.headers)

    do_GET = do_POST = do_HEAD = do_OPTIONS = _handle  # noqa: N815 - http.server's naming

    def _echo(self) -> None:
        """A WebSocket echo (RFC 6455, text and binary frames, no fragmentation)."""
        accept = base64.b64encode(
            hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest()
        ).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        while True:
            head = self.rfile.read(2)
            if len(head) < 2:
                break
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", self.rfile.read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            if opcode == 8:
                self.wfile.write(b"\x88\x00")
                break
            if opcode in (1, 2):
                reply = b"echo: " + data if opcode == 1 else data
                size = len(reply)
                header = bytes([0x80 | opcode]) + (
                    bytes([size]) if size < 126 else b"\x7e" + struct.pack("!H", size)
                )
                self.wfile.write(header + reply)
                self.wfile.flush()
        self.close_connection = True


WS_PAGE = b"""<!doctype html><title>ws</title><script>
const ws = new WebSocket('wss://' + location.host + '/ws');
ws.binaryType = 'arraybuffer';
window.echoes = [];
ws.onopen = () => { ws.send('hello'); ws.send(new Uint8Array([1, 2, 3])); };
ws.onmessage = (m) => { window.echoes.push(typeof m.data === 'string' ? m.data : 'binary'); };
</script>"""


class StagingServer:
    """An HTTPS staging server on 127.0.0.1 for ``hosts``, with its own CA and basic auth on one host."""

    def __init__(
        self,
        folder: Path,
        routes: Iterable[Route],
        *,
        hosts: Iterable[str],
        protected: str,
        credentials: str = "probe:staging-pass",
        sinks: Iterable[str] = (),
    ) -> None:
        self.ca, cert, key = make_ca(folder, hosts)
        self.httpd = _Staging((LOOPBACK, 0), _StagingHandler)
        # probe's own file serving, reused as the site's web server; ``sinks`` answer like probe's
        # sinks do (a pixel, a 204), so vendor hosts can be staging's too
        self.httpd.router = Router(routes, sinks)
        self.httpd.protected, self.httpd.credentials = protected, credentials
        self.httpd.seen, self.httpd.seen_lock = [], threading.Lock()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port: int = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def seen(self) -> list[tuple[str, str, int]]:
        """(Host, method + path, status) of every request answered so far, in order."""
        with self.httpd.seen_lock:
            return list(self.httpd.seen)

    def close(self) -> None:
        """Stop serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


# -- talking to the proxy --------------------------------------------------------------------------------


def basic(user: str, secret: str) -> str:
    """A Basic credentials header value."""
    return "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()


def exchange(
    proxy_port: int, raw: bytes, *, tunnel: bytes | None = None, tls_host: str | None = None
) -> bytes:
    """Send ``raw`` to the proxy and read until it closes or goes quiet; the status line and body.

    ``tunnel``: a CONNECT request sent first (its answer is returned if it is not a 200); then ``raw`` goes
    through the tunnel, in TLS to ``tls_host`` when given (the run's CA is not checked: it is the proxy's).
    """
    sock = socket.create_connection((LOOPBACK, proxy_port), timeout=5)
    with sock:
        stream: socket.socket | ssl.SSLSocket = sock
        if tunnel is not None:
            sock.sendall(tunnel)
            head = _read_head(sock)
            if b" 200 " not in head.split(b"\r\n", 1)[0] + b" ":
                return _read_rest(sock, head)
            if tls_host is not None:
                context = ssl.create_default_context()
                context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
                stream = context.wrap_socket(sock, server_hostname=tls_host)
        stream.sendall(raw)
        return _read_rest(stream)


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _read_rest(sock: socket.socket | ssl.SSLSocket, data: bytes = b"") -> bytes:
    sock.settimeout(2)
    try:
        while not _complete(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, OSError):
        pass
    return data


def _complete(data: bytes) -> bool:
    if data.startswith(b"HTTP/1.1 100 "):
        data = data.partition(b"\r\n\r\n")[2]
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value.strip())
    return False


def status_of(reply: bytes) -> int:
    """The status code of an HTTP reply (0 when there was none)."""
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
