"""Value types shared by every counting rule: projects, ballots, parameters, results.

Nothing here imports Flask, SQLAlchemy or anything outside the standard library; a rule is a pure
function of (budget, projects, ballots, params) and returns a :class:`TallyResult`.

Money and exactness
-------------------
* Project costs are integers in the election's smallest unit (minor units in the app, whole
  currency units in Pabulib files).
* The budget may be fractional (a Pabulib ``budget`` such as ``1920218.79``). A rule accepts an
  ``int``, a :class:`~fractions.Fraction` or a :class:`~decimal.Decimal` and keeps it exact as a
  ``Fraction`` internally; floats are refused because they cannot represent such budgets exactly.
* Every money amount that can be non-integral (budget, remaining budget, MES payments, voters'
  money) is a ``Fraction``. In :meth:`TallyResult.to_dict` such fields are always rendered as the
  exact string ``str(Fraction)``: ``"123/7"``, or ``"5"`` when integral. Fields typed ``int``
  stay JSON numbers.

Explanations are structured (a reason code plus typed parameters), never prose: the UI translates
them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal, Protocol, TypeAlias

VoteType: TypeAlias = Literal["approval", "choose-1", "cumulative", "ordinal", "scoring"]
VOTE_TYPES: tuple[VoteType, ...] = ("approval", "choose-1", "cumulative", "ordinal", "scoring")

ReasonCode: TypeAlias = Literal[
    "funded",
    "funded_from_reserve",
    "did_not_fit",
    "below_threshold",
    "excluded_by_group",
    "stopped_no_skip",
    "mes_bought",
    "mes_not_affordable",
    "withdrawn",
]

MesCompletion: TypeAlias = Literal["add1", "none"]

Budget: TypeAlias = int | Fraction | Decimal

JSONValue: TypeAlias = str | int | bool | list["JSONValue"] | dict[str, "JSONValue"] | None


@dataclass(frozen=True, slots=True)
class Project:
    """A candidate project. ``id`` is an opaque string; ids are never compared numerically.

    ``group`` names a set of mutually exclusive projects: at most one project of a group is
    funded. ``None`` means the project is in no group.
    """

    id: str
    cost: int
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot, or ``weight`` identical ballots grouped together.

    ``choices`` lists project ids (best first for ordinal ballots). ``points`` is a parallel
    tuple for cumulative and scoring ballots, ``None`` otherwise.
    """

    choices: tuple[str, ...]
    points: tuple[int, ...] | None = None
    weight: int = 1


