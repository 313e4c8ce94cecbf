"""Redaction by position: secrets become stable placeholders; what the analysis reads stays."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from probe.evidence import HarError, apply_phases, load_har, read_bundle
from probe.evidence._cookies import CMP_COOKIES
from probe.evidence._redact_policy import can_propagate, is_signal_name, name_kind, too_common
from probe.evidence._redact_values import Values
from probe.evidence._scrub import Scrubber
from probe.evidence.manifest import read_manifest, verify, write_manifest
from probe.evidence.redact import SCREENSHOTS_KEPT, redact_bundle, redact_har
from probe.signals import extract

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
KEY = b"test-key"
IDS = "ajs-next-1795960288252-aefd0e815e99a8 2026-11-29T10:00:05.400Z"  # message ids and times stay
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
AID = "7e57d004-2b97-4e7a-b45f-5387367791cd"
CC_ACCEPT = "%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22marketing%22%5D%7D"
CC_REVOKE = "%7B%22categories%22%3A%5B%22necessary%22%5D%7D"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBsYW50ZWQ"


def tok(value: str) -> str:
    return hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:8]


def values() -> Values:
    return Values(Scrubber(KEY))


def learned(value: Any) -> Values:
    """Values after a learning pass over ``value`` (a JSON body), as redaction's second pass sees them."""
    scrubber = Scrubber(KEY)
    scrubber.learning = True
    Values(scrubber).json(value)
    scrubber.start_rewriting()
    return Values(scrubber)


def texts_of(path: Path) -> str:
    """The file as text plus every base64 body decoded: personal data must not hide anywhere."""
    raw = path.read_text(encoding="utf-8")
    decoded = [
        base64.b64decode(m).decode("utf-8", "replace")
        for m in re.findall(r'"text": "([A-Za-z0-9+/=]+)",\s*"encoding": "base64"', raw)
    ]
    return "\n".join([raw, *decoded])


