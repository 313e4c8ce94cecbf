"""Who may use the capture proxy: only the run's own browser, one random secret per proxy user.

Every browser context (and the browser-level background user) gets a user name and a secret made for
this run (``secrets.token_urlsafe``). Anything else, another local process, a guessed secret, another
context's name with the wrong secret, is answered 407 and never recorded, and the proxy opens no
upstream connection for it. Chromium sends the credentials only after a 407 challenge.

Logins are looked up by the proxy's server URL, in this process only: ``login(server, user)`` is how the
browser launcher and context options get them without the secret passing through any file or argument.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import weakref

from mitmproxy import connection, http
from mitmproxy.proxy import mode_specs, server_hooks

REALM = "probe"
PROXY_AUTHORIZATION = "Proxy-Authorization"


def challenge() -> http.Response:
    """The 407 that makes Chromium send its proxy credentials (and tells anyone else no)."""
    return http.Response.make(
        407,
        b"probe: proxy authentication required\n",
        {"Proxy-Authenticate": f'Basic realm="{REALM}"', "content-type": "text/plain"},
    )


def basic_token(value: str) -> bytes | None:
    """The decoded token of a ``Basic`` credentials header value (``user:secret`` bytes), or None."""
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        return base64.b64decode(token.strip(), validate=True)
    except ValueError:  # binascii.Error, or a token that is not ASCII
        return None


def parse_basic(value: str) -> tuple[str, str] | None:
    """(user, secret) from a ``Basic`` credentials header value, or None when it is not one."""
    token = basic_token(value)
    if token is None:
        return None
    try:
        decoded = token.decode("utf-8")
    except UnicodeDecodeError:
        return None
    user, sep, secret = decoded.partition(":")
    return (user, secret) if sep else None


class ProxyGate:
    """A mitmproxy addon that admits only users it issued a secret to; add it before the Recorder."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        # client connections that proved a login on CONNECT: the requests in that tunnel are theirs
        self._tunnels: weakref.WeakKeyDictionary[connection.Client, str] = weakref.WeakKeyDictionary()
        # client connections that ever proved a login: the only ones an upstream connection is opened for
        self._proven: weakref.WeakSet[connection.Client] = weakref.WeakSet()
        # the loopback ingestion endpoint (a reverse-mode listener): its path prefix and whose it is
        self._ingest: tuple[str, str] | None = None

    def open_ingestion(self, user: str) -> str:
        """The secret path prefix (``/<secret>``) the ingestion listener admits as ``user``."""
        with self._lock:
            if self._ingest is None:
                self._ingest = (f"/{secrets.token_urlsafe(24)}", user)
            return self._ingest[0]

    def issue(self, user: str) -> str:
        """The secret of ``user`` for this run (made on first use; the same one afterwards)."""
        if not user or ":" in user:
            raise ValueError(f"proxy user {user!r} must be non-empty and hold no ':' (Basic auth)")
        with self._lock:
            return self._secrets.setdefault(user, secrets.token_urlsafe(24))

    def verify(self, user: str, secret: str) -> bool:
        """True when ``secret`` is the one issued to ``user`` (compared in constant time)."""
        with self._lock:
            expected = self._secrets.get(user)
        return expected is not None and hmac.compare_digest(expected.encode(), secret.encode())

    def _login(self, flow: http.HTTPFlow) -> str | None:
        """The verified user of a request's Proxy-Authorization header; the header is dropped either way."""
        value = flow.request.headers.get(PROXY_AUTHORIZATION, "")
        flow.request.headers.pop(PROXY_AUTHORIZATION, None)  # the secret never reaches a HAR or a server
        parsed = parse_basic(value) if value else None
        if parsed is None or not self.verify(*parsed):
            return None
        return parsed[0]

    # -- hooks -------------------------------------------------------------------------------------------

    def http_connect(self, flow: http.HTTPFlow) -> None:
        """A CONNECT opens a tunnel for one verified user, or gets a 407."""
        self._check(flow, None)

    def requestheaders(self, flow: http.HTTPFlow) -> None:
        """A request inside a verified tunnel is its user's; any other must carry a valid login."""
        if isinstance(flow.client_conn.proxy_mode, mode_specs.ReverseMode):
            self._check_ingestion(flow)
            return
        self._check(flow, self._tunnels.get(flow.client_conn))

    def _check_ingestion(self, flow: http.HTTPFlow) -> None:
        """The ingestion listener serves only paths under the run's secret prefix, stripped before routing."""
        user = None
        try:
            with self._lock:
                ingest = self._ingest
            path = flow.request.path
            # cut at the separator first: comparing the prefix itself (startswith) would leak the secret
            # through timing, a character at a time; the secret holds no "/"
            cut = path.find("/", 1)
            if (
                ingest is not None
                and cut > 0
                and hmac.compare_digest(path[:cut].encode(), ingest[0].encode())
            ):
                flow.request.path = path[cut:]  # the secret never reaches a HAR
                user = ingest[1]
        finally:  # fail closed, as for logins
            if user is None:
                flow.response = http.Response.make(
                    403, b"probe: not this run's ingestion endpoint\n", {"content-type": "text/plain"}
                )
        if user is not None:
            flow.metadata["proxyauth"] = (user, "")
            self._proven.add(flow.client_conn)

    def _check(self, flow: http.HTTPFlow, tunnel_user: str | None) -> None:
        user = None
        try:
            user = tunnel_user or self._login(flow)
        finally:  # fail closed: an error here leaves the challenge, never an admitted request
            if user is None:
                flow.response = challenge()
        if user is not None:
            flow.metadata["proxyauth"] = (user, "")  # the user name tags the flow; the secret is not kept
            self._proven.add(flow.client_conn)
            if flow.request.method == "CONNECT":
                self._tunnels[flow.client_conn] = user

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """No upstream connection for a client that never proved a login (a second line of defence)."""
        if data.client not in self._proven:
            data.server.error = "probe: the proxy serves only its own browser"


_GATES: dict[str, ProxyGate] = {}
_GATES_LOCK = threading.Lock()


def register(server: str, gate: ProxyGate) -> None:
    """Make a running proxy's gate findable by its server URL."""
    with _GATES_LOCK:
        _GATES[server] = gate


def unregister(server: str) -> None:
    """Forget a stopped proxy."""
    with _GATES_LOCK:
        _GATES.pop(server, None)


def login(server: str, user: str) -> dict[str, str]:
    """Playwright ``proxy=`` settings for ``user`` on the probe proxy at ``server``."""
    with _GATES_LOCK:
        gate = _GATES.get(server)
    if gate is None:
        raise LookupError(f"no running probe proxy at {server}")
    return {"server": server, "username": user, "password": gate.issue(user)}
