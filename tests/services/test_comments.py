"""Deliberation through the services: comments with a stance, replies one level deep, the
committee's official replies, reports that hide pending review, hiding and restoring."""

from datetime import timedelta

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.cycles import Stance
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Comment,
    CommentReport,
    Notification,
    Proposal,
    utcnow,
)
from microprojects.services import comments, committee, proposals
from microprojects.services.comments import REPORTED_REASON
from microprojects.services.errors import PermissionDenied, ServiceError


def _proposal(w, *, phase="collecting", **cycle_overrides) -> Proposal:
    c = f.cycle(w.a, w.committee_a, phase=phase, **cycle_overrides)
    return proposals.create_proposal(
        w.resident_a,
        c,
        f.proposal_input(),
        submit=True,
        now=c.collecting_at + timedelta(hours=1),
    )


def _neighbours(w, count: int):
    return [
        f.verified_resident(f"neighbour{i}", w.a, w.committee_a, f"邻居{i}号", f"8栋{i}单元")
        for i in range(count)
    ]


def _post(user, proposal, body="同意", stance=Stance.SUPPORT, **kwargs) -> Comment:
    return comments.post_comment(user, proposal, body=body, stance=stance, now=utcnow(), **kwargs)


def _error(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def _fresh(comment: Comment) -> Comment:
    db.session.expire_all()
    return db.session.get(Comment, comment.id)


# --- posting -------------------------------------------------------------------------------


@pytest.mark.parametrize("stance", list(Stance))
def test_a_resident_comments_with_a_stance(ctx, stance):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p, body="  石凳要防晒  ", stance=stance)
    c = _fresh(c)
    assert (c.body, c.stance, c.author_id, c.parent_id) == ("石凳要防晒", stance.value,
                                                           w.resident_a.id, None)  # fmt: skip
    assert not c.is_official and not c.is_hidden


def test_a_reply_to_a_reply_joins_the_top_level_comment(ctx):
    w = f.world()
    [neighbour] = _neighbours(w, 1)
    p = _proposal(w)
    top = _post(w.resident_a, p)
    reply = _post(neighbour, p, body="我也同意", parent=top)
    deeper = _post(w.resident_a, p, body="谢谢", parent=reply)
    assert _fresh(reply).parent_id == top.id
    assert _fresh(deeper).parent_id == top.id
    assert [r.id for r in _fresh(top).replies] == [reply.id, deeper.id]
    # Each hears of the reply to them: 王秀英 of the neighbour's, the neighbour of her thanks
    # (though it hangs under the top-level comment).
    notices = db.session.scalars(
        select(Notification).filter_by(kind="reply").order_by(Notification.id)
    ).all()
    assert [n.user_id for n in notices] == [w.resident_a.id, neighbour.id]


def test_a_reply_must_be_on_the_same_proposal(ctx):
    w = f.world()
    p = _proposal(w)
    other = _proposal(w)
    top = _post(w.resident_a, other)
    assert _error(_post, w.resident_a, p, parent=top).code == "wrong_proposal"
    assert row_count(Comment, proposal_id=p.id) == 0


def test_official_replies_are_the_committees(ctx):
    w = f.world()
    p = _proposal(w)
    with pytest.raises(PermissionDenied):
        _post(w.resident_a, p, official=True)
    official = _post(w.committee_a, p, body="已联系物业", stance=Stance.NEUTRAL, official=True)
    assert _fresh(official).is_official
    assert row_count(Comment, proposal_id=p.id) == 1


@pytest.mark.parametrize(("body", "code"), [("   ", "required"), ("长" * 2001, "too_long")])
def test_empty_or_long_comments_are_refused(ctx, body, code):
    w = f.world()
    p = _proposal(w)
    assert _error(_post, w.resident_a, p, body=body).code == code
    assert _post(w.resident_a, p, body="长" * 2000).body == "长" * 2000


