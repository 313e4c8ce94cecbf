"""Body decoding: JSON in text/plain, gzip, base64, malformed input; Basic auth writeKey."""

from __future__ import annotations

import base64
import gzip
import json
import zlib

from hypothesis import given
from hypothesis import strategies as st
from timeline_factory import golden

from probe.segment import basic_auth_user, clip, decode_body, pixel_payload


def test_plain_json_body_parses_whatever_the_content_type() -> None:
    body = decode_body(golden("track_next.json"))
    assert body.ok
    assert body.data["event"] == "Product Viewed"


def test_gzip_and_base64_bodies_decode_to_the_same_event() -> None:
    plain = decode_body(golden("track_next.json")).data
    assert decode_body(golden("track_next.json.gz")).data == plain
    assert decode_body(golden("track_next.b64")).data == plain


def test_content_encoding_deflate_is_honoured() -> None:
    raw = golden("metrics.json")
    assert decode_body(zlib.compress(raw), "deflate").data == json.loads(raw)
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    packed = raw_deflate.compress(raw) + raw_deflate.flush()
    assert decode_body(packed, "deflate").data == json.loads(raw)


def test_malformed_json_is_a_result_not_an_exception() -> None:
    body = decode_body(golden("malformed.txt"))
    assert not body.ok
    assert body.error is not None and body.error.startswith("malformed JSON")
    assert body.text.startswith('{"timestamp"')


def test_empty_corrupt_and_non_utf8_bodies_report_why() -> None:
    assert decode_body(None).error == "empty body"
    assert decode_body(b"").error == "empty body"
    assert decode_body(b"\x1f\x8b\x08garbage").error == "corrupt compressed body"
    assert decode_body(b"\xff\xfe{}").error == "body is not UTF-8 text"


def test_base64_of_gzip_is_unwrapped() -> None:
    raw = golden("batch_next.json")
    wrapped = base64.b64encode(gzip.compress(raw))
    assert decode_body(wrapped).data == json.loads(raw)


def test_basic_auth_user_is_the_write_key() -> None:
    token = base64.b64encode(b"DEMOWRITEKEY:").decode()
    assert basic_auth_user(f"Basic {token}") == "DEMOWRITEKEY"
    assert basic_auth_user(f"basic {token.rstrip('=')}") == "DEMOWRITEKEY"
    assert basic_auth_user("Bearer abc") is None
    assert basic_auth_user("Basic !!!") is None
    assert basic_auth_user(None) is None


def test_clip_marks_the_cut_and_keeps_the_limit() -> None:
    assert clip("x" * 10, 20) == "x" * 10
    cut = clip("y" * 400)
    assert len(cut) == 300 and cut.endswith("…")


@given(st.binary(max_size=512))
def test_decode_body_never_raises(data: bytes) -> None:
    body = decode_body(data)
    assert body.ok or body.error


def test_pixel_payload_reads_base64_data_or_dotted_parameters() -> None:
    data = (
        base64.urlsafe_b64encode(json.dumps({"writeKey": "K", "event": "Opened"}).encode())
        .decode()
        .rstrip("=")
    )
    assert pixel_payload([("data", data)]).data == {"writeKey": "K", "event": "Opened"}
    assert pixel_payload([("data", '{"event":"Plain"}')]).data == {"event": "Plain"}
    dotted = pixel_payload([("userId", "u"), ("properties.total", "9"), ("context.page.path", "/")])
    assert dotted.data == {"userId": "u", "properties": {"total": "9"}, "context": {"page": {"path": "/"}}}
    clash = pixel_payload([("properties", "x"), ("properties.total", "9")])  # a leaf cannot grow children
    assert clash.data == {"properties": "x"}
    assert pixel_payload([]).error == "no data in the query"


def test_json_nested_thousands_deep_is_unparseable_not_a_crash() -> None:
    # found by benchmarks/fuzz_replay.py: json.loads raises RecursionError, which used to escape
    body = decode_body(b"[" * 5000 + b"]" * 5000, None)
    assert body.data is None and body.error is not None and body.error.startswith("malformed JSON")
