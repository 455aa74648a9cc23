"""Grid workers (网格员): the committee gives an account one or more grids of its community and
ends that again; the worker's work list per grid; proposals brought to them door to door; and
whether a cycle lets them type paper ballots at a station.

A work list says who still needs a visit: households with nobody verified, codes still to hand
out, and, while a cycle votes, the voting units that have not taken part. It reads only whether
a participation exists for a unit, never anything of a ballot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.characters import clean_line
from ..domain.people import RosterStanding, age_on
from ..domain.permissions import Action, can, works_grid
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    Community,
    Cycle,
    Grid,
    GridAssignment,
    Household,
    HouseholdCode,
    Participation,
    Proposal,
    Residency,
    ResidencyStatus,
    RosterEntry,
    User,
)
from . import audit
from .accounts import actor_for, find_login, require
from .cycles import can_manage, eligibility, list_community_cycles
from .errors import ErrorCode, PermissionDenied, ServiceError
from .proposals import ProposalInput, add_entered
from .proposals import _validate as validate_proposal
from .rows import rows_changed

# --- assignments ------------------------------------------------------------------------------


def give_assignment(actor: User, grid: Grid, login: str, *, now: datetime) -> GridAssignment:
    """Make the account that logs in with ``login`` (its login name or phone number) a grid
    worker of ``grid``. The grid's community's committee or an administrator; the account need
    not live there. Given twice (a double tap), the second is refused: one live assignment per
    account and grid, which the database holds."""
    require(actor, Action.MANAGE_GRID_WORKERS, grid.community_id)
    worker = find_login(login)
    if worker is None:
        raise ServiceError(ErrorCode.GRID_WORKER_UNKNOWN_ACCOUNT)
    if any(a.grid_id == grid.id for a in worker.live_grid_assignments):
        raise ServiceError(ErrorCode.GRID_WORKER_ALREADY)
    assignment = GridAssignment(
        user_id=worker.id, grid_id=grid.id, given_by_id=actor.id, given_at=now
    )
    db.session.add(assignment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.GRID_WORKER_ALREADY) from None
    audit.record(
        actor,
        "grid.assign",
        "grid_assignment",
        assignment.id,
        community_id=grid.community_id,
        after={"user_id": worker.id, "name": worker.display_name, "grid": grid.name},
        now=now,
    )
    db.session.commit()
    return assignment


def end_assignment(actor: User, assignment: GridAssignment, *, now: datetime) -> None:
    """End a live assignment: from the worker's next request on, the grid is not theirs."""
    grid = assignment.grid
    require(actor, Action.MANAGE_GRID_WORKERS, grid.community_id)
    ended = rows_changed(
        update(GridAssignment)
        .where(GridAssignment.id == assignment.id, GridAssignment.ended_at.is_(None))
        .values(ended_at=now, ended_by_id=actor.id)
    )
    if not ended:
        db.session.rollback()
        raise ServiceError(ErrorCode.GRID_ASSIGNMENT_ENDED)
    audit.record(
        actor,
        "grid.unassign",
        "grid_assignment",
        assignment.id,
        community_id=grid.community_id,
        before={"user_id": assignment.user_id, "grid": grid.name},
        now=now,
    )
    db.session.commit()


def find_assignment(community_id: int, assignment_id: int) -> GridAssignment | None:
    """The assignment ``assignment_id`` to a grid of the community (None: none such)."""
    found = db.session.get(GridAssignment, assignment_id)
    return found if found is not None and found.grid.community_id == community_id else None


@dataclass(frozen=True)
class Assignments:
    live: list[GridAssignment]
    past: list[GridAssignment]


def list_assignments(community_id: int) -> Assignments:
    """The community's grid workers now, by grid, and the assignments that ended, latest first."""
    rows = list(
        db.session.scalars(
            select(GridAssignment)
            .join(Grid)
            .where(Grid.community_id == community_id)
            .options(
                joinedload(GridAssignment.user),
                joinedload(GridAssignment.grid),
                joinedload(GridAssignment.given_by),
                joinedload(GridAssignment.ended_by),
            )
            .order_by(GridAssignment.grid_id, GridAssignment.given_at)
        )
    )
    live = [a for a in rows if a.is_live]
    past = sorted((a for a in rows if not a.is_live), key=lambda a: a.ended_at or a.given_at)
    return Assignments(live=live, past=past[::-1])