@pytest.mark.parametrize("phase", ["voting", "publication", "closed"])
def test_comments_close_when_voting_starts(ctx, phase):
    w = f.world()
    p = _proposal(w, phase=phase)
    for who in (w.resident_a, w.committee_a):
        assert _error(_post, who, p).code == "comments_closed"
    assert row_count(Comment) == 0


def test_only_eligible_people_comment_on_open_proposals(ctx):
    w = f.world()
    p = _proposal(w, phase="screening")
    for who in (w.resident_b, w.unverified, w.organization, w.committee_b):
        assert _error(_post, who, p).code == "comments_closed"
    # Open states: returned and approved proposals are still discussed; closed ones are not.
    proposals.return_for_revision(w.committee_a, p, message="x", now=utcnow())
    _post(w.resident_a, p)
    proposals.submit_proposal(w.resident_a, p, now=utcnow())
    f.approved(w.committee_a, p)
    _post(w.committee_a, p)
    proposals.return_for_revision(w.committee_a, p, message="x", now=utcnow())
    proposals.withdraw_proposal(w.resident_a, p, now=utcnow())
    assert _error(_post, w.resident_a, p).code == "comments_closed"


# --- reports -------------------------------------------------------------------------------


def test_each_person_reports_a_comment_once(ctx):
    w = f.world()
    [neighbour] = _neighbours(w, 1)
    p = _proposal(w)
    c = _post(w.resident_a, p)
    assert comments.report_comment(neighbour, c, reason=" 人身攻击 ", now=utcnow()) is True
    assert comments.report_comment(neighbour, c, reason="again", now=utcnow()) is False
    [report] = db.session.scalars(select(CommentReport)).all()
    assert (report.reporter_id, report.reason) == (neighbour.id, "人身攻击")
    assert not _fresh(c).is_hidden
    assert _error(comments.report_comment, neighbour, c, reason=" ", now=utcnow()).code == (
        "reason_required"
    )