@dataclass(frozen=True, slots=True)
class TallyParams:
    """Everything a rule needs besides budget, projects and ballots.

    Tie-break: always the order of the ``projects`` sequence handed to the rule (earlier wins);
    there is no knob for it on purpose, so the order the caller declares is the only tie-break.

    * ``min_score_threshold``: projects scoring below it are not eligible (``score >= t`` is).
    * ``max_length``: K for ordinal scoring (first choice scores K); ``None`` means the length of
      the longest ballot.
    * ``withdrawn``: ids of withdrawn projects; they are never funded (reason ``withdrawn``).
    * ``mes_completion``: ``"add1"`` raises every voter's budget by ``add1_step`` cost units at a
      time and keeps the last outcome within the budget; ``"none"`` runs MES once.
    * ``reserve_share``: for ``greedy-reserve`` only, the share of the first project that does
      not fit which the remaining budget must cover for a reserve to pay the rest (Poznań: 4/5);
      ``None`` means 4/5.
    * ``add1_step``: per-voter increment, in cost units (1 whole currency unit for Pabulib files;
      an app counting in minor units would pass 100 to mean one yuan). The number of MES runs is
      about (extra money per voter needed) / ``add1_step``, so a step of one fen can mean
      hundreds of times more runs than a step of one yuan.
    """

    vote_type: VoteType = "approval"
    min_score_threshold: int | None = None
    max_length: int | None = None
    withdrawn: frozenset[str] = frozenset()
    mes_completion: MesCompletion = "add1"
    add1_step: int = 1
    reserve_share: Fraction | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """``voters`` supporters each paid ``amount`` towards one MES purchase."""

    amount: Fraction
    voters: int

    def to_dict(self) -> dict[str, JSONValue]:
        return {"amount": str(self.amount), "voters": self.voters}


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a project was or was not funded: a reason code and the numbers behind it.

    Which fields are set depends on ``code``:

    * ``funded``: cost, score, remaining (budget left just before funding it).
    * ``funded_from_reserve``: cost, score, remaining (budget left, all of it spent on this
      project), reserve (what the reserve paid: cost - remaining), reserve_share (the share of
      the cost the budget had to cover).
    * ``did_not_fit``: cost, score, remaining (budget left when it was considered); under
      ``greedy-reserve`` also reserve_share (the budget left covered less than that share).
    * ``below_threshold``: score, threshold.
    * ``excluded_by_group``: group, excluded_by (the funded project of the same group).
    * ``stopped_no_skip``: stopped_at (the first project that did not fit), remaining.
    * ``withdrawn``: cost.
    * ``mes_bought``: cost, mes_round (1-based purchase order), payment_per_voter (what every
      supporter who could afford it paid), payments (distinct amounts actually paid, with how many
      voters paid each), supporters (voters naming it), supporters_money (their money just
      before the purchase).
    * ``mes_not_affordable``: cost, supporters, supporters_money (their money left when MES
      stopped, which is less than cost).
    """

    code: ReasonCode
    cost: int | None = None
    score: int | None = None
    remaining: Fraction | None = None
    threshold: int | None = None
    group: str | None = None
    excluded_by: str | None = None
    stopped_at: str | None = None
    mes_round: int | None = None
    payment_per_voter: Fraction | None = None
    payments: tuple[Payment, ...] = ()
    supporters: int | None = None
    supporters_money: Fraction | None = None
    reserve: Fraction | None = None
    reserve_share: Fraction | None = None

    def to_dict(self) -> dict[str, JSONValue]:
        """Only the fields that are set; Fractions as exact strings (see module docstring)."""
        out: dict[str, JSONValue] = {"code": self.code}
        for name in (
            "cost",
            "score",
            "threshold",
            "group",
            "excluded_by",
            "stopped_at",
            "mes_round",
            "supporters",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for name in (
            "remaining",
            "payment_per_voter",
            "supporters_money",
            "reserve",
            "reserve_share",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = str(value)
        if self.payments:
            out["payments"] = [p.to_dict() for p in self.payments]
        return out


@dataclass(frozen=True, slots=True)
class ProjectOutcome:
    """One project's result. ``rank`` is its 1-based place by score (ties: projects order)."""

    project_id: str
    cost: int
    score: int
    rank: int
    funded: bool
    explanation: Explanation

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "project_id": self.project_id,
            "cost": self.cost,
            "score": self.score,
            "rank": self.rank,
            "funded": self.funded,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class MesInfo:
    """How the Method of Equal Shares ended.

    ``initial_budget_per_voter`` is budget / voters; ``budget_per_voter`` the per-voter budget of
    the run whose outcome was kept; ``runs`` counts MES runs (Add1 steps + 1, including the
    rejected over-budget one); ``exact_runs`` how many of them had a near tie and were redone in
    exact arithmetic (a diagnostic; the outcome does not depend on it). With no voters at all
    both budgets are 0 and ``runs`` is 0.
    """

    initial_budget_per_voter: Fraction
    budget_per_voter: Fraction
    add1_step: int
    runs: int
    exact_runs: int

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "initial_budget_per_voter": str(self.initial_budget_per_voter),
            "budget_per_voter": str(self.budget_per_voter),
            "add1_step": self.add1_step,
            "runs": self.runs,
            "exact_runs": self.exact_runs,
        }