def my_grids(user: User) -> list[Grid]:
    """The grids ``user`` works in now, by community and grid."""
    grids = [a.grid for a in user.live_grid_assignments]
    return sorted(grids, key=lambda g: (g.community_id, g.id))


def work_grid(user: User, grid_id: int) -> Grid | None:
    """The grid ``grid_id`` if ``user`` works in it now (None: there is no such grid); a grid
    that is not theirs is refused."""
    grid = db.session.get(Grid, grid_id)
    if grid is None:
        return None
    actor = actor_for(user)
    if not (can(actor, Action.VIEW_GRID_WORK, grid.community_id) and works_grid(actor, grid.id)):
        raise PermissionDenied()
    return grid


def works_in_community(user: User, community_id: int) -> bool:
    """Whether ``user`` works in a grid of the community now (for a cycle's paper ballots)."""
    return can(actor_for(user), Action.VIEW_GRID_WORK, community_id)


def may_enter_paper(user: User, cycle: Cycle, community_id: int) -> bool:
    """Whether ``user`` may type paper ballots of ``cycle`` at a station of the community as a
    grid worker: the cycle allows it and they work in a grid of the community."""
    return (
        cycle.grid_workers_enter_paper
        and community_id in cycle.community_ids
        and works_in_community(user, community_id)
    )


def allow_paper_entry(actor: User, cycle: Cycle, allowed: bool, *, now: datetime) -> bool:
    """The committee lets the community's grid workers type paper ballots at its stations, or
    stops them, also while voting is open (a station short of hands); not once voting is over.
    Returns whether anything changed: a second tap changes nothing and writes no audit row."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if cycle.phase(now) not in (Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING, Phase.VOTING):
        raise ServiceError(ErrorCode.VOTING_CLOSED)
    # The row is read under a lock, so two taps at once are one after the other.
    rows_changed(
        update(Cycle)
        .where(Cycle.id == cycle.id)
        .values(grid_workers_enter_paper=Cycle.grid_workers_enter_paper)
    )
    db.session.refresh(cycle)
    if cycle.grid_workers_enter_paper == allowed:
        db.session.commit()
        return False
    cycle.grid_workers_enter_paper = allowed
    audit.record(
        actor,
        "cycle.grid_workers_paper",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before={"grid_workers_enter_paper": not allowed},
        after={"grid_workers_enter_paper": allowed},
        now=now,
    )
    db.session.commit()
    return True


# --- the work list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdToVisit:
    """A household with no verified resident: who lives there, and whether a code waits."""

    address: str
    names: list[str]
    has_code: bool


@dataclass(frozen=True)
class UnitToVisit:
    """A voting unit (a person, or a household) that has not taken part."""

    address: str
    names: list[str]


@dataclass(frozen=True)
class VotingProgress:
    cycle: Cycle
    by_household: bool
    waiting: list[UnitToVisit]
    taken_part: int
    total: int


@dataclass
class WorkList:
    grid: Grid
    unverified: list[HouseholdToVisit] = field(default_factory=list)
    codes: list[HouseholdCode] = field(default_factory=list)
    voting: list[VotingProgress] = field(default_factory=list)
    collecting: list[Cycle] = field(default_factory=list)


def _active_entries(grid: Grid) -> list[RosterEntry]:
    return list(
        db.session.scalars(
            select(RosterEntry)
            .join(Household, Household.id == RosterEntry.household_id)
            .where(
                Household.grid_id == grid.id,
                RosterEntry.standing == RosterStanding.ACTIVE.value,
            )
            .options(joinedload(RosterEntry.household))
            .order_by(Household.address, RosterEntry.id)
        )
    )


def grid_codes(grid: Grid) -> list[HouseholdCode]:
    """The grid's live codes of people still on the roster, to hand out, by address."""
    return list(
        db.session.scalars(
            select(HouseholdCode)
            .join(RosterEntry, RosterEntry.id == HouseholdCode.roster_entry_id)
            .join(Household, Household.id == RosterEntry.household_id)
            .where(
                Household.grid_id == grid.id,
                RosterEntry.standing == RosterStanding.ACTIVE.value,
                HouseholdCode.claimed_at.is_(None),
                HouseholdCode.revoked_at.is_(None),
            )
            .options(joinedload(HouseholdCode.roster_entry).joinedload(RosterEntry.household))
            .order_by(Household.address, RosterEntry.id)
        )
    )


