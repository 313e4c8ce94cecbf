"""Strings from a HAR, a page or a suite made inert for a terminal.

A recording is written by the audited site: its URLs, event names and excerpts may hold escape
sequences (clear screen, OSC-8 links), NUL, or bidi overrides that make text read differently from
what it is. Every console path prints them through ``plain``/``safe_text``: controls and bidi
characters are shown as visible escapes (``\\x1b``, ``\\u202e``), and the result is a rich ``Text``,
never parsed as markup, so ``[/x]`` is printed as is.
"""

from __future__ import annotations

from rich.text import Text

# C0, DEL and C1 controls; bidi embeddings, overrides, isolates and marks; line/paragraph separators
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0)]
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SEPARATORS = [0x2028, 0x2029]
_ESCAPES = {c: f"\\x{c:02x}" for c in _CONTROLS} | {c: f"\\u{c:04x}" for c in _BIDI + _SEPARATORS}
_ONE_LINE = {ord("\r"): " ", ord("\n"): " "}


# a site can send megabyte URLs; rich lays text out in time that grows faster than its length, and
# the whole value is in report.json anyway
MAX_CHARS = 2000


def _capped(text: str) -> str:
    if len(text) <= MAX_CHARS:
        return text
    return f"{text[:MAX_CHARS]}… ({len(text) - MAX_CHARS} more characters)"


def plain(value: object) -> str:
    """``str(value)`` with every terminal control and bidi character replaced by a visible escape,
    cut to ``MAX_CHARS``."""
    return _capped(str(value)).translate(_ESCAPES)


def one_line(value: object) -> str:
    """``plain``, with line breaks turned into spaces: for causes and progress lines."""
    return _capped(str(value)).translate(_ONE_LINE).translate(_ESCAPES)


def safe_text(value: object, style: str = "") -> Text:
    """A rich Text of ``plain(value)``: printed literally, never as markup or terminal control."""
    return Text(plain(value), style=style)
