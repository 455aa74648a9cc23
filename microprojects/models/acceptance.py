"""Acceptance (验收) of a funded project: each inspection with its inspectors, findings, result
and documents (PDF or photos), and the paper survey's answers typed in by the committee. The
latest inspection of a project is the current one; at most one may accept it outright."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.acceptance import InspectorRole, Result
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .implementation import Implementation


class Acceptance(Model):
    __tablename__ = "acceptances"
    __table_args__ = (
        UniqueConstraint("implementation_id", "round", name="uq_acceptances_round"),
        CheckConstraint(enum_check("result", Result), name="result_known"),
        CheckConstraint("round >= 1", name="round_positive"),
        CheckConstraint("length(findings) > 0", name="has_findings"),
        # Accepted with fixes: which fixes, by when; not accepted: what must be redone.
        CheckConstraint(
            "result <> 'accepted_with_fixes' OR (length(fixes) > 0 AND fixes_due IS NOT NULL)",
            name="fixes_named",
        ),
        CheckConstraint("result <> 'not_accepted' OR length(redo) > 0", name="redo_named"),
        # One inspection at most accepts a project outright: it closes it.
        Index(
            "uq_acceptances_accepted",
            "implementation_id",
            unique=True,
            postgresql_where=text("result = 'accepted'"),
            sqlite_where=text("result = 'accepted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="RESTRICT"), index=True
    )
    round: Mapped[int]
    inspected_on: Mapped[date]
    findings: Mapped[str] = mapped_column(Text)
    result: Mapped[Result] = mapped_column(enum_type(Result, 20))
    fixes: Mapped[str] = mapped_column(Text, default="")
    fixes_due: Mapped[date | None]
    redo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    implementation: Mapped[Implementation] = relationship()
    inspectors: Mapped[list[AcceptanceInspector]] = relationship(
        back_populates="acceptance",
        order_by="AcceptanceInspector.position",
        cascade="all, delete-orphan",
    )
    documents: Mapped[list[AcceptanceDocument]] = relationship(
        back_populates="acceptance", order_by="AcceptanceDocument.id", cascade="all, delete-orphan"
    )


class AcceptanceInspector(Model):
    """One person at the inspection, named as typed, with their role; linked to an account when
    the committee picks one."""

    __tablename__ = "acceptance_inspectors"
    __table_args__ = (
        UniqueConstraint("acceptance_id", "position"),
        CheckConstraint(enum_check("role", InspectorRole), name="role_known"),
        CheckConstraint("length(name) > 0", name="has_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(ForeignKey("acceptances.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[InspectorRole] = mapped_column(enum_type(InspectorRole, 10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    acceptance: Mapped[Acceptance] = relationship(back_populates="inspectors")
    user: Mapped[User | None] = relationship()


class AcceptanceDocument(Model):
    """A document of the inspection: a PDF (checked, kept as it came) or a photo (cleaned as
    progress photos are). Always served as a download under its generated name."""

    __tablename__ = "acceptance_documents"
    __table_args__ = (
        CheckConstraint(
            "mime IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')",
            name="mime_known",
        ),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    acceptance_id: Mapped[int] = mapped_column(
        ForeignKey("acceptances.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    mime: Mapped[str] = mapped_column(String(20))
    size: Mapped[int]

    acceptance: Mapped[Acceptance] = relationship(back_populates="documents")

    @property
    def is_pdf(self) -> bool:
        return self.mime == "application/pdf"


class PaperSurvey(Model):
    """A batch of paper survey forms counted by the committee: how many gave each answer, who
    typed them in and when. A project's paper answers are the sum of its batches."""

    __tablename__ = "paper_surveys"
    __table_args__ = (
        UniqueConstraint("implementation_id", "token", name="uq_paper_surveys_token"),
        CheckConstraint(
            "satisfied >= 0 AND basically >= 0 AND dissatisfied >= 0", name="counts_positive"
        ),
        CheckConstraint("satisfied + basically + dissatisfied > 0", name="has_answers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    implementation_id: Mapped[int] = mapped_column(
        ForeignKey("implementations.id", ondelete="RESTRICT"), index=True
    )
    # The entry form's own token: the same form sent twice is counted once.
    token: Mapped[str] = mapped_column(String(40))
    satisfied: Mapped[int]
    basically: Mapped[int]
    dissatisfied: Mapped[int]
    note: Mapped[str] = mapped_column(String(300), default="")
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    entered_by: Mapped[User | None] = relationship()
