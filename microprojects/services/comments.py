"""Deliberation: comments with a stance, one level of replies, the committee's official
replies, and moderation (reports that hide a comment pending review; hide and restore by the
committee, always with a public reason). Comments close when voting starts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..domain.characters import clean_line, clean_text
from ..domain.cycles import Stance
from ..domain.lifecycle import ProposalAction
from ..domain.permissions import Action, can
from ..extensions import db
from ..models import Comment, CommentReport, Proposal, User
from . import audit
from .accounts import actor_for
from .errors import ErrorCode, PermissionDenied, ServiceError
from .notifications import notify
from .proposals import actions_for, can_screen, viewer_for
from .rows import rows_changed

BODY_MAX = 2000
REPORTED_REASON = "reported"  # the placeholder's reason while a reported comment awaits review


def find_comment(comment_id: int) -> Comment | None:
    """The comment, hidden or not."""
    return db.session.get(Comment, comment_id)


def post_comment(
    user: User,
    proposal: Proposal,
    *,
    body: str,
    stance: Stance,
    parent: Comment | None = None,
    official: bool = False,
    now: datetime,
) -> Comment:
    if ProposalAction.COMMENT not in actions_for(user, proposal, now):
        raise ServiceError(ErrorCode.COMMENTS_CLOSED)
    body = clean_text(body)
    if not body:
        raise ServiceError(ErrorCode.REQUIRED, field="body")
    if len(body) > BODY_MAX:
        raise ServiceError(ErrorCode.TOO_LONG, field="body")
    if official and not can_screen(user, proposal):
        raise PermissionDenied()
    replied_to = parent
    if parent is not None:
        if parent.proposal_id != proposal.id:
            raise ServiceError(ErrorCode.WRONG_PROPOSAL)
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)  # replies stay one level deep
    comment = Comment(
        proposal_id=proposal.id,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        body=body,
        stance=stance.value,
        is_official=official,
        created_at=now,
    )
    db.session.add(comment)
    if replied_to is not None and replied_to.author_id not in (None, user.id):
        notify([replied_to.author_id], "reply", proposal, {}, now=now)
    db.session.commit()
    return comment


def report_comment(user: User, comment: Comment, *, reason: str, now: datetime) -> bool:
    """Report a comment; at the cycle's threshold of reports it is hidden pending review.
    True if the report is new (each person reports a comment once)."""
    if not user.is_authenticated:
        raise PermissionDenied()
    proposal = db.session.get(Proposal, comment.proposal_id)
    assert proposal is not None
    if comment.author_id == user.id:
        raise ServiceError(ErrorCode.OWN_COMMENT)
    # Reports hide comments: only people of the deliberation may make them, so that a few
    # new accounts cannot silence anyone.
    viewer = viewer_for(user, proposal, now)
    if not (viewer.is_resident or viewer.is_committee):
        raise ServiceError(ErrorCode.REPORT_NOT_ALLOWED)
    reason = clean_line(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    db.session.add(
        CommentReport(
            comment_id=comment.id, reporter_id=user.id, reason=reason[:300], created_at=now
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    count = db.session.scalar(
        select(func.count()).select_from(CommentReport).filter_by(comment_id=comment.id)
    )
    threshold = proposal.cycle.comment_report_threshold
    if (count or 0) >= threshold and comment.hidden_at is None and comment.reviewed_at is None:
        comment.hidden_at = now
        comment.hidden_reason = REPORTED_REASON
    db.session.commit()
    return True


def _require_moderator(actor: User, comment: Comment) -> Proposal:
    proposal = db.session.get(Proposal, comment.proposal_id)
    assert proposal is not None
    if not can(actor_for(actor), Action.MODERATE, proposal.community_id):
        raise PermissionDenied()
    return proposal


def hide_comment(actor: User, comment: Comment, *, reason: str, now: datetime) -> None:
    proposal = _require_moderator(actor, comment)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    before = {"hidden": comment.is_hidden, "reason": comment.hidden_reason}
    comment.hidden_at = now
    comment.hidden_reason = reason
    comment.hidden_by_id = actor.id
    comment.reviewed_at = now
    audit.record(
        actor,
        "comment.hide",
        "comment",
        comment.id,
        community_id=proposal.community_id,
        before=before,
        after={"hidden": True, "reason": reason, "proposal": proposal.id},
        now=now,
    )
    if comment.author_id is not None:
        notify([comment.author_id], "comment_hidden", proposal, {"reason": reason}, now=now)
    db.session.commit()


def restore_comment(actor: User, comment: Comment, *, reason: str, now: datetime) -> None:
    """Show a hidden comment again; once reviewed, further reports do not hide it."""
    proposal = _require_moderator(actor, comment)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if not comment.is_hidden:
        raise ServiceError(ErrorCode.NOT_HIDDEN)
    before = {"hidden": True, "reason": comment.hidden_reason}
    comment.hidden_at = None
    comment.hidden_reason = ""
    comment.hidden_by_id = None
    comment.reviewed_at = now
    audit.record(
        actor,
        "comment.restore",
        "comment",
        comment.id,
        community_id=proposal.community_id,
        before=before,
        after={"hidden": False, "reason": reason, "proposal": proposal.id},
        now=now,
    )
    db.session.commit()


def awaits_decision(comment: Comment) -> bool:
    """Whether the comment is in the moderation queue: hidden or reported, and not decided."""
    return comment.reviewed_at is None and (comment.is_hidden or bool(comment.reports))


def decide_comment(
    actor: User, comment: Comment, *, keep_hidden: bool, reason: str, now: datetime
) -> None:
    """The committee's decision on a comment in the moderation queue: hidden (kept hidden, if
    reports hid it) or shown (shown again, if it was hidden), with a public reason. The
    decision takes the comment out of the queue; a decision sent twice is refused, so that a
    double tap records one decision."""
    proposal = _require_moderator(actor, comment)
    # Hold the comment's row until the commit and read it as it is (see proposals._lock): of
    # two decisions at once, the second finds the first made.
    rows_changed(
        update(Comment).where(Comment.id == comment.id).values(reviewed_at=Comment.reviewed_at)
    )
    db.session.refresh(comment)
    reason = clean_text(reason)
    if not reason:
        raise ServiceError(ErrorCode.REASON_REQUIRED)
    if not awaits_decision(comment):
        raise ServiceError(ErrorCode.ALREADY_REVIEWED)
    was_hidden = comment.is_hidden
    before = {"hidden": was_hidden, "reason": comment.hidden_reason}
    if keep_hidden:
        comment.hidden_at = comment.hidden_at or now
        comment.hidden_reason = reason
        comment.hidden_by_id = actor.id
        action = "comment.keep_hidden" if was_hidden else "comment.hide"
    else:
        comment.hidden_at = None
        comment.hidden_reason = ""
        comment.hidden_by_id = None
        action = "comment.restore" if was_hidden else "comment.keep_shown"
    comment.reviewed_at = now
    audit.record(
        actor,
        action,
        "comment",
        comment.id,
        community_id=proposal.community_id,
        before=before,
        after={"hidden": keep_hidden, "reason": reason, "proposal": proposal.id},
        now=now,
    )
    if keep_hidden and comment.author_id is not None:
        notify([comment.author_id], "comment_hidden", proposal, {"reason": reason}, now=now)
    db.session.commit()
