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
    works_grid,
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
    decided = (
        COMMITTEE_ACTIONS | ADMIN_ACTIONS | GRID_WORKER_ACTIONS | {Action.REQUEST_VERIFICATION}
    )
    assert decided == set(Action)


def test_verification_request_only_before_being_verified():
    assert can(Actor(user_id=5), Action.REQUEST_VERIFICATION)
    assert not can(RESIDENT, Action.REQUEST_VERIFICATION)
    assert not can(ANONYMOUS, Action.REQUEST_VERIFICATION)


def test_roles_are_listed():
    actor = Actor(user_id=1, resident_of=1, committee_of=frozenset({1}), is_admin=True)
    assert actor.roles == [Role.RESIDENT, Role.COMMITTEE, Role.ADMIN]
    assert ANONYMOUS.roles == []


GRID_WORKER_10 = Actor(user_id=6, grid_worker_of=frozenset({10}), grid_ids=frozenset({101}))


@pytest.mark.parametrize("action", sorted(GRID_WORKER_ACTIONS))
def test_grid_work_only_by_a_grid_worker_of_that_community(action):
    assert can(GRID_WORKER_10, action, 10)
    assert not can(GRID_WORKER_10, action, 11)
    assert not can(GRID_WORKER_10, action, None)
    # Neither the committee nor the administrator works a grid by office.
    assert not can(COMMITTEE_10, action, 10)
    assert not can(ADMIN, action, 10)
    assert not can(RESIDENT, action, 10)
    assert not can(ANONYMOUS, action, 10)


@pytest.mark.parametrize("action", sorted(COMMITTEE_ACTIONS | ADMIN_ACTIONS))
def test_a_grid_worker_has_no_committee_or_admin_power(action):
    assert not can(GRID_WORKER_10, action, 10)


def test_a_grid_worker_works_only_their_grids():
    assert works_grid(GRID_WORKER_10, 101)
    assert not works_grid(GRID_WORKER_10, 102)
    assert not works_grid(Actor(grid_ids=frozenset({101})), 101)  # not logged in
    assert not works_grid(COMMITTEE_10, 101)


def test_the_committee_gives_and_ends_grid_work():
    assert can(COMMITTEE_10, Action.MANAGE_GRID_WORKERS, 10)
    assert not can(COMMITTEE_10, Action.MANAGE_GRID_WORKERS, 11)
    assert can(ADMIN, Action.MANAGE_GRID_WORKERS, 11)
    assert not can(GRID_WORKER_10, Action.MANAGE_GRID_WORKERS, 10)


def test_a_grid_worker_is_listed_as_such():
    assert GRID_WORKER_10.roles == [Role.GRID_WORKER]
    both = Actor(user_id=7, resident_of=10, grid_worker_of=frozenset({10}), grid_ids=frozenset({1}))
    assert both.roles == [Role.RESIDENT, Role.GRID_WORKER]
