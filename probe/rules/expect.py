"""What the banner choice allows in each phase: CMP categories, the stamp every event must carry."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from probe.catalog import Vendor
from probe.marks import ChoiceSource, choice_source
from probe.suite import Suite
from probe.timeline import AFTER, BEFORE, REVOKED, PhaseMark, Timeline


@dataclass(frozen=True)
class PhaseExpectation:
    """The consent in force during one phase."""

    phase: str
    decided: bool  # a banner decision is in force
    pre_decision_allowed: bool  # opt-out: traffic before a decision is by design
    choice: dict[str, bool] | None  # CMP category -> granted (required ones always True); None: unknown
    preferences: dict[str, bool] | None  # expected categoryPreferences, mapped Segment ids only
    required: frozenset[str] = frozenset()
    # recorded by probe, stated by the auditor, or read from the site's own stamps (a claim, not a fact)
    choice_source: ChoiceSource | None = None

    @property
    def judgeable(self) -> bool:
        """True when the choice in force is known (stamps and denials can be checked)."""
        return self.decided and self.choice is not None

    def cmp_granted(self, category: str | None) -> bool | None:
        """Whether a CMP category may be used now; None when that cannot be told."""
        if category is None:
            return None
        if category in self.required:
            return True
        if not self.decided:
            return True if self.pre_decision_allowed else False
        if self.choice is None:
            return None
        return self.choice.get(category)

    def denied_ids(self, ids: Iterable[str]) -> list[str]:
        """The given Segment ids the choice explicitly denies (unmapped ids are never judged)."""
        if self.preferences is None:
            return []
        return [i for i in ids if self.preferences.get(i) is False]


@dataclass(frozen=True)
class Expectations:
    """Per-phase expectations for one scenario, plus what a revocation withdrew."""

    model: str
    phases: dict[str, PhaseExpectation]
    revoked_categories: frozenset[str] = frozenset()  # CMP categories granted, then withdrawn
    revoked_ids: frozenset[str] = frozenset()  # Segment ids granted, then withdrawn
    changed: bool = False  # the after-revoke choice differs from the after-consent one
    required_ids: frozenset[str] = frozenset()  # Segment ids only strictly-necessary categories use

    def at(self, phase: str) -> PhaseExpectation:
        """The expectation for a phase."""
        return self.phases[phase]


def resolve_mark(mark: PhaseMark | None, suite: Suite) -> dict[str, bool] | None:
    """A phase mark's choice over the suite's categories (required ones granted); None when unknown."""
    if mark is None:
        return None
    if mark.choice:
        if not set(mark.choice) & set(suite.categories):
            return None
        return {c: cat.required or bool(mark.choice.get(c, False)) for c, cat in suite.categories.items()}
    if mark.action == "accept_all":
        return suite.resolve("accept_all")
    if mark.action == "reject_all":
        return suite.resolve("reject_all")
    return None


def build_expectations(timeline: Timeline, suite: Suite) -> Expectations:
    """Expectations for every phase of a scenario."""
    required = frozenset(c for c, cat in suite.categories.items() if cat.required)
    opt_out = suite.consent_model == "opt-out"
    phases = {
        BEFORE: PhaseExpectation(
            BEFORE,
            decided=False,
            pre_decision_allowed=opt_out,
            choice=None,
            preferences=None,
            required=required,
        )
    }
    choices: dict[str, dict[str, bool] | None] = {}
    for phase in (AFTER, REVOKED):
        mark = timeline.mark(phase)
        choice = resolve_mark(mark, suite)
        choices[phase] = choice
        prefs = suite.expected_preferences(choice) if choice is not None else None
        phases[phase] = PhaseExpectation(
            phase,
            decided=True,
            pre_decision_allowed=opt_out,
            choice=choice,
            preferences=prefs,
            required=required,
            choice_source=choice_source(mark) if choice is not None else None,
        )
    before, after = choices[AFTER], choices[REVOKED]
    revoked: frozenset[str] = frozenset()
    revoked_ids: frozenset[str] = frozenset()
    changed = False
    if timeline.mark(REVOKED) is not None and before is not None and after is not None:
        revoked = frozenset(c for c, granted in before.items() if granted and not after.get(c, False))
        old, new = phases[AFTER].preferences or {}, phases[REVOKED].preferences or {}
        revoked_ids = frozenset(i for i, granted in old.items() if granted and not new.get(i, False))
        changed = before != after
    optional = {i for cat in suite.categories.values() if not cat.required for i in cat.segment}
    required_ids = (
        frozenset(i for cat in suite.categories.values() if cat.required for i in cat.segment) - optional
    )
    return Expectations(suite.consent_model, phases, revoked, revoked_ids, changed, required_ids)


def vendor_cmp_category(vendor: Vendor, suite: Suite) -> str | None:
    """The CMP category that governs a vendor: suite override, then vendor_categories, then same name."""
    overrides = {name.lower(): cmp for name, cmp in suite.vendors.items()}
    if vendor.name.lower() in overrides:
        return overrides[vendor.name.lower()]
    for name, cat in suite.categories.items():
        if vendor.category in cat.vendor_categories:
            return name
    return vendor.category if vendor.category in suite.categories else None


def cmp_categories_of_ids(ids: Iterable[str], suite: Suite) -> set[str]:
    """The CMP categories whose Segment ids include any of ``ids``."""
    wanted = set(ids)
    return {name for name, cat in suite.categories.items() if wanted & set(cat.segment)}
