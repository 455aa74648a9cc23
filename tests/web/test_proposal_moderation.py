"""Deliberation and its moderation through the pages: reports hide a comment until the
committee reviews it, replies and official replies, the rate limit on commenting, and a
hidden comment that only the committee reads."""

import factories as f
from helpers import row_count
from proposal_pages import _as, _cycle, _neighbours, _page, _propose
from sqlalchemy import select
from webclient import post

from microprojects.extensions import db
from microprojects.models import Comment, User, utcnow
from microprojects.services import comments

# --- moderation through the pages ----------------------------------------------------------


def test_reports_hide_until_the_committee_reviews(app, client, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    reporters = _neighbours(app, world, 4)
    author = _as(app, "resident_a")
    page = post(
        author, f"/proposals/{pid}/comments", {"body": "隔壁的人都是骗子", "stance": "oppose"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "评论已发布。" in page and "隔壁的人都是骗子" in page and "反对" in page
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    browsers = [_as(app, name) for name in reporters]
    for i, browser in enumerate(browsers[:3]):
        page = post(
            browser, f"/comments/{comment_id}/report", {"reason": f"人身攻击{i}"},
            follow_redirects=True,
        ).get_data(as_text=True)  # fmt: skip
        assert "谢谢，居务协商会将会处理。" in page
    again = post(
        browsers[0], f"/comments/{comment_id}/report", {"reason": "再次"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "您已举报过该评论。" in again
    empty = post(
        browsers[3], f"/comments/{comment_id}/report", {"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请说明为什么需要处理该评论。" in empty
    # Three reports (the default threshold): hidden pending review.
    public = _page(client, f"/proposals/{pid}")
    assert "因被举报暂时隐藏，等待居务协商会处理。" in public
    assert "隔壁的人都是骗子" not in public
    # The committee sees it waiting, with the reports.
    committee = _as(app, "committee_a")
    queue = _page(committee, f"/c/{world.a_slug}/committee/moderation")
    assert "隔壁的人都是骗子" in queue
    assert "3 次举报" in queue and "人身攻击0" in queue and "人身攻击2" in queue
    assert '<span class="tag">待处理</span>' in queue and '<span class="tag">已隐藏</span>' in queue
    assert f'action="/c/{world.a_slug}/committee/moderation/{comment_id}"' in queue
    assert "没有需要处理的评论。" in _page(
        _as(app, "committee_b"), f"/c/{world.b_slug}/committee/moderation"
    )
    # Restored: shown again, and a further report does not hide it.
    page = post(
        committee, f"/comments/{comment_id}/restore", {"reason": "批评而非攻击"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "评论已恢复显示。" in page
    assert "隔壁的人都是骗子" in _page(client, f"/proposals/{pid}")
    post(browsers[3], f"/comments/{comment_id}/report", {"reason": "还是攻击"})
    assert "隔壁的人都是骗子" in _page(client, f"/proposals/{pid}")
    queue = _page(committee, f"/c/{world.a_slug}/committee/moderation")
    # Decided, it has left the queue for good, with its history below.
    assert '<span class="tag">待处理</span>' not in queue and "没有需要处理的评论。" in queue
    decided = queue.split(f'id="decided-{comment_id}"')[1].split("</article>")[0]
    assert "恢复显示了评论" in decided and "批评而非攻击" in decided
    # The committee hides it itself: the reason is shown in its place.
    page = post(
        committee, f"/comments/{comment_id}/hide", {"reason": "涉及人身攻击"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "评论已隐藏，原位置显示隐藏理由。" in page
    public = _page(client, f"/proposals/{pid}")
    assert "已被居务协商会隐藏：涉及人身攻击" in public
    assert "隔壁的人都是骗子" not in public
    hidden_notice = _page(author, "/account/notifications")
    assert "居务协商会隐藏了您的评论。" in hidden_notice and "涉及人身攻击" in hidden_notice
    # A reason is required to show it again.
    page = post(
        committee, f"/comments/{comment_id}/restore", {"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请填写理由。" in page
    assert "隔壁的人都是骗子" not in _page(client, f"/proposals/{pid}")
    audit = _page(committee, f"/c/{world.a_slug}/committee/audit")
    assert "隐藏了评论" in audit and "恢复显示了评论" in audit


def test_replies_and_official_replies_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    post(author, f"/proposals/{pid}/comments", {"body": "石凳要防晒", "stance": "support"})
    with app.app_context():
        top = db.session.scalar(select(Comment.id))
    committee = _as(app, "committee_a")
    page = post(
        committee,
        f"/proposals/{pid}/comments",
        {"body": "已请物业评估遮阳", "stance": "neutral", "parent_id": str(top), "official": "y"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "居务协商会回复" in page and "已请物业评估遮阳" in page
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.parent_id.is_not(None)))
        assert (reply.parent_id, reply.is_official) == (top, True)
    # A resident's attempt at an "official" reply is refused.
    assert post(
        author, f"/proposals/{pid}/comments", {"body": "我是官方", "stance": "neutral",
                                                "official": "y"},
    ).status_code == 403  # fmt: skip
    # A parent from another proposal is not found.
    other = _propose(app, cycle_id)
    assert post(
        author, f"/proposals/{other}/comments", {"body": "x", "stance": "neutral",
                                                  "parent_id": str(top)},
    ).status_code == 404  # fmt: skip
    assert "有人回复了您的评论。" in _page(author, "/account/notifications")


def test_commenting_is_rate_limited(app, world):
    assert app.config["COMMENT_RATE_LIMIT"] == "10 per minute;60 per hour"
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    client = _as(app, "resident_a")
    statuses = [
        post(
            client, f"/proposals/{pid}/comments", {"body": f"第{i}条", "stance": "neutral"}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [302] * 10 + [429]
    assert row_count(Comment, app=app, proposal_id=pid) == 10


def test_a_hidden_comment_is_readable_by_the_committee_only(app, world):
    with app.app_context():
        proposal, comment, _photo = f.proposal_with_comment(world)
        committee = db.session.get(User, world.ids["committee_a"])
        comments.hide_comment(
            committee, db.session.get(Comment, comment.id), reason="离题", now=utcnow()
        )
        pid = proposal.id
    public = app.test_client().get(f"/proposals/{pid}").get_data(as_text=True)
    assert "已被居务协商会隐藏：离题" in public
    assert "很需要" not in public
    staff = _page(_as(app, "committee_a"), f"/proposals/{pid}")
    assert "仅居务协商会可见： 很需要" in staff
    # Hidden is not the end: the committee is led to decide it (keep hidden or show again).
    assert f'href="/c/{world.a_slug}/committee/moderation"' in staff
    assert "/committee/moderation" not in public
