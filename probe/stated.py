"""What the visitor chose, for a replayed HAR: a stated choice always beats one read from stamps.

A foreign HAR records requests, not the banner. The choice in force after each phase mark is, in
this order: stated on the command line (``--choice``, ``--revoke-choice``), stated by the suite's
scenario, or read from the first consent stamp after the mark. A choice read from stamps is the
site's own claim: it is never trusted to say that a revoke changed nothing, since stale stamps after
a revoke are exactly what a broken site sends.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from probe.evidence import PhaseSpecError
from probe.marks import ReadMark
from probe.suite import Choice, Scenario, Suite, map_choice
from probe.timeline import AFTER, BEFORE, REVOKED, PhaseMark, Timeline


@dataclass(frozen=True)
class Stated:
    """Choices said by someone other than the recording; ``*_by`` None means not stated."""

    decision: Choice | None = None  # None with decision_by set: the visitor never decided
    decision_by: str | None = None  # "--choice" or "suite scenario 'NAME'"
    revoke: Choice | None = None  # None with revoke_by set: the visitor never changed their mind
    revoke_by: str | None = None


def stated_choices(
    suite: Suite,
    scenario: str | None = None,
    choice: Choice | None = None,
    revoke_choice: Choice | None = None,
    *,
    suite_given: bool = True,
) -> Stated:
    """The options and the suite's scenario combined: an option beats the scenario field it replaces.

    The scenario is the one named, else the suite's only scenario when a suite was given.
    """
    chosen: Scenario | None = None
    if scenario is not None:
        chosen = suite.scenario(scenario)
    elif suite_given and len(suite.scenarios) == 1:
        chosen = suite.scenarios[0]
    by = f"suite scenario {chosen.name!r}" if chosen is not None else None
    decision, decision_by = (chosen.decision, by) if chosen is not None else (None, None)
    revoke, revoke_by = (chosen.revoke, by) if chosen is not None else (None, None)
    if choice is not None:
        decision, decision_by = _checked(suite, choice, "--choice"), "--choice"
    if revoke_choice is not None:
        revoke, revoke_by = _checked(suite, revoke_choice, "--revoke-choice"), "--revoke-choice"
    return Stated(decision, decision_by, revoke, revoke_by)


def _checked(suite: Suite, choice: Choice, option: str) -> Choice:
    """A choice whose categories the suite knows (an unknown one is an error naming the option)."""
    if isinstance(choice, dict):
        return map_choice(suite.categories, choice, option)
    return choice


def apply_stated(
    timeline: Timeline, suite: Suite, stated: Stated, *, decision_given: bool, revoke_given: bool
) -> None:
    """Give each phase mark its choice (stated, else read from stamps) and say why one stays unknown.

    Raises PhaseSpecError for an option that cannot apply to this recording.
    """
    if timeline.has_phases and not any(isinstance(m, ReadMark) for m in timeline.marks):
        # probe's own HAR: it recorded the click and the choice; a scenario's word adds nothing
        for option in ("--choice", "--revoke-choice"):
            if option in (stated.decision_by, stated.revoke_by):
                raise PhaseSpecError(
                    f"{option}: this HAR records its own phases and choices; give --decision-at to replace them"
                )
        return
    if stated.decision_by is not None and stated.decision is None:
        _never_decided(timeline, stated, decision_given)
        return
    after = timeline.mark(AFTER)
    revoke = timeline.mark(REVOKED)
    if stated.revoke_by is not None and stated.revoke is None and revoke is not None:
        if revoke_given:
            raise PhaseSpecError(f"--revoke-at: {stated.revoke_by} has no revoke (no change of mind)")
        timeline.marks = [m for m in timeline.marks if m.phase != REVOKED]
        timeline.notes.append(
            f"{stated.revoke_by} has no change of mind: the change inferred at the after-revoke mark is "
            "ignored and the whole recording after the decision is judged against the decision."
        )
        revoke = None
    if isinstance(after, ReadMark):
        after = _decided(after, suite, stated.decision, stated.decision_by)
    elif after is None and stated.decision_by is not None:
        _no_mark(timeline, stated.decision_by, "--choice", "decision", "--decision-at")
    if isinstance(revoke, ReadMark):
        revoke = _revoked(revoke, after, suite, stated.revoke, stated.revoke_by)
    elif revoke is None and stated.revoke_by is not None and stated.revoke is not None:
        _no_mark(timeline, stated.revoke_by, "--revoke-choice", "revoke", "--revoke-at")
    timeline.marks = [
        after if m.phase == AFTER and after is not None else revoke if m.phase == REVOKED and revoke else m
        for m in timeline.marks
    ]


def _never_decided(timeline: Timeline, stated: Stated, decision_given: bool) -> None:
    """A stated "no decision": the whole recording is before consent, whatever traces it shows."""
    if decision_given:
        raise PhaseSpecError(f"--decision-at: {stated.decision_by} never decides")
    if stated.revoke_by == "--revoke-choice":
        raise PhaseSpecError(f"--revoke-choice: {stated.decision_by} never decides, so it cannot revoke")
    overridden = f" (the traces read at {', '.join(m.phase for m in timeline.marks)} are ignored)"
    timeline.notes.append(
        f"{stated.decision_by} never decides: the whole recording is judged as before-consent"
        + (overridden if timeline.marks else "")
        + "."
    )
    timeline.marks = []
    # the per-entry tag is how probe's own no-decision evidence says "all of it is before consent"
    timeline.entries = [dataclasses.replace(e, phase=BEFORE) for e in timeline.entries]


def _no_mark(timeline: Timeline, by: str, option: str, what: str, when: str) -> None:
    """A stated choice with no mark to carry it: an error for the option, a note for a scenario."""
    if by == option:
        raise PhaseSpecError(
            f"{option}: the recording shows no {what} (no consent cookie, consent event or stamp): "
            f"say when with {when}"
        )
    timeline.notes.append(
        f"{by} says what the visitor chose, but the recording shows no {what}: give {when}."
    )


def _decided(mark: ReadMark, suite: Suite, choice: Choice | None, by: str | None) -> ReadMark:
    """The after-consent mark with the stated choice, else the one its first stamp implies."""
    if by is not None and choice is not None:
        return dataclasses.replace(mark, choice=suite.resolve(choice), choice_source="stated")
    read = suite.choice_from_stamp(mark.stamp) if mark.stamp else None
    if read is not None:
        return dataclasses.replace(mark, choice=read, choice_source="stamps")
    why = (
        "nothing says what the visitor chose (no --choice, no suite scenario) and no event after the "
        "decision carries a consent stamp over the suite's categories: say it with --choice"
    )
    return dataclasses.replace(mark, choice=None, choice_source=None, unknown_why=why)


def _revoked(
    mark: ReadMark, after: PhaseMark | None, suite: Suite, choice: Choice | None, by: str | None
) -> ReadMark:
    """The after-revoke mark with the stated choice, else its stamps' choice when they show a change."""
    if by is not None and choice is not None:
        return dataclasses.replace(mark, choice=suite.resolve(choice), choice_source="stated")
    read = suite.choice_from_stamp(mark.stamp) if mark.stamp else None
    before = after.choice if after is not None else None
    stale = read is not None and before is not None and all(before.get(c) == v for c, v in read.items())
    if read is not None and not stale:
        return dataclasses.replace(mark, choice=read, choice_source="stamps")
    if stale:
        why = (
            "the events after the revoke still carry the after-consent choice in their stamps (stale "
            "stamps, or nothing changed), so they cannot tell what the visitor chose: say it with "
            "--revoke-choice"
        )
    else:
        why = (
            "nothing says what the visitor chose at the revoke (no --revoke-choice, no suite scenario) "
            "and no event after it carries a consent stamp over the suite's categories: say it with "
            "--revoke-choice"
        )
    return dataclasses.replace(mark, choice=None, choice_source=None, unknown_why=why)
