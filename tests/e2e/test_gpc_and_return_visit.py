"""The GPC scenario in an opt-out (US) suite and the return-visit scenario, judged end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from probe.judge import judge_bundle
from probe.suite import Suite, load_suite
from tests.conftest import DEMO, ROOT, SITES, read_har

pytestmark = pytest.mark.e2e
WEB = ROOT / "web"
DEMO_DIR = ROOT / "scenarios" / "demo"


def rules(evidence_dir: Path) -> list[tuple[str, str, str | None]]:
    judged = judge_bundle(evidence_dir)
    assert judged.result.error is None
    return sorted({(f.rule, f.severity, f.phase) for f in judged.result.findings})


def us_suite(page: str) -> Suite:
    data: dict[str, Any] = {
        "name": "us-shop",
        "start_url": f"https://us.test/{page}",
        "consent_model": "opt-out",
        "categories": {
            "necessary": {"segment": ["necessary"], "required": True},
            "analytics": {"segment": ["analytics"], "vendor_categories": ["analytics"]},
            "marketing": {"segment": ["marketing"], "vendor_categories": ["marketing"]},
        },
        "offline": {
            "routes": [
                {
                    "url": "https://us.test/vendor/consent-tools.js",
                    "file": str(WEB / "build" / "consent-tools.js"),
                },
                {
                    "url": "https://us.test/segment-snippet.js",
                    "file": str(DEMO_DIR / "site" / "segment-snippet.js"),
                },
                {"url": "https://us.test/", "dir": str(SITES / "us-shop")},
                {
                    "url": "https://cdn.segment.com/analytics.js/v1/*/analytics.min.js",
                    "file": str(WEB / "node_modules/@segment/analytics-next/dist/umd/standalone.js"),
                },
                {
                    "url": "https://cdn.segment.com/analytics-next/bundles/",
                    "dir": str(WEB / "node_modules/@segment/analytics-next/dist/umd"),
                },
                {
                    "url": "https://cdn.segment.com/v1/projects/DEMOWRITEKEY/settings",
                    "file": str(DEMO_DIR / "cdn" / "settings.json"),
                },
                {
                    "url": "https://cdn.segment.com/next-integrations/",
                    "dir": str(DEMO_DIR / "cdn" / "next-integrations"),
                },
            ],
            "sinks": ["www.facebook.com", "api2.amplitude.com", "ct.pinterest.com"],
        },
        "scenarios": ["gpc"],
        "settle_ms": 1000,  # Segment, its device-mode bundles and their calls all start on page load
    }
    return Suite.model_validate(data)


def test_gpc_is_sent_and_exposed_and_an_honouring_site_passes(site_runner, tmp_path: Path) -> None:
    run = site_runner(us_suite("index.html"), "gpc", tmp_path / "gpc")
    har = read_har(run.evidence_dir)
    site = [e for e in har["log"]["entries"] if e["request"]["url"].startswith("https://us.test/")]
    assert site and all(
        {"name": "sec-gpc", "value": "1"}
        in [{"name": h["name"].lower(), "value": h["value"]} for h in e["request"]["headers"]]
        for e in site
    )
    assert har["log"]["pages"][0]["_probe"]["signals"]["gpc"] is True
    stamps = [
        e
        for e in har["log"]["entries"]
        if e["request"]["url"] == "https://api.segment.io/v1/p" and e["request"]["method"] == "POST"
    ]
    assert stamps, "opt-out: Segment loads before any decision"
    assert rules(run.evidence_dir) == []


def test_site_ignoring_gpc_is_caught(site_runner, tmp_path: Path) -> None:
    run = site_runner(us_suite("index.html?ignore_gpc"), "gpc", tmp_path / "gpc")
    # GPC is an explicit denial of advertising: each rule answers its own question about it
    assert rules(run.evidence_dir) == [
        ("denied-destination-loaded", "error", "before-consent"),
        ("denied-pixel", "error", "before-consent"),
        ("gpc-ignored", "error", "before-consent"),
    ]
    findings = judge_bundle(run.evidence_dir).result.findings
    urls: dict[str, set[str]] = {}
    for f in findings:
        urls.setdefault(f.rule, set()).update(e.url for e in f.evidence)
    assert urls["gpc-ignored"] >= {
        "https://www.facebook.com/tr?id=1234567890&ev=PageView",
        "https://api.segment.io/v1/p",
    }
    assert urls["denied-pixel"] >= {"https://www.facebook.com/tr?id=1234567890&ev=PageView"}
    assert urls["denied-destination-loaded"] == {
        "https://cdn.segment.com/next-integrations/actions/pinterest/demo.js"
    }


def return_suite(page_url: str, extra_routes: list[dict[str, str]]) -> Suite:
    demo = load_suite(DEMO)
    data = demo.model_dump(mode="json", exclude={"path", "sha256"})
    data["pages"] = [page_url]
    data["actions"] = []
    data["scenarios"] = [
        {
            "name": "return_visit",
            "decision": {"analytics": False, "marketing": True},
            "via_preferences": True,
            "return_visit": True,
        }
    ]
    data["settle_ms"] = 300
    data["offline"]["routes"] = extra_routes + data["offline"]["routes"]
    return Suite.model_validate(data)


def test_return_visit_honours_the_stored_choice_on_the_demo(site_runner, tmp_path: Path) -> None:
    run = site_runner(return_suite("https://shop.test/product.html", []), "return_visit", tmp_path / "rv")
    har = read_har(run.evidence_dir)
    loads = [e for e in har["log"]["entries"] if e["request"]["url"] == "https://shop.test/product.html"]
    assert [e["pageref"] for e in loads] == ["before-consent", "after-consent", "after-consent"]
    assert rules(run.evidence_dir) == []


def test_flash_of_tracking_on_return_visit_is_caught(site_runner, tmp_path: Path) -> None:
    flash = {"url": "https://shop.test/flash.html", "file": str(SITES / "returning" / "flash.html")}
    run = site_runner(return_suite("https://shop.test/flash.html", [flash]), "return_visit", tmp_path / "rv")
    assert rules(run.evidence_dir) == [("denied-pixel", "error", "after-consent")]
    (finding,) = judge_bundle(run.evidence_dir).result.findings
    assert [e.url for e in finding.evidence] == [
        "https://www.google-analytics.com/g/collect?v=2&tid=G-DEMO123&en=page_view"
    ] * len(finding.evidence)
