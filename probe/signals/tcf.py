"""IAB TCF v2 TC strings: the core segment decoded; other segments (disclosed/allowed vendors,
publisher TC) recognised by type and skipped.

Field order and widths follow "IAB Tech Lab - Consent string and vendor list formats v2", core string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import unquote

from probe.signals.bits import BitReader, BitsError, compact_ids, expand
from probe.signals.errors import DecodeError

SEGMENT_TYPES = {1: "disclosed-vendors", 2: "allowed-vendors", 3: "publisher-tc"}
RESTRICTION_TYPES = {0: "not-allowed", 1: "require-consent", 2: "require-legitimate-interest"}


@dataclass(frozen=True)
class PublisherRestriction:
    """A publisher restriction: for ``purpose``, these vendors are restricted as ``restriction`` says."""

    purpose: int
    restriction: int  # 0 not allowed, 1 require consent, 2 require legitimate interest
    vendors: tuple[int, ...]


@dataclass(frozen=True)
class TCString:
    """The core segment of a TCF v2 TC string."""

    version: int
    created: datetime
    last_updated: datetime
    cmp_id: int
    cmp_version: int
    consent_screen: int
    consent_language: str
    vendor_list_version: int
    policy_version: int
    service_specific: bool
    use_non_standard_texts: bool
    special_features: tuple[int, ...]  # special feature opt-ins, by id
    purpose_consents: tuple[int, ...]  # purposes with consent, by id
    purpose_legitimate_interests: tuple[int, ...]
    purpose_one_treatment: bool
    publisher_cc: str
    vendor_consents: tuple[int, ...]
    vendor_legitimate_interests: tuple[int, ...]
    publisher_restrictions: tuple[PublisherRestriction, ...] = ()
    segments: tuple[str, ...] = ()  # the other segments present, by type name

    @property
    def ok(self) -> bool:
        """Always True (a DecodeError is False)."""
        return True

    def to_json(self) -> dict[str, object]:
        """Compact JSON form: purposes as id lists, vendors as ``1-3,7`` ranges plus a count."""
        return {
            "version": self.version,
            "created": _iso(self.created),
            "last_updated": _iso(self.last_updated),
            "cmp_id": self.cmp_id,
            "cmp_version": self.cmp_version,
            "consent_screen": self.consent_screen,
            "consent_language": self.consent_language,
            "vendor_list_version": self.vendor_list_version,
            "policy_version": self.policy_version,
            "service_specific": self.service_specific,
            "purpose_one_treatment": self.purpose_one_treatment,
            "publisher_cc": self.publisher_cc,
            "special_features": list(self.special_features),
            "purpose_consents": list(self.purpose_consents),
            "purpose_legitimate_interests": list(self.purpose_legitimate_interests),
            "vendor_consents": compact_ids(self.vendor_consents),
            "vendor_consent_count": len(self.vendor_consents),
            "vendor_legitimate_interests": compact_ids(self.vendor_legitimate_interests),
            "publisher_restrictions": [
                {
                    "purpose": r.purpose,
                    "type": RESTRICTION_TYPES.get(r.restriction, str(r.restriction)),
                    "vendors": compact_ids(r.vendors),
                }
                for r in self.publisher_restrictions
            ],
            "segments": list(self.segments),
        }


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(reader: BitReader, what: str) -> datetime:
    deciseconds = reader.uint(36, what)
    return datetime.fromtimestamp(deciseconds / 10, UTC)


def _ranges(reader: BitReader, count: int, what: str) -> tuple[int, ...]:
    """``count`` range entries: IsARange, start, [end], 16 bits each id."""
    ranges: list[tuple[int, int]] = []
    for _ in range(count):
        is_range = reader.flag(what)
        start = reader.uint(16, what)
        end = reader.uint(16, what) if is_range else start
        ranges.append((start, end))
    return expand(ranges)


def _vendor_section(reader: BitReader, what: str) -> tuple[int, ...]:
    max_vendor_id = reader.uint(16, f"{what} MaxVendorId")
    if reader.flag(f"{what} IsRangeEncoding"):
        return _ranges(reader, reader.uint(12, f"{what} NumEntries"), what)
    return reader.flags(max_vendor_id, f"{what} bitfield")


def _restrictions(reader: BitReader) -> tuple[PublisherRestriction, ...]:
    found = []
    for _ in range(reader.uint(12, "NumPubRestrictions")):
        purpose = reader.uint(6, "PurposeId")
        restriction = reader.uint(2, "RestrictionType")
        vendors = _ranges(reader, reader.uint(12, "restriction NumEntries"), "publisher restriction")
        found.append(PublisherRestriction(purpose, restriction, vendors))
    return tuple(found)


def _segment_type(segment: str) -> str:
    """A non-core segment's type name; vendor lists are read through to catch truncated ones."""
    try:
        reader = BitReader.from_base64url(segment)
        kind = reader.uint(3, "SegmentType")
    except BitsError:
        return "invalid"
    name = SEGMENT_TYPES.get(kind, f"unknown-{kind}")
    if kind in (1, 2):
        try:
            _vendor_section(reader, name)
        except BitsError as exc:
            return f"{name} (invalid: {exc})"
    return name


def _decode_core(core: str, others: list[str]) -> TCString:
    reader = BitReader.from_base64url(core)
    version = reader.uint(6, "Version")
    if version == 1:
        raise BitsError("TCF v1.1 consent string (version 1); only TCF v2 strings are decoded")
    if version != 2:
        raise BitsError(f"unsupported TC string version {version}")
    return TCString(
        version=version,
        created=_time(reader, "Created"),
        last_updated=_time(reader, "LastUpdated"),
        cmp_id=reader.uint(12, "CmpId"),
        cmp_version=reader.uint(12, "CmpVersion"),
        consent_screen=reader.uint(6, "ConsentScreen"),
        consent_language=reader.letters(2, "ConsentLanguage"),
        vendor_list_version=reader.uint(12, "VendorListVersion"),
        policy_version=reader.uint(6, "TcfPolicyVersion"),
        service_specific=reader.flag("IsServiceSpecific"),
        use_non_standard_texts=reader.flag("UseNonStandardTexts"),
        special_features=reader.flags(12, "SpecialFeatureOptIns"),
        purpose_consents=reader.flags(24, "PurposesConsent"),
        purpose_legitimate_interests=reader.flags(24, "PurposesLITransparency"),
        purpose_one_treatment=reader.flag("PurposeOneTreatment"),
        publisher_cc=reader.letters(2, "PublisherCC"),
        vendor_consents=_vendor_section(reader, "vendor consents"),
        vendor_legitimate_interests=_vendor_section(reader, "vendor legitimate interests"),
        publisher_restrictions=_restrictions(reader),
        segments=tuple(_segment_type(s) for s in others if s),
    )


@lru_cache(maxsize=256)
def decode_tc_string(text: str) -> TCString | DecodeError:
    """Decode a TCF v2 TC string; a DecodeError says why it could not be."""
    value = text.strip()
    if "%" in value:
        value = unquote(value)  # cookies and query strings sometimes keep it percent-encoded
    core, *others = value.split(".")
    if not core:
        return DecodeError("tcf", text, "empty TC string")
    try:
        return _decode_core(core, others)
    except (BitsError, ValueError, OverflowError, OSError) as exc:  # the last two: absurd dates
        return DecodeError("tcf", text, str(exc))
