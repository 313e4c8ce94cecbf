"""Phase marks for foreign HARs: given by the user, or inferred from consent traces."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probe.evidence import PhaseSpecError, apply_phases, read_bundle, read_har
from probe.marks import ReadMark
from probe.timeline import AFTER, BEFORE, REVOKED, Entry, Timeline

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "har"
NOT_TIME = "(and it is not an ISO time or an entry index)"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_chrome_inferred_from_consent_event_and_onetrust_cookie() -> None:
    t = read_har(GOLDEN / "chrome-devtools.har")
    result = apply_phases(t)
    assert (result.method, result.confidence) == ("inferred", "high")
    assert result.signals == ("consent-event", "cmp-cookie:OptanonAlertBoxClosed")
    # OptanonAlertBoxClosed's value is the moment the banner closed: it pins the click down exactly,
    # before the SDK loading (entry 4) and the consent event (entry 7) it set off
    assert result.decision_at == at("2026-11-29T10:00:05.123") and result.revoke_at is None
    (mark,) = t.marks
    assert (mark.phase, mark.at, mark.window, mark.earliest_entry, mark.latest_entry) == (
        AFTER, at("2026-11-29T10:00:05.123"), None, 4, 8,
    )  # fmt: skip
    assert isinstance(mark, ReadMark) and mark.choice is None  # the rules get a choice from probe.stated
    assert mark.stamp == {"C0001": True, "C0002": True, "C0003": False}
    assert [t.phase_of(e) for e in t.entries] == [BEFORE] * 4 + [AFTER] * 6
    assert t.notes == [result.note]
    assert result.note == (
        "Phases inferred from the recording: after-consent from 2026-11-29T10:00:05.123Z:"
        " OptanonAlertBoxClosed (OneTrust) first sent (entry 8), its value recording the choice at"
        " 2026-11-29T10:00:05.123Z, first 'Segment Consent Preference Updated' event (entry 7)"
        " (confidence high)."
    )


def test_firefox_inferred_from_batched_consent_event_and_klaro_cookie() -> None:
    t = read_har(GOLDEN / "firefox-devtools.har")
    result = apply_phases(t)
    assert (result.confidence, result.signals) == ("high", ("consent-event", "cmp-cookie:klaro"))
    (mark,) = t.marks
    # the click set off the SDK loading (entry 2) that led to the consent event (entry 3): the window
    assert isinstance(mark, ReadMark)
    assert mark.window == (at("2026-11-29T10:00:10.100"), at("2026-11-29T10:00:10.400"))
    assert (mark.earliest_entry, mark.latest_entry) == (2, 3)
    assert mark.stamp == {"analytics": True, "marketing": False}
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, AFTER, AFTER, AFTER, AFTER]
    assert result.note.endswith(
        "after-consent from 2026-11-29T10:00:10.100Z (entry 2), the earliest moment the evidence allows; at"
        " the latest from 2026-11-29T10:00:10.400Z: first 'Segment Consent Preference Updated' event"
        " (entry 3), klaro (Klaro) first sent (entry 4) (confidence high); 1 request in between may have gone"
        " out before the click: at most warnings."
    )


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
    assert [m.stamp for m in t.marks if isinstance(m, ReadMark)] == [
        {"C0001": True, "C0002": True, "C0003": True},
        {"C0001": True, "C0002": False, "C0003": False},
    ]
    assert [m.window for m in t.marks if isinstance(m, ReadMark)] == [None, None]
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, AFTER, AFTER, AFTER, REVOKED]
    assert result.note.endswith(
        "after-revoke from 2026-11-29T13:51:28.835Z: next 'Segment Consent Preference Updated' event"
        " (entry 4), cc_cookie changed (entry 4) (confidence high)."
    )


def test_stamp_only_is_low_confidence() -> None:
    t = read_har(GOLDEN / "playwright-h2.har")
    result = apply_phases(t)
    assert (result.method, result.confidence, result.signals) == ("inferred", "low", ("consent-stamp",))
    (mark,) = t.marks
    # the burst back from the first stamp stops at the page's document: nobody clicked before it loaded
    assert isinstance(mark, ReadMark)
    assert mark.window == (at("2026-11-29T09:00:00.200"), at("2026-11-29T09:00:00.520"))
    assert mark.stamp == {"C0001": True, "C0002": False}


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
    (mark,) = t.marks
    assert isinstance(mark, ReadMark)
    assert (mark.phase, mark.at, mark.source, mark.window) == (AFTER, expected_at, "given", None)
    assert mark.stamp == {"C0001": True, "C0002": True, "C0003": False}
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


def test_the_burst_before_the_consent_event_stops_at_a_pause() -> None:
    """A site that loads Segment at page load keeps those requests before consent; the click's burst not."""
    consent = {
        "type": "track",
        "event": "Segment Consent Preference Updated",
        "context": {"consent": {"categoryPreferences": {"a": True}}},
    }
    eager = [
        _entry(0, 100.0, "https://cdn.segment.com/analytics.js/v1/wk/analytics.min.js"),
        _entry(1, 100.2, "https://api.segment.io/v1/p", body={"type": "page"}),
    ]
    t = Timeline("eager", [*eager, _entry(2, 103.0, "https://api.segment.io/v1/t", body=consent)])
    result = apply_phases(t)
    assert (result.signals, result.confidence, result.decision_at) == (("consent-event",), "medium", 103.0)
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, AFTER]
    assert t.marks[0].window is None  # type: ignore[attr-defined]
    # the same page event 0.6 s before the consent event may have been the click's own: uncertain
    t = Timeline("quick", [*eager, _entry(2, 100.8, "https://api.segment.io/v1/t", body=consent)])
    result = apply_phases(t)
    assert result.decision_at == 100.0
    assert t.marks[0].window == (100.0, 100.8)  # type: ignore[attr-defined]


