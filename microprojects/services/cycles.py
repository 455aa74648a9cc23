"""Cycles: creating one, and closing a phase early or extending it, with a public reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update

from ..domain.ballots import BallotKind, BallotRule
from ..domain.characters import clean_line, clean_text
from ..domain.counting import APP_RULES, TIE_BREAKS
from ..domain.cycles import DEFAULT_CATEGORIES, DEFAULT_CHECKLIST, Eligibility
from ..domain.people import age_on
from ..domain.permissions import Action, can
from ..domain.phases import DATED, Phase, close_early, extend, phase_end
from ..domain.screening import ScreeningMode
from ..domain.shortlist import days_valid as shortlist_days_valid
from ..extensions import db
from ..models import AuditEntry, Community, Cycle, Proposal, Street, User
from . import audit
from .accounts import actor_for
from .errors import ErrorCode, PermissionDenied, ServiceError
from .rows import rows_changed
from .voting_cycle import CastingCycle

# Built once: a cycle's pages (the ballot and the cast among them) all start by loading it, and
# Session.get builds its statement anew on every call, which costs more than running it.
_BY_ID = select(Cycle).where(Cycle.id == bindparam("id"))


def find_cycle(cycle_id: int) -> Cycle | None:
    return db.session.execute(_BY_ID, {"id": cycle_id}).scalar_one_or_none()


def list_community_cycles(community: Community) -> list[Cycle]:
    """The cycles the community takes part in, its own and its street's, the latest first."""
    return list(
        db.session.scalars(
            select(Cycle)
            .where(or_(Cycle.community_id == community.id, Cycle.street_id == community.street_id))
            .order_by(Cycle.collecting_at.desc())
        )
    )


@dataclass
class CycleInput:
    title: str
    budget_fen: int
    collecting_at: datetime
    screening_at: datetime
    voting_at: datetime
    publication_at: datetime
    implementation_at: datetime
    closed_at: datetime
    description: str = ""
    project_cap_fen: int | None = None
    cap_engineering_fen: int | None = None
    cap_service_fen: int | None = None
    cap_goods_fen: int | None = None
    categories: list[str] = field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    checklist: list[str] = field(default_factory=lambda: list(DEFAULT_CHECKLIST))
    min_age: int = 15
    allow_work: bool = True
    allow_study: bool = True
    comment_report_threshold: int = 3
    screening_mode: str = ScreeningMode.COMMITTEE.value
    shortlist_days: int = 0


def can_manage(user: User | None, cycle: Cycle) -> bool:
    """A community's cycle is run by its committee; a street's by the administrator."""
    return can(actor_for(user), Action.MANAGE_CYCLES, cycle.community_id)


def create_cycle(
    actor: User,
    data: CycleInput,
    *,
    community: Community | None = None,
    street: Street | None = None,
    now: datetime,
) -> Cycle:
    if (community is None) == (street is None):
        raise ServiceError(ErrorCode.CYCLE_SCOPE)
    if not can(actor_for(actor), Action.MANAGE_CYCLES, community.id if community else None):
        raise PermissionDenied()
    title = clean_line(data.title)
    if not title:
        raise ServiceError(ErrorCode.REQUIRED, field="title")
    categories = [c for c in map(clean_line, data.categories) if c]
    if not categories:
        raise ServiceError(ErrorCode.CATEGORIES_REQUIRED)
    if data.budget_fen <= 0:
        raise ServiceError(ErrorCode.BUDGET_REQUIRED)
    mode = _screening_mode(data.screening_mode)
    if not shortlist_days_valid(data.shortlist_days):
        raise ServiceError(ErrorCode.SHORTLIST_DAYS_INVALID)
    cycle = Cycle(
        title=title,
        description=clean_text(data.description),
        community_id=community.id if community else None,
        street_id=street.id if street else None,
        budget_fen=data.budget_fen,
        project_cap_fen=data.project_cap_fen,
        cap_engineering_fen=data.cap_engineering_fen,
        cap_service_fen=data.cap_service_fen,
        cap_goods_fen=data.cap_goods_fen,
        categories=categories,
        checklist=[c for c in map(clean_line, data.checklist) if c],
        min_age=data.min_age,
        allow_work=data.allow_work,
        allow_study=data.allow_study,
        comment_report_threshold=max(1, data.comment_report_threshold),
        screening_mode=mode,
        shortlist_days=data.shortlist_days,
        collecting_at=data.collecting_at,
        screening_at=data.screening_at,
        voting_at=data.voting_at,
        publication_at=data.publication_at,
        implementation_at=data.implementation_at,
        closed_at=data.closed_at,
        created_at=now,
        created_by_id=actor.id,
    )
    problems = cycle.schedule.problems()
    if problems:
        raise ServiceError(ErrorCode.SCHEDULE_OUT_OF_ORDER, problem=problems[0])
    db.session.add(cycle)
    db.session.flush()
    audit.record(
        actor,
        "cycle.create",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        after=cycle.settings(),
        now=now,
    )
    db.session.commit()
    return cycle