def secrets_in(path: Path) -> set[str]:
    """Cookie values (but the consent cookies the rules read), credentials and e-mails of a HAR."""
    found: set[str] = set(EMAIL.findall(texts_of(path)))
    for e in load_har(path).timeline.entries:
        for name, value in (*e.request_headers, *e.response_headers):
            if name == "cookie":
                found |= {v.split("=", 1)[1] for v in value.split("; ") if v.split("=")[0] not in CMP_COOKIES}
            elif name == "set-cookie":
                for line in value.split("\n"):
                    cookie_name, _, cookie_value = line.split(";")[0].partition("=")
                    if cookie_name not in CMP_COOKIES:
                        found.add(cookie_value)
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
    suite_before = (folder / "suite.json").read_bytes()
    leaked = secrets_in(folder / "evidence.har") | {"erika@example.net", "+1 415 555 0132"}
    assert {"d2tfZGVtbzo=", AID, "erika@example.net"} <= leaked

    redaction = redact_bundle(folder, key=KEY)

    for name in ("evidence.har", "after-revoke.storage.json"):
        text = texts_of(folder / name)
        assert [s for s in leaked if s in text] == []
        assert {e for e in EMAIL.findall(text) if not e.endswith("@example.invalid")} == set()
        # the CMP's record of the decision has no visitor data and is what the rules read
        assert CC_ACCEPT in texts_of(folder / "evidence.har") and CC_REVOKE in text
    assert redaction.counts == {"auth": 1, "email": 1, "id": 1, "phone": 1}
    assert redaction.files == ["evidence.har", "after-revoke.storage.json"]
    assert (folder / "suite.json").read_bytes() == suite_before  # nothing secret in it: left as it was
    assert redaction.notes == ["read, nothing to replace: suite.json", SCREENSHOTS_KEPT]
    manifest = read_manifest(folder)
    assert (manifest.redacted, manifest.scenario, manifest.redaction) == (True, "revoke", redaction)
    assert verify(folder).ok

    after, suite = read_bundle(folder)
    assert suite is not None and suite["name"] == "demo"
    assert after.marks == before.marks
    assert [(e.index, e.phase, e.url) for e in after.entries] == [
        (e.index, e.phase, e.url) for e in before.entries
    ]
    placeholder = f"redacted-id-{tok(AID)}"
    for old, new in zip(before.entries, after.entries, strict=True):
        if old.request_body:
            old_event, new_event = json.loads(old.request_body), json.loads(new.request_body or b"")
            assert segment_fields(new_event) == segment_fields(old_event)
            assert new_event["anonymousId"] == placeholder
    # one placeholder for the identifier in the cookie, the event body and storage: it still matches
    assert after.entries[4].header("cookie") == f"cc_cookie={CC_ACCEPT}; ajs_anonymous_id={placeholder}"
    assert after.entries[5].header("cookie") == after.entries[4].header("cookie")
    assert after.entries[4].header("authorization") == f"Basic redacted-auth-{tok('d2tfZGVtbzo=')}"
    assert after.snapshots[1].cookies == {"cc_cookie": CC_ACCEPT, "ajs_anonymous_id": placeholder}
    assert after.snapshots[1].local_storage == {
        "ajs_anonymous_id": json.dumps(placeholder),
        "ajs_user_traits": json.dumps(
            {"email": f"redacted-email-{tok('erika@example.net')}@example.invalid"}, separators=(",", ":")
        ),
    }
    assert after.snapshots[2].cookies == {"cc_cookie": CC_REVOKE, "ajs_anonymous_id": placeholder}
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
    leaked = secrets_in(source) | {"+49 151 23456789", "user-8812", "52.84.150.39", "555.666"}
    assert {"jane.doe@example.com", "support@shop.example", "abc123XYZ", "d2tfY2hyb21lOg=="} <= leaked
    redaction = redact_har(source, out, key=KEY)
    text = texts_of(out)
    assert [s for s in leaked if s in text] == []
    assert redaction.counts == {"auth": 1, "cookie": 1, "email": 2, "id": 3, "ip": 1, "phone": 1}
    assert redaction.files == ["chrome.redacted.har"]

    read = load_har(out)
    assert read.problems == []
    t = read.timeline
    set_cookies = [v for k, v in t.entries[0].response_headers if k == "set-cookie"]
    assert [v.split("=")[0] for v in set_cookies] == ["OptanonConsent", "session"]
    assert set_cookies[0].startswith("OptanonConsent=isGpcEnabled=0&datestamp=Sun+Nov+29+2026")
    assert set_cookies[1] == f"session=redacted-cookie-{tok('abc123XYZ')}; path=/; HttpOnly; Secure"
    identify = json.loads(t.entries[9].request_body or b"")
    assert identify["userId"] == f"redacted-id-{tok('user-8812')}"
    assert identify["traits"] == {
        "email": f"redacted-email-{tok('jane.doe@example.com')}@example.invalid",
        "phone": f"redacted-phone-{tok('4915123456789')}",
        "plan": "pro",
    }
    assert identify["context"]["userAgent"].endswith("Chrome/156.0.0.0 Safari/537.36")  # versions are not IPs
    # the GA client id is a device id; its host, path and the other parameters stay
    assert (
        t.entries[3].url
        == f"https://www.google-analytics.com/g/collect?v=2&tid=G-SHOP&cid=redacted-id-{tok('555.666')}"
    )
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
    assert apply_phases(t).signals == apply_phases(load_har(source).timeline).signals


