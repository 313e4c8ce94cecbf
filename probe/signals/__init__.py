"""Consent signals besides Segment's own stamp: IAB TCF v2 TC strings, GPP strings, the US Privacy
string and Global Privacy Control. Segment itself reads none of them (reference: segment-wire §5);
probe decodes them from the traffic, storage and page APIs and checks them against the banner choice.

Decoders never raise: malformed input gives a ``DecodeError`` (``result.ok`` is False).
"""

from probe.signals.bits import compact_ids
from probe.signals.decode import Decoded, decode
from probe.signals.errors import DecodeError
from probe.signals.extract import STRING_KINDS, Sighting, find_sightings
from probe.signals.gpp import (
    SECTION_NAMES,
    TCF_EU_V2,
    US_NAT,
    USP_V1,
    GppString,
    UndecodedSection,
    decode_gpp_string,
    section_name,
)
from probe.signals.mapping import (
    DEFAULT_PURPOSES,
    PurposeVerdict,
    advertising_categories,
    category_purposes,
    is_advertising,
    judge_purposes,
    purpose_map,
)
from probe.signals.pages import compact_page_signals, page_signals, read_page_signals, signals_from_pages
from probe.signals.summary import decode_timeline_signals
from probe.signals.tcf import PublisherRestriction, TCString, decode_tc_string
from probe.signals.usnat import NOT_OPTED_OUT, OPTED_OUT, UsNat, decode_usnat
from probe.signals.usp import UsPrivacy, decode_us_privacy

__all__ = [
    "DEFAULT_PURPOSES",
    "NOT_OPTED_OUT",
    "OPTED_OUT",
    "SECTION_NAMES",
    "STRING_KINDS",
    "TCF_EU_V2",
    "USP_V1",
    "US_NAT",
    "DecodeError",
    "Decoded",
    "GppString",
    "PublisherRestriction",
    "PurposeVerdict",
    "Sighting",
    "TCString",
    "UndecodedSection",
    "UsNat",
    "UsPrivacy",
    "advertising_categories",
    "category_purposes",
    "compact_ids",
    "compact_page_signals",
    "decode",
    "decode_gpp_string",
    "decode_tc_string",
    "decode_timeline_signals",
    "decode_us_privacy",
    "decode_usnat",
    "find_sightings",
    "is_advertising",
    "judge_purposes",
    "page_signals",
    "purpose_map",
    "read_page_signals",
    "section_name",
    "signals_from_pages",
]
