"""Residency: importing the roster, issuing household codes, claiming a code, and the
committee's decision on a request to take part. One person, one verified account, one community.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..domain.characters import clean_line, clean_text
from ..domain.codes import generate_code, normalize_code
from ..domain.people import Basis, normalize_phone
from ..domain.permissions import Action
from ..domain.roster import RosterFile, RowProblem, parse_roster
from ..extensions import db
from ..models import (
    Community,
    Grid,
    Household,
    HouseholdCode,
    Residency,
    ResidencyStatus,
    RosterEntry,
    Street,
    User,
    VerificationMethod,
)
from . import audit
from .accounts import require
from .errors import ErrorCode, ServiceError
from .rows import rows_changed


@dataclass
class RosterImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    households_added: int = 0
    encoding: str = "utf-8"
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def import_roster(
    actor: User, community: Community, data: bytes, *, now: datetime, max_rows: int = 20000
) -> RosterImportReport:
    """Add or update the roster from a CSV file. All rows or none: if any row has a problem,
    nothing is written and the report lists every problem with its line."""
    require(actor, Action.MANAGE_ROSTER, community.id)
    parsed: RosterFile = parse_roster(data, today=now.date(), max_rows=max_rows)
    report = RosterImportReport(encoding=parsed.encoding, problems=list(parsed.problems))
    grids = {
        g.name: g for g in db.session.scalars(select(Grid).filter_by(community_id=community.id))
    }
    for row in parsed.rows:
        if row.grid and row.grid not in grids:
            report.problems.append(RowProblem(row.line, "unknown_grid", "grid", row.grid))
    if report.problems:
        report.problems.sort(key=lambda p: p.line)
        return report

    households = {
        h.address: h
        for h in db.session.scalars(select(Household).filter_by(community_id=community.id))
    }
    entries = {
        (e.household_id, e.full_name): e
        for e in db.session.scalars(select(RosterEntry).filter_by(community_id=community.id))
    }
    for row in parsed.rows:
        grid = grids.get(row.grid) if row.grid else None
        household = households.get(row.address)
        if household is None:
            household = Household(community_id=community.id, address=row.address, grid=grid)
            db.session.add(household)
            db.session.flush()
            households[row.address] = household
            report.households_added += 1
        elif grid is not None and household.grid_id != grid.id:
            household.grid = grid
        entry = entries.get((household.id, row.name))
        if entry is None:
            entry = RosterEntry(
                community_id=community.id,
                household_id=household.id,
                full_name=row.name,
                phone=row.phone,
                birth_date=row.birth_date,
                basis=row.basis.value,
                id_tail=row.id_tail,
                created_at=now,
            )
            db.session.add(entry)
            entries[(household.id, row.name)] = entry
            report.added += 1
            continue
        new_values = {
            "phone": row.phone,
            "birth_date": row.birth_date,
            "basis": row.basis.value,
            "id_tail": row.id_tail,
        }
        changed = {k: v for k, v in new_values.items() if v is not None and getattr(entry, k) != v}
        if changed:
            for key, value in changed.items():
                setattr(entry, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    audit.record(
        actor,
        "roster.import",
        "community",
        community.id,
        community_id=community.id,
        after={
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "households_added": report.households_added,
            "encoding": report.encoding,
        },
        now=now,
    )
    db.session.commit()
    return report


def issue_codes(
    actor: User,
    community: Community,
    *,
    now: datetime,
    grid: Grid | None = None,
    entries: list[RosterEntry] | None = None,
    replace: bool = False,
) -> list[HouseholdCode]:
    """Codes for unclaimed roster members who have no live code (or, with ``replace``, a fresh
    code for each given member, revoking the old one: for a lost sheet)."""
    require(actor, Action.ISSUE_CODES, community.id)
    if entries is None:
        query = select(RosterEntry).where(
            RosterEntry.community_id == community.id, RosterEntry.claimed_at.is_(None)
        )
        if grid is not None:
            query = query.join(Household).where(Household.grid_id == grid.id)
        entries = list(db.session.scalars(query.order_by(RosterEntry.household_id, RosterEntry.id)))
    live = {
        c.roster_entry_id: c
        for c in db.session.scalars(
            select(HouseholdCode).where(
                HouseholdCode.community_id == community.id,
                HouseholdCode.claimed_at.is_(None),
                HouseholdCode.revoked_at.is_(None),
            )
        )
    }
    issued: list[HouseholdCode] = []
    revoked = 0
    for entry in entries:
        if entry.community_id != community.id:
            raise ServiceError(ErrorCode.WRONG_COMMUNITY)
        if entry.is_claimed:
            continue
        old = live.get(entry.id)
        if old is not None:
            if not replace:
                continue
            old.revoked_at = now
            revoked += 1
            db.session.flush()
        code = HouseholdCode(
            code=_unused_code(),
            community_id=community.id,
            roster_entry_id=entry.id,
            issued_at=now,
            issued_by_id=actor.id,
        )
        db.session.add(code)
        issued.append(code)
    audit.record(
        actor,
        "codes.issue",
        "community",
        community.id,
        community_id=community.id,
        after={"issued": len(issued), "revoked": revoked, "grid": grid.name if grid else None},
        now=now,
    )
    db.session.commit()
    return issued


def _unused_code() -> str:
    while True:  # 60 bits: a collision is astronomically rare, but cheap to rule out
        code = generate_code()
        if not db.session.scalar(select(HouseholdCode.id).where(HouseholdCode.code == code)):
            return code


def live_codes(community: Community, grid: Grid | None = None) -> list[HouseholdCode]:
    query = (
        select(HouseholdCode)
        .join(RosterEntry)
        .join(Household)
        .where(
            HouseholdCode.community_id == community.id,
            HouseholdCode.claimed_at.is_(None),
            HouseholdCode.revoked_at.is_(None),
        )
        .order_by(Household.address, RosterEntry.id)
    )
    if grid is not None:
        query = query.where(Household.grid_id == grid.id)
    return list(db.session.scalars(query))


def find_grid(community_id: int, grid_id: int) -> Grid | None:
    """The grid ``grid_id`` of the community (None: no such grid, or another community's)."""
    grid = db.session.get(Grid, grid_id)
    return grid if grid is not None and grid.community_id == community_id else None


def find_roster_entry(community_id: int, entry_id: int) -> RosterEntry | None:
    """The community's roster entry ``entry_id`` (None: no such entry, or another
    community's)."""
    entry = db.session.get(RosterEntry, entry_id)
    return entry if entry is not None and entry.community_id == community_id else None


def claim_code(user: User, community: Community, raw_code: str, *, now: datetime) -> Residency:
    """Verify ``user`` as the roster member a household code was issued to.

    Refused when the code is unknown, already used or revoked, belongs to another community,
    or the account (or the person) is verified already. Two claims racing for one code: the
    conditional updates let exactly one through.
    """
    code_text = normalize_code(raw_code)
    if code_text is None:
        raise ServiceError(ErrorCode.CODE_UNKNOWN)
    existing = user.residency
    if existing is not None and existing.status == ResidencyStatus.VERIFIED:
        raise ServiceError(ErrorCode.ALREADY_VERIFIED, community=existing.community.name)
    code = db.session.scalar(select(HouseholdCode).where(HouseholdCode.code == code_text))
    if code is None:
        raise ServiceError(ErrorCode.CODE_UNKNOWN)
    if code.community_id != community.id:
        raise ServiceError(ErrorCode.CODE_OTHER_COMMUNITY)
    if code.revoked_at is not None:
        raise ServiceError(ErrorCode.CODE_REVOKED)
    if code.claimed_at is not None:
        raise ServiceError(ErrorCode.CODE_USED)
    entry = code.roster_entry
    if entry.is_claimed:
        db.session.refresh(code)  # a racing claim of this very code reads as "used"
        raise ServiceError(ErrorCode.CODE_USED if code.claimed_at else ErrorCode.PERSON_CLAIMED)

    took_code = rows_changed(
        update(HouseholdCode)
        .where(
            HouseholdCode.id == code.id,
            HouseholdCode.claimed_at.is_(None),
            HouseholdCode.revoked_at.is_(None),
        )
        .values(claimed_at=now, claimed_by_id=user.id)
    )
    took_entry = _claim_entry(entry, user, now)
    if not (took_code and took_entry):
        db.session.rollback()
        raise ServiceError(ErrorCode.CODE_USED)
    residency = _verified_residency(
        user, community, entry, VerificationMethod.CODE, decided_by=None, now=now
    )
    _flush_or(ServiceError(ErrorCode.ALREADY_VERIFIED, community=community.name))
    audit.record(
        user,
        "residency.claim_code",
        "residency",
        residency.id,
        community_id=community.id,
        after={"roster_entry": entry.id, "household": entry.household.address},
        now=now,
    )
    _commit_or(ServiceError(ErrorCode.ALREADY_VERIFIED, community=community.name))
    return residency


def _claim_entry(entry: RosterEntry, user: User, now: datetime) -> bool:
    return bool(
        rows_changed(
            update(RosterEntry)
            .where(RosterEntry.id == entry.id, RosterEntry.claimed_at.is_(None))
            .values(claimed_at=now, claimed_by_id=user.id)
        )
    )


def _verified_residency(
    user: User,
    community: Community,
    entry: RosterEntry | None,
    method: VerificationMethod,
    *,
    decided_by: User | None,
    now: datetime,
    residency: Residency | None = None,
) -> Residency:
    values: dict[str, object] = {
        "community_id": community.id,
        "status": ResidencyStatus.VERIFIED.value,
        "method": method.value,
        "decided_at": now,
        "decided_by_id": decided_by.id if decided_by else None,
    }
    if entry is not None:
        values.update(
            roster_entry_id=entry.id,
            basis=entry.basis,
            full_name=entry.full_name,
            phone=entry.phone,
            birth_date=entry.birth_date,
            address=entry.household.address,
        )
    residency = residency or user.residency
    if residency is None:
        residency = Residency(user_id=user.id, requested_at=now, **values)
        db.session.add(residency)
    else:
        for key, value in values.items():
            setattr(residency, key, value)
    return residency


def _flush_or(error: ServiceError) -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise error from None


def _commit_or(error: ServiceError) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise error from None


def request_verification(
    user: User,
    community: Community,
    *,
    basis: Basis,
    full_name: str,
    phone: str | None,
    birth_date: date | None,
    address: str,
    note: str,
    now: datetime,
) -> Residency:
    """Ask the committee of ``community`` to verify this account (living, working or studying
    there). A rejected request may be made again; a verified account cannot ask twice."""
    residency = user.residency
    if residency is not None and residency.status == ResidencyStatus.VERIFIED:
        raise ServiceError(ErrorCode.ALREADY_VERIFIED, community=residency.community.name)
    full_name = clean_line(full_name)
    if not full_name:
        raise ServiceError(ErrorCode.REQUIRED, field="full_name")
    normalized_phone = normalize_phone(phone) if phone else None
    if phone and normalized_phone is None:
        raise ServiceError(ErrorCode.PHONE_INVALID)
    if birth_date is not None and birth_date > now.date():
        raise ServiceError(ErrorCode.BIRTH_DATE_FUTURE)
    values: dict[str, object] = {
        "community_id": community.id,
        "status": ResidencyStatus.PENDING.value,
        "method": None,
        "roster_entry_id": None,
        "decided_at": None,
        "decided_by_id": None,
        "decision_note": "",
        "basis": basis.value,
        "full_name": full_name,
        "phone": normalized_phone,
        "birth_date": birth_date,
        "address": clean_line(address),
        "note": clean_text(note),
        "requested_at": now,
    }
    if residency is None:
        residency = Residency(user_id=user.id, **values)
        db.session.add(residency)
    else:
        for key, value in values.items():
            setattr(residency, key, value)
    _commit_or(ServiceError(ErrorCode.ALREADY_VERIFIED, community=community.name))
    return residency


def find_community(community_id: int) -> Community | None:
    return db.session.get(Community, community_id)


def list_communities() -> list[Community]:
    """Every community one may ask to join, by street, then by name."""
    return list(
        db.session.scalars(select(Community).join(Street).order_by(Street.name, Community.name))
    )


def find_residency(community_id: int, residency_id: int) -> Residency | None:
    """The request or residency ``residency_id`` in the community (None: no such one, or
    another community's)."""
    found = db.session.get(Residency, residency_id)
    return found if found is not None and found.community_id == community_id else None


def roster_matches(residency: Residency) -> list[RosterEntry]:
    """Unclaimed roster members of the community who could be the person asking: same name,
    best first (also the same phone or birth date), then the same name only."""
    candidates = list(
        db.session.scalars(
            select(RosterEntry).where(
                RosterEntry.community_id == residency.community_id,
                RosterEntry.full_name == residency.full_name,
                RosterEntry.claimed_at.is_(None),
            )
        )
    )

    def strength(entry: RosterEntry) -> int:
        score = 0
        if residency.phone and entry.phone == residency.phone:
            score += 2
        if residency.birth_date and entry.birth_date == residency.birth_date:
            score += 2
        if residency.address and entry.household.address == residency.address:
            score += 1
        return -score

    return sorted(candidates, key=strength)


def approve_verification(
    actor: User,
    residency: Residency,
    *,
    roster_entry: RosterEntry | None,
    note: str,
    now: datetime,
) -> Residency:
    """The committee verifies a request. Living there needs a roster entry (one person, one
    account); working or studying there may be checked in person instead."""
    require(actor, Action.VERIFY_RESIDENTS, residency.community_id)
    if residency.status != ResidencyStatus.PENDING:
        raise ServiceError(ErrorCode.NOT_PENDING)
    if roster_entry is None and residency.basis == Basis.LIVE:
        raise ServiceError(ErrorCode.ROSTER_ENTRY_REQUIRED)
    community = residency.community
    if roster_entry is not None:
        if roster_entry.community_id != residency.community_id:
            raise ServiceError(ErrorCode.WRONG_COMMUNITY)
        if roster_entry.is_claimed or not _claim_entry(roster_entry, residency.user, now):
            db.session.rollback()
            raise ServiceError(ErrorCode.PERSON_CLAIMED)
        # A code still out for this person would only mislead: it can no longer be used.
        db.session.execute(
            update(HouseholdCode)
            .where(
                HouseholdCode.roster_entry_id == roster_entry.id,
                HouseholdCode.claimed_at.is_(None),
                HouseholdCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    before = {"status": residency.status}
    method = VerificationMethod.ROSTER if roster_entry is not None else VerificationMethod.MANUAL
    basis = residency.basis
    _verified_residency(
        residency.user,
        community,
        roster_entry,
        method,
        decided_by=actor,
        now=now,
        residency=residency,
    )
    residency.basis = basis  # the request's basis stands; the roster says where, not why
    residency.decision_note = clean_line(note)
    audit.record(
        actor,
        "residency.approve",
        "residency",
        residency.id,
        community_id=community.id,
        before=before,
        after={
            "status": residency.status,
            "method": method.value,
            "basis": residency.basis,
            "roster_entry": roster_entry.id if roster_entry else None,
            "user": residency.user.username,
        },
        now=now,
    )
    _commit_or(ServiceError(ErrorCode.PERSON_CLAIMED))
    return residency


def reject_verification(actor: User, residency: Residency, *, reason: str, now: datetime) -> None:
    require(actor, Action.VERIFY_RESIDENTS, residency.community_id)
    if residency.status != ResidencyStatus.PENDING:
        raise ServiceError(ErrorCode.NOT_PENDING)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    before = {"status": residency.status}
    residency.status = ResidencyStatus.REJECTED
    residency.decided_at = now
    residency.decided_by_id = actor.id
    residency.decision_note = reason
    audit.record(
        actor,
        "residency.reject",
        "residency",
        residency.id,
        community_id=residency.community_id,
        before=before,
        after={"status": residency.status, "reason": reason, "user": residency.user.username},
        now=now,
    )
    db.session.commit()
