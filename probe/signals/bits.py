"""Reading IAB bit strings: base64url segments, fixed-width integers, bitfields, Fibonacci codes."""

from __future__ import annotations

from collections.abc import Iterable

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# some CMPs write standard base64 ('+', '/') or pad with '='; the bits are the same
_VALUES = {c: i for i, c in enumerate(_ALPHABET)} | {"+": 62, "/": 63}
_LETTER_A = ord("A")
MAX_VENDOR_ID = 0xFFFF


class BitsError(ValueError):
    """A segment that is not base64url, or whose bits end before a field does."""


def base64url_bits(text: str) -> str:
    """The bits of a base64url segment as a '0'/'1' string (6 bits per character)."""
    stripped = text.rstrip("=")
    if not stripped:
        raise BitsError("empty segment")
    try:
        return "".join(format(_VALUES[c], "06b") for c in stripped)
    except KeyError as exc:
        raise BitsError(f"character {exc.args[0]!r} is not base64url") from None


class BitReader:
    """Sequential reader over a bit string; every read past the end raises BitsError."""

    def __init__(self, bits: str) -> None:
        self.bits = bits
        self.pos = 0

    @classmethod
    def from_base64url(cls, text: str) -> BitReader:
        """A reader over a base64url segment."""
        return cls(base64url_bits(text))

    @property
    def remaining(self) -> int:
        """Bits not read yet."""
        return len(self.bits) - self.pos

    def take(self, count: int, what: str) -> str:
        """The next ``count`` bits."""
        if count > self.remaining:
            raise BitsError(f"string ends inside {what} (needs {count} bits at bit {self.pos})")
        chunk = self.bits[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def uint(self, count: int, what: str) -> int:
        """An unsigned big-endian integer of ``count`` bits."""
        return int(self.take(count, what), 2) if count else 0

    def flag(self, what: str) -> bool:
        """One bit."""
        return self.take(1, what) == "1"

    def flags(self, count: int, what: str) -> tuple[int, ...]:
        """A bitfield of ``count`` bits as the 1-based ids whose bit is set."""
        chunk = self.take(count, what)
        return tuple(i + 1 for i, bit in enumerate(chunk) if bit == "1")

    def letters(self, count: int, what: str) -> str:
        """``count`` 6-bit letters (0 = 'A'), as TCF writes language and country codes."""
        values = [self.uint(6, what) for _ in range(count)]
        return "".join(chr(_LETTER_A + v) if v < 26 else "?" for v in values)

    def fibonacci(self, what: str) -> int:
        """A Fibonacci-coded positive integer (GPP): bits weigh 1, 2, 3, 5, ...; '11' ends the code."""
        value, weight, previous_weight, previous_bit = 0, 1, 1, "0"
        while True:
            bit = self.take(1, what)
            if bit == "1" and previous_bit == "1":
                return value
            if bit == "1":
                value += weight
            weight, previous_weight = weight + previous_weight, weight
            previous_bit = bit

    def fibonacci_ids(self, what: str) -> tuple[int, ...]:
        """GPP's Fibonacci integer range: a 12-bit count, then single ids or ranges as ascending offsets."""
        ranges: list[tuple[int, int]] = []
        last = 0
        for _ in range(self.uint(12, what)):
            is_range = self.flag(what)
            start = last + self.fibonacci(what)
            end = start + self.fibonacci(what) if is_range else start
            ranges.append((start, end))
            last = end
        return expand(ranges)


def expand(ranges: Iterable[tuple[int, int]]) -> tuple[int, ...]:
    """Sorted distinct ids of inclusive ranges (overlaps merged first, so huge overlaps stay cheap)."""
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if start < 1 or end < start or end > MAX_VENDOR_ID:
            raise BitsError(f"invalid id range {start}-{end}")
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(i for start, end in merged for i in range(start, end + 1))


def compact_ids(ids: Iterable[int]) -> str:
    """``1,2,3,5`` as ``1-3,5``: vendor lists stay short in reports and JSON."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(set(ids)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [i]
    if run:
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ",".join(parts)
