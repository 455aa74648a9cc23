"""Casting ballots, on the web and on paper, once per voting unit, secretly.

One transaction writes the participation (who voted, the channel, the day) and the ballot (what
was chosen, under the digest of a random receipt code), and nothing else: no audit row names
a web voter, since the participation registry is that record and an audit row would add the
exact time. The unique constraint on (cycle, voter) decides every race: a double click, a retry,
two devices, a paper entry confirmed while the resident votes on the phone.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..domain import secrecy
from ..domain.ballots import BallotKind, Choice, Problem, same_ballot, validate
from ..domain.characters import clean_text
from ..domain.codes import normalize_code
from ..domain.lifecycle import ProposalState
from ..domain.people import IdentityCheck, age_on
from ..domain.permissions import Action, can
from ..domain.phases import Phase
from ..extensions import db
from ..models import (
    Ballot,
    CommitteeMembership,
    Community,
    Cycle,
    Grid,
    Household,
    HouseholdCode,
    PaperEntry,
    PaperKeying,
    Participation,
    PollingStation,
    Proposal,
    PublishedReceipt,
    Residency,
    ResidencyStatus,
    RosterEntry,
    User,
)
from . import audit, casting, electorate, grid_work, mixing
from .accounts import actor_for
from .casting import find_voting_cycle as find_voting_cycle  # for the cast view
from .cycles import can_manage, eligibility, participation_problem
from .errors import ErrorCode, PermissionDenied, ServiceError
from .shortlist import voting_gate_problem
from .voting_cycle import CastingCycle
from .voting_cycle import VotingCycle as VotingCycle

RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
RECEIPT_LENGTH = 16  # about 78 bits


class BallotInvalid(ServiceError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(ErrorCode.BALLOT_INVALID)
        self.problems = problems


@dataclass(frozen=True)
class CastResult:
    """A web ballot's receipt and, to be shown once, the choices it was cast with. A paper
    ballot has no receipt: nobody at the office ever sees one. ``waiting``: the sealed ballots
    of the cycle, this one included, where the write could say (None: not known)."""

    receipt: str | None
    choices: tuple[Choice, ...]
    waiting: int | None = None


def new_receipt() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(code[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalize_receipt(raw: str) -> str | None:
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(text) != RECEIPT_LENGTH or any(ch not in RECEIPT_ALPHABET for ch in text):
        return None
    return "-".join(text[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def receipt_digest(receipt: str) -> str:
    """The receipt's digest as the public list holds it."""
    return secrecy.published_digest(receipt)


def ballot_projects(cycle: Cycle) -> list[Proposal]:
    """The projects on the ballot: the approved proposals, in a stable order."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.cycle_id == cycle.id, Proposal.state == ProposalState.APPROVED.value)
            .order_by(Proposal.id)
            .options(selectinload(Proposal.photos))
        )
    )


def project_costs(cycle: CastingCycle) -> dict[str, int]:
    """What the ballot rule needs of its projects: id and cost."""
    return dict(cycle.costs)


@dataclass(frozen=True)
class Voter:
    """Who a residency votes as in a cycle: the voting unit's key, and the grid it lives in."""

    key: str
    grid_id: int | None


def voter(residency: Residency, cycle: CastingCycle) -> Voter:
    """The voting unit: the person (their roster entry, else their residency) or, where the
    cycle votes by household, their household. One query, whatever is loaded already."""
    if residency.roster_entry_id is None:
        return Voter(f"residency:{residency.id}", None)
    row = db.session.execute(
        select(RosterEntry.household_id, Household.grid_id)
        .join(Household, Household.id == RosterEntry.household_id)
        .where(RosterEntry.id == residency.roster_entry_id)
    ).one_or_none()
    if row is None:  # the roster entry is gone
        raise ServiceError(ErrorCode.NOT_VERIFIED)
    if cycle.vote_unit == "household":
        return Voter(f"household:{row.household_id}", row.grid_id)
    return Voter(f"entry:{residency.roster_entry_id}", row.grid_id)


def voter_key(residency: Residency, cycle: CastingCycle) -> str:
    return voter(residency, cycle).key


def has_voted(residency: Residency, cycle: CastingCycle) -> bool:
    voted = select(Participation.id).where(
        Participation.cycle_id == cycle.id,
        Participation.voter_key == voter_key(residency, cycle),
    )
    return db.session.execute(voted).first() is not None


