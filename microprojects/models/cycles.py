"""Cycles (轮次): one budget round of a community or of a street, with its dated phases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.ballots import BallotKind, BallotRule
from ..domain.counting import TIE_BREAKS
from ..domain.cycles import DEFAULT_CATEGORIES, DEFAULT_CHECKLIST, CostCaps
from ..domain.phases import Phase, Schedule, current_phase, next_phase
from ..domain.screening import ScreeningMode
from ..domain.shortlist import MAX_DAYS as SHORTLIST_MAX_DAYS
from ..domain.tally import STORED_RULES
from .base import Model, enum_check, enum_type, in_check, utcnow
from .places import Community, Street


def schedule_of(values: Any) -> Schedule:
    """The schedule of a cycle, or of a row of its columns (``collecting_at`` ...)."""
    return Schedule(
        collecting=values.collecting_at,
        screening=values.screening_at,
        voting=values.voting_at,
        publication=values.publication_at,
        implementation=values.implementation_at,
        closed=values.closed_at,
    )


def rule_of(values: Any) -> BallotRule:
    """The ballot rule of a cycle, or of a row of its columns (``ballot_kind`` ...)."""
    return BallotRule(
        kind=BallotKind(values.ballot_kind),
        min_choices=values.ballot_min,
        max_choices=values.ballot_max,
        budget=values.budget_fen,
        min_share_pct=values.ballot_min_share_pct,
        points_total=values.points_total,
        points_max=values.points_max,
        rank_k=values.rank_k,
    )


class Cycle(Model):
    __tablename__ = "cycles"
    __table_args__ = (
        # A cycle belongs to one community or to one street, never both.
        CheckConstraint("(community_id IS NULL) <> (street_id IS NULL)", name="one_scope"),
        CheckConstraint("budget_fen >= 0", name="budget_positive"),
        CheckConstraint(
            "collecting_at <= screening_at AND screening_at <= voting_at "
            "AND voting_at <= publication_at AND publication_at <= implementation_at "
            "AND implementation_at <= closed_at",
            name="phases_in_order",
        ),
        CheckConstraint("min_age >= 0 AND min_age <= 120", name="min_age_range"),
        CheckConstraint(enum_check("ballot_kind", BallotKind), name="ballot_kind_known"),
        CheckConstraint("vote_unit IN ('person', 'household')", name="vote_unit_known"),
        # Every registered rule, offered or not: a cycle keeps the rule it was counted with.
        CheckConstraint(in_check("tally_rule", STORED_RULES), name="tally_rule_known"),
        CheckConstraint(in_check("tie_break", TIE_BREAKS), name="tie_break_known"),
        CheckConstraint(
            "tally_threshold IS NULL OR tally_threshold >= 0", name="tally_threshold_positive"
        ),
        CheckConstraint(enum_check("screening_mode", ScreeningMode), name="screening_mode_known"),
        CheckConstraint(
            f"shortlist_days >= 0 AND shortlist_days <= {SHORTLIST_MAX_DAYS}",
            name="shortlist_days_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(default="")
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="RESTRICT"), index=True
    )
    street_id: Mapped[int | None] = mapped_column(
        ForeignKey("streets.id", ondelete="RESTRICT"), index=True
    )
    # Money in fen: a street's budget passes 2^31 fen (21 million yuan), so 64-bit.
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    project_cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    cap_engineering_fen: Mapped[int | None] = mapped_column(BigInteger)
    cap_service_fen: Mapped[int | None] = mapped_column(BigInteger)
    cap_goods_fen: Mapped[int | None] = mapped_column(BigInteger)
    categories: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_CATEGORIES))
    checklist: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(DEFAULT_CHECKLIST))
    min_age: Mapped[int] = mapped_column(default=15)
    allow_work: Mapped[bool] = mapped_column(default=True)
    allow_study: Mapped[bool] = mapped_column(default=True)
    comment_report_threshold: Mapped[int] = mapped_column(default=3)
    # Days the shortlist is published for objections before voting (候选项目公示); 0: none.
    shortlist_days: Mapped[int] = mapped_column(default=0, server_default="0")
    # Voting, set by the committee before voting opens.
    ballot_kind: Mapped[BallotKind] = mapped_column(
        enum_type(BallotKind, 12), default=BallotKind.APPROVAL
    )
    ballot_min: Mapped[int] = mapped_column(default=1)
    ballot_max: Mapped[int | None]
    ballot_min_share_pct: Mapped[int] = mapped_column(default=0)
    points_total: Mapped[int] = mapped_column(default=10)
    points_max: Mapped[int | None]
    rank_k: Mapped[int] = mapped_column(default=3)
    vote_unit: Mapped[str] = mapped_column(String(10), default="person")
    allow_revision: Mapped[bool] = mapped_column(default=False)
    public_turnout: Mapped[bool] = mapped_column(default=True)
    # Whether the community's grid workers may type paper ballots at a station, as the committee.
    grid_workers_enter_paper: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # Who types paper ballots a second time besides the committee (a one-member committee): a
    # committee member of another community of the street, or an administrator.
    paper_keyer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", name="fk_cycles_paper_keyer_id_users")
    )
    # Where and when paper ballots are cast, in the committee's words, printed on the paper
    # ballot (e.g. "社区党群服务中心一楼，每天 8:30–17:30"); None until the committee says.
    paper_where: Mapped[str | None] = mapped_column(Text)
    # How proposals are put on the ballot: by the committee's decision, or (四议两公开) only
    # after the community's meetings resolved it in order (``domain/screening.py``).
    screening_mode: Mapped[ScreeningMode] = mapped_column(
        enum_type(ScreeningMode, 10),
        default=ScreeningMode.COMMITTEE,
        server_default=ScreeningMode.COMMITTEE.value,
    )
    # The count, fixed with the voting settings before voting opens.
    tally_rule: Mapped[str] = mapped_column(String(30), default="greedy")
    tally_threshold: Mapped[int | None]
    tie_break: Mapped[str] = mapped_column(String(12), default="submitted")
    # For ``tie_break == "listed"``: proposal ids, earlier wins (an imported election's order).
    tie_break_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Mutually exclusive proposals: lists of proposal ids, at most one of each list is funded.
    exclusive_groups: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    collecting_at: Mapped[datetime]
    screening_at: Mapped[datetime]
    voting_at: Mapped[datetime]
    publication_at: Mapped[datetime]
    implementation_at: Mapped[datetime]
    closed_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    community: Mapped[Community | None] = relationship()
    street: Mapped[Street | None] = relationship()
    # The projects on the ballot, for ``costs`` and ``titles``: named by string, since the
    # proposals' module imports this one.
    ballot_projects: Mapped[list[Any]] = relationship(
        "Proposal",
        primaryjoin="and_(Proposal.cycle_id == Cycle.id, Proposal.state == 'approved')",
        order_by="Proposal.id",
        viewonly=True,
    )

    @property
    def schedule(self) -> Schedule:
        return schedule_of(self)

    def set_schedule(self, schedule: Schedule) -> None:
        for phase in (
            "collecting",
            "screening",
            "voting",
            "publication",
            "implementation",
            "closed",
        ):
            setattr(self, f"{phase}_at", getattr(schedule, phase))

    def phase(self, now: datetime) -> Phase:
        return current_phase(self.schedule, now)

    def next(self, now: datetime) -> tuple[Phase, datetime] | None:
        return next_phase(self.schedule, now)

    @property
    def caps(self) -> CostCaps:
        return CostCaps(
            overall=self.project_cap_fen,
            engineering=self.cap_engineering_fen,
            service=self.cap_service_fen,
            goods=self.cap_goods_fen,
        )

    @property
    def rule(self) -> BallotRule:
        return rule_of(self)

    @property
    def costs(self) -> dict[str, int]:
        """The cost of each project on the ballot, by id."""
        return {str(p.id): p.cost_fen for p in self.ballot_projects}

    @property
    def titles(self) -> dict[str, str]:
        """The ballot title of each project on the ballot, by id."""
        return {str(p.id): p.display_title for p in self.ballot_projects}

    @property
    def community_ids(self) -> list[int]:
        """The communities whose residents take part."""
        if self.community_id is not None:
            return [self.community_id]
        assert self.street is not None
        return [c.id for c in self.street.communities]

    @property
    def scope_name(self) -> str:
        if self.community is not None:
            return self.community.name
        assert self.street is not None
        return self.street.name

    def settings(self) -> dict[str, Any]:
        """What the audit log records of a cycle's settings."""
        return {
            "title": self.title,
            "budget_fen": self.budget_fen,
            "project_cap_fen": self.project_cap_fen,
            "caps": [self.cap_engineering_fen, self.cap_service_fen, self.cap_goods_fen],
            "categories": list(self.categories),
            "min_age": self.min_age,
            "allow_work": self.allow_work,
            "allow_study": self.allow_study,
            "screening_mode": self.screening_mode.value,
            "shortlist_days": self.shortlist_days,
            "schedule": {p: getattr(self, f"{p}_at").isoformat(sep=" ") for p in (
                "collecting", "screening", "voting", "publication", "implementation", "closed"
            )},
        }  # fmt: skip
