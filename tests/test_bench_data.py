"""The benchmark's data written in bulk behaves as the services' own: residents copied from one
claim are verified, each on their own roster entry and code, and cast like any resident; sealed
ballots written as a cast writes them are mixed and counted. (The benchmark's speed is measured
by ``python -m bench``, never here.)"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from bench.mixer import _cast_rows, _write
from bench.seed import PASSWORD, _approved_projects, _dates_around, _residents, _user, _user_named
from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import Cycle, HouseholdCode, Residency, RosterEntry, utcnow
from microprojects.services import (
    ServiceError,
    accounts,
    counting,
    mixing,
    places,
    proposals,
    residency,
    voting,
)
from microprojects.services.cycles import CycleInput, create_cycle


def _voting_cycle() -> tuple[int, Cycle, list[int], list[str]]:
    """A cycle in its voting phase, five approved projects, four residents (the seed's own)."""
    now = utcnow()
    place = places.ensure_community(
        city="海口市", district="美兰区", street="和平南街道", community="振兴社区",
        slug="bench-test", grids=["第一网格"],
    )  # fmt: skip
    admin = _user(accounts, "benchadmin", now)
    accounts.bootstrap_admin(admin, now=now)
    committee = _user(accounts, "benchcommittee", now)
    accounts.add_committee_member(admin, committee, place, title="主任", now=now)
    values = CycleInput(title="基准测试", budget_fen=300_000_00, **_dates_around(now))  # type: ignore[arg-type]
    cycle = create_cycle(committee, values, community=place, now=now)
    cycle_id, place_id = cycle.id, place.id
    people = _residents(residency, accounts, committee, place, 4, now=cycle.collecting_at)
    cycle = db.session.get(Cycle, cycle_id)
    projects = _approved_projects(
        proposals, _user_named("benchcommittee"), _user_named(people[0]), cycle
    )
    return place_id, db.session.get(Cycle, cycle_id), projects, people


def test_residents_written_in_bulk_are_verified_and_cast(ctx: Flask) -> None:
    place_id, cycle, projects, people = _voting_cycle()
    assert people == ["bv00000", "bv00001", "bv00002", "bv00003"]
    users = [_user_named(name) for name in people]
    assert accounts.authenticate(people[3], PASSWORD, now=utcnow()) is not None
    assert len({u.session_token for u in users}) == len(users)
    entries = set()
    for user in users:
        resident = db.session.scalars(select(Residency).filter_by(user_id=user.id)).one()
        assert resident.status == "verified" and resident.community_id == place_id
        entry = db.session.get(RosterEntry, resident.roster_entry_id)
        assert entry is not None and entry.claimed_by_id == user.id
        assert entry.full_name == resident.full_name
        code = db.session.scalars(select(HouseholdCode).filter_by(roster_entry_id=entry.id)).one()
        assert code.claimed_by_id == user.id
        entries.add(entry.id)
    assert len(entries) == len(users)
    when = cycle.voting_at + timedelta(hours=1)
    voting.cast_ballot(users[2], cycle, [Choice(str(projects[0]))], now=when)
    with pytest.raises(ServiceError):
        voting.cast_ballot(users[2], cycle, [Choice(str(projects[1]))], now=when)


def test_sealed_ballots_written_in_bulk_are_mixed_and_counted(ctx: Flask) -> None:
    place_id, cycle, projects, _ = _voting_cycle()
    rows = _cast_rows(cycle.id, place_id, [str(p) for p in projects], 0, 40, random.Random(1))
    _write(*rows)
    assert mixing.unmixed(cycle.id) == 40
    closed = cycle.publication_at + timedelta(minutes=1)
    assert mixing.mix(cycle.id, final=True) == 40
    cycle = db.session.get(Cycle, cycle.id)
    count = counting.run_count(None, cycle, now=closed)
    assert count.num_ballots == 40
    receipts = db.session.scalar(select(func.count()).select_from(mixing.PublishedReceipt))
    assert receipts == 40
