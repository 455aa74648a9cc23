"""Deliberative bodies (两委会, 居务协商会, 居民代表会议, 党员大会) and how their meetings decide,
as pure code: quorum, recusal and the outcome of a vote on one agenda item.

A body's rule says how many of its members must be present (the quorum, *at least* a fraction of
the members: 2/3 for the 党员大会's 审议) and how many must vote for (*more than* a fraction of
the base: of the members entitled to vote who are present, or of all members entitled to vote).
Members who wrote, co-proposed or supported the proposal on the item are recused (回避): they
count for the quorum, they do not vote, and they are not part of the majority's base.

All arithmetic is on integers and ``Fraction``: a boundary such as 2/3 of 9 is exact.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from math import floor


class BodyKind(StrEnum):
    COMMITTEES = "committees"  # 两委会
    COUNCIL = "council"  # 居务协商会
    REPRESENTATIVES = "representatives"  # 居民代表会议
    PARTY_MEMBERS = "party_members"  # 党员大会


class MajorityBase(StrEnum):
    PRESENT = "present"  # of the members present who may vote
    MEMBERS = "members"  # of all the members who may vote


class VoteMode(StrEnum):
    OPEN = "open"  # counts only (a show of hands)
    NAMED = "named"  # each member's vote recorded


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class Presence(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class Decision(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NO_QUORUM = "no_quorum"


class Choice(StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class RecusalReason(StrEnum):
    AUTHOR = "author"
    CO_PROPOSER = "co_proposer"
    SUPPORTER = "supporter"


class Reason(StrEnum):
    NO_QUORUM = "no_quorum"
    MAJORITY_FOR = "majority_for"
    SHORT_OF_MAJORITY = "short_of_majority"


@dataclass(frozen=True)
class Rule:
    quorum: Fraction = Fraction(2, 3)
    majority: Fraction = Fraction(1, 2)
    majority_base: MajorityBase = MajorityBase.PRESENT
    vote_mode: VoteMode = VoteMode.OPEN

    def __post_init__(self) -> None:
        if not (0 < self.quorum <= 1) or not (0 <= self.majority < 1):
            raise ValueError("a quorum in (0, 1] and a majority in [0, 1)")


# The practice's defaults per kind: 审议 needs two thirds present and a majority of those present.
DEFAULT_RULES: Mapping[BodyKind, Rule] = {
    BodyKind.COMMITTEES: Rule(Fraction(1, 2), Fraction(1, 2)),
    BodyKind.COUNCIL: Rule(Fraction(2, 3), Fraction(1, 2)),
    BodyKind.REPRESENTATIVES: Rule(Fraction(2, 3), Fraction(1, 2)),
    BodyKind.PARTY_MEMBERS: Rule(Fraction(2, 3), Fraction(1, 2)),
}


def quorum_needed(rule: Rule, members: int) -> int:
    """The fewest members present that make the quorum (at least ``rule.quorum`` of them);
    never fewer than one."""
    if members < 0:
        raise ValueError("members")
    needed = rule.quorum * members
    return max(1, -floor(-needed))  # the ceiling, exactly


def quorum_met(rule: Rule, members: int, present: int) -> bool:
    if not 0 <= present <= members:
        raise ValueError("present")
    return members > 0 and present >= quorum_needed(rule, members)


def votes_needed(rule: Rule, base: int) -> int:
    """The fewest votes for that are *more than* ``rule.majority`` of ``base``; at least one."""
    return max(1, floor(rule.majority * base) + 1)


def recusals(
    member_users: Mapping[int, int | None],
    author_ids: Iterable[int],
    co_proposer_ids: Iterable[int],
    supporter_ids: Iterable[int],
) -> dict[int, RecusalReason]:
    """Which members (by member id, mapped to their account or None) are recused, and why: the
    strongest tie is named (author before co-proposer before supporter). A member without an
    account cannot have written or supported anything on the platform."""
    ties = [
        (RecusalReason.AUTHOR, set(author_ids)),
        (RecusalReason.CO_PROPOSER, set(co_proposer_ids)),
        (RecusalReason.SUPPORTER, set(supporter_ids)),
    ]
    found: dict[int, RecusalReason] = {}
    for member_id, user_id in member_users.items():
        if user_id is None:
            continue
        for reason, users in ties:
            if user_id in users:
                found[member_id] = reason
                break
    return found


@dataclass(frozen=True)
class Outcome:
    decision: Decision
    reason: Reason
    members: int
    present: int
    recused: int
    votes_for: int
    against: int
    abstain: int
    quorum_needed: int
    votes_needed: int  # 0 without quorum


def check_counts(
    members: int, present: int, recused: int, votes_for: int, against: int, abstain: int
) -> None:
    """Raise ValueError unless the numbers can be true of one meeting."""
    if min(members, present, recused, votes_for, against, abstain) < 0:
        raise ValueError("negative")
    if present > members or recused > present:
        raise ValueError("more present than members, or recused than present")
    if votes_for + against + abstain > present - recused:
        raise ValueError("more votes than members who may vote")


def outcome(
    rule: Rule,
    members: int,
    present: int,
    recused: int,
    votes_for: int,
    against: int,
    abstain: int,
    *,
    recused_members: int | None = None,
) -> Outcome:
    """The decision on one item. ``recused`` are the recused members present;
    ``recused_members`` all recused members (present or not), for a majority of the members
    (defaults to ``recused``). Without quorum nothing is decided, whatever the votes."""
    check_counts(members, present, recused, votes_for, against, abstain)
    all_recused = recused if recused_members is None else recused_members
    if not recused <= all_recused <= members:
        raise ValueError("recused members")
    needed_present = quorum_needed(rule, members)
    if not quorum_met(rule, members, present):
        return Outcome(
            Decision.NO_QUORUM,
            Reason.NO_QUORUM,
            members,
            present,
            recused,
            votes_for,
            against,
            abstain,
            needed_present,
            0,
        )
    if rule.majority_base is MajorityBase.PRESENT:
        base = present - recused
    else:
        base = members - all_recused
    needed = votes_needed(rule, base)
    passed = votes_for >= needed
    return Outcome(
        Decision.PASSED if passed else Decision.FAILED,
        Reason.MAJORITY_FOR if passed else Reason.SHORT_OF_MAJORITY,
        members,
        present,
        recused,
        votes_for,
        against,
        abstain,
        needed_present,
        needed,
    )


def tally_named(choices: Iterable[Choice]) -> tuple[int, int, int]:
    """For, against, abstain of named votes."""
    counted = {c: 0 for c in Choice}
    for choice in choices:
        counted[Choice(choice)] += 1
    return counted[Choice.FOR], counted[Choice.AGAINST], counted[Choice.ABSTAIN]
