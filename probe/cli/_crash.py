"""A bug in probe: its one-line cause, and its traceback appended to probe.log."""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from probe import __version__

LOG_NAME = "probe.log"


class Log:
    """Where an unexpected exception's traceback goes: the run folder once there is one."""

    folder: Path | None = None


def save_traceback(exc: BaseException) -> str:
    """Append the traceback to probe.log (run folder, else probe's state folder); say where."""
    from probe.capture.ca import state_dir

    try:
        folder = Log.folder or state_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        with open(path, "a", encoding="utf-8") as log:
            log.write(f"probe {__version__} {datetime.now(UTC).isoformat()} {' '.join(sys.argv)}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError as problem:
        return f"its traceback could not be saved: {problem.strerror or problem}"
    return f"traceback in {path}"


def internal_error(exc: BaseException) -> str:
    """The one line naming a bug: its exception type and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"internal error: {type(exc).__name__}" + (f": {text[0]}" if text else "")
