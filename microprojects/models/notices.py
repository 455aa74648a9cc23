"""Notices that leave the site: what each person chose to receive, the codes that confirm a
phone number, the outbox of SMS and e-mail (every message kept with its tries, never dropped),
and the committee's announcements to a cycle's residents (each kind once per cycle)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.notices import AnnouncementKind, Channel, MessageStatus
from .accounts import User
from .base import Model, enum_check, enum_type, utcnow
from .cycles import Cycle


class NoticeSettings(Model):
    """The channels one account chose; no row: in-app notices and e-mail (if an address is
    given), no SMS. SMS goes only to a number confirmed by a code sent to it."""

    __tablename__ = "notice_settings"
    __table_args__ = (
        CheckConstraint(
            "NOT sms_on OR (sms_phone IS NOT NULL AND sms_confirmed_at IS NOT NULL)",
            name="sms_needs_confirmed_phone",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email_on: Mapped[bool] = mapped_column(default=True, server_default=sa_true())
    sms_on: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    sms_phone: Mapped[str | None] = mapped_column(String(11))
    sms_confirmed_at: Mapped[datetime | None]


class PhoneCode(Model):
    """A code sent by SMS to confirm a number for notices; kept hashed."""

    __tablename__ = "phone_codes"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(11), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class OutgoingMessage(Model):
    """One SMS or e-mail to one person, from queued to sent or given up."""

    __tablename__ = "outgoing_messages"
    __table_args__ = (
        CheckConstraint(enum_check("channel", Channel), name="channel_known"),
        CheckConstraint(enum_check("status", MessageStatus), name="status_known"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent_dated"),
        CheckConstraint(
            "status NOT IN ('queued', 'failed') OR next_attempt_at IS NOT NULL",
            name="waiting_has_next_attempt",
        ),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        # The same notice (an announcement, an outcome) goes once to each person and channel.
        UniqueConstraint("user_id", "channel", "once_key"),
        Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, 5))
    address: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    once_key: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[MessageStatus] = mapped_column(
        enum_type(MessageStatus, 10), default=MessageStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_id: Mapped[str | None] = mapped_column(String(64))
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()


class Announcement(Model):
    """The committee told every verified resident of a cycle's communities: voting is open, or
    the results are published. Once per kind and cycle."""

    __tablename__ = "announcements"
    __table_args__ = (
        UniqueConstraint("cycle_id", "kind"),
        CheckConstraint(enum_check("kind", AnnouncementKind), name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"))
    kind: Mapped[AnnouncementKind] = mapped_column(enum_type(AnnouncementKind, 20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # How many were reached, per channel: {"app": n, "sms": n, "email": n}.
    reached: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)

    cycle: Mapped[Cycle] = relationship()
