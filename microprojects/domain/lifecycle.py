"""A proposal's lifecycle: its states, the transition table, and who may do what when.

``allowed_actions`` is the one answer to "may this person do this to this proposal now?": the
pages use it to show buttons and the services use it to accept or refuse the request.

    draft -> submitted -> (returned <-> submitted) -> approved | rejected | merged
    withdrawn by the author from any open state, before voting starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .phases import BEFORE_VOTING, Phase


class ProposalState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # returned to the author for revision
    APPROVED = "approved"  # on the ballot
    REJECTED = "rejected"
    MERGED = "merged"  # merged into another proposal
    WITHDRAWN = "withdrawn"


class ProposalAction(StrEnum):
    # The author's
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    # The committee's
    RETURN = "return"
    APPROVE = "approve"
    REJECT = "reject"
    MERGE = "merge"
    ASSESS = "assess"
    REVISE = "revise"  # revise the cost or the ballot title, with an explanation
    # Residents'
    SUPPORT = "support"
    COMMENT = "comment"
    # Back to screening after an upheld objection to the shortlist's 公示 (domain.shortlist):
    # never offered as a button, only done by answering the objection.
    REOPEN = "reopen"


# (state, action) -> the state after. Actions missing here change no state.
TRANSITIONS: dict[tuple[ProposalState, ProposalAction], ProposalState] = {
    (ProposalState.DRAFT, ProposalAction.SUBMIT): ProposalState.SUBMITTED,
    (ProposalState.RETURNED, ProposalAction.SUBMIT): ProposalState.SUBMITTED,
    (ProposalState.SUBMITTED, ProposalAction.RETURN): ProposalState.RETURNED,
    (ProposalState.SUBMITTED, ProposalAction.APPROVE): ProposalState.APPROVED,
    (ProposalState.SUBMITTED, ProposalAction.REJECT): ProposalState.REJECTED,
    (ProposalState.SUBMITTED, ProposalAction.MERGE): ProposalState.MERGED,
    (ProposalState.RETURNED, ProposalAction.MERGE): ProposalState.MERGED,
    (ProposalState.APPROVED, ProposalAction.RETURN): ProposalState.RETURNED,
    (ProposalState.DRAFT, ProposalAction.WITHDRAW): ProposalState.WITHDRAWN,
    (ProposalState.SUBMITTED, ProposalAction.WITHDRAW): ProposalState.WITHDRAWN,
    (ProposalState.RETURNED, ProposalAction.WITHDRAW): ProposalState.WITHDRAWN,
    (ProposalState.APPROVED, ProposalAction.WITHDRAW): ProposalState.WITHDRAWN,
    (ProposalState.APPROVED, ProposalAction.REOPEN): ProposalState.SUBMITTED,
    (ProposalState.REJECTED, ProposalAction.REOPEN): ProposalState.SUBMITTED,
}

OPEN_STATES = frozenset({ProposalState.SUBMITTED, ProposalState.RETURNED, ProposalState.APPROVED})
PUBLIC_STATES = frozenset(set(ProposalState) - {ProposalState.DRAFT})
FINAL_STATES = frozenset({ProposalState.REJECTED, ProposalState.MERGED, ProposalState.WITHDRAWN})


@dataclass(frozen=True)
class Viewer:
    """What the rules need to know about the person looking at one proposal."""

    is_author: bool = False
    is_resident: bool = False  # a verified resident eligible in the proposal's cycle
    is_committee: bool = False  # may screen proposals of the proposal's community
    has_supported: bool = False


# Which phases each action belongs to.
_PHASES: dict[ProposalAction, frozenset[Phase]] = {
    ProposalAction.EDIT: frozenset({Phase.COLLECTING, Phase.SCREENING}),
    ProposalAction.SUBMIT: frozenset({Phase.COLLECTING}),
    ProposalAction.WITHDRAW: BEFORE_VOTING,
    ProposalAction.RETURN: BEFORE_VOTING,
    ProposalAction.APPROVE: BEFORE_VOTING,
    ProposalAction.REJECT: BEFORE_VOTING,
    ProposalAction.MERGE: BEFORE_VOTING,
    ProposalAction.ASSESS: BEFORE_VOTING,
    ProposalAction.REVISE: BEFORE_VOTING,
    ProposalAction.SUPPORT: BEFORE_VOTING,
    ProposalAction.COMMENT: BEFORE_VOTING,
    ProposalAction.REOPEN: frozenset({Phase.SCREENING}),
}

_AUTHOR = frozenset({ProposalAction.EDIT, ProposalAction.SUBMIT, ProposalAction.WITHDRAW})
_COMMITTEE = frozenset(
    {
        ProposalAction.RETURN,
        ProposalAction.APPROVE,
        ProposalAction.REJECT,
        ProposalAction.MERGE,
        ProposalAction.ASSESS,
        ProposalAction.REVISE,
    }
)


def allowed_actions(
    state: ProposalState, viewer: Viewer, phase: Phase
) -> frozenset[ProposalAction]:
    """Every action ``viewer`` may take on a proposal in ``state`` during ``phase``."""
    allowed: set[ProposalAction] = set()
    for action in ProposalAction:
        if phase not in _PHASES[action] or action is ProposalAction.REOPEN:
            continue
        if action in _AUTHOR and not viewer.is_author:
            continue
        if action in _COMMITTEE and not viewer.is_committee:
            continue
        if action is ProposalAction.EDIT:
            # A submitted proposal stays its author's to revise until screening starts; from
            # then on the committee screens what was submitted, and only a return reopens it.
            if state in (ProposalState.DRAFT, ProposalState.RETURNED) or (
                state is ProposalState.SUBMITTED and phase is Phase.COLLECTING
            ):
                allowed.add(action)
        elif action in (ProposalAction.ASSESS, ProposalAction.REVISE):
            if state in (ProposalState.SUBMITTED, ProposalState.APPROVED):
                allowed.add(action)
        elif action is ProposalAction.SUPPORT:
            if (
                viewer.is_resident
                and not viewer.is_author
                and state in (ProposalState.SUBMITTED, ProposalState.APPROVED)
            ):
                allowed.add(action)
        elif action is ProposalAction.COMMENT:
            if (viewer.is_resident or viewer.is_committee) and state in OPEN_STATES:
                allowed.add(action)
        elif (state, action) in TRANSITIONS:
            allowed.add(action)
    # A resubmission during screening: the author fixes what was returned and sends it back.
    if viewer.is_author and state is ProposalState.RETURNED and phase is Phase.SCREENING:
        allowed.add(ProposalAction.SUBMIT)
    return frozenset(allowed)


def next_state(state: ProposalState, action: ProposalAction) -> ProposalState:
    """The state after ``action``; ValueError if the table has no such transition."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise ValueError(f"no transition {action.value} from {state.value}") from None
