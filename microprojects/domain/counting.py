"""From a cycle's settings, projects and ballots to the inputs of a counting rule, and the
canonical Pabulib text that is counted.

The app counts exactly what its canonical export says: the same projects in the same tie-break
order, the same ballots, the same rule. ``canonical_pb`` writes that export (ballots sorted,
voters numbered 1..n, no dates of the export), so its SHA-256 identifies the counted ballots and
anyone can re-run the count on it with any Pabulib tool.

Units. Costs are kept in fen. A count runs in whole yuan when every cost is whole yuan (the usual
case), otherwise in fen; the Add1 completion of the Method of Equal Shares raises every voter's
budget one unit at a time, so the unit is part of the rule and is what the export writes.

Tie-break (fixed by the committee before voting opens), earlier wins an exact tie:

* ``submitted``: the proposal submitted first;
* ``cheaper``: the cheaper proposal, then the one submitted first;
* ``listed``: an explicit list (an imported election keeps its file's order); proposals not on the
  list follow, the one submitted first first.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from typing import Literal, TypeAlias

from .pabulib import WITHDRAWN_COST, PbProject, format_pb, group_ballots
from .tally import (
    OFFERED_RULES,
    RULES,
    STORED_RULES,
    Ballot,
    Project,
    TallyParams,
    TallyResult,
    VoteType,
)

APP_RULES = OFFERED_RULES
TIE_BREAKS = ("submitted", "cheaper", "listed")
Unit: TypeAlias = Literal["yuan", "fen"]
FEN_PER: Mapping[Unit, int] = {"yuan": 100, "fen": 1}


@dataclass(frozen=True, slots=True)
class CountProject:
    """A project as the count sees it. ``withdrawn`` projects are named on ballots but are no
    longer on offer; they are never funded."""

    id: int
    cost_fen: int
    submitted_at: datetime | None
    name: str = ""
    category: str = ""
    withdrawn: bool = False


CORRECTION_KINDS = ("withdraw", "cost")


@dataclass(frozen=True, slots=True)
class Correction:
    """What a count corrects of a project, in answer to an upheld objection: ``withdraw`` takes
    it out of the result (its ballots' choices of it count for nothing), ``cost`` counts it at
    ``cost_fen`` (positive) instead of the proposal's cost."""

    project_id: int
    kind: str
    cost_fen: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CORRECTION_KINDS:
            raise ValueError(f"unknown correction {self.kind!r}")
        if (self.kind == "cost") != (self.cost_fen is not None):
            raise ValueError("a cost correction has a cost, a withdrawal none")
        if self.cost_fen is not None and not 0 < self.cost_fen < WITHDRAWN_COST:
            # At or past the export's withdrawn marker it would read back as withdrawn.
            raise ValueError("a corrected cost is positive, below the withdrawn marker")

    def to_dict(self) -> dict[str, int | str | None]:
        return {"project": self.project_id, "kind": self.kind, "cost_fen": self.cost_fen}

    @classmethod
    def from_dict(cls, data: Mapping[str, int | str | None]) -> Correction:
        cost = data.get("cost_fen")
        return cls(
            int(data["project"] or 0), str(data["kind"]), None if cost is None else int(cost)
        )


def merge_corrections(
    earlier: Iterable[Correction], later: Iterable[Correction]
) -> tuple[Correction, ...]:
    """The corrections a count applies: the earlier count's, each replaced by a later one of the
    same project; by project id."""
    merged = {c.project_id: c for c in earlier}
    merged.update((c.project_id, c) for c in later)
    return tuple(merged[pid] for pid in sorted(merged))


def corrected(
    projects: Sequence[CountProject], corrections: Iterable[Correction]
) -> list[CountProject]:
    """The projects as the count sees them once corrected: a withdrawn project is withdrawn, a
    corrected cost replaces the proposal's. Projects no correction names are unchanged; a
    correction of a project not among them changes nothing."""
    by_project = {c.project_id: c for c in corrections}
    result = []
    for p in projects:
        c = by_project.get(p.id)
        if c is None:
            result.append(p)
        elif c.kind == "withdraw":
            result.append(replace(p, withdrawn=True))
        else:
            assert c.cost_fen is not None
            result.append(replace(p, cost_fen=c.cost_fen))
    return result


@dataclass(frozen=True, slots=True)
class CountSettings:
    rule: str
    vote_type: VoteType
    threshold: int | None = None
    max_length: int | None = None
    tie_break: str = "submitted"
    listed: tuple[int, ...] = ()
    groups: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class CountSetup:
    """Everything a rule is given, in the count's unit, plus what the export needs."""

    rule: str
    unit: Unit
    budget: Fraction
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    params: TallyParams
    pabulib_rule: str
    names: Mapping[str, str]
    categories: Mapping[str, str]

    def run(self) -> TallyResult:
        return RULES[self.rule](self.budget, self.projects, self.ballots, self.params)


def order_projects(
    projects: Sequence[CountProject], tie_break: str, listed: Sequence[int] = ()
) -> list[CountProject]:
    """The projects in tie-break order (see the module docstring)."""
    if tie_break not in TIE_BREAKS:
        raise ValueError(f"unknown tie-break {tie_break!r}")

    def submitted(p: CountProject) -> tuple[int, datetime, int]:
        # Never submitted sorts last; the id keeps the order total.
        return (p.submitted_at is None, p.submitted_at or datetime.min, p.id)

    if tie_break == "cheaper":
        return sorted(projects, key=lambda p: (p.cost_fen, *submitted(p)))
    if tie_break == "listed":
        place = {pid: n for n, pid in enumerate(listed)}
        return sorted(projects, key=lambda p: (place.get(p.id, len(place)), *submitted(p)))
    return sorted(projects, key=submitted)


def count_unit(projects: Iterable[CountProject]) -> Unit:
    """Whole yuan when every cost on offer is whole yuan, else fen."""
    return "yuan" if all(p.cost_fen % 100 == 0 for p in projects if not p.withdrawn) else "fen"


def pabulib_rule(rule: str, *, threshold: int | None, grouped: bool) -> str:
    """The Pabulib META ``rule`` that names the app's rule (and reads back to it): the
    registry's name, but for greedy, which Pabulib names after its groups or threshold."""
    if rule not in STORED_RULES:
        raise ValueError(f"unknown rule {rule!r}")
    if rule == "greedy":
        if grouped:
            return "greedy-exclusive"
        return "greedy-threshold" if threshold is not None else "greedy"
    return RULES[rule].pabulib_name


def count_setup(
    *,
    budget_fen: int,
    projects: Sequence[CountProject],
    ballots: Iterable[tuple[Sequence[str], Sequence[int] | None]],
    settings: CountSettings,
) -> CountSetup:
    """The inputs of the rule. ``ballots`` are (choices, points) with project ids as strings, as
    stored; ``projects`` must include every project a ballot names."""
    if settings.rule not in APP_RULES:
        raise ValueError(f"unknown rule {settings.rule!r}")
    ordered = order_projects(projects, settings.tie_break, settings.listed)
    unit = count_unit(ordered)
    per = FEN_PER[unit]
    # Groups are named as a Pabulib file names them when read back: exclusive-1, -2, ... in the
    # order their first member appears, so the export re-counts to the very same explanations.
    member_of: dict[int, int] = {}
    for n, members in enumerate(settings.groups):
        if len(members) >= 2:
            for pid in members:
                member_of.setdefault(pid, n)
    names: dict[int, str] = {}
    group_of: dict[int, str] = {}
    for p in ordered:
        if p.id in member_of:
            n = member_of[p.id]
            group_of[p.id] = names.setdefault(n, f"exclusive-{len(names) + 1}")
    tally_projects = tuple(
        Project(
            str(p.id),
            WITHDRAWN_COST if p.withdrawn else p.cost_fen // per,
            group_of.get(p.id),
        )
        for p in ordered
    )
    grouped = any(p.group is not None for p in tally_projects)
    ordered_votes = settings.vote_type not in ("approval", "choose-1")
    # Approval choices are a set: sorted here, so that how a ballot was stored never shows.
    tally_ballots = group_ballots(
        (
            Ballot(
                tuple(choices) if ordered_votes else tuple(sorted(choices)),
                None if points is None else tuple(points),
            )
            for choices, points in ballots
        ),
        ordered=ordered_votes,
    )
    params = TallyParams(
        vote_type=settings.vote_type,
        min_score_threshold=settings.threshold,
        max_length=settings.max_length if settings.vote_type == "ordinal" else None,
        withdrawn=frozenset(str(p.id) for p in ordered if p.withdrawn),
        mes_completion="add1",
        add1_step=1,
    )
    return CountSetup(
        rule=settings.rule,
        unit=unit,
        budget=Fraction(budget_fen, per),
        projects=tally_projects,
        ballots=canonical_ballots(tally_ballots),
        params=params,
        pabulib_rule=pabulib_rule(settings.rule, threshold=settings.threshold, grouped=grouped),
        names={str(p.id): p.name for p in ordered},
        categories={str(p.id): p.category for p in ordered},
    )


def canonical_ballots(ballots: Iterable[Ballot]) -> tuple[Ballot, ...]:
    """Grouped ballots in one fixed order, whatever order they were stored in."""
    return tuple(sorted(ballots, key=lambda b: (b.choices, b.points or (), b.weight)))


def count_meta(
    setup: CountSetup,
    *,
    description: str,
    unit_name: str,
    instance: str,
    date_begin: str,
    date_end: str,
    currency: str,
) -> dict[str, str | int | Fraction]:
    """META of the export. Nothing in it depends on when the export is made."""
    meta: dict[str, str | int | Fraction] = {
        "description": description,
        "country": "China" if currency == "CNY" else "",
        "unit": unit_name,
        "instance": instance,
        "budget": setup.budget,
        "vote_type": setup.params.vote_type,
        "rule": setup.pabulib_rule,
        "date_begin": date_begin,
        "date_end": date_end,
        "currency": currency if setup.unit == "yuan" else f"{currency}-fen",
    }
    if setup.params.min_score_threshold is not None:
        meta["min_project_score_threshold"] = setup.params.min_score_threshold
    if setup.params.max_length is not None:
        meta["max_length"] = setup.params.max_length
    return meta


def canonical_pb(
    setup: CountSetup,
    meta: Mapping[str, str | int | Fraction],
    *,
    selected: Iterable[str] | None = None,
    voter_ids: Sequence[str] | None = None,
    ballots: Sequence[Ballot] | None = None,
) -> str:
    """The ``.pb`` text of a count: projects in tie-break order with their names and categories,
    the ballots (canonical order and voters 1..n unless given)."""
    projects = [
        PbProject(
            p.id,
            p.cost,
            name=setup.names.get(p.id) or None,
            category=(setup.categories[p.id],) if setup.categories.get(p.id) else (),
            group=p.group,
        )
        for p in setup.projects
    ]
    return format_pb(
        meta=meta,
        projects=projects,
        ballots=setup.ballots if ballots is None else ballots,
        voter_ids=voter_ids,
        selected=None if selected is None else set(selected),
    )


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