def eligibility_problem(user: User | None, cycle: CastingCycle, now: datetime) -> ErrorCode | None:
    """Why ``user`` may not vote in ``cycle`` now, whether or not they voted (None: they may).
    Decided on what is loaded already: no query, but for a cycle with a shortlist 公示."""
    if cycle.phase(now) is not Phase.VOTING:
        return ErrorCode.VOTING_CLOSED
    problem = participation_problem(user, cycle, now)
    return problem or voting_gate_problem(cycle.id, cycle.shortlist_days, now)


def voting_problem(user: User | None, cycle: CastingCycle, now: datetime) -> ErrorCode | None:
    """Why ``user`` may not vote in ``cycle`` now (None: they may)."""
    problem = eligibility_problem(user, cycle, now)
    if problem is not None:
        return problem
    assert user is not None and user.residency is not None
    if has_voted(user.residency, cycle):
        return ErrorCode.ALREADY_VOTED
    return None


def _check_choices(cycle: CastingCycle, choices: list[Choice]) -> None:
    problems = validate(cycle.rule, project_costs(cycle), choices)
    if problems:
        raise BallotInvalid(problems)


def _ballot_values(
    cycle: CastingCycle, choices: list[Choice]
) -> tuple[list[str], list[int] | None]:
    ids = [c.project_id for c in choices]
    points = [c.points for c in choices] if cycle.ballot_kind == BallotKind.POINTS else None
    return ids, points


def _sealed_content(
    cycle: CastingCycle, choices: list[Choice], receipt: str | None, replaces: str | None
) -> secrecy.SealedContent:
    ids, points = _ballot_values(cycle, choices)
    return secrecy.SealedContent(
        choices=tuple(ids),
        points=None if points is None else tuple(points),
        revision_tag=secrecy.revision_tag(receipt) if receipt else "",
        published=secrecy.published_digest(receipt) if receipt else "",
        replaces_tag=secrecy.revision_tag(replaces) if replaces else "",
        replaces_published=secrecy.published_digest(replaces) if replaces else "",
    )


def _record(
    cycle: CastingCycle,
    residency: Residency,
    choices: list[Choice],
    channel: str,
    now: datetime,
) -> CastResult:
    """Write the participation and the sealed ballot in the current transaction (see
    :func:`.casting.write`). A web ballot gets a receipt, of which the participation keeps the
    commitment."""
    receipt = new_receipt() if channel == "web" else None
    written = casting.write(
        cycle,
        residency,
        channel=channel,
        day=now.date(),
        receipt_commitment=secrecy.commitment(receipt) if receipt else None,
        sealed=mixing.seal(_sealed_content(cycle, choices, receipt, None)),
    )
    if written is None:
        db.session.rollback()
        if has_voted(residency, cycle):
            raise ServiceError(ErrorCode.ALREADY_VOTED)
        raise ServiceError(ErrorCode.NOT_VERIFIED)  # the roster entry is gone
    return CastResult(receipt=receipt, choices=tuple(choices), waiting=written.waiting)


def cast_ballot(
    user: User, cycle: CastingCycle, choices: list[Choice], *, now: datetime
) -> CastResult:
    """Cast ``user``'s ballot. Refused outside the voting dates (decided by ``now``, the server's
    clock), for someone not eligible, for an invalid ballot, and for a second ballot: that one
    the database refuses (the unique constraint on cycle and voter), so that no check made
    beforehand can be raced. The ballot is sealed; the mixer opens it with others later."""
    problem = eligibility_problem(user, cycle, now)
    if problem is not None:
        raise ServiceError(problem)
    _check_choices(cycle, choices)
    assert user.residency is not None
    residency = user.residency
    result = _record(cycle, residency, choices, "web", now)
    _commit_vote(residency, cycle)
    mixing.mix_if_due(cycle.id, waiting=result.waiting)
    return result


