"""The IAB CCPA US Privacy string (``1YNN``), standalone or as GPP section 6 (uspv1)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from probe.signals.errors import DecodeError

_FLAGS = frozenset("YN-")


@dataclass(frozen=True)
class UsPrivacy:
    """Version, notice given, opted out of sale, covered by the LSPA ('Y', 'N' or '-' not applicable)."""

    version: int
    notice: str
    opt_out_sale: str
    lspa_covered: str

    @property
    def ok(self) -> bool:
        """Always True (a DecodeError is False)."""
        return True

    @property
    def opted_out(self) -> bool | None:
        """True when the visitor opted out of sale, False when not, None when CCPA does not apply."""
        return {"Y": True, "N": False}.get(self.opt_out_sale)

    def to_json(self) -> dict[str, object]:
        """Compact JSON form."""
        return {
            "version": self.version,
            "notice": self.notice,
            "opt_out_sale": self.opt_out_sale,
            "lspa_covered": self.lspa_covered,
        }


@lru_cache(maxsize=256)
def decode_us_privacy(text: str) -> UsPrivacy | DecodeError:
    """Decode a US Privacy string; a DecodeError says why it could not be."""
    value = unquote(text.strip()).upper()
    if len(value) != 4:
        return DecodeError("usp", text, f"a US Privacy string has 4 characters, not {len(value)}")
    if not value[0].isdigit():
        return DecodeError("usp", text, f"version {value[0]!r} is not a digit")
    if not set(value[1:]) <= _FLAGS:
        return DecodeError("usp", text, "notice, opt-out and LSPA flags must each be Y, N or -")
    return UsPrivacy(int(value[0]), value[1], value[2], value[3])
