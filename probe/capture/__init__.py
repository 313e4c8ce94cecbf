"""Capture: the loopback mitmproxy that records every flow per browser context and answers offline."""

from probe.capture.addon import BACKEND_CONTEXT, NOISE_CONTEXT, Mark, Recorder
from probe.capture.proxy import CaptureProxy, ProxyError, listen_address
from probe.capture.routing import Answer, Router
from probe.capture.upstream import Resolve, Upstream, UpstreamError

__all__ = [
    "BACKEND_CONTEXT",
    "NOISE_CONTEXT",
    "Answer",
    "CaptureProxy",
    "Mark",
    "ProxyError",
    "Recorder",
    "Resolve",
    "Router",
    "Upstream",
    "UpstreamError",
    "listen_address",
]
