"""What a command says on stderr, and its exit codes: 0 judged clean, 1 a violation, 2 not judged."""

from __future__ import annotations

import sys
from typing import NoReturn

from rich.console import Console
from rich.text import Text

from probe.report.text import one_line

EXIT_OK, EXIT_VIOLATION, EXIT_TOOL_ERROR = 0, 1, 2

err = Console(stderr=True, highlight=False)


def say(message: object) -> None:
    """The one-line cause on stderr, printed as inert text (it may quote a site or a suite)."""
    err.print(Text("probe: ", style="bold red") + Text(one_line(message)), soft_wrap=True)


def fail(message: object) -> NoReturn:
    """One-line cause on stderr, exit code 2 (the tool could not judge)."""
    say(message)
    sys.exit(EXIT_TOOL_ERROR)


def why(exc: BaseException) -> str:
    """An exception's cause in a few words: an OSError's strerror, else its text."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def fail_io(exc: OSError, fallback: object) -> NoReturn:
    """Exit 2 naming the file a read or write failed on (``fallback`` when the error names none)."""
    fail(f"{exc.filename or fallback}: cannot read or write ({why(exc)})")


def progress(line: str) -> None:
    """A runner progress line: inert text (it quotes scenario names and the site's URLs)."""
    err.print(Text("  ") + Text(one_line(line)), soft_wrap=True)
