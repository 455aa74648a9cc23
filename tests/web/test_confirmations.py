"""Actions that cannot slip: what cannot be undone asks first, on a page of its own, naming what
it acts on; a confirmation sent twice, replayed, forged or sent by someone else does nothing.
Also the author's revision of a submitted proposal, the merge form, the moderation decision and
the committee's dashboard of what waits."""

import factories as f
from helpers import row_count
from proposal_pages import (
    _as,
    _assess,
    _cycle,
    _neighbours,
    _page,
    _proposal_form,
    _propose,
    _state,
    _upload,
    confirmation,
)
from sqlalchemy import select
from webclient import post

from microprojects.domain.cycles import Stance
from microprojects.extensions import db
from microprojects.models import AuditEntry, Comment, Proposal, User, utcnow
from microprojects.services import comments

NOTHING_DONE = "未做任何操作"


def _audited(app, action: str, proposal_id: int) -> int:
    return row_count(AuditEntry, app=app, action=action, subject_id=str(proposal_id))


# --- withdrawing -----------------------------------------------------------------------------


def test_withdraw_asks_first_and_names_the_proposal(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, title="楼道装感应灯")
    author = _as(app, "resident_a")
    asked = post(author, f"/proposals/{pid}/withdraw", {})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "撤回“楼道装感应灯”？" in page and "此操作无法撤销。" in page
    assert "撤回的提议不能再次提交" in page and "确定，撤回提议" in page
    assert f'href="/proposals/{pid}"' in page  # the way back, changing nothing
    assert "<script" not in page and 'style="' not in page
    assert _state(app, pid) == "submitted"  # asking did nothing
    # The first form sent again only asks again.
    assert post(author, f"/proposals/{pid}/withdraw", {}).status_code == 200
    assert _state(app, pid) == "submitted"
    token = confirmation(asked)
    done = post(author, f"/proposals/{pid}/withdraw", {"confirm_token": token})
    assert done.status_code == 302 and _state(app, pid) == "withdrawn"
    # The confirmation replayed (a double tap, the back button): nothing more happens.
    again = post(
        author, f"/proposals/{pid}/withdraw", {"confirm_token": token}, follow_redirects=True
    )
    assert NOTHING_DONE in again.get_data(as_text=True)
    assert _audited(app, "proposal.withdraw", pid) == 1


def test_a_confirmation_works_only_for_its_proposal_and_its_person(app, world):
    cycle_id = _cycle(app, world)
    first = _propose(app, cycle_id)
    second = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    token = confirmation(post(author, f"/proposals/{first}/withdraw", {}))
    # On another proposal it is no confirmation: the page asks about that one instead.
    other = post(author, f"/proposals/{second}/withdraw", {"confirm_token": token})
    assert other.status_code == 200 and "confirm_token" in other.get_data(as_text=True)
    assert _state(app, second) == "submitted"
    # A forged or altered token is no confirmation either.
    forged = post(author, f"/proposals/{first}/withdraw", {"confirm_token": token[:-2] + "xx"})
    assert forged.status_code == 200 and _state(app, first) == "submitted"
    # Another resident with the author's token: refused, nothing done.
    [neighbour] = _neighbours(app, world, 1)
    stolen = post(
        _as(app, neighbour), f"/proposals/{first}/withdraw", {"confirm_token": token},
        follow_redirects=True,
    )  # fmt: skip
    assert "目前不能对该提议进行此操作。" in stolen.get_data(as_text=True)
    assert _state(app, first) == "submitted"


def test_a_confirmation_goes_stale_when_the_proposal_changes(app, world):
    """Asked, then the proposal changed (the committee approved it meanwhile): the old
    confirmation does nothing; the author is told to look again."""
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    token = confirmation(post(author, f"/proposals/{pid}/withdraw", {}))
    committee = _as(app, "committee_a")
    _assess(app, pid)
    approve = confirmation(post(committee, f"/proposals/{pid}/approve", {"note": "符合要求"}))
    post(committee, f"/proposals/{pid}/approve", {"confirm_token": approve})
    assert _state(app, pid) == "approved"
    late = post(
        author, f"/proposals/{pid}/withdraw", {"confirm_token": token}, follow_redirects=True
    )
    assert NOTHING_DONE in late.get_data(as_text=True)
    assert _state(app, pid) == "approved"


# --- the committee's decisions ---------------------------------------------------------------


