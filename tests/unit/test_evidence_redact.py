"""Redaction: personal values become stable placeholders; what the analysis reads stays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from probe.evidence import HarError, apply_phases, load_har, read_bundle
from probe.evidence._scrub import Scrubber
from probe.evidence.manifest import read_manifest, verify, write_manifest
from probe.evidence.redact import redact_bundle, redact_har

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
KEY = b"test-key"
IDS = "ajs-next-1795960288252-aefd0e815e99a8 2026-11-29T10:00:05.400Z"  # message ids and times stay
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
AID = "7e57d004-2b97-4e7a-b45f-5387367791cd"
CC_ACCEPT = "%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22marketing%22%5D%7D"
CC_REVOKE = "%7B%22categories%22%3A%5B%22necessary%22%5D%7D"


def tok(value: str) -> str:
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:8]


def texts_of(path: Path) -> str:
    """The file as text plus every base64 body decoded: personal data must not hide anywhere."""
    raw = path.read_text(encoding="utf-8")
    decoded = [
        base64.b64decode(m).decode("utf-8", "replace")
        for m in re.findall(r'"text": "([A-Za-z0-9+/=]+)",\s*"encoding": "base64"', raw)
    ]
    return "\n".join([raw, *decoded])


def secrets_in(path: Path) -> set[str]:
    """Cookie values, credentials and e-mails of an original HAR."""
    found: set[str] = set(EMAIL.findall(texts_of(path)))
    for e in load_har(path).timeline.entries:
        for name, value in (*e.request_headers, *e.response_headers):
            if name == "cookie":
                found |= {v.split("=", 1)[1] for v in value.split("; ") if "=" in v}
            elif name == "set-cookie":
                found.add(value.split(";")[0].split("=", 1)[1])
            elif name == "authorization":
                found.add(value.split(" ", 1)[1])
    return {s for s in found if s}


def segment_fields(event: dict[str, Any]) -> tuple[Any, ...]:
    return (
        event["type"],
        event.get("event"),
        event["messageId"],
        event["writeKey"],
        event["context"].get("consent"),
    )


def test_bundle_redaction(tmp_path: Path) -> None:
    folder = tmp_path / "revoke"
    shutil.copytree(GOLDEN / "bundle", folder)
    write_manifest(folder, scenario="revoke")
    before, _ = read_bundle(folder)
    leaked = secrets_in(folder / "evidence.har") | {"erika@example.net", "+1 415 555 0132", CC_REVOKE}
    assert {"d2tfZGVtbzo=", CC_ACCEPT, AID, "erika@example.net"} <= leaked

    redaction = redact_bundle(folder, key=KEY)

    for name in ("evidence.har", "after-revoke.storage.json"):
        text = texts_of(folder / name)
        assert [s for s in leaked if s in text] == []
        assert {e for e in EMAIL.findall(text) if not e.endswith("@example.invalid")} == set()
    assert redaction.counts == {"auth": 1, "cookie": 3, "email": 1, "id": 1, "phone": 1}
    assert redaction.files == ["evidence.har", "after-revoke.storage.json"]
    assert redaction.notes == [
        "screenshots (*.png) are not redacted: look at them before sharing",
        "suite.json is not redacted (site configuration, no visitor data)",
    ]
    manifest = read_manifest(folder)
    assert (manifest.redacted, manifest.scenario, manifest.redaction) == (True, "revoke", redaction)
    assert verify(folder).ok

    after, suite = read_bundle(folder)
    assert suite is not None and suite["name"] == "demo"
    assert after.marks == before.marks
    assert [(e.index, e.phase, e.url) for e in after.entries] == [
        (e.index, e.phase, e.url) for e in before.entries
    ]
    for old, new in zip(before.entries, after.entries, strict=True):
        if old.request_body:
            old_event, new_event = json.loads(old.request_body), json.loads(new.request_body or b"")
            assert segment_fields(new_event) == segment_fields(old_event)
            assert new_event["anonymousId"] == f"redacted-id-{tok(AID)}"
    # the same identifier keeps one hash across cookie, body and storage: correlation survives
    assert (
        after.entries[4].header("cookie")
        == f"cc_cookie=redacted-cookie-{tok(CC_ACCEPT)}; ajs_anonymous_id=redacted-cookie-{tok(AID)}"
    )
    assert after.entries[5].header("cookie") == after.entries[4].header("cookie")
    assert after.entries[4].header("authorization") == f"Basic redacted-auth-{tok('d2tfZGVtbzo=')}"
    assert after.snapshots[1].cookies == {
        "cc_cookie": f"redacted-cookie-{tok(CC_ACCEPT)}",
        "ajs_anonymous_id": f"redacted-cookie-{tok(AID)}",
    }
    assert after.snapshots[1].local_storage == {
        "ajs_anonymous_id": json.dumps(f"redacted-id-{tok(AID)}"),
        "ajs_user_traits": json.dumps(
            {"email": f"redacted-email-{tok('erika@example.net')}@example.invalid"}, separators=(",", ":")
        ),
    }
    assert after.snapshots[2].cookies["cc_cookie"] == f"redacted-cookie-{tok(CC_REVOKE)}"
    assert (
        json.loads(after.snapshots[2].local_storage["ajs_user_traits"])["phone"]
        == f"redacted-phone-{tok('14155550132')}"
    )
    storage = json.loads((folder / "after-revoke.storage.json").read_text())
    assert [(c["name"], c["domain"], c["sameSite"]) for c in storage["cookies"]] == [
        ("cc_cookie", "127.0.0.1", "Lax"),
        ("ajs_anonymous_id", "127.0.0.1", "Lax"),
    ]  # fmt: skip


def test_chrome_har_redaction(tmp_path: Path) -> None:
    source, out = GOLDEN / "chrome-devtools.har", tmp_path / "chrome.redacted.har"
    leaked = secrets_in(source) | {"+49 151 23456789", "user-8812", "52.84.150.39"}
    assert {"jane.doe@example.com", "support@shop.example", "abc123XYZ", "d2tfY2hyb21lOg=="} <= leaked
    redaction = redact_har(source, out, key=KEY)
    text = texts_of(out)
    assert [s for s in leaked if s in text] == []
    assert redaction.counts == {"auth": 1, "cookie": 4, "email": 2, "id": 2, "ip": 1, "phone": 1}
    assert redaction.files == ["chrome.redacted.har"]

    read = load_har(out)
    assert read.problems == []
    t = read.timeline
    set_cookies = [v for k, v in t.entries[0].response_headers if k == "set-cookie"]
    assert [v.split("=")[0] for v in set_cookies] == ["OptanonConsent", "session"]
    assert set_cookies[1] == f"session=redacted-cookie-{tok('abc123XYZ')}; path=/; HttpOnly; Secure"
    identify = json.loads(t.entries[9].request_body or b"")
    assert identify["userId"] == f"redacted-id-{tok('user-8812')}"
    assert identify["traits"] == {
        "email": f"redacted-email-{tok('jane.doe@example.com')}@example.invalid",
        "phone": f"redacted-phone-{tok('4915123456789')}",
        "plan": "pro",
    }
    assert identify["context"]["userAgent"].endswith("Chrome/156.0.0.0 Safari/537.36")  # versions are not IPs
    raw = json.loads(out.read_text())["log"]["entries"]
    assert raw[0]["serverIPAddress"] == f"redacted-ip-{tok('52.84.150.39')}"
    assert raw[3]["serverIPAddress"] == ""
    original = json.loads(source.read_text())["log"]["entries"]
    # base64 bodies without personal data are left byte-identical (settings JSON, PNG)
    assert raw[5]["response"]["content"] == original[5]["response"]["content"]
    assert raw[2]["response"]["content"] == original[2]["response"]["content"]
    assert (
        raw[8]["response"]["content"]["text"]
        == f"<p>Hello redacted-email-{tok('jane.doe@example.com')}@example.invalid</p>"
    )
    # the phase inference reads the same story from the redacted file
    assert apply_phases(t).signals == ("sdk-load", "consent-event", "cmp-cookie:OptanonAlertBoxClosed")


def test_firefox_form_post_and_forwarded_ip(tmp_path: Path) -> None:
    out = tmp_path / "ff.har"
    redact_har(GOLDEN / "firefox-devtools.har", out, key=KEY)
    entries = json.loads(out.read_text())["log"]["entries"]
    post = entries[1]["request"]["postData"]
    email, phone = (
        f"redacted-email-{tok('max.mustermann@example.org')}@example.invalid",
        f"redacted-phone-{tok('4930 1234567'.replace(' ', ''))}",
    )
    assert post["params"] == [{"name": "email", "value": email}, {"name": "phone", "value": phone}]
    assert post["text"] == f"email={email}&phone={phone}"
    assert {h["name"]: h["value"] for h in entries[1]["request"]["headers"]}[
        "X-Forwarded-For"
    ] == f"redacted-ip-{tok('81.2.69.142')}"
    klaro = "%7B%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D"
    assert entries[4]["request"]["cookies"] == [{"name": "klaro", "value": f"redacted-cookie-{tok(klaro)}"}]
    assert {h["name"]: h["value"] for h in entries[4]["request"]["headers"]}[
        "Cookie"
    ] == f"klaro=redacted-cookie-{tok(klaro)}"
    batch = json.loads(entries[3]["request"]["postData"]["text"])
    assert [(e["type"], e.get("event")) for e in batch["batch"]] == [
        ("track", "Segment Consent Preference Updated"),
        ("page", None),
    ]


def test_placeholders_are_stable_keyed_and_idempotent(tmp_path: Path) -> None:
    source = GOLDEN / "playwright-firstparty-ces.har"
    first, second, other, again = (tmp_path / f"{n}.har" for n in ("a", "b", "c", "d"))
    redact_har(source, first, key=KEY)
    redact_har(source, second, key=KEY)
    redact_har(source, other, key=b"another key")
    redact_har(first, again, key=KEY)
    assert first.read_bytes() == second.read_bytes() == again.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    t = load_har(first).timeline
    # the cart request's e-mail and the HTML's copy of it share one placeholder
    placeholder = f"redacted-email-{tok('jane.doe@example.com')}@example.invalid"
    assert t.entries[2].url == f"https://shop.example/api/cart?email={placeholder}"
    assert placeholder in json.loads(first.read_text())["log"]["entries"][0]["response"]["content"]["text"]
    assert (
        t.entries[3].header("cookie")
        == f"cc_cookie=redacted-cookie-{tok(CC_ACCEPT)}; sid=redacted-cookie-{tok('abc123')}"
    )
    assert t.entries[1].header("cookie") == f"cc_cookie=redacted-cookie-{tok(CC_ACCEPT)}"


def test_base64_json_body_is_redacted_and_stays_json(tmp_path: Path) -> None:
    body = json.dumps({"user": {"email": "a.b@example.com", "ip": "81.2.69.142"}, "type": "x"})
    content = {
        "mimeType": "application/json",
        "text": base64.b64encode(body.encode()).decode(),
        "encoding": "base64",
    }
    har = {"log": {"entries": [{
        "startedDateTime": "2026-11-29T10:00:00Z",
        "request": {"method": "GET", "url": "https://a.example/me", "headers": []},
        "response": {"status": 200, "headers": [], "content": content},
    }]}}  # fmt: skip
    source, out = tmp_path / "in.har", tmp_path / "out.har"
    source.write_text(json.dumps(har))
    redact_har(source, out, key=KEY)
    content = json.loads(out.read_text())["log"]["entries"][0]["response"]["content"]
    assert content["encoding"] == "base64"
    assert json.loads(base64.b64decode(content["text"])) == {
        "user": {
            "email": f"redacted-email-{tok('a.b@example.com')}@example.invalid",
            "ip": f"redacted-ip-{tok('81.2.69.142')}",
        },
        "type": "x",
    }  # fmt: skip


def test_gzip_in_gzip_out(tmp_path: Path) -> None:
    out = tmp_path / "m.har.gz"
    redact_har(GOLDEN / "mitmproxy.har.gz", out, key=KEY)
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    t = load_har(out).timeline
    assert len(t.entries) == 6
    assert t.entries[3].header("cookie") == f"session=redacted-cookie-{tok('s%3Aq9Yk2vR7')}"
    assert t.entries[3].header("authorization") == f"Basic redacted-auth-{tok('d2tfbGl2ZV80Mjo=')}"
    assert json.loads(t.entries[3].request_body or b"")["writeKey"] == "wk_live_42"


def test_broken_har_is_not_redacted(tmp_path: Path) -> None:
    out = tmp_path / "never.har"
    with pytest.raises(HarError, match="cannot redact a broken HAR"):
        redact_har(GOLDEN / "malformed" / "truncated.har", out, key=KEY)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(HarError, match="not a HAR file"):
        redact_har(GOLDEN / "malformed" / "not-json.har", out, key=KEY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mozilla/5.0 Chrome/156.0.0.0 Safari/537.36", "Mozilla/5.0 Chrome/156.0.0.0 Safari/537.36"),
        ("http://127.0.0.1:8801/ and [::1]", "http://127.0.0.1:8801/ and [::1]"),
        ("client 81.2.69.142, proxy 2001:db8::1",
         f"client redacted-ip-{tok('81.2.69.142')}, proxy redacted-ip-{tok('2001:db8::1')}"),
        ("at 13:51:28 in a::before {}", "at 13:51:28 in a::before {}"),
        ("mail Jane.Doe@Example.com", f"mail redacted-email-{tok('jane.doe@example.com')}@example.invalid"),
        ("q=jane.doe%40example.com", f"q=redacted-email-{tok('jane.doe@example.com')}@example.invalid"),
        ("call (415) 555-0132 or +44 20 7946 0958",
         f"call redacted-phone-{tok('4155550132')} or redacted-phone-{tok('442079460958')}"),
        (IDS, IDS),
    ],
)  # fmt: skip
def test_scrubber_text(text: str, expected: str) -> None:
    assert Scrubber(KEY).text(text) == expected