def _claim_schedule(cycle: Cycle) -> None:
    """Hold the cycle's row until the commit, and read its dates as they are: an UPDATE that
    changes nothing takes the write lock on either database (a row lock on PostgreSQL, the
    database's on SQLite, whose reads take none), so that two changes at once are made one
    after the other, the second on the dates the first left."""
    rows_changed(update(Cycle).where(Cycle.id == cycle.id).values(closed_at=Cycle.closed_at))
    db.session.refresh(cycle)


def change_phase(
    actor: User,
    cycle: Cycle,
    *,
    phase: Phase,
    reason: str,
    now: datetime,
    until: datetime | None = None,
    expected_end: datetime | None = None,
) -> None:
    """End the current ``phase`` now (``until`` None) or let it run until ``until``. The
    reason is public: it is shown on the cycle's page. ``phase`` is the phase the committee
    saw and confirmed: a form sent twice finds the next phase current and is refused, so that
    one confirmation never ends two phases. ``expected_end``, when given, is when the phase
    was to end as the committee confirmed it: if the dates changed since (another member ended
    or extended it meanwhile, a moment ago), nothing is done."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    _claim_schedule(cycle)
    if expected_end is not None and phase_end(cycle.schedule, phase) != expected_end:
        raise ServiceError(ErrorCode.SCHEDULE_CHANGED)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    current = cycle.phase(now)
    if phase in DATED and current in DATED and DATED.index(phase) < DATED.index(current):
        raise ServiceError(ErrorCode.PHASE_ALREADY_ENDED, phase=phase.value)
    if phase is not current or phase not in DATED or phase is Phase.CLOSED:
        raise ServiceError(ErrorCode.NOT_CURRENT_PHASE)
    before = cycle.settings()["schedule"]
    if until is None:
        schedule = close_early(cycle.schedule, phase, now)
        action = "cycle.close_phase"
    else:
        if until <= now:
            raise ServiceError(ErrorCode.EXTEND_INTO_PAST)
        if until <= cycle.schedule.start_of(DATED[DATED.index(phase) + 1]):
            raise ServiceError(ErrorCode.EXTEND_NOT_LATER)
        schedule = extend(cycle.schedule, phase, until)
        action = "cycle.extend_phase"
    cycle.set_schedule(schedule)
    audit.record(
        actor,
        action,
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before=before,
        after={**cycle.settings()["schedule"], "phase": phase.value, "reason": reason},
        now=now,
    )
    db.session.commit()


def eligibility(cycle: CastingCycle) -> Eligibility:
    return Eligibility(
        community_ids=frozenset(cycle.community_ids),
        min_age=cycle.min_age,
        allow_work=cycle.allow_work,
        allow_study=cycle.allow_study,
    )


def participation_problem(
    user: User | None, cycle: CastingCycle, now: datetime
) -> ErrorCode | None:
    """Why ``user`` may not take part in ``cycle`` as a resident (None: they may)."""
    if user is None or not user.is_authenticated:
        return ErrorCode.NOT_LOGGED_IN
    residency = user.residency
    if residency is None or not residency.is_verified:
        return ErrorCode.NOT_VERIFIED
    age = age_on(residency.birth_date, now.date()) if residency.birth_date else None
    problem = eligibility(cycle).problem(
        community_id=residency.community_id, basis=residency.basis, age=age
    )
    return None if problem is None else ErrorCode(problem)


def update_voting_settings(
    actor: User,
    cycle: Cycle,
    *,
    ballot_kind: str,
    ballot_min: int,
    ballot_max: int | None,
    ballot_min_share_pct: int,
    points_total: int,
    points_max: int | None,
    rank_k: int,
    vote_unit: str,
    allow_revision: bool,
    public_turnout: bool,
    tally_rule: str | None = None,
    tally_threshold: int | None = None,
    tie_break: str | None = None,
    grid_workers_enter_paper: bool | None = None,
    now: datetime,
) -> None:
    """Set how the cycle votes and is counted; only before voting opens, so nobody votes under
    changed rules. ``tally_rule``/``tie_break``/``grid_workers_enter_paper`` None keep the
    current ones."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    if cycle.phase(now) not in (Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING):
        raise ServiceError(ErrorCode.VOTING_STARTED)
    if vote_unit not in ("person", "household"):
        raise ServiceError(ErrorCode.VOTE_UNIT_UNKNOWN)
    try:
        kind = BallotKind(ballot_kind)
    except ValueError:
        raise ServiceError(ErrorCode.BALLOT_KIND_UNKNOWN) from None
    rule = BallotRule(
        kind=kind,
        min_choices=ballot_min,
        max_choices=ballot_max,
        budget=cycle.budget_fen,
        min_share_pct=ballot_min_share_pct,
        points_total=points_total,
        points_max=points_max,
        rank_k=rank_k,
    )
    problems = rule.problems()
    if problems:
        raise ServiceError(ErrorCode(f"rule_{problems[0]}"))
    tally_rule = cycle.tally_rule if tally_rule is None else tally_rule
    tie_break = cycle.tie_break if tie_break is None else tie_break
    if tally_rule not in APP_RULES:
        raise ServiceError(ErrorCode.TALLY_RULE_UNKNOWN)
    if tie_break not in TIE_BREAKS:
        raise ServiceError(ErrorCode.TIE_BREAK_UNKNOWN)
    if tally_threshold is not None and tally_threshold < 0:
        raise ServiceError(ErrorCode.TALLY_THRESHOLD_NEGATIVE)
    before = {
        "ballot_kind": cycle.ballot_kind,
        "ballot_min": cycle.ballot_min,
        "ballot_max": cycle.ballot_max,
        "vote_unit": cycle.vote_unit,
        "allow_revision": cycle.allow_revision,
        "tally_rule": cycle.tally_rule,
        "tally_threshold": cycle.tally_threshold,
        "tie_break": cycle.tie_break,
        "grid_workers_enter_paper": cycle.grid_workers_enter_paper,
    }
    if grid_workers_enter_paper is not None:
        cycle.grid_workers_enter_paper = grid_workers_enter_paper
    cycle.tally_rule = tally_rule
    cycle.tally_threshold = tally_threshold
    cycle.tie_break = tie_break
    cycle.ballot_kind = kind
    cycle.ballot_min = ballot_min
    cycle.ballot_max = ballot_max
    cycle.ballot_min_share_pct = ballot_min_share_pct
    cycle.points_total = points_total
    cycle.points_max = points_max
    cycle.rank_k = rank_k
    cycle.vote_unit = vote_unit
    cycle.allow_revision = allow_revision
    cycle.public_turnout = public_turnout
    audit.record(
        actor,
        "cycle.voting_settings",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before=before,
        after={
            "ballot_kind": kind.value,
            "ballot_min": ballot_min,
            "ballot_max": ballot_max,
            "min_share_pct": ballot_min_share_pct,
            "points_total": points_total,
            "points_max": points_max,
            "rank_k": rank_k,
            "vote_unit": vote_unit,
            "allow_revision": allow_revision,
            "public_turnout": public_turnout,
            "tally_rule": tally_rule,
            "tally_threshold": tally_threshold,
            "tie_break": tie_break,
            "grid_workers_enter_paper": cycle.grid_workers_enter_paper,
        },
        now=now,
    )
    db.session.commit()


