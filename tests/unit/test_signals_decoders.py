"""TCF v2, GPP, usnat and US Privacy decoders against the IAB's published vectors (tests/golden/signals)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.signals import (
    DecodeError,
    GppString,
    TCString,
    UsNat,
    UsPrivacy,
    compact_ids,
    decode,
    decode_gpp_string,
    decode_tc_string,
    decode_us_privacy,
    decode_usnat,
)
from probe.signals.bits import BitReader, BitsError, expand

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "signals"


def vectors(name: str) -> Any:
    """A golden vector file, parsed."""
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def subset(actual: dict[str, object], expected: dict[str, object]) -> dict[str, object]:
    """The keys of ``actual`` that ``expected`` names (so a failing test shows only what differs)."""
    return {key: actual.get(key, "<missing>") for key in expected}


TCF = vectors("tcf.json")
GPP = vectors("gpp.json")
USNAT = vectors("usnat.json")
USP = vectors("usp.json")


@pytest.mark.parametrize("vector", TCF, ids=[v["name"] for v in TCF])
def test_tc_string_vectors(vector: dict[str, Any]) -> None:
    decoded = decode_tc_string(vector["string"])
    assert isinstance(decoded, TCString), decoded
    as_json = decoded.to_json()
    assert subset(as_json, vector["expect"]) == vector["expect"]


def test_vendor_legitimate_interest_counts_of_gpp_es_vectors() -> None:
    counted = [v for v in TCF if "vendor_legitimate_interest_count" in v]
    decoded = [decode_tc_string(v["string"]) for v in counted]
    counts = [len(d.vendor_legitimate_interests) if isinstance(d, TCString) else None for d in decoded]
    assert counts == [v["vendor_legitimate_interest_count"] for v in counted] == [280, 254]


def test_publisher_restriction_of_issue_201() -> None:
    [vector] = [v for v in TCF if "restriction" in v]
    decoded = decode_tc_string(vector["string"])
    assert isinstance(decoded, TCString)
    assert vector["restriction"] in decoded.to_json()["publisher_restrictions"]  # type: ignore[operator]


@pytest.mark.parametrize("vector", vectors("tcf_errors.json"), ids=lambda v: v["name"])
def test_malformed_tc_strings_give_a_decode_error(vector: dict[str, str]) -> None:
    decoded = decode_tc_string(vector["string"])
    assert isinstance(decoded, DecodeError)
    assert (decoded.ok, decoded.kind, decoded.reason) == (False, "tcf", vector["reason"])


def test_tc_string_tolerates_percent_encoding_padding_and_standard_base64() -> None:
    plain = "COtybn4PA_zT4KjACBENAPCIAEBAAECAAIAAAAAAAAAA"
    variants = [plain.replace("_", "%5F"), plain + "==", plain.replace("_", "/"), f"  {plain}\n"]
    assert {decode_tc_string(v) for v in variants} == {decode_tc_string(plain)}


def test_decode_error_json_shows_a_clipped_value() -> None:
    error = decode_tc_string("B" + "A" * 200)
    assert isinstance(error, DecodeError)
    assert error.to_json() == {
        "error": "TCF v1.1 consent string (version 1); only TCF v2 strings are decoded",
        "value": "B" + "A" * 78 + "…",
    }
    assert str(error) == (
        "cannot decode tcf string: TCF v1.1 consent string (version 1); only TCF v2 strings are decoded"
    )


@pytest.mark.parametrize("vector", GPP["headers"], ids=lambda v: v["string"])
def test_gpp_header_vectors(vector: dict[str, Any]) -> None:
    # a bare header lists sections that do not follow, so it is read through the bit reader
    reader = BitReader.from_base64url(vector["string"])
    assert (reader.uint(6, "Type"), reader.uint(6, "Version")) == (3, 1)
    assert list(reader.fibonacci_ids("SectionIds")) == vector["section_ids"]


@pytest.mark.parametrize("vector", GPP["fibonacci_ranges"], ids=lambda v: v["bits"])
def test_fibonacci_range_vectors(vector: dict[str, Any]) -> None:
    assert list(BitReader(vector["bits"]).fibonacci_ids("SectionIds")) == vector["ids"]


def test_fibonacci_code_without_terminator_is_an_error() -> None:
    with pytest.raises(BitsError, match="string ends inside SectionIds"):
        BitReader("000000000001" + "0010").fibonacci_ids("SectionIds")


@pytest.mark.parametrize("vector", GPP["strings"], ids=lambda v: v["name"])
def test_gpp_string_vectors(vector: dict[str, Any]) -> None:
    decoded = decode_gpp_string(vector["string"])
    assert isinstance(decoded, GppString), decoded
    as_json = decoded.to_json()
    assert (as_json["version"], as_json["section_ids"]) == (1, vector["section_ids"])
    sections = as_json["sections"]
    assert isinstance(sections, dict)
    for name, expected in vector.get("sections", {}).items():
        assert sections[name] == expected
    for name in ("tcfeuv2", "usnat"):
        if name in vector:
            assert subset(sections[name], vector[name]) == vector[name]


def test_gpp_section_lookup_by_id() -> None:
    decoded = decode_gpp_string("DBACNYA~CPSG_8APSG_8ANwAAAENAwCAAAAAAAAAAAAAAAAAAAAA.QAAA.IAAA~1YNN")
    assert isinstance(decoded, GppString)
    assert isinstance(decoded.section(2), TCString)
    assert decoded.section(6) == UsPrivacy(1, "Y", "N", "N")
    assert decoded.section(7) is None


def test_gpp_section_that_fails_keeps_the_rest() -> None:
    decoded = decode_gpp_string("DBACNYA~CP*broken~1YNN")
    assert isinstance(decoded, GppString)
    assert decoded.to_json()["sections"] == {
        "tcfeuv2": {"error": "character '*' is not base64url", "value": "CP*broken"},
        "uspv1": {"version": 1, "notice": "Y", "opt_out_sale": "N", "lspa_covered": "N"},
    }


@pytest.mark.parametrize("vector", GPP["errors"], ids=lambda v: v["string"] or "empty")
def test_malformed_gpp_strings_give_a_decode_error(vector: dict[str, str]) -> None:
    decoded = decode_gpp_string(vector["string"])
    assert isinstance(decoded, DecodeError)
    assert (decoded.kind, decoded.reason) == ("gpp", vector["reason"])


@pytest.mark.parametrize("vector", USNAT["decode"], ids=lambda v: v["string"])
def test_usnat_vectors(vector: dict[str, Any]) -> None:
    decoded = decode_usnat(vector["string"])
    assert isinstance(decoded, UsNat), decoded
    assert subset(decoded.to_json(), vector["expect"]) == vector["expect"]


def test_usnat_opt_outs_by_spec_name() -> None:
    decoded = decode_usnat("BVQqAAAAAgA.QA")
    assert isinstance(decoded, UsNat)
    assert decoded.opt_outs() == {"SaleOptOut": 2, "SharingOptOut": 2, "TargetedAdvertisingOptOut": 2}


@pytest.mark.parametrize("vector", USNAT["errors"], ids=lambda v: v["string"])
def test_malformed_usnat_gives_a_decode_error(vector: dict[str, str]) -> None:
    decoded = decode_usnat(vector["string"])
    assert isinstance(decoded, DecodeError)
    assert decoded.reason == vector["reason"]


def test_truncated_usnat_names_the_field() -> None:
    decoded = decode_usnat("BVVV")
    assert isinstance(decoded, DecodeError)
    assert decoded.reason == "string ends inside SensitiveDataProcessing (needs 2 bits at bit 24)"


@pytest.mark.parametrize("vector", USP["decode"], ids=lambda v: v["string"])
def test_us_privacy_vectors(vector: dict[str, Any]) -> None:
    decoded = decode_us_privacy(vector["string"])
    assert isinstance(decoded, UsPrivacy)
    assert decoded.to_json() == vector["expect"]


def test_us_privacy_opted_out() -> None:
    decoded = [decode_us_privacy(s) for s in ("1YYN", "1YNN", "1---")]
    assert [d.opted_out if isinstance(d, UsPrivacy) else "error" for d in decoded] == [True, False, None]


@pytest.mark.parametrize("vector", USP["errors"], ids=lambda v: v["string"])
def test_malformed_us_privacy_gives_a_decode_error(vector: dict[str, str]) -> None:
    decoded = decode_us_privacy(vector["string"])
    assert isinstance(decoded, DecodeError)
    assert decoded.reason == vector["reason"]


def test_decode_dispatches_by_kind() -> None:
    assert isinstance(decode("tcf", TCF[0]["string"]), TCString)
    assert isinstance(decode("gpp", "DBABTA~1YNN"), GppString)
    assert isinstance(decode("usp", "1YNN"), UsPrivacy)
    unknown = decode("gdpr", "1")
    assert isinstance(unknown, DecodeError) and unknown.reason == "'gdpr' is not a consent string kind"


def test_compact_ids_and_range_expansion() -> None:
    assert compact_ids([5, 1, 2, 3, 9, 10]) == "1-3,5,9-10"
    assert compact_ids([]) == ""
    assert expand([(3, 5), (1, 1), (4, 8)]) == (1, 3, 4, 5, 6, 7, 8)
    with pytest.raises(BitsError, match="invalid id range 5-3"):
        expand([(5, 3)])


_BASE64URL = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", max_size=300
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_BASE64URL, st.text(max_size=60)))
def test_decoders_never_raise(text: str) -> None:
    results = [decode_tc_string(text), decode_gpp_string(text), decode_us_privacy(text), decode_usnat(text)]
    assert all(isinstance(r, TCString | GppString | UsPrivacy | UsNat | DecodeError) for r in results)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=1, max_size=200))
def test_tc_decoder_never_raises_on_core_prefixed_noise(noise: bytes) -> None:
    # version 2 header followed by random bits: exercises every field reader, ranges included
    text = "C" + base64.urlsafe_b64encode(noise).decode().rstrip("=")
    assert isinstance(decode_tc_string(text), TCString | DecodeError)