def test_the_database_refuses_a_second_report_by_the_same_person(ctx):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p)
    for _ in range(2):
        db.session.add(CommentReport(comment_id=c.id, reporter_id=w.resident_b.id, reason="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_enough_reports_hide_a_comment_until_review(ctx):
    w = f.world()
    reporters = _neighbours(w, 3)
    p = _proposal(w, comment_report_threshold=3)
    c = _post(w.resident_a, p)
    for reporter in reporters[:2]:
        comments.report_comment(reporter, c, reason="广告", now=utcnow())
    assert not _fresh(c).is_hidden
    # A second report by the same person does not reach the threshold.
    comments.report_comment(reporters[0], c, reason="广告", now=utcnow())
    assert not _fresh(c).is_hidden
    comments.report_comment(reporters[2], c, reason="广告", now=utcnow())
    c = _fresh(c)
    assert c.is_hidden and c.hidden_reason == REPORTED_REASON == "reported"
    assert c.hidden_by_id is None and c.reviewed_at is None


def test_the_threshold_is_the_cycles(ctx):
    w = f.world()
    p = _proposal(w, comment_report_threshold=1)
    c = _post(w.resident_a, p)
    [neighbour] = _neighbours(w, 1)
    comments.report_comment(neighbour, c, reason="离题", now=utcnow())
    assert _fresh(c).is_hidden


def test_only_people_of_the_deliberation_report_and_never_their_own(ctx):
    w = f.world()
    p = _proposal(w, comment_report_threshold=1)
    c = _post(w.resident_a, p)
    # Fresh accounts and other communities' residents cannot silence anyone.
    for outsider in (w.unverified, w.resident_b):
        assert (
            _error(comments.report_comment, outsider, c, reason="x", now=utcnow()).code
            == "report_not_allowed"
        )
    assert (
        _error(comments.report_comment, w.resident_a, c, reason="x", now=utcnow()).code
        == "own_comment"
    )
    assert not _fresh(c).is_hidden
    assert row_count(CommentReport, comment_id=c.id) == 0


def test_after_the_committee_restores_a_comment_reports_no_longer_hide_it(ctx):
    w = f.world()
    reporters = _neighbours(w, 4)
    p = _proposal(w, comment_report_threshold=2)
    c = _post(w.resident_a, p)
    for reporter in reporters[:2]:
        comments.report_comment(reporter, c, reason="不喜欢", now=utcnow())
    assert _fresh(c).is_hidden
    comments.restore_comment(w.committee_a, c, reason="未违反规则", now=utcnow())
    c = _fresh(c)
    assert not c.is_hidden and c.hidden_reason == "" and c.reviewed_at is not None
    for reporter in reporters[2:]:
        assert comments.report_comment(reporter, c, reason="还是不喜欢", now=utcnow())
    assert row_count(CommentReport, comment_id=c.id) == 4
    assert not _fresh(c).is_hidden


# --- hiding and restoring -----------------------------------------------------------------


def test_the_committee_hides_and_restores_with_public_reasons(ctx):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p)
    assert _error(comments.hide_comment, w.committee_a, c, reason=" ", now=utcnow()).code == (
        "reason_required"
    )
    comments.hide_comment(w.committee_a, c, reason="  含有电话号码 ", now=utcnow())
    c = _fresh(c)
    assert c.is_hidden and c.hidden_reason == "含有电话号码"
    assert c.hidden_by_id == w.committee_a.id and c.reviewed_at is not None
    hide = db.session.scalar(select(AuditEntry).filter_by(action="comment.hide"))
    assert (hide.subject_type, hide.subject_id, hide.actor_id, hide.community_id) == (
        "comment",
        str(c.id),
        w.committee_a.id,
        w.a.id,
    )
    assert hide.after == {"hidden": True, "reason": "含有电话号码", "proposal": p.id}
    assert hide.before == {"hidden": False, "reason": ""}
    notice = db.session.scalar(select(Notification).filter_by(kind="comment_hidden"))
    assert notice.user_id == w.resident_a.id and notice.params["reason"] == "含有电话号码"

    assert _error(comments.restore_comment, w.committee_a, c, reason="", now=utcnow()).code == (
        "reason_required"
    )
    comments.restore_comment(w.committee_a, c, reason="已删除号码后恢复", now=utcnow())
    c = _fresh(c)
    assert not c.is_hidden and c.hidden_by_id is None
    restore = db.session.scalar(select(AuditEntry).filter_by(action="comment.restore"))
    assert restore.before == {"hidden": True, "reason": "含有电话号码"}
    assert restore.after["reason"] == "已删除号码后恢复"
    assert restore.after["hidden"] is False
    assert _error(comments.restore_comment, w.committee_a, c, reason="x", now=utcnow()).code == (
        "not_hidden"
    )


@pytest.mark.parametrize("who", ["committee_b", "resident_a", "resident_b", "organization"])
def test_only_the_communitys_committee_moderates(ctx, who):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p)
    with pytest.raises(PermissionDenied):
        comments.hide_comment(getattr(w, who), c, reason="x", now=utcnow())
    comments.hide_comment(w.committee_a, c, reason="x", now=utcnow())
    with pytest.raises(PermissionDenied):
        comments.restore_comment(getattr(w, who), c, reason="x", now=utcnow())
    assert _fresh(c).is_hidden
    assert row_count(AuditEntry, subject_type="comment") == 1


def test_the_administrator_moderates_everywhere(ctx):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p)
    comments.hide_comment(w.admin, c, reason="广告", now=utcnow())
    assert _fresh(c).is_hidden


def test_the_database_requires_a_reason_to_hide(ctx):
    w = f.world()
    p = _proposal(w)
    c = _post(w.resident_a, p)
    c.hidden_at = utcnow()
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- the committee's decision on the moderation queue -----------------------------------------


def _hidden_by_reports(w):
    reporters = _neighbours(w, 3)
    p = _proposal(w, comment_report_threshold=3)
    c = _post(w.resident_a, p, body="骗子", stance=Stance.OPPOSE)
    for reporter in reporters:
        comments.report_comment(reporter, c, reason="人身攻击", now=utcnow())
    assert _fresh(c).is_hidden
    return p, _fresh(c)