def _commit_vote(residency: Residency, cycle: CastingCycle) -> None:
    """Commit a participation; a second one for the same voter reads as "already voted"."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if has_voted(residency, cycle):
            raise ServiceError(ErrorCode.ALREADY_VOTED) from None
        raise


def chosen_titles(cycle: CastingCycle, choices: Sequence[Choice]) -> dict[str, str]:
    """The ballot titles of the projects chosen, for the receipt page."""
    wanted = {c.project_id for c in choices}
    return {pid: title for pid, title in cycle.titles.items() if pid in wanted}


@dataclass(frozen=True)
class PublishedLists:
    published: bool
    sealed_waiting: int
    ballots: list[tuple[list[str], list[int] | None]]
    receipts: list[str]


def published_lists(cycle: Cycle, now: datetime) -> PublishedLists:
    """What ``ballots.json`` publishes: nothing while voting runs; once it has closed, every
    mixed ballot (ordered by its random id) and every receipt digest (ordered by digest), as
    two lists. While sealed ballots wait for the count's mix, nothing, and how many wait."""
    closed = cycle.phase(now) in (Phase.PUBLICATION, Phase.IMPLEMENTATION, Phase.CLOSED)
    waiting = mixing.unmixed(cycle.id) if closed else 0
    if not closed or waiting:
        return PublishedLists(False, waiting, [], [])
    ballots = db.session.execute(
        select(Ballot.choices, Ballot.points).where(Ballot.cycle_id == cycle.id).order_by(Ballot.id)
    ).all()
    receipts = db.session.scalars(
        select(PublishedReceipt.digest)
        .where(PublishedReceipt.cycle_id == cycle.id)
        .order_by(PublishedReceipt.digest)
    ).all()
    return PublishedLists(
        True, 0, [(list(c), None if p is None else list(p)) for c, p in ballots], list(receipts)
    )


def receipt_status(cycle: CastingCycle, receipt: str) -> str:
    """What the public check says of a receipt, and nothing of its choices: ``counted`` (its
    ballot is in the published list), ``sealed`` (cast, waiting for the mixer), ``unknown`` or
    ``malformed``."""
    code = normalize_receipt(receipt)
    if code is None:
        return "malformed"
    listed = db.session.scalar(
        select(PublishedReceipt.digest).where(
            PublishedReceipt.cycle_id == cycle.id,
            PublishedReceipt.digest == secrecy.published_digest(code),
        )
    )
    if listed is not None:
        return "counted"
    waiting = db.session.scalar(
        select(Participation.id).where(
            Participation.cycle_id == cycle.id,
            Participation.receipt_commitment == secrecy.commitment(code),
        )
    )
    return "sealed" if waiting is not None else "unknown"


def revise_ballot(
    user: User, cycle: CastingCycle, receipt: str, choices: list[Choice], *, now: datetime
) -> CastResult:
    """Replace one's own ballot, presenting its receipt, while voting is open and the cycle
    allows it. The reviser's participation must hold the receipt's commitment: a receipt is of
    no use to anyone but its voter. The participation takes the new receipt's commitment and a
    sealed ballot names the one it replaces, which the mixer removes; the old ballot is never
    touched in this transaction, which holds the voter's participation."""
    if not cycle.allow_revision:
        raise ServiceError(ErrorCode.REVISION_NOT_ALLOWED)
    if cycle.phase(now) is not Phase.VOTING:
        raise ServiceError(ErrorCode.VOTING_CLOSED)
    residency = user.residency
    if residency is None or not residency.is_verified or not has_voted(residency, cycle):
        raise ServiceError(ErrorCode.NOTHING_TO_REVISE)
    old = normalize_receipt(receipt)
    if old is None:
        raise ServiceError(ErrorCode.RECEIPT_UNKNOWN)
    _check_choices(cycle, choices)
    new = new_receipt()
    moved = db.session.execute(
        update(Participation)
        .where(
            Participation.cycle_id == cycle.id,
            Participation.voter_key == voter_key(residency, cycle),
            Participation.receipt_commitment == secrecy.commitment(old),
        )
        .values(receipt_commitment=secrecy.commitment(new))
        .execution_options(synchronize_session=False)
    )
    if not isinstance(moved, CursorResult) or moved.rowcount != 1:
        # not this voter's receipt, or revised at the same moment elsewhere
        db.session.rollback()
        raise ServiceError(ErrorCode.RECEIPT_UNKNOWN)
    casting.add_sealed(cycle.id, mixing.seal(_sealed_content(cycle, choices, new, old)))
    db.session.commit()
    mixing.mix_if_due(cycle.id)
    return CastResult(receipt=new, choices=tuple(choices))


