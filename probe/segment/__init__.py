"""Segment wire knowledge: endpoints, event and batch parsing, settings, consent stamps, identifiers.

Everything here reads recorded requests only; nothing talks to Segment.
"""

from probe.segment.body import (
    EXCERPT_LIMIT,
    NOT_CAPTURED,
    Body,
    basic_auth_user,
    clip,
    compact_json,
    decode_body,
    pixel_payload,
)
from probe.segment.bundles import Bundle, destination_for_bundle, parse_bundle
from probe.segment.cookies import SetCookie, cookie_pairs, parse_set_cookie, request_cookies, response_cookies
from probe.segment.endpoints import (
    INGESTION_KINDS,
    SDK_KINDS,
    ApiHost,
    Endpoints,
    Kind,
    WireCall,
    is_segment_domain,
    wire_call,
)
from probe.segment.events import (
    CONSENT_UPDATED,
    SERVER_LIBRARIES,
    ConsentStamp,
    SegmentEvent,
    Unparseable,
    ingestion_body,
    parse_consent,
    parse_ingestion,
)
from probe.segment.identifiers import (
    AJS_IDENTIFIERS,
    IdentifierSighting,
    find_identifiers,
    in_entry,
    in_snapshot,
)
from probe.segment.settings import (
    Destination,
    SegmentSettings,
    merge_settings,
    normalize_name,
    parse_settings,
)
from probe.segment.shapes import looks_like_event, looks_like_segment_payload
from probe.segment.traffic import SegmentRequest, SegmentTraffic, read_segment

__all__ = [
    "AJS_IDENTIFIERS",
    "CONSENT_UPDATED",
    "EXCERPT_LIMIT",
    "INGESTION_KINDS",
    "NOT_CAPTURED",
    "SDK_KINDS",
    "SERVER_LIBRARIES",
    "ApiHost",
    "Body",
    "Bundle",
    "ConsentStamp",
    "Destination",
    "Endpoints",
    "IdentifierSighting",
    "Kind",
    "SegmentEvent",
    "SegmentRequest",
    "SegmentSettings",
    "SegmentTraffic",
    "SetCookie",
    "Unparseable",
    "WireCall",
    "basic_auth_user",
    "clip",
    "compact_json",
    "cookie_pairs",
    "decode_body",
    "destination_for_bundle",
    "find_identifiers",
    "in_entry",
    "ingestion_body",
    "in_snapshot",
    "is_segment_domain",
    "looks_like_event",
    "looks_like_segment_payload",
    "merge_settings",
    "normalize_name",
    "parse_bundle",
    "parse_consent",
    "parse_ingestion",
    "parse_set_cookie",
    "parse_settings",
    "pixel_payload",
    "read_segment",
    "request_cookies",
    "response_cookies",
    "wire_call",
]
