"""The count (计票): run a cycle's rule once voting has closed and store the result as a snapshot;
import a Pabulib election as a cycle and export a counted cycle as a Pabulib file.

A snapshot is never recomputed. A second count of the same cycle is a correction: it needs a
reason and keeps the earlier snapshot. Each count records the SHA-256 of the cycle's canonical
export (:func:`canonical_export`), which is public, so anyone can check what was counted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.ballots import BallotKind, tally_vote_type
from ..domain.characters import clean_line, clean_text
from ..domain.counting import (
    FEN_PER,
    Correction,
    CountProject,
    CountSettings,
    CountSetup,
    canonical_pb,
    corrected,
    count_meta,
    count_setup,
    digest,
    merge_corrections,
)
from ..domain.lifecycle import ProposalState
from ..domain.pabulib import (
    Election,
    UnsupportedRuleError,
    tally_setup,
)
from ..domain.phases import Phase, Schedule
from ..domain.tally import RULES
from ..domain.tally import Ballot as TallyBallot
from ..extensions import db
from ..models import (
    Ballot,
    Community,
    Count,
    CountOutcome,
    Cycle,
    PaperEntry,
    Participation,
    Proposal,
    Remedy,
    User,
)
from . import announcements, audit, mixing
from .cycles import can_manage
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .voting import Turnout, turnout

COUNTED_PHASES = (Phase.PUBLICATION, Phase.IMPLEMENTATION, Phase.CLOSED)
# The category of an imported project whose file gives none; exported as none again.
UNCATEGORISED = "未分类"


# --- what is counted ------------------------------------------------------------------------


def _ballot_rows(cycle: Cycle) -> list[tuple[list[str], list[int] | None]]:
    rows = db.session.execute(
        select(Ballot.choices, Ballot.points).where(Ballot.cycle_id == cycle.id)
    ).all()
    return [(list(choices), None if points is None else list(points)) for choices, points in rows]


def count_projects(cycle: Cycle, ballots: Sequence[tuple[list[str], Any]]) -> list[CountProject]:
    """The approved proposals, and any other proposal a ballot names (withdrawn since)."""
    named = {int(pid) for choices, _ in ballots for pid in choices}
    proposals = db.session.scalars(
        select(Proposal).where(
            Proposal.cycle_id == cycle.id,
            (Proposal.state == ProposalState.APPROVED.value) | Proposal.id.in_(named),
        )
    ).all()
    return [
        CountProject(
            id=p.id,
            cost_fen=p.cost_fen,
            submitted_at=p.submitted_at,
            name=p.display_title,
            category="" if p.category == UNCATEGORISED else p.category,
            withdrawn=p.state != ProposalState.APPROVED.value,
        )
        for p in proposals
    ]


def count_settings(cycle: Cycle) -> CountSettings:
    return CountSettings(
        rule=cycle.tally_rule,
        vote_type=tally_vote_type(BallotKind(cycle.ballot_kind)),
        threshold=cycle.tally_threshold,
        max_length=cycle.rank_k,
        tie_break=cycle.tie_break,
        listed=tuple(cycle.tie_break_order or ()),
        groups=tuple(tuple(g) for g in cycle.exclusive_groups or ()),
    )


@dataclass(frozen=True)
class Export:
    setup: CountSetup
    meta: dict[str, Any]
    text: str
    digest: str


def _meta(cycle: Cycle, setup: CountSetup) -> dict[str, Any]:
    return count_meta(
        setup,
        description=cycle.title,
        unit_name=cycle.scope_name,
        instance=str(cycle.voting_at.year),
        date_begin=cycle.voting_at.date().isoformat(),
        date_end=cycle.publication_at.date().isoformat(),
        currency=cycle.currency,
    )


def canonical_export(cycle: Cycle, corrections: Sequence[Correction] = ()) -> Export:
    """The cycle's ballots as the canonical Pabulib text that a count counts, its projects
    corrected as ``corrections`` say (withdrawn, or at their corrected cost)."""
    ballots = _ballot_rows(cycle)
    setup = count_setup(
        budget_fen=cycle.budget_fen,
        projects=corrected(count_projects(cycle, ballots), corrections),
        ballots=ballots,
        settings=count_settings(cycle),
    )
    meta = _meta(cycle, setup)
    text = canonical_pb(setup, meta)
    return Export(setup=setup, meta=meta, text=text, digest=digest(text))


# --- corrections ----------------------------------------------------------------------------


def count_corrections(count: Count | None) -> tuple[Correction, ...]:
    """The corrections a stored count counted with (none for a count made without)."""
    if count is None:
        return ()
    return tuple(Correction.from_dict(c) for c in count.params.get("corrections") or ())


def pending_remedies(cycle: Cycle) -> list[Remedy]:
    """The cycle's remedies that the next count will apply, in the order they were made."""
    return list(
        db.session.scalars(
            select(Remedy)
            .where(Remedy.cycle_id == cycle.id, Remedy.applied_count_id.is_(None))
            .order_by(Remedy.id)
        )
    )