def test_firefox_form_post_and_forwarded_ip(tmp_path: Path) -> None:
    out = tmp_path / "ff.har"
    redact_har(GOLDEN / "firefox-devtools.har", out, key=KEY)
    entries = json.loads(out.read_text())["log"]["entries"]
    post = entries[1]["request"]["postData"]
    email, phone = (
        f"redacted-email-{tok('max.mustermann@example.org')}@example.invalid",
        f"redacted-phone-{tok('49301234567')}",
    )
    assert post["params"] == [{"name": "email", "value": email}, {"name": "phone", "value": phone}]
    assert post["text"] == f"email={email}&phone={phone}"
    assert {h["name"]: h["value"] for h in entries[1]["request"]["headers"]}[
        "X-Forwarded-For"
    ] == f"redacted-ip-{tok('81.2.69.142')}"
    # Klaro's consent cookie holds only the decision: kept, so the phase inference still sees it
    klaro = "%7B%22analytics%22%3Atrue%2C%22marketing%22%3Afalse%7D"
    assert entries[4]["request"]["cookies"] == [{"name": "klaro", "value": klaro}]
    assert {h["name"]: h["value"] for h in entries[4]["request"]["headers"]}["Cookie"] == f"klaro={klaro}"
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
    redact_har(first, tmp_path / "e.har", key=b"another key")
    assert (
        first.read_bytes() == second.read_bytes() == again.read_bytes() == (tmp_path / "e.har").read_bytes()
    )
    assert first.read_bytes() != other.read_bytes()
    t = load_har(first).timeline
    # the cart request's e-mail and the HTML's copy of it share one placeholder
    placeholder = f"redacted-email-{tok('jane.doe@example.com')}@example.invalid"
    assert t.entries[2].url == f"https://shop.example/api/cart?email={placeholder}"
    assert placeholder in json.loads(first.read_text())["log"]["entries"][0]["response"]["content"]["text"]
    assert t.entries[3].header("cookie") == f"cc_cookie={CC_ACCEPT}; sid=redacted-cookie-{tok('abc123')}"
    assert t.entries[1].header("cookie") == f"cc_cookie={CC_ACCEPT}"


def test_base64_json_body_is_redacted_and_stays_json(tmp_path: Path) -> None:
    body = json.dumps({"user": {"email": "a.b@example.com", "ip": "81.2.69.142"}, "type": "x", "t": JWT})
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
        "t": f"redacted-jwt-{tok(JWT)}",
    }  # fmt: skip


def test_gzip_in_gzip_out(tmp_path: Path) -> None:
    out = tmp_path / "m.har.gz"
    redact_har(GOLDEN / "mitmproxy.har.gz", out, key=KEY)
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    t = load_har(out).timeline
    assert len(t.entries) == 6
    assert t.entries[3].header("cookie") == f"session=redacted-cookie-{tok('s:q9Yk2vR7')}"
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
        ("q=jane%2Bnews%40example.com", f"q=redacted-email-{tok('jane+news@example.com')}@example.invalid"),
        ("call (415) 555-0132 or +44 20 7946 0958",
         f"call redacted-phone-{tok('4155550132')} or redacted-phone-{tok('442079460958')}"),
        (f"Bearer {JWT}.", f"Bearer redacted-jwt-{tok(JWT)}."),
        ('cfg = {"sessionToken": "s3ss10n-t0ken"}', f'cfg = {{"sessionToken": "redacted-token-{tok("s3ss10n-t0ken")}"}}'),
        ("see https://a.example/x?access_token=abcdef123&v=2 now",
         f"see https://a.example/x?access_token=redacted-token-{tok('abcdef123')}&v=2 now"),
        (IDS, IDS),
    ],
)  # fmt: skip
def test_free_text(text: str, expected: str) -> None:
    assert values().text(text) == expected