# --- paper ballots at the community office ---------------------------------------------------
#
# A paper ballot is typed twice, by two people, each without seeing the other's typing (double
# entry, as election offices key tally sheets): it counts when two typings agree. Typings are
# sealed to the ballot key like cast ballots, so the database never holds a resident's paper
# choices in the clear; they are erased once the entry is decided. Nobody at the office sees a
# receipt: a paper ballot has none.


def may_key_paper(actor: User, cycle: Cycle, community_id: int) -> bool:
    """The community's committee, an administrator, the second typist the cycle names, or, where
    the cycle allows it, a grid worker of the community."""
    if can(actor_for(actor), Action.MANAGE_VOTING, community_id):
        return True
    if grid_work.may_enter_paper(actor, cycle, community_id):
        return True
    return cycle.paper_keyer_id is not None and cycle.paper_keyer_id == actor.id


@dataclass(frozen=True)
class PaperVoter:
    """Whom a paper ballot is for: a person on the roster (``roster_entry``), with the verified
    residency of their account if they have one, or a resident verified without a roster entry
    (``residency`` alone)."""

    community_id: int
    roster_entry: RosterEntry | None
    residency: Residency | None

    @property
    def full_name(self) -> str:
        if self.roster_entry is not None:
            return self.roster_entry.full_name
        assert self.residency is not None
        return self.residency.full_name


def claimed_residency(entry: RosterEntry) -> Residency | None:
    """The verified residency of the account that claimed ``entry``, if there is one."""
    return db.session.scalar(
        select(Residency).where(
            Residency.roster_entry_id == entry.id, Residency.status == ResidencyStatus.VERIFIED
        )
    )


def paper_voter_on_roster(entry: RosterEntry) -> PaperVoter:
    return PaperVoter(entry.community_id, entry, claimed_residency(entry))


def paper_voter_of(residency: Residency) -> PaperVoter:
    return PaperVoter(residency.community_id, residency.roster_entry, residency)


def roster_voter(entry: RosterEntry, cycle: CastingCycle) -> Voter:
    """The voting unit of a person on the roster, whether or not they have an account: the same
    key a claimed account of theirs votes under (:func:`voter`)."""
    if cycle.vote_unit == "household":
        return Voter(f"household:{entry.household_id}", entry.household.grid_id)
    return Voter(f"entry:{entry.id}", entry.household.grid_id)


def paper_voter_key(person: PaperVoter, cycle: CastingCycle) -> str:
    if person.roster_entry is not None:
        return roster_voter(person.roster_entry, cycle).key
    assert person.residency is not None
    return f"residency:{person.residency.id}"


def key_has_voted(cycle: CastingCycle, key: str) -> bool:
    voted = select(Participation.id).where(
        Participation.cycle_id == cycle.id, Participation.voter_key == key
    )
    return db.session.execute(voted).first() is not None


def paper_problem(person: PaperVoter, cycle: CastingCycle, now: datetime) -> ErrorCode | None:
    """Why ``person`` may not vote on paper in ``cycle`` (None: they may), whether or not they
    voted. The roster is the electorate: a person on it takes part by its record (community,
    basis, age, standing), with an account or without."""
    entry = person.roster_entry
    if entry is None:
        assert person.residency is not None
        return participation_problem(person.residency.user, cycle, now)
    if not entry.is_active:
        return ErrorCode.ROSTER_NOT_ACTIVE
    age = age_on(entry.birth_date, now.date()) if entry.birth_date else None
    problem = eligibility(cycle).problem(
        community_id=entry.community_id, basis=entry.basis, age=age
    )
    return None if problem is None else ErrorCode(problem)


def _require_keyer(actor: User, cycle: Cycle, community_id: int) -> None:
    if not may_key_paper(actor, cycle, community_id):
        raise PermissionDenied()


def _sealed_typing(cycle: Cycle, choices: list[Choice]) -> bytes:
    return mixing.seal(_sealed_content(cycle, choices, None, None))


def _typed(keying: PaperKeying) -> list[Choice]:
    assert keying.sealed is not None
    content = mixing.open_sealed(keying.sealed)
    points = content.points
    return [Choice(pid, points[i] if points else 1) for i, pid in enumerate(content.choices)]