def test_a_comment_hidden_by_reports_is_kept_hidden_with_a_reason(ctx):
    w = f.world()
    p, c = _hidden_by_reports(w)
    assert comments.awaits_decision(c)
    assert [row.id for row, _n in committee.list_moderation_queue(w.a.id)] == [c.id]
    comments.decide_comment(w.committee_a, c, keep_hidden=True, reason="人身攻击", now=utcnow())
    c = _fresh(c)
    assert c.is_hidden and c.hidden_reason == "人身攻击" and c.reviewed_at is not None
    assert c.hidden_by_id == w.committee_a.id
    # It has left the queue, and is among the decided, with its history.
    assert committee.list_moderation_queue(w.a.id) == []
    assert [row.id for row in committee.list_moderation_decided(w.a.id)] == [c.id]
    [entry] = committee.moderation_history([c.id])[c.id]
    assert entry.action == "comment.keep_hidden" and entry.actor_id == w.committee_a.id
    assert entry.before == {"hidden": True, "reason": "reported"}
    assert entry.after == {"hidden": True, "reason": "人身攻击", "proposal": p.id}
    # The author hears of it.
    assert row_count(Notification, user_id=w.resident_a.id, kind="comment_hidden") == 1


def test_a_decision_is_made_once_and_needs_a_reason(ctx):
    w = f.world()
    _p, c = _hidden_by_reports(w)
    assert _error(
        comments.decide_comment, w.committee_a, c, keep_hidden=False, reason=" ", now=utcnow()
    ).code == "reason_required"  # fmt: skip
    assert comments.awaits_decision(_fresh(c))
    comments.decide_comment(w.committee_a, c, keep_hidden=False, reason="批评", now=utcnow())
    c = _fresh(c)
    assert not c.is_hidden and c.hidden_reason == ""
    # Sent again (a double tap, or a second member at the same time): refused, nothing changed.
    assert _error(
        comments.decide_comment, w.committee_a, c, keep_hidden=True, reason="改主意", now=utcnow()
    ).code == "already_reviewed"  # fmt: skip
    assert not _fresh(c).is_hidden
    assert [e.action for e in committee.moderation_history([c.id])[c.id]] == ["comment.restore"]


def test_a_reported_comment_still_shown_is_kept_shown_or_hidden(ctx):
    w = f.world()
    [reporter] = _neighbours(w, 1)
    p = _proposal(w, comment_report_threshold=3)
    shown, hidden = _post(w.resident_a, p), _post(w.resident_a, p, body="广告")
    for c in (shown, hidden):
        comments.report_comment(reporter, c, reason="无关", now=utcnow())
    assert len(committee.list_moderation_queue(w.a.id)) == 2
    comments.decide_comment(w.committee_a, shown, keep_hidden=False, reason="正常", now=utcnow())
    comments.decide_comment(w.committee_a, hidden, keep_hidden=True, reason="广告", now=utcnow())
    assert not _fresh(shown).is_hidden and _fresh(hidden).is_hidden
    history = committee.moderation_history([shown.id, hidden.id])
    assert [e.action for e in history[shown.id]] == ["comment.keep_shown"]
    assert [e.action for e in history[hidden.id]] == ["comment.hide"]
    assert committee.list_moderation_queue(w.a.id) == []
    # A comment nobody reported is not the queue's: there is nothing to decide.
    quiet = _post(w.resident_a, p, body="安静")
    assert _error(
        comments.decide_comment, w.committee_a, quiet, keep_hidden=True, reason="x", now=utcnow()
    ).code == "already_reviewed"  # fmt: skip


def test_only_the_communitys_committee_decides(ctx):
    w = f.world()
    _p, c = _hidden_by_reports(w)
    for who in (w.committee_b, w.resident_a):
        with pytest.raises(PermissionDenied):
            comments.decide_comment(who, c, keep_hidden=False, reason="x", now=utcnow())
    assert comments.awaits_decision(_fresh(c))