# --- positions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://shop.example/a/b?x=1", "https://shop.example/a/b?x=1"),
        ("https://user:pw@shop.example/", f"https://redacted-auth-{tok('user:pw')}@shop.example/"),
        (f"https://shop.example/cb/{JWT}/x", f"https://shop.example/cb/redacted-jwt-{tok(JWT)}/x"),
        ("https://a.example/?sig=4b7f2c9e1d&signature=77ab31cafe&code=oauth-5Zq9&key=AIzaSy012345",
         f"https://a.example/?sig=redacted-token-{tok('4b7f2c9e1d')}&signature=redacted-token-{tok('77ab31cafe')}"
         f"&code=redacted-token-{tok('oauth-5Zq9')}&key=redacted-token-{tok('AIzaSy012345')}"),
        ("https://a.example/?session_id=s-1234567&device_id=d-1234567&access_token=t-1234567",
         f"https://a.example/?session_id=redacted-token-{tok('s-1234567')}"
         f"&device_id=redacted-token-{tok('d-1234567')}&access_token=redacted-token-{tok('t-1234567')}"),
        # too short or too common to be secrets: flags, country codes, a site address
        ("https://a.example/?code=US&key=en&session=1&sig=&ref=https%3A%2F%2Fchatgpt.com",
         "https://a.example/?code=US&key=en&session=1&sig=&ref=https%3A%2F%2Fchatgpt.com"),
        # + addressing, raw and URL-encoded
        ("https://a.example/?q=jane+news@example.org&r=jane%2Bnews%40example.org",
         f"https://a.example/?q=redacted-email-{tok('jane+news@example.org')}@example.invalid"
         f"&r=redacted-email-{tok('jane+news@example.org')}@example.invalid"),
        # consent signals are what the audit is about
        ("https://ads.example/?gdpr=1&gdpr_consent=CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA&gcs=G100",
         "https://ads.example/?gdpr=1&gdpr_consent=CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA&gcs=G100"),
        ("https://a.example/cb#access_token=tok-9876543&state=xyz",
         f"https://a.example/cb#access_token=redacted-token-{tok('tok-9876543')}&state=xyz"),
    ],
)  # fmt: skip
def test_url_keeps_host_and_path_and_redacts_by_parameter_name(url: str, expected: str) -> None:
    assert values().url(url) == expected


def test_cookies_by_name() -> None:
    v = values()
    assert v.cookie("ajs_group_id", "null") == "null"
    assert v.cookie("ajs_user_id", "%22u-42%22") == f"%22redacted-id-{tok('u-42')}%22"
    assert v.cookie("last_site", "https%3A%2F%2Fchatgpt.com") == "https%3A%2F%2Fchatgpt.com"
    assert v.cookie("lang", "de") == "de"
    assert v.cookie("sid", "abc123") == f"redacted-cookie-{tok('abc123')}"
    assert v.cookie("auth", JWT) == f"redacted-jwt-{tok(JWT)}"
    # OneTrust: the consent id goes, the decision (interactionCount, groups) stays
    onetrust = "isGpcEnabled=0&consentId=3f2a1b2c-1111-2222&interactionCount=1&groups=C0001%3A1%2CC0002%3A0"
    assert v.cookie("OptanonConsent", onetrust) == onetrust.replace(
        "3f2a1b2c-1111-2222", f"redacted-id-{tok('3f2a1b2c-1111-2222')}"
    )
    # GA's cookie keeps its shape, and the hit's cid= gets the same placeholder: still "the same id"
    ga = v.cookie("_ga", "GA1.1.1234567890.1795960000")
    assert ga == f"GA1.1.redacted-id-{tok('1234567890.1795960000')}.1795960000"
    assert v.param("cid", "1234567890.1795960000") == ga.removeprefix("GA1.1.")
    assert v.cookie("_ga", ga) == ga


