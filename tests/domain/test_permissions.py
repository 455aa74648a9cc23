import pytest

from microprojects.domain.permissions import (
    ADMIN_ACTIONS,
    ANONYMOUS,
    COMMITTEE_ACTIONS,
    GRID_WORKER_ACTIONS,
    Action,
    Actor,
    Role,
    can,
)

RESIDENT = Actor(user_id=1, resident_of=10)
COMMITTEE_10 = Actor(user_id=2, committee_of=frozenset({10}))
ADMIN = Actor(user_id=3, is_admin=True)


@pytest.mark.parametrize("action", sorted(COMMITTEE_ACTIONS))
def test_committee_actions_only_in_own_community(action):
    assert can(COMMITTEE_10, action, 10)
    assert not can(COMMITTEE_10, action, 11)
    assert not can(COMMITTEE_10, action, None)
    assert not can(RESIDENT, action, 10)
    assert not can(ANONYMOUS, action, 10)
    assert can(ADMIN, action, 11)


@pytest.mark.parametrize("action", sorted(ADMIN_ACTIONS))
def test_admin_actions_only_for_admins(action):
    assert can(ADMIN, action)
    assert not can(COMMITTEE_10, action)
    assert not can(RESIDENT, action)
    assert not can(ANONYMOUS, action)


def test_every_action_has_a_rule():
    decided = COMMITTEE_ACTIONS | ADMIN_ACTIONS | GRID_WORKER_ACTIONS | {Action.REQUEST_VERIFICATION}
    assert decided == set(Action)


def test_verification_request_only_before_being_verified():
    assert can(Actor(user_id=5), Action.REQUEST_VERIFICATION)
    assert not can(RESIDENT, Action.REQUEST_VERIFICATION)
    assert not can(ANONYMOUS, Action.REQUEST_VERIFICATION)


def test_roles_are_listed():
    actor = Actor(user_id=1, resident_of=1, committee_of=frozenset({1}), is_admin=True)
    assert actor.roles == [Role.RESIDENT, Role.COMMITTEE, Role.ADMIN]
    assert ANONYMOUS.roles == []
