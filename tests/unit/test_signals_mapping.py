"""Banner choices in TCF purposes and US opt-outs: default mapping, suite mapping, shared purposes."""

from __future__ import annotations

from timeline_factory import make_suite

from probe.signals import advertising_categories, category_purposes, judge_purposes, purpose_map
from probe.suite import Category, Suite


class MappedCategory(Category):
    """Category with the ``tcf_purposes`` field the suite gains with this feature."""

    tcf_purposes: list[int] = []


def test_default_mapping_by_name_and_vendor_categories() -> None:
    suite = Suite.model_validate(
        {
            "name": "onetrust-like",
            "start_url": "https://shop.test/",
            "scenarios": ["no_decision", "accept_all"],
            "categories": {
                "necessary": {"segment": ["necessary"], "required": True},
                "C0002": {"segment": ["perf"], "vendor_categories": ["analytics"]},  # OneTrust-style id
                "advertising": {"segment": ["ads"]},
                "personalisation": {"segment": ["p13n"]},
                "functional": {"segment": ["functional"], "vendor_categories": ["functional"]},
            },
        }
    )
    assert purpose_map(suite) == {
        "C0002": frozenset({8, 9, 10}),
        "advertising": frozenset({2, 3, 4, 7}),
        "personalisation": frozenset({5, 6, 11}),
    }
    assert advertising_categories(suite) == frozenset({"advertising"})


def test_the_suite_mapping_wins_and_can_map_a_required_category() -> None:
    suite = make_suite(
        categories={
            "necessary": MappedCategory(segment=["necessary"], required=True, tcf_purposes=[1]),
            "marketing": MappedCategory(segment=["marketing"], tcf_purposes=[2, 4]),
        }
    )
    assert purpose_map(suite) == {
        "necessary": frozenset({1}),
        "analytics": frozenset({8, 9, 10}),
        "marketing": frozenset({2, 4}),
    }
    assert category_purposes("misc", Category(segment=["misc"])) == frozenset()


def test_advertising_needs_an_optional_category() -> None:
    suite = make_suite(
        categories={"ads_required": {"segment": ["x"], "required": True}, "sale": {"segment": ["sale"]}}
    )
    assert advertising_categories(suite) == frozenset({"marketing", "sale"})


PURPOSES = {"analytics": frozenset({7, 8, 9, 10}), "marketing": frozenset({2, 3, 4, 7})}


def test_shared_purpose_is_allowed_while_any_user_is_granted() -> None:
    verdict = judge_purposes([1, 7, 8], {"analytics": True, "marketing": False}, PURPOSES)
    assert (verdict.granted_despite_denial, verdict.missing_for_grant, verdict.contradicts) == ({}, {}, False)


def test_reject_all_denies_storage_too() -> None:
    verdict = judge_purposes([1, 7], {"analytics": False, "marketing": False}, PURPOSES)
    assert verdict.granted_despite_denial == {1: ("analytics", "marketing"), 7: ("analytics", "marketing")}
    assert verdict.missing_for_grant == {}


def test_accepted_category_needs_one_of_its_purposes() -> None:
    verdict = judge_purposes([1, 2], {"analytics": True, "marketing": True}, PURPOSES)
    assert verdict.granted_despite_denial == {}
    assert verdict.missing_for_grant == {"analytics": (7, 8, 9, 10)}


def test_unmapped_purposes_and_categories_are_not_judged() -> None:
    verdict = judge_purposes([5, 6, 11], {"analytics": False, "marketing": False, "other": True}, PURPOSES)
    assert verdict.contradicts is False
