"""Polling stations (投票点): the office, a school or a square where a cycle's paper ballots are
taken in. Whoever may type the cycle's paper ballots (``voting.may_key_paper``) opens one,
finds each person on the roster (by name, phone, the last digits of the ID number or the
household code) with whether their voting unit took part on any channel, types their ballot
for a second person to type again, and closes the station with the count of ballots received,
spoiled and blank, which must add up with the entries typed there.

May import models, domain and the other services; never the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain.characters import clean_line
from ..domain.codes import normalize_code
from ..domain.people import normalize_phone
from ..extensions import db
from ..models import (
    Cycle,
    Household,
    HouseholdCode,
    PaperEntry,
    Participation,
    PollingStation,
    Residency,
    ResidencyStatus,
    RosterEntry,
    User,
)
from . import audit, voting
from .errors import ErrorCode, PermissionDenied, ServiceError

SEARCH_LIMIT = 20


def _require(actor: User, cycle: Cycle, community_id: int) -> None:
    if not voting.may_key_paper(actor, cycle, community_id):
        raise PermissionDenied()


def open_station(
    actor: User, cycle: Cycle, community_id: int, *, name: str, place: str, now: datetime
) -> PollingStation:
    """Open a polling station of ``cycle`` in the community, named by where it is."""
    _require(actor, cycle, community_id)
    if community_id not in cycle.community_ids:
        raise PermissionDenied()
    name, place = clean_line(name or "")[:60], clean_line(place or "")[:200]
    if not name:
        raise ServiceError(ErrorCode.STATION_NAME_REQUIRED)
    station = PollingStation(
        cycle_id=cycle.id,
        community_id=community_id,
        name=name,
        place=place,
        opened_by_id=actor.id,
        opened_at=now,
    )
    db.session.add(station)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.STATION_NAME_TAKEN) from None
    audit.record(
        actor,
        "station.open",
        "polling_station",
        station.id,
        community_id=community_id,
        after={"cycle": cycle.id, "name": name, "place": place},
        now=now,
    )
    db.session.commit()
    return station


def find_station(station_id: int, community_id: int) -> PollingStation | None:
    """A polling station of the community (None: none such there)."""
    station = db.session.get(PollingStation, station_id)
    if station is None or station.community_id != community_id:
        return None
    return station


def list_stations(cycle: Cycle, community_id: int) -> list[PollingStation]:
    return list(
        db.session.scalars(
            select(PollingStation)
            .where(PollingStation.cycle_id == cycle.id, PollingStation.community_id == community_id)
            .order_by(PollingStation.closed_at.is_not(None), PollingStation.id)
        )
    )


@dataclass(frozen=True)
class StationCount:
    """The running count of a station: entries typed there (``entered``: all but those set
    aside), of which counted, waiting for the second typing, and in dispute; and set aside."""

    entered: int
    confirmed: int
    waiting: int
    disputed: int
    set_aside: int


def station_count(station: PollingStation) -> StationCount:
    rows = dict(
        db.session.execute(
            select(PaperEntry.status, func.count())
            .where(PaperEntry.station_id == station.id)
            .group_by(PaperEntry.status)
        )
        .tuples()
        .all()
    )
    confirmed, waiting = rows.get("confirmed", 0), rows.get("pending", 0)
    disputed, set_aside = rows.get("mismatch", 0), rows.get("discarded", 0)
    return StationCount(
        entered=confirmed + waiting + disputed,
        confirmed=confirmed,
        waiting=waiting,
        disputed=disputed,
        set_aside=set_aside,
    )


def _count(raw: object) -> int:
    text = str(raw if raw is not None else "").strip()
    if not text.isdigit() or len(text) > 6:
        raise ServiceError(ErrorCode.RECONCILIATION_NUMBERS)
    return int(text)


def close_station(
    actor: User,
    station: PollingStation,
    *,
    received: object,
    spoiled: object,
    blank: object,
    now: datetime,
) -> None:
    """Close the station with its reconciliation: the ballots received must be those entered
    (typed there and not set aside) plus the spoiled and the blank ones; else nothing changes
    and the error carries the numbers. Read under a row lock, so that no ballot is typed at the
    station while it closes; a closed station takes no more entries."""
    cycle = db.session.get(Cycle, station.cycle_id)
    assert cycle is not None
    _require(actor, cycle, station.community_id)
    numbers = _count(received), _count(spoiled), _count(blank)
    locked = db.session.scalar(
        select(PollingStation).where(PollingStation.id == station.id).with_for_update()
    )
    assert locked is not None
    if locked.closed_at is not None:
        raise ServiceError(ErrorCode.STATION_CLOSED)
    count = station_count(locked)
    got, bad, empty = numbers
    if got != count.entered + bad + empty:
        db.session.rollback()
        raise ServiceError(
            ErrorCode.RECONCILIATION_MISMATCH,
            received=got,
            entered=count.entered,
            spoiled=bad,
            blank=empty,
            total=count.entered + bad + empty,
        )
    locked.received, locked.spoiled, locked.blank = got, bad, empty
    locked.closed_at, locked.closed_by_id = now, actor.id
    audit.record(
        actor,
        "station.close",
        "polling_station",
        locked.id,
        community_id=locked.community_id,
        after={
            "cycle": cycle.id,
            "name": locked.name,
            "received": got,
            "entered": count.entered,
            "spoiled": bad,
            "blank": empty,
        },
        now=now,
    )
    db.session.commit()


@dataclass(frozen=True)
class TakenPart:
    """That a voting unit took part: the channel and the day (never what), or a paper ballot
    of theirs waiting for its second typing (``channel`` "waiting", ``day`` its day)."""

    channel: str
    day: date


@dataclass(frozen=True)
class RosterFind:
    """A person a station's search found, and whether they (or, where the cycle votes per
    household, their household) took part."""

    entry: RosterEntry
    taken_part: TakenPart | None
    has_account: bool


def _roster_conditions(query: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        RosterEntry.full_name.like(voting._like(query), escape="\\")
    ]
    phone = normalize_phone(query)
    if phone:
        conditions.append(RosterEntry.phone == phone)
    digits = query.upper()
    if 4 <= len(digits) <= 6 and digits[:-1].isdigit() and digits[-1] in "0123456789X":
        # The last digits typed match the end of those kept (4 to 6 of them).
        conditions.append(RosterEntry.id_tail.like("%" + digits))
    code = normalize_code(query)
    if code:
        entry_ids = select(HouseholdCode.roster_entry_id).where(HouseholdCode.code == code)
        conditions.append(RosterEntry.id.in_(entry_ids))
    return conditions


def search_roster(cycle: Cycle, community_id: int, query: str) -> list[RosterFind]:
    """The people on the community's roster a search finds, at most 20, each with whether their
    voting unit took part on any channel. Moved and deceased people are found too (and shown
    so), so that a worker is not left wondering."""
    query = clean_line(query or "")[:40]
    if not query:
        return []
    entries = list(
        db.session.scalars(
            select(RosterEntry)
            .join(Household, Household.id == RosterEntry.household_id)
            .where(RosterEntry.community_id == community_id, or_(*_roster_conditions(query)))
            .order_by(RosterEntry.full_name, RosterEntry.id)
            .options(selectinload(RosterEntry.household))
            .limit(SEARCH_LIMIT)
        )
    )
    if not entries:
        return []
    keys = {e.id: voting.roster_voter(e, cycle).key for e in entries}
    voted = {
        k: TakenPart(channel, day)
        for k, channel, day in db.session.execute(
            select(Participation.voter_key, Participation.channel, Participation.day).where(
                Participation.cycle_id == cycle.id, Participation.voter_key.in_(keys.values())
            )
        ).tuples()
    }
    waiting = {
        k: TakenPart("waiting", at.date())
        for k, at in db.session.execute(
            select(PaperEntry.voter_key, PaperEntry.entered_at).where(
                PaperEntry.cycle_id == cycle.id,
                PaperEntry.voter_key.in_(keys.values()),
                PaperEntry.status.in_(("pending", "mismatch")),
            )
        ).tuples()
    }
    claimed = set(
        db.session.scalars(
            select(Residency.roster_entry_id).where(
                Residency.roster_entry_id.in_(keys.keys()),
                Residency.status == ResidencyStatus.VERIFIED,
            )
        )
    )
    return [
        RosterFind(e, voted.get(keys[e.id]) or waiting.get(keys[e.id]), e.id in claimed)
        for e in entries
    ]