@dataclass(frozen=True, slots=True)
class ComparisonInfo:
    """MES versus greedy: voters (weighted) with more approved projects funded by each.

    ``chosen`` is ``"greedy"`` only if strictly more voters prefer greedy; otherwise MES stands.
    """

    prefer_mes: int
    prefer_greedy: int
    indifferent: int
    chosen: Literal["mes", "greedy"]
    mes_selected: tuple[str, ...]
    greedy_selected: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return {
            "prefer_mes": self.prefer_mes,
            "prefer_greedy": self.prefer_greedy,
            "indifferent": self.indifferent,
            "chosen": self.chosen,
            "mes_selected": list(self.mes_selected),
            "greedy_selected": list(self.greedy_selected),
        }


@dataclass(frozen=True, slots=True)
class TallyResult:
    """The outcome of one rule.

    ``selected`` is in funding order (greedy: by rank; MES: purchase order). ``outcomes`` has one
    entry per project, in the order of the projects sequence given to the rule.

    ``cost_used`` is what the funded projects cost; ``reserve_used`` the part of it a reserve
    outside the budget paid (only ``greedy-reserve`` uses one); ``remaining`` is the budget
    left: budget - cost_used + reserve_used.
    """

    rule: str
    budget: Fraction
    num_voters: int
    selected: tuple[str, ...]
    cost_used: int
    remaining: Fraction
    outcomes: tuple[ProjectOutcome, ...]
    mes: MesInfo | None = None
    comparison: ComparisonInfo | None = None
    reserve_used: Fraction = Fraction(0)
    _by_id: Mapping[str, ProjectOutcome] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # The index is derived data; slots + frozen force object.__setattr__.
        object.__setattr__(self, "_by_id", {o.project_id: o for o in self.outcomes})

    @property
    def funded_ids(self) -> frozenset[str]:
        return frozenset(self.selected)

    def outcome(self, project_id: str) -> ProjectOutcome:
        return self._by_id[project_id]

    def to_dict(self) -> dict[str, JSONValue]:
        """JSON-able form; Fraction fields as exact strings (``"123/7"`` or ``"5"``).
        ``reserve_used`` is there only when a reserve paid something."""
        out: dict[str, JSONValue] = {
            "rule": self.rule,
            "budget": str(self.budget),
            "num_voters": self.num_voters,
            "selected": list(self.selected),
            "cost_used": self.cost_used,
            "remaining": str(self.remaining),
            "outcomes": [o.to_dict() for o in self.outcomes],
            "mes": None if self.mes is None else self.mes.to_dict(),
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
        }
        if self.reserve_used:
            out["reserve_used"] = str(self.reserve_used)
        return out


class Rule(Protocol):
    """The one signature every counting rule has."""

    def __call__(
        self,
        budget: Budget,
        projects: Sequence[Project],
        ballots: Sequence[Ballot],
        params: TallyParams,
    ) -> TallyResult: ...


def exact_budget(budget: Budget) -> Fraction:
    """The budget as an exact Fraction; floats are refused (they cannot hold 1920218.79)."""
    if isinstance(budget, bool) or not isinstance(budget, int | Fraction | Decimal):
        raise TypeError(f"budget must be int, Fraction or Decimal, not {type(budget).__name__}")
    value = Fraction(budget)
    if value < 0:
        raise ValueError("budget must not be negative")
    return value


def check_projects(projects: Sequence[Project]) -> dict[str, int]:
    """Index of each project id in the sequence; rejects duplicates and negative costs."""
    index: dict[str, int] = {}
    for i, p in enumerate(projects):
        if p.id in index:
            raise ValueError(f"duplicate project id {p.id!r}")
        if p.cost < 0:
            raise ValueError(f"negative cost for project {p.id!r}")
        index[p.id] = i
    return index


def total_voters(ballots: Sequence[Ballot]) -> int:
    """Voters behind the ballots; a weight below 1 is refused (it would count negative voters)."""
    total = 0
    for ballot in ballots:
        if ballot.weight < 1:
            raise ValueError("ballot weight must be at least 1")
        total += ballot.weight
    return total