def _identity_check(raw: str | IdentityCheck | None) -> IdentityCheck:
    try:
        return IdentityCheck(raw or "")
    except ValueError:
        raise ServiceError(ErrorCode.IDENTITY_CHECK_REQUIRED) from None


def enter_paper_ballot(
    actor: User,
    cycle: Cycle,
    residency: Residency,
    choices: list[Choice],
    *,
    now: datetime,
    identity_check: str = IdentityCheck.OTHER,
) -> PaperEntry:
    """The first typing of a verified resident's paper ballot; it waits for a second person's."""
    return enter_paper_for(
        actor, cycle, paper_voter_of(residency), choices, identity_check=identity_check, now=now
    )


def enter_roster_paper_ballot(
    actor: User,
    cycle: Cycle,
    entry: RosterEntry,
    choices: list[Choice],
    *,
    identity_check: str,
    station: PollingStation | None = None,
    now: datetime,
) -> PaperEntry:
    """The first typing of the paper ballot of a person on the roster, with an account or
    none, at the office or at a polling station."""
    return enter_paper_for(
        actor,
        cycle,
        paper_voter_on_roster(entry),
        choices,
        identity_check=identity_check,
        station=station,
        now=now,
    )


def _lock_open_station(station: PollingStation, cycle: Cycle, community_id: int) -> None:
    """The station is this cycle's and community's and open, read under a row lock so that
    closing it and typing at it do not cross."""
    if station.cycle_id != cycle.id or station.community_id != community_id:
        raise PermissionDenied()
    closed = db.session.scalar(
        select(PollingStation.closed_at).where(PollingStation.id == station.id).with_for_update()
    )
    if closed is not None:
        raise ServiceError(ErrorCode.STATION_CLOSED)


def enter_paper_for(
    actor: User,
    cycle: Cycle,
    person: PaperVoter,
    choices: list[Choice],
    *,
    identity_check: str,
    station: PollingStation | None = None,
    now: datetime,
) -> PaperEntry:
    """The first typing of ``person``'s paper ballot, with how their identity was checked. One
    entry waits per voting unit (the database's unique index); a voting unit that has taken
    part on any channel is refused."""
    _require_keyer(actor, cycle, person.community_id)
    checked = _identity_check(identity_check)
    if station is not None:
        _lock_open_station(station, cycle, person.community_id)
    if cycle.phase(now) is not Phase.VOTING:
        raise ServiceError(ErrorCode.VOTING_CLOSED)
    problem = paper_problem(person, cycle, now) or voting_gate_problem(
        cycle.id, cycle.shortlist_days, now
    )
    if problem is not None:
        raise ServiceError(problem)
    key = paper_voter_key(person, cycle)
    if key_has_voted(cycle, key):
        raise ServiceError(ErrorCode.ALREADY_VOTED)
    _check_choices(cycle, choices)
    entry = PaperEntry(
        cycle_id=cycle.id,
        community_id=person.community_id,
        residency_id=person.residency.id if person.residency is not None else None,
        roster_entry_id=person.roster_entry.id if person.roster_entry is not None else None,
        voter_key=key,
        station_id=station.id if station is not None else None,
        identity_check=checked,
        entered_by_id=actor.id,
        entered_at=now,
    )
    entry.keyings.append(
        PaperKeying(keyed_by_id=actor.id, keyed_at=now, sealed=_sealed_typing(cycle, choices))
    )
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.PAPER_PENDING) from None
    audit.record(
        actor,
        "paper.enter",
        "paper_entry",
        entry.id,
        community_id=person.community_id,
        after={
            "cycle": cycle.id,
            "resident": person.full_name,
            "identity_check": checked.value,
            "station": station.name if station is not None else None,
        },
        now=now,
    )
    db.session.commit()
    return entry


def _lock_entry(entry: PaperEntry) -> None:
    """Take the entry's row for this transaction (PostgreSQL: its row lock; SQLite: the write
    lock), then read it and its typings afresh: a second typist, or a discard, at the same
    moment waits for the first and sees what it decided, rather than writing over it."""
    db.session.execute(
        update(PaperEntry)
        .where(PaperEntry.id == entry.id)
        .values(status=PaperEntry.status)
        .execution_options(synchronize_session=False)
    )
    for keying in entry.keyings:
        db.session.expire(keying)
    db.session.expire(entry)  # its status and its list of typings, read again when next used