def remedies(cycle: Cycle) -> list[Remedy]:
    """Every remedy of the cycle, applied or waiting, the newest first."""
    return list(
        db.session.scalars(
            select(Remedy)
            .where(Remedy.cycle_id == cycle.id)
            .order_by(Remedy.id.desc())
            .options(selectinload(Remedy.proposal), selectinload(Remedy.applied_count))
        )
    )


def corrections(previous: Count | None, pending: Sequence[Remedy]) -> tuple[Correction, ...]:
    """What the next count corrects: what the latest count corrected, and the remedies waiting
    (a later one of a project replaces the earlier)."""
    return merge_corrections(
        count_corrections(previous),
        (Correction(r.proposal_id, r.kind, r.cost_fen) for r in pending),
    )


# --- the count ------------------------------------------------------------------------------


def count_problem(cycle: Cycle, now: datetime, *, mixed: bool = False) -> ErrorCode | None:
    """Why the cycle cannot be counted now (None: it can). Ballots still sealed once voting has
    closed are the count's own first step (fewer than ``MIX_BATCH`` are left sealed while
    voting runs), so they stand in the way only ``mixed``: after that step, when they did not
    open."""
    if cycle.phase(now) not in COUNTED_PHASES:
        return ErrorCode.COUNT_VOTING_OPEN
    pending = db.session.scalar(
        select(func.count())
        .select_from(PaperEntry)
        .where(PaperEntry.cycle_id == cycle.id, PaperEntry.status.in_(("pending", "mismatch")))
    )
    if pending:
        return ErrorCode.COUNT_PAPER_PENDING
    if mixed and mixing.unmixed(cycle.id):
        return ErrorCode.COUNT_UNMIXED
    return None


def counts(cycle: Cycle) -> list[Count]:
    """Every count of the cycle, the latest first."""
    return list(
        db.session.scalars(
            select(Count).where(Count.cycle_id == cycle.id).order_by(Count.number.desc())
        )
    )


def next_count_number(previous: Count | None) -> int:
    """The number the cycle's next count takes, after ``previous`` (its latest, or None)."""
    return 1 if previous is None else previous.number + 1


def latest_count(cycle: Cycle) -> Count | None:
    return db.session.scalar(
        select(Count).where(Count.cycle_id == cycle.id).order_by(Count.number.desc()).limit(1)
    )


def load_latest_count(cycle: Cycle) -> Count | None:
    """The latest count with its outcomes, in order, and their proposals: two queries besides
    the count's, whatever their number, for the pages that show every line of it."""
    count = latest_count(cycle)
    if count is None:
        return None
    rows = db.session.scalars(
        select(CountOutcome)
        .where(CountOutcome.count_id == count.id)
        .order_by(CountOutcome.position)
        .options(selectinload(CountOutcome.proposal))
    ).all()
    set_committed_value(count, "outcomes", list(rows))
    return count


def read_project_names(count: Count) -> dict[str, str]:
    """The ballot titles of the count's projects by id: the names alone, not the rows, for an
    explanation that cites other projects of the count."""
    rows = db.session.execute(
        select(Proposal.id, Proposal.ballot_title, Proposal.title)
        .join(CountOutcome, CountOutcome.proposal_id == Proposal.id)
        .where(CountOutcome.count_id == count.id)
    )
    return {str(pid): ballot_title or title for pid, ballot_title, title in rows}


def read_turnout(cycle: Cycle, count: Count) -> Turnout:
    """The turnout as stored with the count; counts stored before turnout was kept ask it
    live."""
    if count.turnout:
        return Turnout(**count.turnout)
    return turnout(cycle)


