"""Quorum, majority and recusal of a deliberative body's meeting, with properties."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.deliberation import (
    Choice,
    Decision,
    MajorityBase,
    RecusalReason,
    Rule,
    outcome,
    quorum_met,
    quorum_needed,
    recusals,
    tally_named,
    votes_needed,
)

TWO_THIRDS = Rule(Fraction(2, 3), Fraction(1, 2))
rules = st.builds(
    Rule,
    quorum=st.fractions(min_value=Fraction(1, 100), max_value=1),
    majority=st.fractions(min_value=0, max_value=Fraction(99, 100)),
    majority_base=st.sampled_from(list(MajorityBase)),
)


@st.composite
def meetings(draw: st.DrawFn) -> tuple[Rule, int, int, int, int, int, int]:
    rule = draw(rules)
    members = draw(st.integers(0, 60))
    present = draw(st.integers(0, members))
    recused = draw(st.integers(0, present))
    voters = present - recused
    votes_for = draw(st.integers(0, voters))
    against = draw(st.integers(0, voters - votes_for))
    abstain = draw(st.integers(0, voters - votes_for - against))
    return rule, members, present, recused, votes_for, against, abstain


def test_two_thirds_boundaries_are_exact() -> None:
    assert quorum_needed(TWO_THIRDS, 9) == 6
    assert quorum_met(TWO_THIRDS, 9, 6) and not quorum_met(TWO_THIRDS, 9, 5)
    assert quorum_needed(TWO_THIRDS, 11) == 8  # 22/3 = 7.33...
    assert not quorum_met(TWO_THIRDS, 11, 7)
    assert quorum_needed(TWO_THIRDS, 3) == 2
    assert quorum_needed(TWO_THIRDS, 1) == 1


def test_majority_is_more_than_half() -> None:
    assert votes_needed(TWO_THIRDS, 8) == 5  # 4 of 8 is a tie, not a majority
    assert votes_needed(TWO_THIRDS, 9) == 5
    assert outcome(TWO_THIRDS, 11, 9, 1, 4, 4, 0).decision is Decision.FAILED
    result = outcome(TWO_THIRDS, 11, 9, 1, 7, 1, 0)
    assert result.decision is Decision.PASSED
    assert (result.quorum_needed, result.votes_needed) == (8, 5)


def test_without_quorum_nothing_is_decided() -> None:
    result = outcome(TWO_THIRDS, 11, 7, 0, 7, 0, 0)
    assert result.decision is Decision.NO_QUORUM
    assert result.quorum_needed == 8
    assert outcome(TWO_THIRDS, 0, 0, 0, 0, 0, 0).decision is Decision.NO_QUORUM


def test_majority_of_members_counts_the_absent() -> None:
    rule = Rule(Fraction(1, 2), Fraction(1, 2), MajorityBase.MEMBERS)
    # 6 of 10 present, 5 for: a majority of those present, not of the members.
    assert outcome(rule, 10, 6, 0, 5, 1, 0).decision is Decision.FAILED
    assert outcome(rule, 10, 6, 0, 6, 0, 0).decision is Decision.PASSED
    # A recused member who stayed away leaves the base too.
    assert outcome(rule, 10, 6, 0, 5, 1, 0, recused_members=1).decision is Decision.PASSED


@pytest.mark.parametrize(
    "numbers",
    [(5, 6, 0, 0, 0, 0), (5, 3, 4, 0, 0, 0), (5, 3, 1, 2, 1, 0), (5, 3, 0, -1, 0, 0)],
)
def test_impossible_counts_are_refused(numbers: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        outcome(TWO_THIRDS, *numbers)


@given(meetings())
def test_no_decision_without_quorum(meeting: tuple[Rule, int, int, int, int, int, int]) -> None:
    rule, members, present, *_ = meeting
    result = outcome(*meeting)
    assert (result.decision is Decision.NO_QUORUM) == (not quorum_met(rule, members, present))
    if result.decision is not Decision.NO_QUORUM:
        assert present * rule.quorum.denominator >= rule.quorum.numerator * members
        assert present >= 1


@given(meetings())
def test_one_more_vote_for_never_loses(meeting: tuple[Rule, int, int, int, int, int, int]) -> None:
    rule, members, present, recused, votes_for, against, abstain = meeting
    before = outcome(*meeting)
    # Turn an abstention or a vote against into a vote for.
    if abstain:
        after = outcome(rule, members, present, recused, votes_for + 1, against, abstain - 1)
    elif against:
        after = outcome(rule, members, present, recused, votes_for + 1, against - 1, abstain)
    else:
        return
    if before.decision is Decision.PASSED:
        assert after.decision is Decision.PASSED


@given(meetings())
def test_passed_means_more_than_the_fraction(
    meeting: tuple[Rule, int, int, int, int, int, int],
) -> None:
    rule, members, present, recused, votes_for, *_ = meeting
    result = outcome(*meeting)
    base = present - recused if rule.majority_base is MajorityBase.PRESENT else members - recused
    if result.decision is Decision.PASSED:
        assert votes_for > rule.majority * base
        assert votes_for >= 1
    elif result.decision is Decision.FAILED:
        assert votes_for <= rule.majority * base or votes_for == 0


@given(meetings(), st.integers(1, 5))
def test_votes_never_exceed_present_non_recused(
    meeting: tuple[Rule, int, int, int, int, int, int], extra: int
) -> None:
    rule, members, present, recused, _, against, abstain = meeting
    voters = present - recused
    with pytest.raises(ValueError):
        outcome(
            rule, members, present, recused, voters - against - abstain + extra, against, abstain
        )


@given(
    st.dictionaries(st.integers(1, 40), st.one_of(st.none(), st.integers(1, 30)), max_size=20),
    st.sets(st.integers(1, 30), max_size=3),
    st.sets(st.integers(1, 30), max_size=5),
    st.sets(st.integers(1, 30), max_size=10),
)
def test_recusal_names_every_tie_and_only_ties(
    members: dict[int, int | None], authors: set[int], co: set[int], supporters: set[int]
) -> None:
    found = recusals(members, authors, co, supporters)
    for member_id, user_id in members.items():
        tied = user_id is not None and user_id in authors | co | supporters
        assert (member_id in found) == tied
        if member_id in found and user_id in authors:
            assert found[member_id] is RecusalReason.AUTHOR


def test_named_votes_are_tallied_by_choice() -> None:
    assert tally_named([Choice.FOR, Choice.FOR, Choice.AGAINST, Choice.ABSTAIN]) == (2, 1, 1)
