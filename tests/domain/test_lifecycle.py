"""A proposal's lifecycle: the transition table and who may do what in which phase. Pure."""

import itertools

import pytest

from microprojects.domain.lifecycle import (
    FINAL_STATES,
    OPEN_STATES,
    PUBLIC_STATES,
    TRANSITIONS,
    ProposalAction,
    ProposalState,
    Viewer,
    allowed_actions,
    next_state,
)
from microprojects.domain.phases import Phase

St = ProposalState
A = ProposalAction

# The table as the specification states it, written out independently of the code.
EXPECTED_TRANSITIONS = {
    (St.DRAFT, A.SUBMIT): St.SUBMITTED,
    (St.RETURNED, A.SUBMIT): St.SUBMITTED,
    (St.SUBMITTED, A.RETURN): St.RETURNED,
    (St.APPROVED, A.RETURN): St.RETURNED,
    (St.SUBMITTED, A.APPROVE): St.APPROVED,
    (St.SUBMITTED, A.REJECT): St.REJECTED,
    (St.SUBMITTED, A.MERGE): St.MERGED,
    (St.RETURNED, A.MERGE): St.MERGED,
    (St.DRAFT, A.WITHDRAW): St.WITHDRAWN,
    (St.SUBMITTED, A.WITHDRAW): St.WITHDRAWN,
    (St.RETURNED, A.WITHDRAW): St.WITHDRAWN,
    (St.APPROVED, A.WITHDRAW): St.WITHDRAWN,
    # An upheld objection to the shortlist's 公示 sends it back to screening.
    (St.APPROVED, A.REOPEN): St.SUBMITTED,
    (St.REJECTED, A.REOPEN): St.SUBMITTED,
}

AUTHOR = Viewer(is_author=True, is_resident=True)
RESIDENT = Viewer(is_resident=True)
SUPPORTER = Viewer(is_resident=True, has_supported=True)
COMMITTEE = Viewer(is_committee=True)
COMMITTEE_RESIDENT = Viewer(is_committee=True, is_resident=True)
NOBODY = Viewer()  # anonymous, or logged in but not eligible in the cycle

ALL_VIEWERS = [
    Viewer(is_author=a, is_resident=r, is_committee=c, has_supported=s)
    for a, r, c, s in itertools.product([False, True], repeat=4)
]
LATER_PHASES = [
    Phase.UPCOMING,
    Phase.VOTING,
    Phase.PUBLICATION,
    Phase.IMPLEMENTATION,
    Phase.CLOSED,
]


@pytest.mark.parametrize(("state", "action"), list(itertools.product(St, A)))
def test_every_pair_of_the_transition_table(state, action):
    if (state, action) in EXPECTED_TRANSITIONS:
        assert next_state(state, action) is EXPECTED_TRANSITIONS[(state, action)]
    else:
        with pytest.raises(ValueError):
            next_state(state, action)


def test_the_table_has_nothing_more():
    assert TRANSITIONS == EXPECTED_TRANSITIONS


def test_state_sets():
    assert St.DRAFT not in PUBLIC_STATES
    assert set(PUBLIC_STATES) == set(St) - {St.DRAFT}
    assert {St.SUBMITTED, St.RETURNED, St.APPROVED} == OPEN_STATES
    assert {St.REJECTED, St.MERGED, St.WITHDRAWN} == FINAL_STATES
    # Nothing leaves a final state, but a rejection reopened by an upheld objection to the
    # shortlist's 公示 (never a button: the objection's answer does it).
    assert [key for key in TRANSITIONS if key[0] in FINAL_STATES] == [(St.REJECTED, A.REOPEN)]


# What each kind of viewer may do, per state, while proposals are collected and screened.
AUTHOR_COLLECTING = {
    St.DRAFT: {A.EDIT, A.SUBMIT, A.WITHDRAW},
    # A submitted proposal stays its author's to revise until screening starts ...
    St.SUBMITTED: {A.EDIT, A.WITHDRAW, A.COMMENT},
    St.RETURNED: {A.EDIT, A.SUBMIT, A.WITHDRAW, A.COMMENT},
    # ... but not once the committee has approved it for the ballot.
    St.APPROVED: {A.WITHDRAW, A.COMMENT},
}
AUTHOR_SCREENING = {
    # A draft can no longer be submitted once collection has ended.
    St.DRAFT: {A.EDIT, A.WITHDRAW},
    # Screening has started: the committee screens what was submitted.
    St.SUBMITTED: {A.WITHDRAW, A.COMMENT},
    # ... but a proposal the committee returned can be fixed and sent back.
    St.RETURNED: {A.EDIT, A.SUBMIT, A.WITHDRAW, A.COMMENT},
    St.APPROVED: {A.WITHDRAW, A.COMMENT},
}
RESIDENT_EITHER = {
    St.DRAFT: set(),
    St.SUBMITTED: {A.SUPPORT, A.COMMENT},
    St.RETURNED: {A.COMMENT},
    St.APPROVED: {A.SUPPORT, A.COMMENT},
}
COMMITTEE_EITHER = {
    St.DRAFT: set(),
    St.SUBMITTED: {A.RETURN, A.APPROVE, A.REJECT, A.MERGE, A.ASSESS, A.REVISE, A.COMMENT},
    St.RETURNED: {A.MERGE, A.COMMENT},
    St.APPROVED: {A.RETURN, A.ASSESS, A.REVISE, A.COMMENT},
}
EXPECTED = {
    ("author", Phase.COLLECTING): AUTHOR_COLLECTING,
    ("author", Phase.SCREENING): AUTHOR_SCREENING,
    ("resident", Phase.COLLECTING): RESIDENT_EITHER,
    ("resident", Phase.SCREENING): RESIDENT_EITHER,
    ("supporter", Phase.COLLECTING): RESIDENT_EITHER,
    ("supporter", Phase.SCREENING): RESIDENT_EITHER,
    ("committee", Phase.COLLECTING): COMMITTEE_EITHER,
    ("committee", Phase.SCREENING): COMMITTEE_EITHER,
}
VIEWERS = {"author": AUTHOR, "resident": RESIDENT, "supporter": SUPPORTER, "committee": COMMITTEE}


