"""Who may decide on a proposal in screening, and the chain of resolutions that screening by
resolution (四议两公开) asks for, with properties."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.deliberation import BodyKind, Decision, RecusalReason, recusals
from microprojects.domain.screening import STEPS, StepName, Vote, chain, decision_conflict

T0 = datetime(2026, 10, 1, 9, 0)
ids = st.sets(st.integers(1, 30), max_size=8)


# --- the conflict rule ------------------------------------------------------------------------


def test_each_tie_is_named_and_the_strongest_first():
    assert decision_conflict(1, [1], [1], [1]) is RecusalReason.AUTHOR
    assert decision_conflict(1, [2], [1], [1]) is RecusalReason.CO_PROPOSER
    assert decision_conflict(1, [2], [3], [1]) is RecusalReason.SUPPORTER
    assert decision_conflict(1, [2], [3], [4]) is None
    assert decision_conflict(1, [], [], []) is None


@given(st.integers(1, 30), ids, ids, ids)
def test_a_person_may_decide_exactly_when_tied_to_nothing(person, authors, co, supporters):
    found = decision_conflict(person, authors, co, supporters)
    assert (found is None) == (person not in authors | co | supporters)
    if person in authors:
        assert found is RecusalReason.AUTHOR
    elif person in co:
        assert found is RecusalReason.CO_PROPOSER


@given(st.integers(1, 30), ids, ids, ids)
def test_the_screening_bar_is_the_meetings_recusal(person, authors, co, supporters):
    """A committee member barred from deciding is the member a meeting would recuse, for the
    same reason: one rule for both."""
    recused = recusals({99: person}, authors, co, supporters)
    assert recused.get(99) == decision_conflict(person, authors, co, supporters)


@given(st.integers(1, 30), ids, ids, ids, st.integers(1, 30))
def test_another_persons_ties_never_bar(person, authors, co, supporters, other):
    """Adding ties of someone else changes nothing for ``person``."""
    before = decision_conflict(person, authors, co, supporters)
    if other != person:
        after = decision_conflict(person, authors | {other}, co | {other}, supporters | {other})
        assert after == before


# --- the chain of resolutions ------------------------------------------------------------------

KINDS = {
    "c": BodyKind.COMMITTEES,
    "p": BodyKind.PARTY_MEMBERS,
    "r": BodyKind.REPRESENTATIVES,
    "x": BodyKind.COUNCIL,
}


def _votes(*spec: tuple[str, int, str]) -> list[Vote]:
    """(kind letter, day, 'y' passed / 'n' failed / 'q' no quorum) -> votes, numbered."""
    decisions = {"y": Decision.PASSED, "n": Decision.FAILED, "q": Decision.NO_QUORUM}
    return [
        Vote(i, KINDS[k], T0 + timedelta(days=day), decisions[d])
        for i, (k, day, d) in enumerate(spec, start=1)
    ]


def test_the_steps_are_consult_review_resolve_by_these_bodies():
    assert [(s.name, s.kind) for s in STEPS] == [
        (StepName.CONSULT, BodyKind.COMMITTEES),
        (StepName.REVIEW, BodyKind.PARTY_MEMBERS),
        (StepName.RESOLVE, BodyKind.REPRESENTATIVES),
    ]


def test_three_passed_resolutions_in_order_complete_the_chain():
    found = chain(_votes(("c", 1, "y"), ("p", 2, "y"), ("r", 3, "y")))
    assert found.complete and found.missing is None and not found.rejectable
    assert [s.done.ref for s in found.steps if s.done] == [1, 2, 3]


def test_nothing_yet_needs_the_first_step():
    found = chain([])
    assert not found.complete
    assert found.missing is STEPS[0]
    assert all(s.done is None for s in found.steps)


def test_a_step_held_before_the_one_before_it_does_not_count():
    # The party members met before the 两委会: their resolution comes too early.
    found = chain(_votes(("p", 1, "y"), ("c", 2, "y"), ("r", 3, "y")))
    assert found.missing is STEPS[1]
    assert found.steps[0].done is not None and found.steps[2].done is None
    # On the same day and time is not after either.
    same = chain(_votes(("c", 1, "y"), ("p", 1, "y"), ("r", 2, "y")))
    assert same.missing is STEPS[1]


def test_the_order_of_the_rows_does_not_matter():
    votes = _votes(("r", 5, "y"), ("c", 1, "y"), ("p", 3, "y"))
    assert chain(votes).complete
    assert chain(reversed(votes)).complete


def test_a_failed_step_lets_the_committee_reject_and_is_shown_where_it_failed():
    found = chain(_votes(("c", 1, "y"), ("p", 2, "n")))
    assert found.missing is STEPS[1]
    assert found.rejectable
    assert found.steps[1].failed is not None and found.steps[1].failed.ref == 2


def test_a_step_passed_again_after_failing_counts():
    found = chain(_votes(("c", 1, "n"), ("c", 2, "y"), ("p", 3, "y"), ("r", 4, "y")))
    assert found.complete
    assert found.steps[0].done.ref == 2


def test_no_quorum_and_other_bodies_do_nothing():
    found = chain(_votes(("c", 1, "q"), ("x", 2, "y"), ("x", 3, "n")))
    assert found.missing is STEPS[0]
    assert not found.rejectable


votes = st.lists(
    st.builds(
        Vote,
        ref=st.integers(1, 10_000),
        kind=st.sampled_from(list(BodyKind)),
        held_at=st.integers(0, 20).map(lambda d: T0 + timedelta(days=d)),
        decision=st.sampled_from(list(Decision)),
    ),
    max_size=12,
)


@given(votes)
def test_steps_done_are_passed_by_their_body_in_strictly_later_meetings(listed):
    found = chain(listed)
    done = [s.done for s in found.steps if s.done is not None]
    # Done steps come first, the ones still needed after.
    assert [s.done is not None for s in found.steps] == [True] * len(done) + [False] * (
        3 - len(done)
    )
    for state in found.steps:
        if state.done is not None:
            assert state.done.kind is state.step.kind
            assert state.done.decision is Decision.PASSED
    assert all(a.held_at < b.held_at for a, b in itertools.pairwise(done))
    assert found.complete == (len(done) == 3)
    assert found.rejectable == any(
        v.decision is Decision.FAILED and v.kind in {s.kind for s in STEPS} for v in listed
    )


@given(votes)
def test_a_chain_is_complete_exactly_when_some_ordered_passed_triple_exists(listed):
    """Taking the earliest resolution at each step finds a chain whenever one exists."""
    passed = [v for v in listed if v.decision is Decision.PASSED]
    exists = any(
        a.kind is BodyKind.COMMITTEES
        and b.kind is BodyKind.PARTY_MEMBERS
        and c.kind is BodyKind.REPRESENTATIVES
        and a.held_at < b.held_at < c.held_at
        for a in passed
        for b in passed
        for c in passed
    )
    assert chain(listed).complete == exists


@given(votes, votes)
def test_more_resolutions_never_undo_a_complete_chain(listed, more):
    if chain(listed).complete:
        assert chain(listed + more).complete
