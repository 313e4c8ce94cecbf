"""Settings parsing: destinations, consent categories, consentSettings, apiHost, suite override."""

from __future__ import annotations

from timeline_factory import golden_json

from probe.segment import Destination, merge_settings, normalize_name, parse_settings


def test_settings_with_consent_settings() -> None:
    settings = parse_settings(golden_json("settings_consent.json"), entry=3, url="https://cdn/settings")
    assert settings.entry == 3 and settings.url == "https://cdn/settings"
    assert settings.consent_configured
    assert settings.all_categories == ("analytics", "marketing")
    assert settings.has_unmapped is False
    assert settings.api_host == "proxy.shop.test/ces/v1"
    assert settings.write_key == "DEMOWRITEKEY"
    assert "Segment.io" not in settings.destinations
    cats = {name: d.categories for name, d in settings.destinations.items()}
    assert cats == {
        "Actions Amplitude": ("analytics",),
        "Braze Web Mode (Actions)": ("marketing",),
        "Google Analytics 4": ("analytics",),
        "Facebook Pixel": ("marketing",),
    }
    amplitude = settings.destinations["Actions Amplitude"]
    assert amplitude.device_mode and amplitude.library_name == "amplitude-pluginsDestination"
    assert amplitude.bundle_url is not None and amplitude.bundle_url.endswith("6765cb3cf169443c119b.js")
    assert amplitude.display_name == "Amplitude (Actions)"
    assert settings.destinations["Facebook Pixel"].device_mode  # classic, bundled, browser
    assert not settings.destinations["Google Analytics 4"].device_mode  # cloud mode


def test_settings_without_consent_settings() -> None:
    settings = parse_settings(golden_json("settings_no_consent.json"))
    assert not settings.consent_configured
    assert settings.all_categories is None and settings.has_unmapped is None
    assert settings.api_host is None
    assert all(not d.mapped for d in settings.destinations.values())
    modes = {name: d.device_mode for name, d in settings.destinations.items()}
    assert modes == {"Google Analytics": True, "Mixpanel": False, "Snowflake": False}


def test_suite_override_wins_and_can_add_destinations() -> None:
    found = parse_settings(golden_json("settings_no_consent.json"))
    merged = merge_settings([found], {"Google Analytics": ["analytics"], "BigQuery": ["necessary"]})
    ga = merged.destinations["Google Analytics"]
    assert ga.categories == ("analytics",) and ga.from_suite and ga.device_mode
    assert merged.destinations["BigQuery"] == Destination(
        "BigQuery", ("necessary",), from_suite=True, raw='{"BigQuery":["necessary"]}'
    )
    assert merged.destinations["Mixpanel"].categories == ()


def test_later_settings_win_per_destination() -> None:
    first = parse_settings(golden_json("settings_no_consent.json"), entry=1)
    second = parse_settings(golden_json("settings_consent.json"), entry=9)
    merged = merge_settings([first, second])
    assert merged.entry == 9
    assert merged.all_categories == ("analytics", "marketing")
    assert "Mixpanel" in merged.destinations and "Actions Amplitude" in merged.destinations


def test_broken_settings_are_empty_not_errors() -> None:
    assert parse_settings(["not", "a", "dict"]).destinations == {}
    odd = parse_settings(
        {
            "integrations": {"X": "junk", "Y": {"consentSettings": {"categories": "analytics"}}},
            "remotePlugins": ["junk", {"url": 3}],
            "consentSettings": {"allCategories": "x"},
        }
    )
    assert list(odd.destinations) == ["Y"] and odd.destinations["Y"].categories == ()
    assert odd.all_categories == ()


def test_normalize_name_matches_analytics_next() -> None:
    assert normalize_name("Google Analytics") == "google-analytics"
    assert normalize_name("Customer.io") == "customerio"
    assert normalize_name("A.B.C  D") == "ab.c-d"