def run_count(
    actor: User | None,
    cycle: Cycle,
    *,
    now: datetime,
    reason: str = "",
    expected_number: int | None = None,
) -> Count:
    """Count the cycle with its rule and store the snapshot. ``actor`` None is the system (the
    command line). ``expected_number``, when given, is the number of the count the committee
    confirmed (1 for the first, n + 1 for a correction of count n): a confirmation sent twice
    finds that count made and is refused, and does not correct it a second time."""
    if actor is not None and not can_manage(actor, cycle):
        raise PermissionDenied()
    if cycle.phase(now) in COUNTED_PHASES:
        # Voting has closed: the ballots still sealed are mixed, however few, in a transaction
        # of their own, before the count reads them. If they do not open (a wrong key), they
        # stay sealed and the count refuses, saying so.
        try:
            mixing.mix(cycle.id, final=True)
        except mixing.BallotKeyError:
            current_app.logger.exception("the sealed ballots of cycle %s do not open", cycle.id)
    problem = count_problem(cycle, now, mixed=True)
    if problem:
        raise ServiceError(problem)
    previous = latest_count(cycle)
    if expected_number is not None and expected_number != next_count_number(previous):
        raise ServiceError(ErrorCode.COUNT_ALREADY_MADE)
    reason = clean_text(reason)
    if previous is not None and not reason:
        raise ServiceError(ErrorCode.RECOUNT_NEEDS_REASON)
    pending = pending_remedies(cycle)
    applied = corrections(previous, pending)
    export = canonical_export(cycle, applied)
    setup = export.setup
    if not setup.projects:
        raise ServiceError(ErrorCode.COUNT_NO_PROJECTS)
    result = setup.run()
    cost_of = {c.project_id: c.cost_fen for c in applied if c.cost_fen is not None}
    per = FEN_PER[setup.unit]
    params = setup.params
    count = Count(
        cycle_id=cycle.id,
        number=next_count_number(previous),
        rule=setup.rule,
        params={
            "vote_type": params.vote_type,
            "threshold": params.min_score_threshold,
            "max_length": params.max_length,
            "tie_break": cycle.tie_break,
            "order": [p.id for p in setup.projects],
            "groups": {p.id: p.group for p in setup.projects if p.group is not None},
            "withdrawn": sorted(params.withdrawn),
            "mes_completion": params.mes_completion,
            "add1_step": params.add1_step,
            "pabulib_rule": setup.pabulib_rule,
            "corrections": [c.to_dict() for c in applied],
        },
        unit=setup.unit,
        ballots_digest=export.digest,
        num_ballots=result.num_voters,
        budget_fen=cycle.budget_fen,
        cost_used_fen=result.cost_used * per,
        result=result.to_dict(),
        turnout=asdict(turnout(cycle)),
        reason=reason,
        created_at=now,
        created_by_id=actor.id if actor is not None else None,
    )
    for position, outcome in enumerate(result.outcomes):
        count.outcomes.append(
            CountOutcome(
                proposal_id=int(outcome.project_id),
                position=position,
                rank=outcome.rank,
                score=outcome.score,
                cost_fen=cost_of.get(
                    int(outcome.project_id), _proposal(outcome.project_id).cost_fen
                ),
                funded=outcome.funded,
                explanation=outcome.explanation.to_dict(),
            )
        )
    db.session.add(count)
    try:
        db.session.flush()
    except IntegrityError:
        # Another count of this cycle was stored meanwhile (unique cycle + number).
        db.session.rollback()
        raise ServiceError(ErrorCode.COUNT_TAKEN_MEANWHILE) from None
    for remedy in pending:
        remedy.applied_count_id = count.id
    # The result is public from now on: its proposers and supporters hear of it.
    announcements.notify_outcomes(count, now=now)
    # Whoever objected, and was upheld by a remedy applied now, hears that it was counted.
    objectors = sorted({r.objection.author_id for r in pending if r.objection.author_id})
    if objectors:
        notify(
            objectors,
            "recounted",
            None,
            {"cycle_id": cycle.id, "cycle": cycle.title, "count": count.number},
            now=now,
            once_key=f"recounted:{count.id}",
        )
    audit.record(
        actor,
        "cycle.counted",
        "cycle",
        cycle.id,
        community_id=cycle.community_id,
        before=None if previous is None else {"count": previous.number},
        after={
            "count": count.number,
            "rule": count.rule,
            "ballots": count.num_ballots,
            "digest": count.ballots_digest,
            "funded": list(result.selected),
            "reason": reason,
            "remedies": [r.id for r in pending],
        },
        now=now,
    )
    db.session.commit()
    return count


