"""Who may decide on a proposal in screening, and the order of resolutions that screening by
resolution (四议两公开) asks for, as pure code.

A person tied to a proposal (its author, a co-proposer, a supporter) does not decide on it:
the same ties that recuse a member at a meeting bar a committee member from assessing,
returning, approving, rejecting or merging it.

In ``resolution`` mode a proposal goes on the ballot only after three PASSED resolutions on it,
in order: the community's 两委会 (商议), then its 党员大会 (审议), then its 居民代表会议 (决议),
each step's meeting held after the earlier step's. A FAILED resolution at any step lets the
committee reject it.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .deliberation import BodyKind, Decision, RecusalReason
from .lifecycle import ProposalAction


class ScreeningMode(StrEnum):
    COMMITTEE = "committee"  # a committee decision
    RESOLUTION = "resolution"  # 四议两公开: the committee carries out the meetings' resolutions


# The committee's decisions that a tie to the proposal bars.
DECISIONS = frozenset(
    {
        ProposalAction.ASSESS,
        ProposalAction.RETURN,
        ProposalAction.APPROVE,
        ProposalAction.REJECT,
        ProposalAction.MERGE,
    }
)


def decision_conflict(
    person_id: int,
    author_ids: Iterable[int],
    co_proposer_ids: Iterable[int],
    supporter_ids: Iterable[int],
) -> RecusalReason | None:
    """Why ``person_id`` may not decide on a proposal, the strongest tie named (author before
    co-proposer before supporter), or None when they may."""
    for reason, ids in (
        (RecusalReason.AUTHOR, author_ids),
        (RecusalReason.CO_PROPOSER, co_proposer_ids),
        (RecusalReason.SUPPORTER, supporter_ids),
    ):
        if person_id in set(ids):
            return reason
    return None


class StepName(StrEnum):
    CONSULT = "consult"  # 商议
    REVIEW = "review"  # 审议
    RESOLVE = "resolve"  # 决议


@dataclass(frozen=True)
class Step:
    name: StepName
    kind: BodyKind


STEPS: tuple[Step, ...] = (
    Step(StepName.CONSULT, BodyKind.COMMITTEES),
    Step(StepName.REVIEW, BodyKind.PARTY_MEMBERS),
    Step(StepName.RESOLVE, BodyKind.REPRESENTATIVES),
)


@dataclass(frozen=True)
class Vote:
    """A resolution on the proposal as the chain reads it: which kind of body, when its meeting
    was held, what it decided. ``ref`` identifies it for the caller (a resolution's id)."""

    ref: int
    kind: BodyKind
    held_at: datetime
    decision: Decision


@dataclass(frozen=True)
class StepState:
    step: Step
    done: Vote | None  # the PASSED resolution that makes the step, if any
    failed: Vote | None  # for the first step not done: its latest FAILED resolution, if any


@dataclass(frozen=True)
class Chain:
    steps: tuple[StepState, ...]
    # Every FAILED resolution of a step's body, at any step.
    failures: tuple[Vote, ...]

    @property
    def complete(self) -> bool:
        return all(s.done is not None for s in self.steps)

    @property
    def missing(self) -> Step | None:
        """The first step still needed, or None when the chain is complete."""
        return next((s.step for s in self.steps if s.done is None), None)

    @property
    def rejectable(self) -> bool:
        return bool(self.failures)


def chain(votes: Iterable[Vote]) -> Chain:
    """The steps done, in order. Each step takes the earliest PASSED resolution of its body
    held after the previous step's meeting (the earliest leaves the most room for the steps
    after it); a step that has none is still needed, and so is every step after it."""
    kinds = {s.kind for s in STEPS}
    listed = sorted((v for v in votes if v.kind in kinds), key=lambda v: (v.held_at, v.ref))
    states: list[StepState] = []
    after: datetime | None = None
    blocked = False
    for step in STEPS:
        if blocked:
            states.append(StepState(step, None, None))
            continue
        candidates = [
            v for v in listed if v.kind is step.kind and (after is None or v.held_at > after)
        ]
        done = next((v for v in candidates if v.decision is Decision.PASSED), None)
        if done is not None:
            states.append(StepState(step, done, None))
            after = done.held_at
            continue
        failed = [v for v in candidates if v.decision is Decision.FAILED]
        states.append(StepState(step, None, failed[-1] if failed else None))
        blocked = True
    failures = tuple(v for v in listed if v.decision is Decision.FAILED)
    return Chain(tuple(states), failures)
