"""Phase marks for foreign HARs: given by the user, or inferred from consent traces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probe.evidence import PhaseSpecError, apply_phases, read_bundle, read_har
from probe.timeline import AFTER, BEFORE, REVOKED, Entry, PhaseMark, Timeline

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
NOT_TIME = "(and it is not an ISO time or an entry index)"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_chrome_inferred_from_consent_event_and_onetrust_cookie() -> None:
    t = read_har(GOLDEN / "chrome-devtools.har")
    result = apply_phases(t)
    assert (result.method, result.confidence) == ("inferred", "high")
    assert result.signals == ("sdk-load", "consent-event", "cmp-cookie:OptanonAlertBoxClosed")
    # the click is placed at the SDK loading that led to the consent event (entry 4), not at entry 7
    assert result.decision_at == at("2026-11-29T10:00:05.210") and result.revoke_at is None
    assert t.marks == [
        PhaseMark(AFTER, at("2026-11-29T10:00:05.210"), {"C0001": True, "C0002": True, "C0003": False})
    ]
    assert [t.phase_of(e) for e in t.entries] == [BEFORE] * 4 + [AFTER] * 6
    assert t.notes == [result.note]
    assert result.note == (
        "Phases inferred from the recording: after-consent from 2026-11-29T10:00:05.210Z: Segment SDK loading"
        " that led to it (from entry 4), first 'Segment Consent Preference Updated' event (entry 7),"
        " OptanonAlertBoxClosed (OneTrust) first sent (entry 8) (confidence high)."
    )


def test_firefox_inferred_from_batched_consent_event_and_klaro_cookie() -> None:
    t = read_har(GOLDEN / "firefox-devtools.har")
    result = apply_phases(t)
    assert (result.confidence, result.signals) == ("high", ("sdk-load", "consent-event", "cmp-cookie:klaro"))
    assert t.marks == [
        PhaseMark(AFTER, at("2026-11-29T10:00:10.100"), {"analytics": True, "marketing": False})
    ]
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, AFTER, AFTER, AFTER, AFTER]


def test_first_party_recording_infers_decision_and_revoke() -> None:
    t = read_har(GOLDEN / "playwright-firstparty-ces.har")
    result = apply_phases(t)
    assert result.signals == (
        "consent-event",
        "cmp-cookie:cc_cookie",
        "revoke:consent-event",
        "revoke:cmp-cookie-changed:cc_cookie",
    )
    assert (result.decision_at, result.revoke_at) == (
        at("2026-11-29T13:51:28.255"),
        at("2026-11-29T13:51:28.835"),
    )
    assert [m.choice for m in t.marks] == [
        {"C0001": True, "C0002": True, "C0003": True},
        {"C0001": True, "C0002": False, "C0003": False},
    ]
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, AFTER, AFTER, AFTER, REVOKED]
    assert result.note.endswith(
        "after-revoke from 2026-11-29T13:51:28.835Z: next 'Segment Consent Preference Updated' event"
        " (entry 4), cc_cookie changed (entry 4) (confidence high)."
    )


def test_stamp_only_is_low_confidence() -> None:
    t = read_har(GOLDEN / "playwright-h2.har")
    result = apply_phases(t)
    assert (result.method, result.confidence, result.signals) == (
        "inferred",
        "low",
        ("sdk-load", "consent-stamp"),
    )
    assert t.marks == [PhaseMark(AFTER, at("2026-11-29T09:00:00.200"), {"C0001": True, "C0002": False})]


def test_no_phase_information_leaves_marks_empty() -> None:
    t = read_har(GOLDEN / "mitmproxy.har")
    result = apply_phases(t)
    assert (result.method, result.confidence, result.signals) == ("none", None, ())
    assert t.marks == [] and not t.has_phases
    assert t.notes == [
        "No phase information: none given, and no consent cookie, consent event or consent stamp in the"
        " recording; only phase-free rules apply."
    ]


def test_recorded_phases_stay() -> None:
    t, _ = read_bundle(GOLDEN / "bundle")
    marks = list(t.marks)
    result = apply_phases(t)
    assert (result.method, result.confidence, result.decision_at, result.revoke_at) == (
        "recorded",
        "high",
        at("2026-11-29T12:00:02"),
        at("2026-11-29T12:00:05"),
    )
    assert t.marks == marks
    assert t.notes == ["Phases as recorded in the HAR (2 phase marks)."]


@pytest.mark.parametrize(
    ("decision", "expected_at", "described"),
    [
        ("2026-11-29T10:00:05Z", at("2026-11-29T10:00:05"), "given time"),
        (datetime(2026, 11, 29, 10, 0, 5, tzinfo=UTC), at("2026-11-29T10:00:05"), "given time"),
        (4, at("2026-11-29T10:00:05.210"), "entry 4: GET https://cdn.segment.com/analytics.js/v1/wk_chrome/analytics.min.js"),
        ("6", at("2026-11-29T10:00:05.450"), "entry 6: OPTIONS https://api.segment.io/v1/t"),
        ("/v1/projects/", at("2026-11-29T10:00:05.300"), "first request matching '/v1/projects/': entry 5"),
        ("https://api.segment.io/*", at("2026-11-29T10:00:05.450"),
         "first request matching 'https://api.segment.io/*': entry 6"),
    ],
)  # fmt: skip
def test_given_decision(decision: object, expected_at: float, described: str) -> None:
    t = read_har(GOLDEN / "chrome-devtools.har")
    result = apply_phases(t, decision_at=decision)  # type: ignore[arg-type]
    assert (result.method, result.confidence, result.decision_at) == ("given", "high", expected_at)
    assert t.marks == [PhaseMark(AFTER, expected_at, {"C0001": True, "C0002": True, "C0003": False})]
    iso = datetime.fromtimestamp(expected_at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert t.notes == [f"Phases as given: after-consent from {iso} ({described})."]


def test_given_revoke_by_url_pattern_after_the_decision() -> None:
    t = read_har(GOLDEN / "playwright-firstparty-ces.har")
    result = apply_phases(t, decision_at=1, revoke_at="*/ces/v1/t")
    # the pattern's first match after the decision entry is entry 3, not entry 1
    assert (result.decision_at, result.revoke_at) == (
        at("2026-11-29T13:51:28.255"),
        at("2026-11-29T13:51:28.285"),
    )
    assert [m.phase for m in t.marks] == [AFTER, REVOKED]
    assert t.notes[-1].endswith(
        "after-revoke from 2026-11-29T13:51:28.285Z (first later request matching '*/ces/v1/t': entry 3)."
    )


def test_given_phases_replace_recorded_ones() -> None:
    t, _ = read_bundle(GOLDEN / "bundle")
    apply_phases(t, decision_at=4)
    assert all(e.phase is None for e in t.entries)
    assert [(m.phase, m.at) for m in t.marks] == [(AFTER, at("2026-11-29T12:00:02.300"))]
    assert t.notes[-1].endswith("They replace the phases recorded in the HAR.")
    assert [t.phase_of(e) for e in t.entries] == [BEFORE] * 4 + [AFTER] * 3


@pytest.mark.parametrize(
    ("decision", "revoke", "message"),
    [
        (99, None, "decision_at: no HAR entry with index 99 (entries: 0–9)"),
        ("/nothing-like-this", None,
         f"decision_at: no request matches '/nothing-like-this' {NOT_TIME}"),
        (7, 4, "revoke_at (2026-11-29T10:00:05.210Z) is not after decision_at (2026-11-29T10:00:05.460Z)"),
        (7, "/v1/projects/",
         f"revoke_at: no request after the decision matches '/v1/projects/' {NOT_TIME}"),
        (None, 4, "revoke_at needs decision_at: a change of mind needs a first decision"),
        (True, None, "decision_at: True is neither a time, an entry index nor a URL pattern"),
    ],
)  # fmt: skip
def test_bad_phase_specs(decision: object, revoke: object, message: str) -> None:
    t = read_har(GOLDEN / "chrome-devtools.har")
    with pytest.raises(PhaseSpecError) as info:
        apply_phases(t, decision_at=decision, revoke_at=revoke)  # type: ignore[arg-type]
    assert str(info.value) == message
    assert t.marks == [] and t.notes == []


def _entry(i: int, when: float, url: str, *, cookie: str | None = None, set_cookie: str | None = None,
           body: dict[str, object] | None = None) -> Entry:  # fmt: skip
    return Entry(
        index=i,
        started=when,
        method="POST" if body else "GET",
        url=url,
        request_headers=(("cookie", cookie),) if cookie else (),
        request_body=json.dumps(body).encode() if body else None,
        response_headers=(("set-cookie", set_cookie),) if set_cookie else (),
    )


def test_consent_cookie_already_there_means_consent_before_the_recording() -> None:
    t = Timeline(
        "return-visit",
        [
            _entry(0, 100.0, "https://shop.example/", cookie="cc_cookie=%7B%7D; other=1"),
            _entry(1, 101.0, "https://shop.example/a.js", cookie="cc_cookie=%7B%7D"),
        ],
    )
    result = apply_phases(t)
    assert (result.confidence, result.signals, result.decision_at) == (
        "medium",
        ("cmp-cookie-preexisting:cc_cookie",),
        100.0,
    )
    assert result.note == (
        "Phases inferred from the recording: after-consent from 1970-01-01T00:01:40.000Z: cc_cookie"
        " (vanilla-cookieconsent) already sent with the first request to shop.example (entry 0): consent"
        " given before the recording (confidence medium)."
    )


def test_cookie_set_by_response_then_deleted_is_a_low_confidence_revoke() -> None:
    t = Timeline(
        "server-cmp",
        [
            _entry(0, 100.0, "https://shop.example/"),
            _entry(
                1, 105.0, "https://shop.example/consent", set_cookie="CookieConsent={stamp:'abc'}; Path=/"
            ),
            _entry(2, 110.0, "https://shop.example/p"),
            _entry(3, 120.0, "https://shop.example/withdraw", set_cookie="CookieConsent=; Max-Age=0; Path=/"),
        ],
    )
    result = apply_phases(t)
    assert result.signals == ("cmp-cookie:CookieConsent", "revoke:cmp-cookie-changed:CookieConsent")
    assert (result.confidence, result.decision_at, result.revoke_at) == ("medium", 105.0, 120.0)
    assert result.note.endswith("CookieConsent changed by a response (entry 3) (confidence low).")
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, AFTER, AFTER, REVOKED]


def test_onetrust_default_cookie_is_not_a_decision() -> None:
    t = Timeline(
        "pending",
        [
            _entry(0, 100.0, "https://shop.example/"),
            _entry(
                1,
                101.0,
                "https://shop.example/x",
                cookie="OptanonConsent=groups=C0001%3A1&interactionCount=0",
            ),
            _entry(2, 102.0, "https://shop.example/y", cookie="cookieyes-consent=consent:no,action:"),
        ],
    )
    assert apply_phases(t).method == "none"


def test_sdk_loading_walk_back_stops_at_other_requests() -> None:
    """A site that loads Segment at page load keeps those requests before consent."""
    consent = {
        "type": "track",
        "event": "Segment Consent Preference Updated",
        "context": {"consent": {"categoryPreferences": {"a": True}}},
    }
    t = Timeline(
        "eager",
        [
            _entry(0, 100.0, "https://cdn.segment.com/analytics.js/v1/wk/analytics.min.js"),
            _entry(1, 100.2, "https://api.segment.io/v1/p", body={"type": "page"}),
            _entry(2, 101.0, "https://api.segment.io/v1/t", body=consent),
        ],
    )  # fmt: skip
    result = apply_phases(t)
    assert (result.signals, result.confidence, result.decision_at) == (("consent-event",), "medium", 101.0)
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, AFTER]
