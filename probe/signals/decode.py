"""One entry point for every consent string kind probe decodes."""

from __future__ import annotations

from probe.signals.errors import DecodeError
from probe.signals.gpp import GppString, decode_gpp_string
from probe.signals.tcf import TCString, decode_tc_string
from probe.signals.usp import UsPrivacy, decode_us_privacy

Decoded = TCString | GppString | UsPrivacy | DecodeError


def decode(kind: str, value: str) -> Decoded:
    """Decode a ``tcf``, ``gpp`` or ``usp`` string; any other kind is a DecodeError."""
    if kind == "tcf":
        return decode_tc_string(value)
    if kind == "gpp":
        return decode_gpp_string(value)
    if kind == "usp":
        return decode_us_privacy(value)
    return DecodeError(kind, value, f"{kind!r} is not a consent string kind")