def _proposal(project_id: str) -> Proposal:
    proposal = db.session.get(Proposal, int(project_id))  # loaded already: no query
    assert proposal is not None
    return proposal


# --- Pabulib export -------------------------------------------------------------------------


def export_pb(cycle: Cycle, *, canonical: bool = False) -> str:
    """A counted cycle as a ``.pb`` file: the latest count's funded projects marked ``selected``,
    the ballots in a random order with voters numbered in that order (anonymous: nothing in the
    file follows the order of voting). ``canonical`` writes the counted canonical text instead,
    whose SHA-256 is the count's digest."""
    count = latest_count(cycle)
    if count is None:
        raise ServiceError(ErrorCode.EXPORT_NOT_COUNTED)
    export = canonical_export(cycle, count_corrections(count))
    if export.digest != count.ballots_digest:
        raise ServiceError(ErrorCode.EXPORT_BALLOTS_CHANGED)
    if canonical:
        return export.text
    voters: list[TallyBallot] = [
        TallyBallot(b.choices, b.points) for b in export.setup.ballots for _ in range(b.weight)
    ]
    secrets.SystemRandom().shuffle(voters)
    return canonical_pb(
        export.setup,
        export.meta,
        selected=[str(pid) for pid in count.result["selected"]],
        ballots=voters,
    )


# --- Pabulib import -------------------------------------------------------------------------

KIND_OF_VOTE_TYPE = {
    "approval": BallotKind.APPROVAL,
    "choose-1": BallotKind.CHOOSE_ONE,
    "cumulative": BallotKind.POINTS,
    "ordinal": BallotKind.RANKING,
}
BATCH = 5000


class ImportProblem(ServiceError):
    """A file the app cannot hold as a cycle; ``detail`` names what."""

    def __init__(self, code: ErrorCode, **params: Any) -> None:
        super().__init__(code, **params)


def _money_fen(value: Fraction, per: int, what: str) -> int:
    fen = value * per
    if fen.denominator != 1:
        raise ImportProblem(ErrorCode.IMPORT_MONEY_FRACTION, what=what, value=str(value))
    return int(fen)


def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y", "%Y"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def _schedule(meta: dict[str, str], now: datetime) -> Schedule:
    """Voting on the file's dates when they are readable and past; otherwise just ended."""
    begin = _parse_date(meta.get("date_begin", ""))
    end = _parse_date(meta.get("date_end", "")) or begin
    if begin is None or end is None or end < begin or end >= now.date():
        voting = now - timedelta(days=1)
        publication = now
    else:
        voting = datetime(begin.year, begin.month, begin.day)
        publication = datetime(end.year, end.month, end.day) + timedelta(days=1)
    return Schedule(
        collecting=voting,
        screening=voting,
        voting=voting,
        publication=publication,
        implementation=publication + timedelta(days=7),
        closed=publication + timedelta(days=372),
    )


def _first_category(categories: Sequence[str]) -> str | None:
    return next((c[:40] for c in map(clean_line, categories) if c), None)


