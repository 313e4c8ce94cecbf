"""The auditor path on HAR shapes seen in real exports: exact findings through probe's replay.

The HARs under tests/golden/har/auditor/ are synthetic (no real visitor's data); each reproduces one
shape that probe used to misjudge:

- chrome-http-api-first-party.har: Segment's HTTP API (/v1/track ... /v1/import) on the site's own
  host, one call gzipped, the writeKey in Basic auth or the body; it used to pass.
- browsermob-no-bodies.har: BrowserMob keeps no request bodies; a first-party apiHost (/seg/v1/p, /t)
  with an ajs_ cookie as the only sign of Segment.
- chrome-v1-track-no-segment.har: /v1/track without bodies and without any sign of Segment: not Segment.
- chrome-preflight-after-request.har: DevTools stamps each POST 2 ms before its own CORS preflight; the
  consent event used to be paired with the previous preflight and cited as before-consent evidence.
- firefox-noise-first.har / chrome-cdn-first.har: the first entry is the browser's own background call,
  or a CDN image; the site's hosts used to be reported as unknown third parties.
- chrome-vendors-before-consent.har: tags and SDKs (loaders) next to the data they send (collectors).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from probe.cli import main
from probe.judge import Judged, judge_har

AUDITOR = Path(__file__).resolve().parents[1] / "golden" / "har" / "auditor"
Found = list[tuple[str, str, str | None, list[int | None]]]


def judged(name: str, **phases: str | int) -> Judged:
    return judge_har(AUDITOR / name, None, **phases)  # type: ignore[arg-type]


def findings(judgement: Judged) -> Found:
    return [(f.rule, f.severity, f.phase, [e.entry for e in f.evidence]) for f in judgement.result.findings]


def messages(judgement: Judged, rule: str) -> list[str]:
    return [f.message for f in judgement.result.findings if f.rule == rule]


def test_http_api_calls_on_the_sites_own_host_before_consent() -> None:
    judgement = judged("chrome-http-api-first-party.har")
    assert findings(judgement) == [
        ("segment-before-consent", "error", "before-consent", [2]),
        ("segment-before-consent", "error", "before-consent", [3]),
        ("segment-before-consent", "error", "before-consent", [4]),
        ("segment-before-consent", "error", "before-consent", [5]),
        ("segment-before-consent", "error", "before-consent", [6]),
        ("segment-before-consent", "error", "before-consent", [7]),
        ("segment-before-consent", "error", "before-consent", [8, 8]),
        ("segment-before-consent", "error", "before-consent", [9, 9]),
    ]
    assert messages(judgement, "segment-before-consent") == [
        "Segment received 1 event(s) before the consent decision: track 'Product Viewed'.",
        "Segment received 1 event(s) before the consent decision: identify.",
        "Segment received 1 event(s) before the consent decision: page 'Product'.",
        "Segment received 1 event(s) before the consent decision: screen 'Gallery'.",
        "Segment received 1 event(s) before the consent decision: group.",
        "Segment received 1 event(s) before the consent decision: alias.",
        "Segment received 2 event(s) before the consent decision: track 'Cart Viewed', page 'Cart'.",
        "Segment received 2 event(s) before the consent decision: track 'Coupon Entered', identify.",
    ]
    traffic = judgement.analysis.context.traffic
    # Basic auth for the single calls and /v1/batch; /v1/import (gzip) also names it in its body
    assert {e.write_key for e in traffic.events} == {"wk_http_api"}
    assert [e.name for e in traffic.events if e.entry == 9] == ["Coupon Entered", None]
    assert traffic.unparseable == []


def test_the_cli_exit_code_for_the_http_api_har(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["replay", str(AUDITOR / "chrome-http-api-first-party.har"), "--out", str(tmp_path / "out")],
        catch_exceptions=False,
    )
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == str((tmp_path / "out" / "report.json").resolve())


def test_bodyless_first_party_calls_count_with_an_ajs_cookie_as_the_sign() -> None:
    judgement = judged("browsermob-no-bodies.har", decision_at="https://www.shop.example/consent/save")
    assert findings(judgement) == [
        ("segment-before-consent", "error", "before-consent", [2]),
        ("segment-before-consent", "error", "before-consent", [3]),
        ("identifier-before-consent", "error", "before-consent", [0, 2, 3]),
    ]
    cookie = "an ajs_anonymous_id identifier stored (Cookie request header, entry 0)"
    assert messages(judgement, "segment-before-consent") == [
        "A Segment ingestion request was sent before the consent decision (body not captured in the recording, "
        f"so its events cannot be read). It counts as Segment ingestion by its path /seg/v1/{letter} and {cookie}."
        for letter in "pt"
    ]
    # the request after the decision is Segment's too, judged in its own phase
    assert judgement.analysis.context.traffic.kind_of(5) == "event"


def test_v1_track_without_any_sign_of_segment_is_not_segment() -> None:
    judgement = judged("chrome-v1-track-no-segment.har", decision_at=4)
    assert findings(judgement) == [("unclassified-third-party", "info", "before-consent", [2])]
    assert judgement.analysis.context.traffic.requests == []


def test_a_request_stamped_before_its_own_preflight_keeps_it() -> None:
    judgement = judged("chrome-preflight-after-request.har")
    assert findings(judgement) == [
        ("segment-before-consent", "error", "before-consent", [4]),  # not the consent event, entry 7
        ("sdk-before-consent", "warning", "before-consent", [2, 3]),
    ]
    assert judgement.analysis.context.preflight_of.keys() == {4, 7}
    assert {r: p.index for r, p in judgement.analysis.context.preflight_of.items()} == {4: 5, 7: 8}


def test_firefox_background_calls_first_do_not_make_the_site_a_third_party() -> None:
    judgement = judged("firefox-noise-first.har")
    assert findings(judgement) == [("unclassified-third-party", "info", None, [7])]
    assert messages(judgement, "unclassified-third-party")[0].startswith(
        "fonts.typeface-cdn.example received 1"
    )
    first = judgement.analysis.context.first_party
    assert all(h in first for h in ("www.shop.example", "static.shop.example", "img.shop.example"))
    assert "shavar.services.mozilla.com" not in first
    classes = judgement.analysis.classes
    assert [classes[i] for i in range(4)] == ["noise"] * 4


def test_a_cdn_image_first_does_not_make_the_site_a_third_party() -> None:
    judgement = judged("chrome-cdn-first.har")
    assert findings(judgement) == [("unclassified-third-party", "info", None, [0, 5])]
    assert "images.contentcdn.example" not in judgement.analysis.context.first_party


def test_vendor_loaders_before_consent_are_warnings_and_their_data_errors() -> None:
    judgement = judged("chrome-vendors-before-consent.har")
    rule = "pixel-before-consent"
    found = [
        (f.severity, [e.entry for e in f.evidence], f.message.split(" (")[0])
        for f in judgement.result.findings
    ]
    assert found == [
        ("warning", [1], "Google Tag Manager"),
        ("warning", [2, 3], "Facebook Pixel"),
        ("error", [4], "Facebook Pixel"),
        ("warning", [5], "Google Ads"),
        ("error", [6, 7], "Google Ads"),  # /measurement/conversion and /measurement/1p-conversion
        ("warning", [8], "Marketo"),
        ("error", [9], "Marketo"),
        ("warning", [10], "New Relic"),
        ("error", [11], "New Relic"),
        ("warning", [12], "Hotjar"),
        ("warning", [13], "Microsoft Clarity"),
        ("error", [14], "Microsoft Clarity"),
        ("warning", [15], "LinkedIn Insight Tag"),
        ("error", [16], "LinkedIn Insight Tag"),
        ("warning", [17], "TikTok Pixel"),
        ("error", [18], "TikTok Pixel"),
        ("warning", [19], "Snap Pixel"),
        ("error", [20], "Snap Pixel"),
        ("warning", [21], "Reddit Pixel"),
        ("error", [22], "Reddit Pixel"),
        ("warning", [23], "Pinterest Tag"),
        ("error", [24], "Pinterest Tag"),
        ("warning", [25], "Microsoft Bing UET"),
        ("error", [26], "Microsoft Bing UET"),
    ]
    assert {f.rule for f in judgement.result.findings} == {rule}
    assert judgement.result.status == "fail"
