"""Offline means offline: the proxy opens no upstream connection, whatever a request looks like.

Routing answers every offline request itself (probe.capture.addon), so nothing should ever need an
upstream. This addon makes that structural rather than a property of the routing code: every outgoing
connection mitmproxy would open (HTTP, a CONNECT tunnel's raw bytes, a WebSocket, a TLS certificate
lookup, DNS, UDP) passes mitmproxy's ``server_connect`` hook first, and offline it refuses them all.
"""

from __future__ import annotations

from mitmproxy import tcp, udp
from mitmproxy.proxy import server_hooks

OFFLINE_REFUSAL = "probe offline mode: no upstream connections"


class OfflineGuard:
    """A mitmproxy addon that, when ``offline``, refuses every upstream connection and raw tunnel.

    The one exception is the site's own backend (``allow``: its loopback address, as the suite
    declares it): the proxy hands it the requests under its prefixes, and nothing else.
    """

    def __init__(self, offline: bool, allow: tuple[str, int] | None = None) -> None:
        self.offline = offline
        self.allow = allow

    def server_connect(self, data: server_hooks.ServerConnectionHookData) -> None:
        """Refuse the connection before it is opened (mitmproxy then answers the client itself)."""
        if not self.offline:
            return
        address = data.server.address
        allowed = (
            self.allow is not None
            and address is not None
            and (str(address[0]), int(address[1])) == self.allow
            and not data.server.tls  # the backend speaks plain HTTP on loopback; nothing else goes there
        )
        if not allowed:
            data.server.error = OFFLINE_REFUSAL

    def tcp_start(self, flow: tcp.TCPFlow) -> None:
        """A raw TCP relay has nothing to relay to offline."""
        if self.offline:
            flow.kill()

    def udp_start(self, flow: udp.UDPFlow) -> None:
        """Nor has a UDP one."""
        if self.offline:
            flow.kill()


def offline_options() -> dict[str, object]:
    """mitmproxy options for offline mode: nothing that would reach for an upstream on its own."""
    return {
        "connection_strategy": "lazy",  # eager would dial the CONNECT target before any hook could answer
        "upstream_cert": False,  # no upstream certificate lookup; the run's CA signs the host name alone
        "rawtcp": False,  # bytes in a tunnel are parsed as HTTP (and routed), never relayed raw
    }
