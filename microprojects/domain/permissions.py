"""Who may do what: one function, used both to show a button and to accept the request.

An ``Actor`` is what the rules need to know about the person asking; the web layer builds it
from the logged-in account. Committee powers are per community: a member of one community's
committee has none over another's. The city administrator may act everywhere. A grid worker
(网格员) works in the grids the committee gave them, and holds no committee power.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """The roles as the interface names them (an account may hold several)."""

    RESIDENT = "resident"
    ORGANIZATION = "organization"
    COMMITTEE = "committee"
    ADMIN = "admin"
    GRID_WORKER = "grid_worker"


class Action(StrEnum):
    # Committee work, in the committee's own community.
    VIEW_COMMITTEE = "view_committee"
    MANAGE_ROSTER = "manage_roster"
    ISSUE_CODES = "issue_codes"
    VERIFY_RESIDENTS = "verify_residents"
    VIEW_AUDIT = "view_audit"
    MANAGE_CYCLES = "manage_cycles"
    SCREEN_PROPOSALS = "screen_proposals"
    MODERATE = "moderate"
    MANAGE_VOTING = "manage_voting"  # voting settings, paper ballots, turnout
    # City administration.
    ADMINISTER = "administer"
    MANAGE_ROLES = "manage_roles"
    RESET_PASSWORDS = "reset_passwords"
    MANAGE_PLACES = "manage_places"
    MANAGE_ORGANIZATIONS = "manage_organizations"
    VIEW_ALL_AUDIT = "view_all_audit"
    # Taking part.
    REQUEST_VERIFICATION = "request_verification"
    # Committee work: giving and ending grid workers' assignments.
    MANAGE_GRID_WORKERS = "manage_grid_workers"
    # A grid worker's, in the community of their grids (which grid: ``works_grid``).
    VIEW_GRID_WORK = "view_grid_work"
    ENTER_FIELD_PROPOSAL = "enter_field_proposal"
    # Committee work: deliberative bodies, their members and meetings (议事会议).
    MANAGE_MEETINGS = "manage_meetings"


COMMITTEE_ACTIONS = frozenset(
    {
        Action.VIEW_COMMITTEE,
        Action.MANAGE_ROSTER,
        Action.ISSUE_CODES,
        Action.VERIFY_RESIDENTS,
        Action.VIEW_AUDIT,
        Action.MANAGE_CYCLES,
        Action.SCREEN_PROPOSALS,
        Action.MODERATE,
        Action.MANAGE_VOTING,
        Action.MANAGE_GRID_WORKERS,
        Action.MANAGE_MEETINGS,
    }
)
# Door to door, for the grids one was given: never the committee's or the administrator's by
# office, only by an assignment of their own.
GRID_WORKER_ACTIONS = frozenset({Action.VIEW_GRID_WORK, Action.ENTER_FIELD_PROPOSAL})
ADMIN_ACTIONS = frozenset(
    {
        Action.ADMINISTER,
        Action.MANAGE_ROLES,
        Action.RESET_PASSWORDS,
        Action.MANAGE_PLACES,
        Action.MANAGE_ORGANIZATIONS,
        Action.VIEW_ALL_AUDIT,
    }
)


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    is_admin: bool = False
    resident_of: int | None = None
    committee_of: frozenset[int] = field(default_factory=frozenset)
    organization_of: int | None = None
    # The communities and the grids of the account's live grid-worker assignments.
    grid_worker_of: frozenset[int] = field(default_factory=frozenset)
    grid_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def roles(self) -> list[Role]:
        roles = []
        if self.resident_of is not None:
            roles.append(Role.RESIDENT)
        if self.organization_of is not None:
            roles.append(Role.ORGANIZATION)
        if self.committee_of:
            roles.append(Role.COMMITTEE)
        if self.is_admin:
            roles.append(Role.ADMIN)
        if self.grid_ids:
            roles.append(Role.GRID_WORKER)
        return roles


ANONYMOUS = Actor()


def can(actor: Actor, action: Action, community_id: int | None = None) -> bool:
    """Whether ``actor`` may perform ``action`` (in ``community_id`` for committee actions)."""
    if not actor.is_authenticated:
        return False
    if action in ADMIN_ACTIONS:
        return actor.is_admin
    if action in COMMITTEE_ACTIONS:
        if actor.is_admin:
            return True
        return community_id is not None and community_id in actor.committee_of
    if action in GRID_WORKER_ACTIONS:
        return community_id is not None and community_id in actor.grid_worker_of
    if action is Action.REQUEST_VERIFICATION:
        return actor.resident_of is None
    return False


def works_grid(actor: Actor, grid_id: int) -> bool:
    """Whether ``actor`` holds a live assignment to the grid ``grid_id``."""
    return actor.is_authenticated and grid_id in actor.grid_ids
