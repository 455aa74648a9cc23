"""The shortlist 公示's window and what voting waits for: pure rules."""

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.lifecycle import (
    ProposalAction,
    ProposalState,
    Viewer,
    allowed_actions,
    next_state,
)
from microprojects.domain.phases import Phase
from microprojects.domain.shortlist import (
    MAX_DAYS,
    Missing,
    ShortlistState,
    ShortlistStatus,
    days_valid,
    in_window,
    latest_publication,
    publish_problem,
    window_end,
)

T0 = datetime(2026, 11, 1, 9, 0)
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31))
days = st.integers(min_value=1, max_value=MAX_DAYS)


@given(now=moments, n=days, voting_in=st.integers(min_value=0, max_value=60 * 24 * 40))
def test_publishing_is_possible_exactly_until_the_latest_moment(now, n, voting_in):
    voting_at = now + timedelta(minutes=voting_in)
    problem = publish_problem(
        phase=Phase.SCREENING, now=now, days=n, voting_at=voting_at, undecided=0
    )
    assert (problem is None) == (now <= latest_publication(voting_at, n))
    if problem is None:
        assert window_end(now, n) <= voting_at
    else:
        assert problem == "too_late"


@given(published=moments, n=days, offset=st.integers(min_value=-10_000, max_value=60 * 24 * 40))
def test_the_window_is_half_open(published, n, offset):
    now = published + timedelta(minutes=offset)
    assert in_window(published, window_end(published, n), now) == (
        published <= now < published + timedelta(days=n)
    )


def test_publication_refusals_in_their_order():
    voting_at = T0 + timedelta(days=9)
    kwargs = {"now": T0, "voting_at": voting_at}
    assert publish_problem(phase=Phase.SCREENING, days=0, undecided=0, **kwargs) == "not_required"
    assert publish_problem(phase=Phase.COLLECTING, days=5, undecided=0, **kwargs) == (
        "not_screening"
    )
    assert publish_problem(phase=Phase.SCREENING, days=10, undecided=2, **kwargs) == "too_late"
    assert publish_problem(phase=Phase.SCREENING, days=5, undecided=2, **kwargs) == "undecided"
    assert in_window(None, None, T0) is False
    assert days_valid(0) and days_valid(MAX_DAYS) and not days_valid(-1)
    assert not days_valid(MAX_DAYS + 1)


def test_voting_waits_for_each_missing_step():
    ends = T0 + timedelta(days=5)
    assert ShortlistState(days=0, published_at=None, ends_at=None).missing(T0) == []
    assert ShortlistState(days=0, published_at=None, ends_at=None).status(T0) is (
        ShortlistStatus.NOT_REQUIRED
    )
    unpublished = ShortlistState(days=5, published_at=None, ends_at=None)
    assert unpublished.missing(T0) == [Missing.UNPUBLISHED]
    running = ShortlistState(days=5, published_at=T0, ends_at=ends, open_objections=1)
    assert running.status(T0) is ShortlistStatus.OPEN
    assert running.missing(T0) == [Missing.WINDOW_RUNNING, Missing.OBJECTIONS_OPEN]
    assert running.status(ends) is ShortlistStatus.ANSWERING
    assert running.missing(ends) == [Missing.OBJECTIONS_OPEN]
    reopened = ShortlistState(days=5, published_at=T0, ends_at=ends, undecided=1)
    assert reopened.missing(ends) == [Missing.UNDECIDED]
    done = ShortlistState(days=5, published_at=T0, ends_at=ends)
    assert done.status(ends) is ShortlistStatus.DONE and done.missing(ends) == []


def test_reopen_is_a_transition_but_never_a_button():
    assert next_state(ProposalState.REJECTED, ProposalAction.REOPEN) is ProposalState.SUBMITTED
    assert next_state(ProposalState.APPROVED, ProposalAction.REOPEN) is ProposalState.SUBMITTED
    committee = Viewer(is_committee=True)
    for state in ProposalState:
        assert ProposalAction.REOPEN not in allowed_actions(state, committee, Phase.SCREENING)