def _agreed(cycle: Cycle, entry: PaperEntry) -> list[Choice] | None:
    """The choices two different people typed alike, if any (one typing per person)."""
    typed = [_typed(k) for k in entry.keyings if k.sealed is not None]
    kind = BallotKind(cycle.ballot_kind)
    for i, first in enumerate(typed):
        for second in typed[i + 1 :]:
            if same_ballot(kind, first, second):
                return first
    return None


def _scrub(entry: PaperEntry) -> None:
    for keying in entry.keyings:
        keying.sealed = None


def paper_voter_of_entry(entry: PaperEntry) -> PaperVoter:
    """Whom a paper entry is for now: a person on the roster who has since claimed an account
    votes with it (the same key), so that the participation names their residency."""
    if entry.roster_entry is not None:
        return paper_voter_on_roster(entry.roster_entry)
    assert entry.residency is not None
    return paper_voter_of(entry.residency)


def _record_paper(
    cycle: Cycle, person: PaperVoter, key: str, choices: list[Choice], now: datetime
) -> None:
    """Write the paper ballot's participation and sealed ballot in the current transaction."""
    written = casting.write_unit(
        cycle,
        entry_id=person.roster_entry.id if person.roster_entry is not None else None,
        residency_id=person.residency.id if person.residency is not None else None,
        community_id=person.community_id,
        channel="paper",
        day=now.date(),
        receipt_commitment=None,
        sealed=mixing.seal(_sealed_content(cycle, choices, None, None)),
    )
    if written is None:
        db.session.rollback()
        if key_has_voted(cycle, key):
            raise ServiceError(ErrorCode.ALREADY_VOTED)
        raise ServiceError(ErrorCode.NOT_VERIFIED)  # the roster entry is gone