def _voting_progress(cycle: Cycle, entries: list[RosterEntry], now: datetime) -> VotingProgress:
    rule = eligibility(cycle)
    today = now.date()
    eligible = [
        e
        for e in entries
        if rule.problem(
            community_id=e.community_id,
            basis=e.basis,
            age=age_on(e.birth_date, today) if e.birth_date else None,
        )
        is None
    ]
    by_household = cycle.vote_unit == "household"
    units: dict[str, list[RosterEntry]] = defaultdict(list)
    for entry in eligible:
        key = f"household:{entry.household_id}" if by_household else f"entry:{entry.id}"
        units[key].append(entry)
    taken = set(
        db.session.scalars(
            select(Participation.voter_key).where(
                Participation.cycle_id == cycle.id, Participation.voter_key.in_(list(units))
            )
        )
    )
    waiting = [
        UnitToVisit(address=members[0].household.address, names=[m.full_name for m in members])
        for key, members in units.items()
        if key not in taken
    ]
    return VotingProgress(
        cycle=cycle,
        by_household=by_household,
        waiting=waiting,
        taken_part=len(taken),
        total=len(units),
    )


def work_list(grid: Grid, community: Community, *, now: datetime) -> WorkList:
    """What the grid's worker has to do now. People who moved away or died are left out."""
    entries = _active_entries(grid)
    ids = [e.id for e in entries]
    verified = set(
        db.session.scalars(
            select(Residency.roster_entry_id).where(
                Residency.roster_entry_id.in_(ids),
                Residency.status == ResidencyStatus.VERIFIED.value,
            )
        )
    )
    codes = grid_codes(grid)
    with_code = {c.roster_entry_id for c in codes}
    households: dict[int, list[RosterEntry]] = defaultdict(list)
    for entry in entries:
        households[entry.household_id].append(entry)
    result = WorkList(grid=grid, codes=codes)
    for members in households.values():
        if any(m.id in verified for m in members):
            continue
        result.unverified.append(
            HouseholdToVisit(
                address=members[0].household.address,
                names=[m.full_name for m in members],
                has_code=any(m.id in with_code for m in members),
            )
        )
    for cycle in list_community_cycles(community):
        phase = cycle.phase(now)
        if phase is Phase.VOTING:
            result.voting.append(_voting_progress(cycle, entries, now))
        elif phase is Phase.COLLECTING:
            result.collecting.append(cycle)
    return result


def grid_people(grid: Grid) -> list[RosterEntry]:
    """The grid's people on the roster, to pick the one a door-to-door proposal is for."""
    return _active_entries(grid)


# --- proposals brought to the door ------------------------------------------------------------


def enter_door_proposal(
    actor: User,
    cycle: Cycle,
    grid: Grid,
    data: ProposalInput,
    *,
    on_behalf_of: str,
    roster_entry_id: int | None,
    consent: bool,
    now: datetime,
) -> Proposal:
    """A grid worker types in a proposal a resident of their grid told them at the door. Only
    while the cycle collects proposals, and only with the resident's consent to have it
    submitted and their name shown; it is submitted at once and says who brought it, for whom."""
    who = actor_for(actor)
    if not (can(who, Action.ENTER_FIELD_PROPOSAL, grid.community_id) and works_grid(who, grid.id)):
        raise PermissionDenied()
    if grid.community_id not in cycle.community_ids:
        raise ServiceError(ErrorCode.WRONG_COMMUNITY)
    if cycle.phase(now) is not Phase.COLLECTING:
        raise ServiceError(ErrorCode.NOT_COLLECTING)
    if not consent:
        raise ServiceError(ErrorCode.CONSENT_REQUIRED)
    entry = None
    if roster_entry_id:
        entry = db.session.get(RosterEntry, roster_entry_id)
        if entry is None or entry.household.grid_id != grid.id or not entry.is_active:
            raise ServiceError(ErrorCode.ENTRY_NOT_IN_GRID)
    name = clean_line(on_behalf_of) or (entry.full_name if entry else "")
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="on_behalf_of")
    proposal = add_entered(
        actor, cycle, grid.community_id, validate_proposal(cycle, data), on_behalf_of=name,
        channel="door", action="proposal.enter_at_door", columns={"consent_at": now},
        noted={"roster_entry_id": entry.id if entry else None, "grid": grid.name,
               "consent": True},
        now=now,
    )  # fmt: skip
    db.session.commit()
    return proposal