@pytest.mark.parametrize(("who", "phase"), list(EXPECTED))
@pytest.mark.parametrize("state", list(St))
def test_allowed_actions_before_voting(who, phase, state):
    expected = EXPECTED[(who, phase)].get(state, set())  # final states: nothing at all
    assert allowed_actions(state, VIEWERS[who], phase) == expected


@pytest.mark.parametrize("phase", LATER_PHASES)
@pytest.mark.parametrize("state", list(St))
def test_nobody_may_do_anything_outside_collecting_and_screening(phase, state):
    for viewer in ALL_VIEWERS:
        assert allowed_actions(state, viewer, phase) == frozenset(), (viewer, state, phase)


@pytest.mark.parametrize("phase", [Phase.COLLECTING, Phase.SCREENING])
@pytest.mark.parametrize("state", list(St))
def test_anonymous_may_do_nothing(phase, state):
    assert allowed_actions(state, NOBODY, phase) == frozenset()
    assert allowed_actions(state, Viewer(has_supported=True), phase) == frozenset()


def test_committee_cannot_approve_return_or_reject_during_voting():
    for action in (A.APPROVE, A.RETURN, A.REJECT, A.MERGE, A.ASSESS, A.REVISE):
        assert action not in allowed_actions(St.SUBMITTED, COMMITTEE, Phase.VOTING)
    assert A.APPROVE in allowed_actions(St.SUBMITTED, COMMITTEE, Phase.SCREENING)


def test_author_submits_a_draft_only_while_collecting_but_resubmits_during_screening():
    assert A.SUBMIT in allowed_actions(St.DRAFT, AUTHOR, Phase.COLLECTING)
    assert A.SUBMIT not in allowed_actions(St.DRAFT, AUTHOR, Phase.SCREENING)
    assert A.SUBMIT in allowed_actions(St.RETURNED, AUTHOR, Phase.SCREENING)
    assert A.SUBMIT not in allowed_actions(St.RETURNED, AUTHOR, Phase.VOTING)
    # Only the author resubmits.
    assert A.SUBMIT not in allowed_actions(St.RETURNED, COMMITTEE_RESIDENT, Phase.SCREENING)


def test_withdrawal_by_the_author_only_and_only_before_voting():
    for state in (St.DRAFT, St.SUBMITTED, St.RETURNED, St.APPROVED):
        assert A.WITHDRAW in allowed_actions(state, AUTHOR, Phase.SCREENING)
        assert A.WITHDRAW not in allowed_actions(state, AUTHOR, Phase.VOTING)
        assert A.WITHDRAW not in allowed_actions(state, COMMITTEE_RESIDENT, Phase.SCREENING)


@pytest.mark.parametrize("phase", [Phase.COLLECTING, Phase.SCREENING])
@pytest.mark.parametrize("state", list(St))
def test_nobody_supports_their_own_proposal(phase, state):
    for viewer in ALL_VIEWERS:
        if viewer.is_author:
            assert A.SUPPORT not in allowed_actions(state, viewer, phase)


@pytest.mark.parametrize("phase", [Phase.COLLECTING, Phase.SCREENING])
def test_drafts_cannot_be_supported_or_commented(phase):
    for viewer in ALL_VIEWERS:
        actions = allowed_actions(St.DRAFT, viewer, phase)
        assert A.SUPPORT not in actions
        assert A.COMMENT not in actions


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("state", list(St))
def test_comments_only_on_open_proposals_while_collecting_or_screening(phase, state):
    for viewer in ALL_VIEWERS:
        may = A.COMMENT in allowed_actions(state, viewer, phase)
        should = (
            state in OPEN_STATES
            and phase in (Phase.COLLECTING, Phase.SCREENING)
            and (viewer.is_resident or viewer.is_committee)
        )
        assert may == should, (viewer, state, phase)


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("state", list(St))
def test_roles_never_leak(phase, state):
    author_only = {A.EDIT, A.SUBMIT, A.WITHDRAW}
    committee_only = {A.RETURN, A.APPROVE, A.REJECT, A.MERGE, A.ASSESS, A.REVISE}
    for viewer in ALL_VIEWERS:
        actions = allowed_actions(state, viewer, phase)
        if not viewer.is_author:
            assert not actions & author_only, (viewer, state, phase)
        if not viewer.is_committee:
            assert not actions & committee_only, (viewer, state, phase)
        if not viewer.is_resident:
            assert A.SUPPORT not in actions
        # Every state-changing action offered is one the table can perform.
        for action in actions & (author_only | committee_only) - {A.EDIT, A.ASSESS, A.REVISE}:
            next_state(state, action)


def test_a_committee_member_who_lives_there_may_also_support_and_comment():
    actions = allowed_actions(St.SUBMITTED, COMMITTEE_RESIDENT, Phase.COLLECTING)
    assert actions == COMMITTEE_EITHER[St.SUBMITTED] | {A.SUPPORT}


def test_having_supported_changes_no_permission():
    for state in St:
        for phase in Phase:
            assert allowed_actions(state, RESIDENT, phase) == allowed_actions(
                state, SUPPORTER, phase
            )
