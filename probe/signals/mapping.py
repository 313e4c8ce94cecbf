"""What a banner choice means in TCF purposes and US opt-outs: the suite's CMP categories mapped
to TCF v2 purposes, and which categories are advertising (sale, sharing, targeting).

TCF v2.2 purposes: 1 store/access information on a device, 2 limited data to select ads,
3 ad profiles, 4 personalised ads, 5 content profiles, 6 personalised content, 7 measure ad
performance, 8 measure content performance, 9 audience research, 10 develop and improve services,
11 limited data to select content.

Defaults, for a category without ``tcf_purposes`` in the suite, chosen by its name or catalog
``vendor_categories`` (required categories are never mapped by default):

- marketing-like (marketing, advertising, ads, targeting, sale, sharing, social): 2, 3, 4, 7
- analytics-like (analytics, statistics, performance, measurement): 8, 9, 10
- personalisation-like (personalisation, personalization): 5, 6, 11

Purpose 7 (measure *advertising* performance) is deliberately not in the analytics default: with it
there, an analytics grant would excuse ad-measurement consent after the visitor refused marketing.
Purpose 1 (device storage) comes with every mapped category when judging what was *denied*: after
"reject all" a TC string must not consent to purpose 1 either. A category the defaults do not
recognise is not judged; give it ``tcf_purposes`` to judge it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from probe.suite import Category, Suite

STORAGE_PURPOSE = 1
_MARKETING_WORDS = ("marketing", "advertis", "ads", "targeting", "sale", "sharing", "social")
_ANALYTICS_WORDS = ("analytic", "statistic", "performance", "measurement")
_PERSONALISATION_WORDS = ("personalis", "personaliz")
DEFAULT_PURPOSES: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...] = (
    (_MARKETING_WORDS, (2, 3, 4, 7)),
    (_ANALYTICS_WORDS, (8, 9, 10)),
    (_PERSONALISATION_WORDS, (5, 6, 11)),
)


def _words(name: str, category: Category) -> list[str]:
    return [name.lower(), *(v.lower() for v in category.vendor_categories)]


def _matches(words: Iterable[str], stems: tuple[str, ...]) -> bool:
    return any(stem in word for word in words for stem in stems)


def is_advertising(name: str, category: Category) -> bool:
    """True for a category that governs advertising, sale or sharing (by name or catalog category)."""
    return not category.required and _matches(_words(name, category), _MARKETING_WORDS)


def advertising_categories(suite: Suite) -> frozenset[str]:
    """The suite's CMP categories that govern advertising, sale or sharing."""
    return frozenset(name for name, cat in suite.categories.items() if is_advertising(name, cat))


def category_purposes(name: str, category: Category) -> frozenset[int]:
    """TCF purposes of one category: the suite's ``tcf_purposes``, else the default by name."""
    explicit = getattr(category, "tcf_purposes", None) or ()  # the field arrives with this feature
    if explicit:
        return frozenset(int(p) for p in explicit)
    if category.required:
        return frozenset()
    words = _words(name, category)
    return frozenset(p for stems, purposes in DEFAULT_PURPOSES if _matches(words, stems) for p in purposes)


def purpose_map(suite: Suite) -> dict[str, frozenset[int]]:
    """CMP category -> TCF purposes, for the categories that have any."""
    mapped = {name: category_purposes(name, cat) for name, cat in suite.categories.items()}
    return {name: purposes for name, purposes in mapped.items() if purposes}


@dataclass(frozen=True)
class PurposeVerdict:
    """What a TC string's purpose consents say against a choice."""

    granted_despite_denial: dict[int, tuple[str, ...]]  # purpose -> the denied categories it serves
    missing_for_grant: dict[str, tuple[int, ...]]  # granted category -> its purposes, none consented

    @property
    def contradicts(self) -> bool:
        """True when the TC string contradicts the choice either way."""
        return bool(self.granted_despite_denial or self.missing_for_grant)


def judge_purposes(
    consented: Iterable[int], choice: Mapping[str, bool], purposes: Mapping[str, frozenset[int]]
) -> PurposeVerdict:
    """Compare consented TCF purposes with a banner choice over the mapped categories.

    A purpose is denied only when every mapped category that uses it was denied, so purposes two
    categories share (or a suite maps twice) never fire on a partial choice.
    """
    consent = set(consented)
    granted = {c for c in purposes if choice.get(c) is True}
    denied = {c for c in purposes if choice.get(c) is False}
    allowed = {p for c in granted for p in purposes[c] | {STORAGE_PURPOSE}}
    over: dict[int, tuple[str, ...]] = {}
    for purpose in sorted(consent - allowed):
        users = tuple(sorted(c for c in denied if purpose in purposes[c] | {STORAGE_PURPOSE}))
        if users:
            over[purpose] = users
    under = {c: tuple(sorted(purposes[c])) for c in sorted(granted) if not consent & purposes[c]}
    return PurposeVerdict(over, under)
