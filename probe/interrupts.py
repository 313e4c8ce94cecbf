"""SIGINT and SIGTERM end a run cleanly: the interrupt lands only where the run can stop.

``watch()`` installs the handlers (the CLI does, for a run). A signal only raises ``Interrupted``
inside a ``cancellable()`` block of plain Python (finding the browser); anywhere else it is held
until the code asks: ``checkpoint()`` (between a scenario's steps) or ``received()``. It is never
raised from the handler while the browser's event loop runs: asyncio would swallow it there or leave
the loop broken, and the next Playwright call would hang. So evidence, manifests and reports are
never cut in half by it. A second signal, or a run still going ``GRACE_S`` after the first, means
"stop now": the run's CA is deleted and the process exits 2 at once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# how long a run may take to wind up after an interrupt (a Playwright call ends at its own timeout)
GRACE_S = 90.0


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
    deadline: threading.Timer | None = None


_state = _State()


def received() -> str | None:
    """The name of the signal that asked the run to stop (``SIGINT``/``SIGTERM``), or None."""
    return _state.received


_at_stop_now: list[Callable[[], None]] = []


def at_stop_now(clean_up: Callable[[], None]) -> None:
    """Run ``clean_up`` when probe must exit at once (a second signal, or the grace period over)."""
    if clean_up not in _at_stop_now:
        _at_stop_now.append(clean_up)


def _stop_now(why: str) -> None:
    from probe.capture import ca  # here, not at the top: commands without a proxy skip mitmproxy's import

    # the user wants out now, but the CA key must still not outlive the run, nor a backend it started
    ca.discard_owned()
    for clean_up in _at_stop_now:
        clean_up()
    os.write(2, f"probe: {why}: stopped at once; the evidence may be incomplete\n".encode())
    os._exit(2)


def _handle(signum: int, _frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if _state.received is not None:
        _stop_now(f"{name} again")
    _state.received = name
    _state.deadline = threading.Timer(GRACE_S, _stop_now, [f"{name}: still running {GRACE_S:g} s later"])
    _state.deadline.daemon = True
    _state.deadline.start()
    if _state.cancellable:
        raise Interrupted(name)


def checkpoint() -> None:
    """Raise ``Interrupted`` if the run was asked to stop (called between a scenario's steps)."""
    if _state.watching and _state.received is not None:
        raise Interrupted(_state.received)


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
        if _state.deadline is not None:
            _state.deadline.cancel()
        _state.watching, _state.cancellable, _state.deadline = False, 0, None


@contextmanager
def cancellable() -> Iterator[None]:
    """A plain-Python block an interrupt may end by raising ``Interrupted`` (at once if one came)."""
    checkpoint()
    _state.cancellable += 1
    try:
        yield
    finally:
        _state.cancellable -= 1