def test_approve_and_reject_ask_first_and_happen_once(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    kept, dropped = _propose(app, cycle_id, title="门口减速带"), _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    _assess(app, kept)
    _assess(app, dropped)
    asked = post(committee, f"/proposals/{kept}/approve", {"note": "经评估可行"})
    page = asked.get_data(as_text=True)
    assert "把“门口减速带”列入投票？" in page and "<dt>费用</dt><dd>3,000 元</dd>" in page
    assert "经评估可行" in page  # the public reason, before anything is done
    assert _state(app, kept) == "submitted"
    token = confirmation(asked)
    for _ in range(2):  # a double tap
        post(committee, f"/proposals/{kept}/approve", {"confirm_token": token})
    assert _state(app, kept) == "approved"
    assert _audited(app, "proposal.approve", kept) == 1
    # Reject: the reason is on the confirmation, and it is the one recorded.
    asked = post(committee, f"/proposals/{dropped}/reject", {"reason": "属于物业职责"})
    assert "属于物业职责" in asked.get_data(as_text=True)
    assert "不予采纳的提议不能再列入投票。" in asked.get_data(as_text=True)
    token = confirmation(asked)
    for _ in range(2):
        post(committee, f"/proposals/{dropped}/reject", {"confirm_token": token})
    assert _state(app, dropped) == "rejected"
    assert _audited(app, "proposal.reject", dropped) == 1
    with app.app_context():
        assert db.session.get(Proposal, dropped).rejection_reason == "属于物业职责"


def test_the_merge_form_chooses_nothing_and_needs_a_note(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    target = _propose(app, cycle_id, title="幸福巷安装路灯")
    duplicate = _propose(app, cycle_id, title="幸福巷路灯")
    committee = _as(app, "committee_a")
    page = _page(committee, f"/proposals/{duplicate}")
    form = page.split(f'action="/proposals/{duplicate}/merge"')[1].split("</form>")[0]
    assert '<option selected value="0">请选择</option>' in form
    assert form.count("selected") == 1  # only the empty choice
    # No choice, or no note: an error naming what is missing, nothing merged.
    none = post(
        committee, f"/proposals/{duplicate}/merge", {"into": "0", "note": "内容相同"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "请选择要合并到的提议。" in none
    bare = post(
        committee, f"/proposals/{duplicate}/merge", {"into": str(target), "note": " "},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "请填写合并的公开说明。" in bare
    assert _state(app, duplicate) == "submitted"
    asked = post(
        committee, f"/proposals/{duplicate}/merge", {"into": str(target), "note": "内容相同"}
    )
    text = asked.get_data(as_text=True)
    assert "把“幸福巷路灯”合并到另一提议？" in text and f"#{target} 幸福巷安装路灯" in text
    assert "合并后的提议不能再拆分。" in text
    token = confirmation(asked)
    for _ in range(2):
        post(committee, f"/proposals/{duplicate}/merge", {"confirm_token": token})
    assert _state(app, duplicate) == "merged"
    assert _audited(app, "proposal.merge", duplicate) == 1


# --- the author's revision of a submitted proposal ----------------------------------------------


def test_a_submitted_proposal_is_revised_until_screening_starts(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    form = _page(author, f"/proposals/{pid}/edit")
    assert "您的提议已提交。" in form and 'action="/proposals/' in form
    saved = post(
        author, f"/proposals/{pid}/edit", _proposal_form(title="楼道和电梯间装感应灯"),
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "修改已保存。" in saved and "楼道和电梯间装感应灯" in saved
    assert "修改了提议" in saved.split('id="decisions"')[1]  # the public decision log
    assert "照片已添加。" in _upload(author, pid, f.jpeg()).get_data(as_text=True)
    assert _audited(app, "proposal.photo_add", pid) == 1
    # Another resident may not.
    [neighbour] = _neighbours(app, world, 1)
    assert _as(app, neighbour).get(f"/proposals/{pid}/edit").status_code == 403


def test_once_screening_starts_the_edit_page_says_why_it_is_closed(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id, title="楼道装感应灯")
    author = _as(app, "resident_a")
    page = _page(author, f"/proposals/{pid}/edit")
    assert "协商审核已经开始" in page and "居务协商会可以把提议退回给您修改" in page
    assert 'name="title"' not in page
    post(author, f"/proposals/{pid}/edit", _proposal_form(title="改过的标题"))
    with app.app_context():
        assert db.session.get(Proposal, pid).title == "楼道装感应灯"
    assert f'href="/proposals/{pid}/edit"' not in _page(author, f"/proposals/{pid}")


# --- moderation that finishes -----------------------------------------------------------------


def _hidden_by_reports(app, world, pid: int) -> int:
    """A comment on ``pid`` that three reports hid."""
    reporters = _neighbours(app, world, 3, prefix="reporter")
    with app.app_context():
        author = db.session.scalar(select(User).filter_by(username="resident_a"))
        proposal = db.session.get(Proposal, pid)
        comment = comments.post_comment(
            author, proposal, body="隔壁的人都是骗子", stance=Stance.OPPOSE, now=utcnow()
        )
        for name in reporters:
            reporter = db.session.scalar(select(User).filter_by(username=name))
            comments.report_comment(reporter, comment, reason="人身攻击", now=utcnow())
        assert comment.is_hidden
        return comment.id


def test_a_comment_hidden_by_reports_is_kept_hidden_and_leaves_the_queue(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    comment_id = _hidden_by_reports(app, world, pid)
    committee = _as(app, "committee_a")
    queue_path = f"/c/{world.a_slug}/committee/moderation"
    action = f"/c/{world.a_slug}/committee/moderation/{comment_id}"
    queue = _page(committee, queue_path)
    assert f'action="{action}"' in queue and "维持隐藏" in queue and "恢复显示" in queue
    # A decision without a reason, or without a choice, is an error; nothing decided.
    post(committee, action, {"decision": "hide", "reason": ""})
    post(committee, action, {"reason": "人身攻击"})
    assert f'action="{action}"' in _page(committee, queue_path)
    done = post(
        committee, action, {"decision": "hide", "reason": "人身攻击，维持隐藏"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "已处理：评论维持隐藏，理由将公开。" in done
    assert f'action="{action}"' not in done and "没有需要处理的评论。" in done
    history = done.split(f'id="decided-{comment_id}"')[1].split("</article>")[0]
    assert "举报后维持隐藏评论" in history and "人身攻击，维持隐藏" in history
    # Sent twice: one decision.
    again = post(
        committee, action, {"decision": "show", "reason": "改主意"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "该评论已经处理过，未做任何更改。" in again
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment.is_hidden and comment.hidden_reason == "人身攻击，维持隐藏"
    assert row_count(AuditEntry, app=app, subject_type="comment") == 1
    public = _page(app.test_client(), f"/proposals/{pid}")
    assert "已被居务协商会隐藏：人身攻击，维持隐藏" in public
    assert "隔壁的人都是骗子" not in public


def test_a_comment_hidden_by_reports_is_restored_with_a_reason(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    comment_id = _hidden_by_reports(app, world, pid)
    committee = _as(app, "committee_a")
    action = f"/c/{world.a_slug}/committee/moderation/{comment_id}"
    done = post(
        committee, action, {"decision": "show", "reason": "批评而非攻击"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已处理：评论恢复显示，理由将公开。" in done
    assert "恢复显示了评论" in done and "批评而非攻击" in done
    assert "隔壁的人都是骗子" in _page(app.test_client(), f"/proposals/{pid}")
    # Another community's committee cannot decide on it.
    other = _as(app, "committee_b")
    assert post(other, action, {"decision": "hide", "reason": "x"}).status_code == 403
    assert post(other, f"/c/{world.b_slug}/committee/moderation/{comment_id}", {
        "decision": "hide", "reason": "x"}).status_code == 404  # fmt: skip


# --- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_what_waits_first_with_links(app, world):
    cycle_id = _cycle(app, world, phase="screening", title="2026 年微实事")
    for _ in range(2):
        _propose(app, cycle_id)
    _hidden_by_reports(app, world, _propose(app, cycle_id))
    committee = _as(app, "committee_a")
    page = _page(committee, f"/c/{world.a_slug}/committee")
    waiting = page.split("待居务协商会处理")[1].split("</section>")[0]
    assert "3</strong> 份提议待审核" in waiting and "2026 年微实事" in waiting
    assert f'href="/c/{world.a_slug}/committee/cycles/{cycle_id}/screening"' in waiting
    assert "1</strong> 条被举报的评论待处理" in waiting
    assert f'href="/c/{world.a_slug}/committee/moderation"' in waiting
    # What waits comes before the roster's figures.
    assert page.index("待居务协商会处理") < page.index("居民名册概况")
    # Another community's committee sees nothing of it.
    other = _page(_as(app, "committee_b"), f"/c/{world.b_slug}/committee")
    assert "目前没有待处理的事项。" in other


def test_an_approved_proposal_is_closed_to_its_author_with_the_reason(app, world):
    cycle_id = _cycle(app, world)  # still collecting: approved early
    pid = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    _assess(app, pid)
    token = confirmation(post(committee, f"/proposals/{pid}/approve", {"note": "符合要求"}))
    post(committee, f"/proposals/{pid}/approve", {"confirm_token": token})
    assert _state(app, pid) == "approved"
    page = _page(_as(app, "resident_a"), f"/proposals/{pid}/edit")
    assert "居务协商会已按现有内容把它列入投票，因此不能再修改。" in page
    assert 'name="title"' not in page


def test_the_confirmation_speaks_english_too(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, title="Benches by the kiosk")
    author = _as(app, "resident_a")
    post(author, "/lang", {"lang": "en", "next": "/"})
    page = post(author, f"/proposals/{pid}/withdraw", {}).get_data(as_text=True)
    assert "Withdraw “Benches by the kiosk”?" in page and "This cannot be undone." in page
    assert "Yes, withdraw the proposal" in page and "Cancel, change nothing" in page