# --- screening mode ---------------------------------------------------------------------------


def _screening_mode(value: str) -> ScreeningMode:
    try:
        return ScreeningMode(value)
    except ValueError:
        raise ServiceError(ErrorCode.SCREENING_MODE_UNKNOWN) from None


def screening_decided(cycle: Cycle) -> bool:
    """Whether any proposal of ``cycle`` has ever been approved or rejected (taken back to
    revision since or not): its screening has then begun under the mode it had."""
    ids = [str(i) for i in db.session.scalars(select(Proposal.id).filter_by(cycle_id=cycle.id))]
    if not ids:
        return False
    found = db.session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.subject_type == "proposal",
            AuditEntry.subject_id.in_(ids),
            AuditEntry.action.in_(("proposal.approve", "proposal.reject")),
        )
        .limit(1)
    )
    return found is not None


def set_screening_mode(actor: User, cycle: Cycle, mode: str, *, now: datetime) -> None:
    """Screen the cycle's proposals by the committee's decision or by resolution (四议两公开).
    Only while no proposal has been approved or rejected: nobody is screened under two rules."""
    if not can_manage(actor, cycle):
        raise PermissionDenied()
    chosen = _screening_mode(mode)
    _claim_schedule(cycle)
    if chosen is cycle.screening_mode:
        raise ServiceError(ErrorCode.NOTHING_CHANGED)
    if screening_decided(cycle):
        raise ServiceError(ErrorCode.SCREENING_MODE_LOCKED)
    before = cycle.screening_mode.value
    cycle.screening_mode = chosen
    audit.record(
        actor,
        "cycle.screening_mode",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before={"screening_mode": before},
        after={"screening_mode": chosen.value},
        now=now,
    )
    db.session.commit()
