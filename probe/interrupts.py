"""SIGINT and SIGTERM end a run cleanly: the interrupt lands only where the run can stop.

``watch()`` installs the handlers (the CLI does, for a run). A signal then only raises ``Interrupted``
inside a ``cancellable()`` block (browsing a scenario); anywhere else it is held until the code asks
``received()``, so evidence, manifests and reports are never cut in half by it. A second signal
means "stop now": the run's CA is deleted and the process exits 2 at once.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from probe.capture import ca

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The run was asked to stop (a BaseException, so no ``except Exception`` swallows it)."""

    def __init__(self, signame: str) -> None:
        super().__init__(signame)
        self.signame = signame


@dataclass
class _State:
    watching: bool = False
    received: str | None = None
    cancellable: int = 0  # depth of cancellable() blocks


_state = _State()


def received() -> str | None:
    """The name of the signal that asked the run to stop (``SIGINT``/``SIGTERM``), or None."""
    return _state.received


def _handle(signum: int, _frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if _state.received is not None:
        # asked twice: the user wants out now, but the CA key must still not outlive the run
        ca.discard_owned()
        os.write(2, f"probe: {name} again: stopped at once; the evidence may be incomplete\n".encode())
        os._exit(2)
    _state.received = name
    if _state.cancellable:
        raise Interrupted(name)


@contextmanager
def watch() -> Iterator[None]:
    """Handle SIGINT and SIGTERM for the duration of the block (main thread only)."""
    previous = {s: signal.signal(s, _handle) for s in SIGNALS}
    _state.watching, _state.received, _state.cancellable = True, None, 0
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _state.watching, _state.cancellable = False, 0


@contextmanager
def cancellable() -> Iterator[None]:
    """A block an interrupt may end by raising ``Interrupted`` (at once if one already came)."""
    if _state.watching and _state.received is not None:
        raise Interrupted(_state.received)
    _state.cancellable += 1
    try:
        yield
    finally:
        _state.cancellable -= 1
