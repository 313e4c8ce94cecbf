"""Cut a JSON byte stream into chunks that end between tokens, so the parser lexes each token once.

Why: yajl (ijson's C backend) keeps a token that spans two input chunks in a buffer and lexes it again
from its first byte whenever the next chunk arrives (``bufOff = 0`` in yajl_lex.c). Plain string
bytes are skipped by a fast scan, but escapes and digits are lexed one by one, so a string of L bytes
full of escapes costs about L² / 64 KiB: a 33 MB HAR took 72 s. A chunk that never ends inside a
string or a number is lexed once, and the cost is linear again.

Where the cut goes only changes speed, never what is parsed: yajl gives the same events for any
chunking. The scan is regular expressions with possessive quantifiers (no backtracking), so it is
linear too. A token still unfinished at the end of a chunk is read on to its end, which is where the
string cap is checked: no string longer than the cap is ever held whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Complete tokens: delimiters, closed strings, and numbers or literals followed by a delimiter. The
# match stops at the first token the buffer does not hold whole: that is the last safe cut.
_WHOLE_TOKENS = re.compile(
    rb'(?:[\s,:\[\]{}]++|"[^"\\]*+(?:\\.[^"\\]*+)*+"|[^\s,:\[\]{}"]++(?=[\s,:\[\]{}"]))*+', re.S
)
_STRING_REST = re.compile(rb'[^"\\]*+(?:\\.[^"\\]*+)*+', re.S)  # stops at the closing quote
_ATOM_REST = re.compile(rb'[^\s,:\[\]{}"]*+')  # a number or literal runs to the next delimiter
_QUOTE = ord('"')


def _end(pattern: re.Pattern[bytes], buf: bytes | bytearray, pos: int = 0) -> int:
    """Where ``pattern`` stops matching at ``pos`` (each pattern here also matches nothing)."""
    match = pattern.match(buf, pos)
    assert match is not None
    return match.end()


CHUNK = 1 << 16


class TokenTooLong(Exception):
    """A string or number longer than the cap; ``size`` is how much of it was seen."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass
class ChunkStats:
    """What the chunker did, for tests and benchmarks (no chunk may end inside a token)."""

    chunks: int = 0
    bytes_out: int = 0
    extended: int = 0  # chunks grown past the read size to hold one long token whole
    largest: int = 0


def aligned_chunks(
    read: Callable[[int], bytes], max_token: int, stats: ChunkStats | None = None, size: int = CHUNK
) -> Iterator[bytes]:
    """Chunks of ``read``'s bytes, each ending between two JSON tokens (or at the end of input).

    Raises TokenTooLong when one string or number is longer than ``max_token`` bytes.
    """
    stats = stats if stats is not None else ChunkStats()
    # reads of at most half the cap: a token over the cap can never fit in one read unseen
    size = min(size, max(max_token // 2, 1024))
    pending = b""
    while True:
        data = read(size)
        if not data:
            if pending:
                yield _counted(pending, stats)
            return
        buf = pending + data if pending else data
        cut = _end(_WHOLE_TOKENS, buf)
        if cut == 0:
            # the whole buffer is the start of one token: read on to its end
            whole, cut = _finish_token(bytearray(buf), read, size, max_token)
            stats.extended += 1
            buf = bytes(whole)
        pending = buf[cut:]
        yield _counted(buf[:cut] if cut < len(buf) else buf, stats)


def _counted(chunk: bytes, stats: ChunkStats) -> bytes:
    stats.chunks += 1
    stats.bytes_out += len(chunk)
    stats.largest = max(stats.largest, len(chunk))
    return chunk


def _finish_token(
    buf: bytearray, read: Callable[[int], bytes], size: int, max_token: int
) -> tuple[bytearray, int]:
    """Read until the token at the start of ``buf`` ends; returns the buffer and the last safe cut."""
    is_string = buf[0] == _QUOTE
    pos = 1 if is_string else 0  # resume point: everything before it is known to be inside the token
    while True:
        if is_string:
            pos = _end(_STRING_REST, buf, pos)
            if pos < len(buf) and buf[pos] == _QUOTE:
                end = pos + 1
                break
            # else the data ends inside the string, perhaps between a backslash and what it escapes
        else:
            pos = _end(_ATOM_REST, buf, pos)
            if pos < len(buf):
                end = pos
                break
        if len(buf) > max_token:
            raise TokenTooLong(len(buf))
        more = read(size)
        if not more:
            return buf, len(buf)  # the input ends inside the token: the parser says so
        buf += more
    if end > max_token:
        raise TokenTooLong(end)
    return buf, _end(_WHOLE_TOKENS, buf, end)
