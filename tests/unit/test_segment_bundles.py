"""Device-mode bundles mapped back to their destination."""

from __future__ import annotations

import base64

from timeline_factory import AMPLITUDE_BUNDLE, golden_json

from probe.segment import Bundle, SegmentSettings, destination_for_bundle, parse_bundle, parse_settings

SETTINGS = parse_settings(golden_json("settings_consent.json"))
CLASSIC = parse_settings(golden_json("settings_no_consent.json"))


def _name(url: str, settings: SegmentSettings = SETTINGS) -> str | None:
    dest = destination_for_bundle(url, settings)
    return dest.name if dest else None


def test_action_bundle_by_remote_plugin_url() -> None:
    assert _name(AMPLITUDE_BUNDLE) == "Actions Amplitude"


def test_action_bundle_on_a_rewritten_cdn_host_and_new_hash() -> None:
    assert _name(
        "https://seg.shop.test/next-integrations/actions/amplitude-plugins/6765cb3cf169443c119b.js"
    ) == ("Actions Amplitude")
    assert (
        _name("https://cdn.segment.com/next-integrations/actions/braze/0000.js") == "Braze Web Mode (Actions)"
    )


def test_classic_bundle_by_slug_and_obfuscated_slug() -> None:
    url = "https://cdn.segment.com/next-integrations/integrations/google-analytics/3.6.1/google-analytics.dynamic.js.gz"
    assert _name(url, CLASSIC) == "Google Analytics"
    hidden = base64.b64encode(b"google-analytics").decode().rstrip("=")
    obfuscated = (
        f"https://cdn.segment.com/next-integrations/integrations/{hidden}/3.6.1/{hidden}.dynamic.js.gz"
    )
    assert parse_bundle(obfuscated) == Bundle("integrations", hidden, "google-analytics")
    assert _name(obfuscated, CLASSIC) == "Google Analytics"


def test_unknown_bundles_and_other_urls() -> None:
    assert _name("https://cdn.segment.com/next-integrations/actions/hotjar/1.js") is None
    assert parse_bundle("https://cdn.segment.com/analytics-next/bundles/x.js") is None
    assert parse_bundle("https://cdn.segment.com/next-integrations/actions/hotjar/1.js") == Bundle(
        "actions", "hotjar", "hotjar"
    )