def key_paper_ballot(
    actor: User, entry: PaperEntry, choices: list[Choice], *, now: datetime
) -> str:
    """Another typing of a paper ballot, made without seeing the others. Two typings by two
    people that agree count it (``"confirmed"``): the participation and the sealed ballot are
    written and the typings erased, in one transaction. Typings that differ put it in dispute
    (``"mismatch"``, with an audit row): someone looks at the paper again and types it once
    more, and a typing that agrees with an earlier one by someone else counts it. The same
    person typing again replaces their own typing; while only theirs exists, it cannot be the
    second."""
    cycle = db.session.get(Cycle, entry.cycle_id)
    assert cycle is not None
    _require_keyer(actor, cycle, entry.community_id)
    _lock_entry(entry)
    if not entry.is_open:
        db.session.rollback()
        raise ServiceError(ErrorCode.PAPER_DECIDED)
    if cycle.phase(now) is not Phase.VOTING:
        raise ServiceError(ErrorCode.VOTING_CLOSED)
    mine = next((k for k in entry.keyings if k.keyed_by_id == actor.id), None)
    if mine is not None and entry.status == "pending":
        raise ServiceError(ErrorCode.PAPER_SAME_PERSON)
    _check_choices(cycle, choices)
    person = paper_voter_of_entry(entry)
    name = person.full_name
    if mine is None:
        entry.keyings.append(
            PaperKeying(keyed_by_id=actor.id, keyed_at=now, sealed=_sealed_typing(cycle, choices))
        )
    else:
        mine.sealed, mine.keyed_at = _sealed_typing(cycle, choices), now
    agreed = _agreed(cycle, entry)
    if agreed is None:
        before = entry.status
        entry.status = "mismatch"
        audit.record(
            actor,
            "paper.mismatch",
            "paper_entry",
            entry.id,
            community_id=entry.community_id,
            before={"status": before},
            after={"cycle": cycle.id, "resident": name, "typings": len(entry.keyings)},
            now=now,
        )
        db.session.commit()
        return "mismatch"
    if person.roster_entry is not None and not person.roster_entry.is_active:
        db.session.rollback()
        raise ServiceError(ErrorCode.ROSTER_NOT_ACTIVE)
    _record_paper(cycle, person, entry.voter_key, agreed, now)
    entry.status = "confirmed"
    entry.decided_by_id = actor.id
    entry.decided_at = now
    _scrub(entry)
    audit.record(
        actor,
        "paper.confirm",
        "paper_entry",
        entry.id,
        community_id=entry.community_id,
        after={"cycle": cycle.id, "resident": name, "typings": len(entry.keyings)},
        now=now,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key_has_voted(cycle, entry.voter_key):
            raise ServiceError(ErrorCode.ALREADY_VOTED) from None
        raise
    mixing.mix_if_due(cycle.id)
    return "confirmed"


def discard_paper_ballot(actor: User, entry: PaperEntry, *, reason: str, now: datetime) -> None:
    """Set a paper ballot aside (spoiled, or a dispute the paper cannot settle), with a reason;
    its typings are erased."""
    cycle = db.session.get(Cycle, entry.cycle_id)
    assert cycle is not None
    _require_keyer(actor, cycle, entry.community_id)
    _lock_entry(entry)
    if not entry.is_open:
        db.session.rollback()
        raise ServiceError(ErrorCode.PAPER_DECIDED)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    before = entry.status
    entry.status = "discarded"
    entry.decided_by_id = actor.id
    entry.decided_at = now
    entry.note = reason[:300]
    _scrub(entry)
    audit.record(
        actor,
        "paper.discard",
        "paper_entry",
        entry.id,
        community_id=entry.community_id,
        before={"status": before},
        after={"reason": reason},
        now=now,
    )
    db.session.commit()


def paper_keyer_candidates(cycle: Cycle) -> list[User]:
    """Who a cycle may name as its second typist: committee members of the street's other
    communities (for a community's cycle), and the administrators."""
    admins = select(User).where(User.is_admin.is_(True))
    found = list(db.session.scalars(admins.order_by(User.username)))
    if cycle.community is not None:
        others = (
            select(User)
            .join(CommitteeMembership, CommitteeMembership.user_id == User.id)
            .join(Community, Community.id == CommitteeMembership.community_id)
            .where(
                Community.street_id == cycle.community.street_id,
                Community.id != cycle.community_id,
            )
            .order_by(Community.name, User.username)
        )
        found += [u for u in db.session.scalars(others).unique() if u not in found]
    return found


def name_paper_keyer(actor: User, cycle: Cycle, keyer: User | None, *, now: datetime) -> None:
    """The committee names who types paper ballots a second time besides its own members
    (None: nobody): for a committee of one, whose paper ballots would otherwise wait."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if keyer is not None and keyer not in paper_keyer_candidates(cycle):
        raise ServiceError(ErrorCode.PAPER_KEYER_NOT_ALLOWED)
    before = cycle.paper_keyer_id
    cycle.paper_keyer_id = keyer.id if keyer is not None else None
    audit.record(
        actor,
        "cycle.paper_keyer",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before={"paper_keyer": before},
        after={"paper_keyer": cycle.paper_keyer_id},
        now=now,
    )
    db.session.commit()


def find_keyer(user_id: int) -> User | None:
    """The account a committee names as second typist, by id; whether it may be is for
    ``name_paper_keyer`` to decide."""
    return db.session.get(User, user_id)


def find_resident(residency_id: int, community_id: int) -> Residency | None:
    """A residency of the community, for its paper ballot (None: none such there)."""
    resident = db.session.get(Residency, residency_id)
    if resident is None or resident.community_id != community_id:
        return None
    return resident


def find_paper_entry(entry_id: int, community_id: int) -> PaperEntry | None:
    """A paper ballot typed for a resident of the community (None: none such there)."""
    entry = db.session.get(PaperEntry, entry_id)
    if entry is None or entry.community_id != community_id:
        return None
    return entry


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own % and _ taken literally (with
    ``escape="\\"``): a name typed at the office is no pattern."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_residents(community_id: int, query: str) -> list[Residency]:
    """The community's verified residents a search at the office finds (by name, phone or
    household code), at most 20, with their households."""
    if not query:
        return []
    code = normalize_code(query)
    conditions = [Residency.full_name.like(_like(query), escape="\\"), Residency.phone == query]
    if code:
        entry_ids = select(HouseholdCode.roster_entry_id).where(HouseholdCode.code == code)
        conditions.append(Residency.roster_entry_id.in_(entry_ids))
    return list(
        db.session.scalars(
            select(Residency)
            .where(
                Residency.community_id == community_id,
                Residency.status == "verified",
                or_(*conditions),
            )
            .options(selectinload(Residency.roster_entry).selectinload(RosterEntry.household))
            .limit(20)
        )
    )


def list_paper_entries(
    cycle: Cycle, community_id: int, *, station_id: int | None = None
) -> list[PaperEntry]:
    """The community's paper ballots of the cycle (or of one polling station), those still open
    first, then the newest; at most 100, with who they are for, who typed them and their
    typings."""
    query = select(PaperEntry).where(
        PaperEntry.cycle_id == cycle.id, PaperEntry.community_id == community_id
    )
    if station_id is not None:
        query = query.where(PaperEntry.station_id == station_id)
    return list(
        db.session.scalars(
            query.order_by(
                PaperEntry.status.not_in(("pending", "mismatch")),
                PaperEntry.entered_at.desc(),
                PaperEntry.id.desc(),
            )
            .options(
                selectinload(PaperEntry.residency),
                selectinload(PaperEntry.roster_entry).selectinload(RosterEntry.household),
                selectinload(PaperEntry.station),
                selectinload(PaperEntry.entered_by),
                selectinload(PaperEntry.keyings),
            )
            .limit(100)
        )
    )


@dataclass(frozen=True)
class PaperOffice:
    """What the paper-ballot page shows: the residents a search found (each with whether they
    have voted), the paper ballots typed, the ballot, and whom the cycle may name as second
    typist (empty for who may not name one)."""

    residents: list[tuple[Residency, bool]]
    entries: list[PaperEntry]
    projects: list[Proposal]
    keyer_candidates: list[User]


def load_paper_office(
    cycle: Cycle, community_id: int, query: str, *, with_keyers: bool
) -> PaperOffice:
    residents = find_residents(community_id, query)
    entries = list_paper_entries(cycle, community_id)
    return PaperOffice(
        residents=[(r, has_voted(r, cycle)) for r in residents],
        entries=entries,
        projects=ballot_projects(cycle),
        keyer_candidates=paper_keyer_candidates(cycle) if with_keyers else [],
    )


# --- turnout --------------------------------------------------------------------------------


@dataclass
class Turnout:
    total: int
    eligible: int  # the voting units of the roster and the verified residents off it
    by_community: list[tuple[str, int, int]]  # name, voted, voting units (services.electorate)
    by_grid: list[tuple[str, str, int]]  # community, grid, voted
    by_channel: dict[str, int]
    by_day: list[tuple[str, int]]


def turnout(cycle: Cycle) -> Turnout:
    """Counts only: how many voted, where and how; never who."""
    base = select(func.count()).select_from(Participation).where(Participation.cycle_id == cycle.id)
    total = int(db.session.scalar(base) or 0)
    verified = electorate.by_community(cycle.community_ids, cycle)
    voted = dict(
        db.session.execute(
            select(Participation.community_id, func.count())
            .where(Participation.cycle_id == cycle.id)
            .group_by(Participation.community_id)
        )
        .tuples()
        .all()
    )
    names = dict(
        db.session.execute(
            select(Community.id, Community.name).where(Community.id.in_(cycle.community_ids))
        )
        .tuples()
        .all()
    )
    grids = db.session.execute(
        select(Community.name, Grid.name, func.count())
        .select_from(Participation)
        .join(Grid, Participation.grid_id == Grid.id)
        .join(Community, Grid.community_id == Community.id)
        .where(Participation.cycle_id == cycle.id)
        .group_by(Community.name, Grid.name, Grid.id)
        .order_by(Community.name, Grid.id)
    ).all()
    channels = dict(
        db.session.execute(
            select(Participation.channel, func.count())
            .where(Participation.cycle_id == cycle.id)
            .group_by(Participation.channel)
        )
        .tuples()
        .all()
    )
    days = db.session.execute(
        select(Participation.day, func.count())
        .where(Participation.cycle_id == cycle.id)
        .group_by(Participation.day)
        .order_by(Participation.day)
    ).all()
    return Turnout(
        total=total,
        eligible=sum(verified.values()),
        by_community=[(names[cid], voted.get(cid, 0), verified.get(cid, 0)) for cid in names],
        by_grid=[(c, g, n) for c, g, n in grids],
        by_channel={
            "web": channels.get("web", 0),
            "paper": channels.get("paper", 0),
            "import": channels.get("import", 0),
        },
        by_day=[(d.isoformat(), n) for d, n in days],
    )
