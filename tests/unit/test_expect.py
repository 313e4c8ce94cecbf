"""Expectations: what the choice in force allows, per phase, and what a revocation withdrew."""

from __future__ import annotations

from timeline_factory import ACCEPT_ALL, ANALYTICS_ONLY, REJECT_ALL, Recording, make_suite

from probe.catalog import load_catalog
from probe.rules.expect import build_expectations, cmp_categories_of_ids, resolve_mark, vendor_cmp_category
from probe.timeline import AFTER, BEFORE, REVOKED, PhaseMark

SUITE = make_suite()


def test_opt_in_before_consent_allows_only_required_categories() -> None:
    expect = build_expectations(Recording().build(), SUITE).at(BEFORE)
    assert not expect.decided and not expect.judgeable
    assert expect.cmp_granted("necessary") is True
    assert expect.cmp_granted("analytics") is False
    assert expect.cmp_granted(None) is None


def test_opt_out_allows_pre_decision_traffic() -> None:
    expect = build_expectations(Recording().build(), make_suite(consent_model="opt-out")).at(BEFORE)
    assert expect.cmp_granted("marketing") is True


def test_after_consent_preferences_follow_the_suite_mapping() -> None:
    timeline = Recording().decide({"analytics": True}).build()
    expect = build_expectations(timeline, SUITE).at(AFTER)
    assert expect.choice == ANALYTICS_ONLY  # required granted, unnamed categories denied
    assert expect.preferences == {"necessary": True, "analytics": True, "marketing": False}
    assert expect.denied_ids(["marketing", "analytics", "unmapped"]) == ["marketing"]
    assert expect.cmp_granted("marketing") is False
    assert expect.cmp_granted("unknown-category") is None


def test_revocation_lists_what_was_withdrawn() -> None:
    timeline = Recording().decide(ACCEPT_ALL).revoke(REJECT_ALL).build()
    expect = build_expectations(timeline, SUITE)
    assert expect.changed
    assert expect.revoked_categories == {"analytics", "marketing"}
    assert expect.revoked_ids == {"analytics", "marketing"}
    assert expect.at(REVOKED).preferences == {"necessary": True, "analytics": False, "marketing": False}


def test_same_choice_again_is_not_a_change() -> None:
    expect = build_expectations(Recording().decide(ACCEPT_ALL).revoke(ACCEPT_ALL).build(), SUITE)
    assert not expect.changed and not expect.revoked_categories


def test_unknown_choices() -> None:
    assert resolve_mark(PhaseMark(AFTER, 1.0, None, "accept_all"), SUITE) == ACCEPT_ALL
    assert resolve_mark(PhaseMark(AFTER, 1.0, None, "reject_all"), SUITE) == REJECT_ALL
    assert resolve_mark(PhaseMark(AFTER, 1.0, None, "choose"), SUITE) is None
    assert resolve_mark(PhaseMark(AFTER, 1.0, {"C0002": True}, "choose"), SUITE) is None
    assert resolve_mark(None, SUITE) is None
    expect = build_expectations(Recording().decide(None).build(), SUITE).at(AFTER)
    assert expect.decided and not expect.judgeable
    assert expect.cmp_granted("analytics") is None


def test_vendor_category_resolution_order() -> None:
    catalog = load_catalog()
    facebook = catalog.vendor("Facebook Pixel")
    intercom = catalog.vendor("Intercom")
    assert facebook is not None and intercom is not None
    assert vendor_cmp_category(facebook, SUITE) == "marketing"  # through vendor_categories
    assert vendor_cmp_category(intercom, SUITE) is None  # "functional" governs nothing here
    overridden = make_suite(vendors={"facebook pixel": "analytics", "Intercom": "necessary"})
    assert vendor_cmp_category(facebook, overridden) == "analytics"
    assert vendor_cmp_category(intercom, overridden) == "necessary"
    same_name = make_suite(categories={"functional": {"segment": ["functional"]}})
    assert vendor_cmp_category(intercom, same_name) == "functional"


def test_cmp_categories_of_segment_ids() -> None:
    assert cmp_categories_of_ids(["analytics", "C0009"], SUITE) == {"analytics"}
    assert cmp_categories_of_ids([], SUITE) == set()


def test_ids_only_required_categories_use() -> None:
    assert build_expectations(Recording().build(), SUITE).required_ids == {"necessary"}
    shared = make_suite(categories={"necessary": {"segment": ["analytics"], "required": True}})
    assert build_expectations(Recording().build(), shared).required_ids == frozenset()
