"""Finding fingerprints stay the same across runs of one site; the baseline diff matches by them."""

from __future__ import annotations

import pytest

from probe.baseline import apply_baseline, compare, exit_code_against_baseline
from probe.findings import EvidenceRef, Finding, Report, ScenarioResult, ToolInfo, Unjudged
from probe.fingerprint import fingerprint, normalize_message, normalize_url
from probe.report import dumps_json, load_report

FB = 'Facebook Pixel (marketing, CMP category "marketing")'


def pixel(
    vendor: str = FB,
    *,
    count: int = 1,
    entry: int = 4,
    url: str = "https://www.facebook.com/tr/?id=1234567890&ev=PageView&rnd=1795975201",
    rule: str = "pixel-before-consent",
    severity: str = "error",
) -> Finding:
    times = "1 request" if count == 1 else f"{count} requests"
    return Finding(
        rule=rule,
        severity=severity,  # type: ignore[arg-type]
        phase="before-consent",
        message=f"{vendor}: {times} before the consent decision.",
        evidence=[EvidenceRef(entry=entry, url=url, excerpt=url)],
    )


def test_entry_numbers_counts_and_cache_busters_do_not_change_the_fingerprint() -> None:
    first = pixel()
    second = pixel(
        count=2, entry=17, url="https://www.facebook.com/tr/?id=1234567890&ev=PageView&rnd=8812734411"
    )
    assert fingerprint(first, "reject") == fingerprint(second, "reject")


def test_message_ids_timestamps_and_uncertain_windows_do_not_change_the_fingerprint() -> None:
    def event(message_id: str, anonymous_id: str, sent: str) -> Finding:
        return Finding(
            rule="segment-before-consent",
            phase="before-consent",
            message=(
                "Segment received 1 event(s) before the consent decision: track 'Order Completed'."
                f" Uncertain: sent between {sent} and 2026-11-29T10:00:05.900Z, the earliest and the latest"
                " moment of the inferred decision, so it may have gone out before it: a warning, not an error."
            ),
            evidence=[
                EvidenceRef(
                    entry=int(sent[-4:-1]),
                    url=f"https://api.segment.io/v1/t?messageId={message_id}",
                    excerpt=f'{{"messageId": "{message_id}", "anonymousId": "{anonymous_id}"}}',
                )
            ],
        )

    one = event(
        "ajs-next-1a2b3c4d5e6f7a8b9c0d", "5f1e2d3c-4b5a-4697-8a9b-0c1d2e3f4a5b", "2026-11-29T10:00:05.123Z"
    )
    two = event(
        "ajs-next-99ffee88ddcc77bb66aa", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "2026-11-30T03:12:44.456Z"
    )
    assert fingerprint(one, "s") == fingerprint(two, "s")


def test_identifier_values_in_messages_are_left_out() -> None:
    a = Finding(
        rule="denied-pixel", phase="after-consent", message="GA: 1 request (hit carries cid=555.666)."
    )
    b = Finding(rule="denied-pixel", phase="after-consent", message="GA: 1 request (hit carries cid=918.12).")
    assert fingerprint(a, "s") == fingerprint(b, "s")
    assert normalize_message("cookie _ga=GA1.1.1234.5678 seen") == "cookie _ga=<v> seen"


@pytest.mark.parametrize(
    "other",
    [
        pixel(
            'TikTok Pixel (marketing, CMP category "marketing")',
            url="https://analytics.tiktok.com/api/v2/pixel",
        ),
        pixel(rule="denied-pixel"),
        pixel(severity="warning"),
    ],
    ids=["vendor", "rule", "severity"],
)
def test_a_different_vendor_rule_or_severity_is_a_different_fingerprint(other: Finding) -> None:
    assert fingerprint(pixel(), "s") != fingerprint(other, "s")


def test_the_scenario_and_phase_are_part_of_the_fingerprint() -> None:
    assert fingerprint(pixel(), "reject") != fingerprint(pixel(), "accept")
    after = pixel().model_copy(update={"phase": "after-consent"})
    assert fingerprint(pixel(), "s") != fingerprint(after, "s")


def test_urls_keep_host_path_and_parameter_names_only() -> None:
    url = "https://123-abc-456.mktoresp.com/webevents/visitWebPage/8812734411?_mchNc=1795975203&_mchId=X#f"
    assert normalize_url(url) == "https://*.mktoresp.com/webevents/visitWebPage/*?_mchId&_mchNc"


def report(*findings: Finding, name: str = "s", unjudged: list[Unjudged] | None = None) -> Report:
    return Report(
        tool=ToolInfo(version="0"),
        scenarios=[ScenarioResult.judged(name, list(findings), unjudged)],
    )


def test_compare_lists_new_fixed_and_unchanged() -> None:
    tiktok = pixel('TikTok Pixel (marketing, CMP category "marketing")', url="https://analytics.tiktok.com/p")
    bing = pixel('Microsoft Bing UET (marketing, CMP category "marketing")', url="https://bat.bing.com/a")
    diff = compare(report(pixel(), bing), report(pixel(entry=9, count=3), tiktok))
    assert [f.message for _, f in diff.new] == [tiktok.message]
    assert [f.message for _, f in diff.fixed] == [bing.message]
    assert [f.evidence[0].entry for _, f in diff.unchanged] == [9]


def test_a_finding_seen_more_often_than_in_the_baseline_is_new_once_more() -> None:
    event = Finding(
        rule="segment-before-consent", phase="before-consent", message="Segment received track 'A'."
    )
    diff = compare(report(event), report(event.model_copy(), event.model_copy()))
    assert (len(diff.new), len(diff.unchanged), len(diff.fixed)) == (1, 1, 0)


def test_known_violations_pass_against_the_baseline_and_new_ones_fail() -> None:
    known = report(pixel())
    again = report(pixel(entry=12))
    apply_baseline(again, known)
    assert again.exit_code == 1 and exit_code_against_baseline(again) == 0
    assert again.scenarios[0].findings[0].baseline == "unchanged"
    worse = report(pixel(), pixel('TikTok Pixel (marketing, CMP category "marketing")'))
    apply_baseline(worse, known)
    assert exit_code_against_baseline(worse) == 1
    assert [f.baseline for f in worse.scenarios[0].findings] == ["unchanged", "new"]
    better = report()
    apply_baseline(better, known)
    assert exit_code_against_baseline(better) == 0
    assert better.baseline is not None and [f.rule for f in better.baseline.fixed] == ["pixel-before-consent"]


def test_rules_that_could_not_run_still_exit_2_against_a_baseline() -> None:
    gap = [Unjudged(reason="no phase information", rules=["pixel-before-consent"])]
    partial = report(pixel(), unjudged=gap)
    apply_baseline(partial, report(pixel()))
    assert exit_code_against_baseline(partial) == 2


def test_report_json_carries_fingerprints_and_reads_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "report.json"
    path.write_text(dumps_json(report(pixel())))
    again = load_report(path)
    assert again.scenarios[0].findings[0].fingerprint == fingerprint(pixel(), "s")
    # an older report.json without fingerprints gets them on reading
    path.write_text(path.read_text().replace('"fingerprint"', '"ignored"'))
    assert load_report(path).scenarios[0].findings[0].fingerprint == fingerprint(pixel(), "s")