def test_json_fields_by_key_and_traits_whole() -> None:
    event = {
        "type": "identify", "event": None, "messageId": "m-12345678", "writeKey": "wk_secretish_1",
        "userId": "u-12345678", "anonymousId": "a-12345678", "previousId": None,
        "traits": {"email": "A@B.example", "phone": 4915112345678, "name": "Al", "address": {"street": "Main 5"},
                   "age": 42, "vip": True, "plan": "pro", "crm": "u-12345678",
                   "destinationTrackingPreferences": {"Amplitude": True}},
        "context": {"consent": {"categoryPreferences": {"C0001": True}}, "ip": "127.0.0.1",
                    "location": {"latitude": 52.52, "longitude": 13.4}, "device": {"id": "dev-12345678", "type": "web"}},
    }  # fmt: skip
    out = learned(event).json(event)
    assert {k: out[k] for k in ("type", "event", "messageId", "writeKey", "previousId")} == {
        "type": "identify", "event": None, "messageId": "m-12345678", "writeKey": "wk_secretish_1", "previousId": None,
    }  # fmt: skip
    assert out["context"]["consent"] == event["context"]["consent"]
    assert out["traits"] == {
        "email": f"redacted-email-{tok('a@b.example')}@example.invalid",
        "phone": f"redacted-phone-{tok('4915112345678')}",
        "name": f"redacted-name-{tok('Al')}",
        "address": {"street": f"redacted-address-{tok('Main 5')}"},
        "age": 42, "vip": True, "plan": "pro",
        "crm": out["userId"],  # a trait equal to the userId: the same placeholder
        "destinationTrackingPreferences": {"Amplitude": True},
    }  # fmt: skip
    assert out["userId"] == f"redacted-id-{tok('u-12345678')}"
    assert out["context"]["ip"] == "127.0.0.1"
    assert out["context"]["location"] == {
        "latitude": f"redacted-geo-{tok('52.52')}",
        "longitude": f"redacted-geo-{tok('13.4')}",
    }
    # the container names its leaves; "web" is too short to be anybody's secret
    assert out["context"]["device"] == {"id": f"redacted-token-{tok('dev-12345678')}", "type": "web"}


def test_a_learned_identifier_replaces_equal_values_at_other_positions() -> None:
    v = learned({"anonymousId": AID})
    placeholder = f"redacted-id-{tok(AID)}"
    assert v.header("X-Session-Id", AID) == placeholder
    assert v.header("X-Trace-Visitor", AID) == placeholder
    assert (
        v.url(f"https://a.example/u/{AID}/x?vid={AID}")
        == f"https://a.example/u/{placeholder}/x?vid={placeholder}"
    )
    assert v.text(f"<meta content='{AID}'>") == f"<meta content='{placeholder}'>"
    # but only whole: a learned value is never cut out of a longer string
    assert v.loose(f"x{AID}") == f"x{AID}"
    # the suite is configuration: no learned identifier is put into it
    assert Values(v.s, propagate=False).json({"note": AID, "n": f"see {AID}"}) == {
        "note": AID,
        "n": f"see {AID}",
    }


@pytest.mark.parametrize("value", ["", "null", "true", "false", "0", "1", "-1", "yes", "de", "12345", '""',
                                   "%22%22", "https://chatgpt.com", "https%3A%2F%2Fchatgpt.com/"])  # fmt: skip
def test_too_common_to_be_a_secret(value: str) -> None:
    assert too_common(value)
    assert not can_propagate(value)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Authorization", "auth"), ("X-Auth-Token", "token"), ("x-client-token", "token"), ("X-Session-Id", "token"),
     ("x-device-id", "token"), ("access_token", "token"), ("sig", "token"), ("signature", "token"),
     ("code", "token"), ("key", "token"), ("api_key", "token"), ("password", "auth"), ("client_secret", "auth"),
     ("userId", "id"), ("anonymousId", "id"), ("ajs_user_id", "id"), ("cid", "id"), ("shopUserId", "id"),
     ("email", "email"), ("billingEmail", "email"), ("phone_number", "phone"), ("firstName", "name"),
     ("last_name", "name"), ("postalCode", "address"), ("latitude", "geo"), ("lng", "geo"), ("ip", "ip"),
     ("writeKey", None), ("messageId", None), ("type", None), ("gpp_sid", None), ("gdpr_consent", None),
     ("countryCode", None), ("name", None), ("id", None), ("author", None)],
)  # fmt: skip
def test_name_kinds(name: str, kind: str | None) -> None:
    assert name_kind(name) == kind


def test_every_name_the_signal_extractor_reads_is_kept() -> None:
    # a consent signal redacted by mistake would change what the signal rules see
    names = {*extract._FIELD_KINDS, *extract._COOKIE_KINDS, *extract._STORAGE_KINDS}
    assert [n for n in names if not is_signal_name(n)] == []
    assert unquote(CC_ACCEPT)  # the CMP cookies are kept by name too (see test_bundle_redaction)
