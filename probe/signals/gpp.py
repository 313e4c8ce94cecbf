"""IAB GPP strings: the header (type 3, version 1, Fibonacci-coded section ids) and the sections probe
reads: tcfeuv2 (2), uspv1 (6) and usnat (7). Other sections are listed by id and name, not decoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

from probe.signals.bits import BitReader, BitsError
from probe.signals.errors import DecodeError
from probe.signals.tcf import TCString, decode_tc_string
from probe.signals.usnat import UsNat, decode_usnat
from probe.signals.usp import UsPrivacy, decode_us_privacy

HEADER_TYPE = 3
TCF_EU_V2, USP_V1, US_NAT = 2, 6, 7
SECTION_NAMES = {
    1: "tcfeuv1",
    2: "tcfeuv2",
    5: "tcfcav1",
    6: "uspv1",
    7: "usnat",
    8: "usca",
    9: "usva",
    10: "usco",
    11: "usut",
    12: "usct",
    13: "usfl",
    14: "usmt",
    15: "usor",
    16: "ustx",
    17: "usde",
    18: "usia",
    19: "usne",
    20: "usnh",
    21: "usnj",
    22: "ustn",
}


def section_name(section_id: int) -> str:
    """The GPP spec's short name of a section id."""
    return SECTION_NAMES.get(section_id, f"section-{section_id}")


@dataclass(frozen=True)
class UndecodedSection:
    """A section probe does not decode (US state sections, Canada TCF, ...)."""

    id: int
    value: str

    @property
    def ok(self) -> bool:
        """True: not decoding it is not an error."""
        return True

    def to_json(self) -> dict[str, object]:
        """Compact JSON form."""
        return {"decoded": False}


Section = TCString | UsPrivacy | UsNat | UndecodedSection | DecodeError


@dataclass(frozen=True)
class GppString:
    """A decoded GPP string: header fields and each section in header order."""

    version: int
    section_ids: tuple[int, ...]
    sections: tuple[Section, ...]  # same order as section_ids

    @property
    def ok(self) -> bool:
        """True: the header decoded (sections may still carry their own DecodeError)."""
        return True

    def section(self, section_id: int) -> Section | None:
        """The section with this id, if the string has it."""
        for sid, section in zip(self.section_ids, self.sections, strict=True):
            if sid == section_id:
                return section
        return None

    def to_json(self) -> dict[str, object]:
        """Compact JSON form: sections keyed by name."""
        return {
            "version": self.version,
            "section_ids": list(self.section_ids),
            "sections": {
                section_name(sid): section.to_json()
                for sid, section in zip(self.section_ids, self.sections, strict=True)
            },
        }


def _section(section_id: int, text: str) -> Section:
    if section_id == TCF_EU_V2:
        return decode_tc_string(text)
    if section_id == USP_V1:
        return decode_us_privacy(text)
    if section_id == US_NAT:
        return decode_usnat(text)
    return UndecodedSection(section_id, text)


@lru_cache(maxsize=256)
def decode_gpp_string(text: str) -> GppString | DecodeError:
    """Decode a GPP string; a DecodeError says why the header could not be read."""
    value = unquote(text.strip())
    header, *parts = value.split("~")
    try:
        reader = BitReader.from_base64url(header)
        kind = reader.uint(6, "Type")
        if kind != HEADER_TYPE:
            return DecodeError("gpp", text, f"header type is {kind}, not {HEADER_TYPE}: not a GPP string")
        version = reader.uint(6, "Version")
        ids = reader.fibonacci_ids("SectionIds")
    except BitsError as exc:
        return DecodeError("gpp", text, f"header: {exc}")
    if len(ids) != len(parts):
        return DecodeError(
            "gpp", text, f"header lists {len(ids)} section(s) {list(ids)} but {len(parts)} follow"
        )
    return GppString(version, ids, tuple(_section(sid, part) for sid, part in zip(ids, parts, strict=True)))