def test_a_cookie_a_script_wrote_shows_up_with_the_next_request_only() -> None:
    t = Timeline(
        "late-cookie",
        [
            _entry(0, 100.0, "https://shop.example/"),
            _entry(1, 100.5, "https://www.google-analytics.com/g/collect?v=2"),
            _entry(2, 102.0, "https://shop.example/api/x"),  # no cookie yet: no decision before this
            _entry(3, 106.0, "https://www.facebook.com/tr/?ev=PageView"),
            _entry(4, 112.0, "https://shop.example/account", cookie="klaro=%7B%7D"),
        ],
    )
    result = apply_phases(t)
    assert (result.signals, result.confidence, result.decision_at) == (("cmp-cookie:klaro",), "medium", 106.0)
    (mark,) = t.marks
    assert isinstance(mark, ReadMark)
    assert (mark.window, mark.earliest_entry, mark.latest_entry) == ((106.0, 112.0), 3, 4)
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, BEFORE, AFTER, AFTER]


def test_a_cookie_value_that_records_the_click_time_pins_it_down() -> None:
    late = "cc_cookie=" + json.dumps({"categories": ["necessary"], "consentTimestamp": "1970-01-01T00:01:45Z"})
    t = Timeline(
        "timed",
        [
            _entry(0, 100.0, "https://shop.example/"),
            _entry(1, 104.0, "https://www.facebook.com/tr/?ev=PageView"),
            _entry(2, 106.0, "https://www.facebook.com/tr/?ev=ViewContent"),
            _entry(3, 112.0, "https://shop.example/account", cookie=late),
        ],
    )
    result = apply_phases(t)
    assert result.decision_at == 105.0 and t.marks[0].window is None  # type: ignore[attr-defined]
    assert [t.phase_of(e) for e in t.entries] == [BEFORE, BEFORE, AFTER, AFTER]
    # a time the recording contradicts (after the request that carried the cookie) is ignored
    t.entries[3] = _entry(3, 112.0, "https://shop.example/account", cookie=late.replace("00:01:45", "00:09:00"))
    t.marks = []
    assert apply_phases(t).decision_at == 104.0