def import_election(
    election: Election,
    *,
    community: Community,
    title: str | None = None,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Cycle:
    """Load a parsed election as a counted-ready cycle of ``community``: approved proposals
    (withdrawn ones as withdrawn), anonymous ballots, and one participation per voter on the
    ``import`` channel. One transaction: on any error nothing is written."""
    try:
        setup = tally_setup(election)
    except UnsupportedRuleError as error:
        raise ImportProblem(ErrorCode.IMPORT_RULE_UNSUPPORTED, rule=error.rule) from None
    if RULES[setup.rule].files_only:
        raise ImportProblem(ErrorCode.IMPORT_RULE_FILES_ONLY, rule=setup.meta_rule)
    vote_type = election.vote_type
    if vote_type not in KIND_OF_VOTE_TYPE:
        raise ImportProblem(ErrorCode.IMPORT_VOTE_TYPE_UNSUPPORTED, vote_type=vote_type)
    meta = dict(election.meta)
    currency_text = meta.get("currency", "").strip().upper()
    per = 1 if currency_text.endswith("-FEN") else 100
    currency = currency_text.removesuffix("-FEN")[:3] or "CNY"
    if not currency.isalpha():
        currency = "CNY"
    budget_fen = _money_fen(election.budget, per, "budget")
    schedule = _schedule(meta, now)
    kind = KIND_OF_VOTE_TYPE[vote_type]
    longest = max((len(b.choices) for b in election.ballots), default=1)
    points_sum = max((sum(b.points or ()) for b in election.ballots), default=1)
    categories: list[str] = []
    for p in election.projects:
        for c in map(clean_line, p.category):
            if c and c[:40] not in categories:
                categories.append(c[:40])
    name = clean_line(title or "") or " ".join(
        part for part in map(clean_line, (meta.get("unit", ""), meta.get("instance", ""))) if part
    )
    description = clean_text(meta.get("description", ""))
    try:
        cycle = Cycle(
            title=(name or "Pabulib")[:120],
            description=f"Pabulib: {description}".strip(),
            community_id=community.id,
            budget_fen=budget_fen,
            categories=categories[:50] or [UNCATEGORISED],
            ballot_kind=kind.value,
            ballot_min=0,
            ballot_max=1 if kind is BallotKind.CHOOSE_ONE else None,
            points_total=max(points_sum, 1),
            rank_k=max(setup.params.max_length or longest, 1),
            tally_rule=setup.rule,
            tally_threshold=setup.params.min_score_threshold,
            tie_break="listed",
            currency=currency,
            allow_revision=False,
            created_at=now,
        )
        cycle.set_schedule(schedule)
        db.session.add(cycle)
        db.session.flush()
        proposals: dict[str, Proposal] = {}
        for p in election.projects:
            proposal = Proposal(
                cycle_id=cycle.id,
                community_id=community.id,
                state=(ProposalState.WITHDRAWN if p.withdrawn else ProposalState.APPROVED).value,
                title=clean_line(p.name or "")[:80] or f"#{p.id}",
                description=f"Pabulib project_id {p.id}",
                category=_first_category(p.category) or cycle.categories[0],
                estimated_cost_fen=_money_fen(Fraction(p.cost), per, f"cost of {p.id}"),
                created_at=now,
                updated_at=now,
                submitted_at=None if p.withdrawn else schedule.voting,
                decided_at=None if p.withdrawn else schedule.voting,
            )
            db.session.add(proposal)
            proposals[p.id] = proposal
        db.session.flush()
        ids = {pid: str(proposal.id) for pid, proposal in proposals.items()}
        cycle.tie_break_order = [proposals[p.id].id for p in election.projects]
        groups: dict[str, list[int]] = {}
        for project in setup.projects:
            if project.group is not None:
                groups.setdefault(project.group, []).append(proposals[project.id].id)
        cycle.exclusive_groups = list(groups.values())
        day = schedule.voting.date()
        ballot_rows: list[dict[str, Any]] = []
        participation_rows: list[dict[str, Any]] = []
        done = voter = 0
        for ballot in election.ballots:
            for _ in range(ballot.weight):
                voter += 1
                ballot_rows.append(
                    {
                        "id": secrets.token_hex(16),
                        "cycle_id": cycle.id,
                        "choices": [ids[c] for c in ballot.choices],
                        "points": None if ballot.points is None else list(ballot.points),
                    }
                )
                participation_rows.append(
                    {
                        "cycle_id": cycle.id,
                        "voter_key": f"import:{voter}",
                        "community_id": community.id,
                        "channel": "import",
                        "day": day,
                    }
                )
            if len(ballot_rows) >= BATCH:
                done += _flush_rows(ballot_rows, participation_rows)
                if progress is not None:
                    progress(done)
        done += _flush_rows(ballot_rows, participation_rows)
        if progress is not None:
            progress(done)
        audit.record(
            None,
            "cycle.imported",
            "cycle",
            cycle.id,
            community_id=community.id,
            after={
                "rule": setup.rule,
                "projects": len(election.projects),
                "ballots": election.num_voters,
                "description": description[:200],
            },
            now=now,
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return cycle


def _flush_rows(ballots: list[dict[str, Any]], participations: list[dict[str, Any]]) -> int:
    n = len(ballots)
    if ballots:
        db.session.execute(insert(Ballot), ballots)
        db.session.execute(insert(Participation), participations)
    ballots.clear()
    participations.clear()
    return n
