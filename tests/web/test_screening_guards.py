"""The screening guards and screening by resolution through the pages: a member tied to a
proposal is told why they stand aside, a missing assessment or reason is a form error that
keeps what was typed (422), the steps of 四议两公开 on the proposal's page, and the cycle's
setting, refused once a proposal is decided."""

from datetime import timedelta

import factories as f
from proposal_pages import _as, _assess, _cycle, _objects, _page, _propose, _state, confirmed
from sqlalchemy import func, select
from webclient import post

from microprojects.domain.deliberation import BodyKind
from microprojects.extensions import db
from microprojects.models import AuditEntry, Cycle, Proposal, User, utcnow
from microprojects.services import accounts, deliberation, proposals


def _member_who_supports(app, world, pid: int) -> None:
    """林委员: a committee member of A who lives there and supports proposal ``pid``."""
    with app.app_context():
        o = _objects(world)
        member = f.verified_resident("linwei", o.a, o.committee_a, "林委员", "3栋1单元301")
        accounts.add_committee_member(o.admin, member, o.a, title="委员", now=f.NOW)
        proposals.support(member, db.session.get(Proposal, pid), now=utcnow())


def _audits(app, action: str) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).where(AuditEntry.action == action)))


def test_a_tied_member_is_told_why_instead_of_the_buttons(app, world):
    cycle_id = _cycle(app, world, phase="collecting")
    pid = _propose(app, cycle_id)
    _member_who_supports(app, world, pid)
    member = _as(app, "linwei")
    page = _page(member, f"/proposals/{pid}")
    screening = page.split('id="screening"')[1].split("</section>")[0]
    assert "您附议了该提议，须回避，由其他委员决定。" in screening
    for action in ("approve", "reject", "return", "assess", "merge"):
        assert f'action="/proposals/{pid}/{action}"' not in screening, action
    # Posting anyway is refused with the reason, and nothing is decided.
    _assess(app, pid)
    refused = post(member, f"/proposals/{pid}/approve", {"note": "我觉得很好"})
    assert refused.status_code == 422
    assert "您附议了该提议，须回避" in refused.get_data(as_text=True)
    for path, data in (
        ("return", {"reason": "请补充"}),
        ("assess", {"feasibility": "feasible", "note": ""}),
    ):
        post(member, f"/proposals/{pid}/{path}", data)
    assert _state(app, pid) == "submitted"
    assert _audits(app, "proposal.approve") == _audits(app, "proposal.return") == 0
    assert _audits(app, "proposal.assess") == 1  # the other member's
    # The other member sees the forms.
    other = _page(_as(app, "committee_a"), f"/proposals/{pid}")
    assert f'action="/proposals/{pid}/approve"' in other
    assert "须回避" not in other


def test_a_missing_assessment_or_reason_keeps_the_typed_text(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    page = _page(committee, f"/proposals/{pid}")
    assert "请先记录可行性评估：审核通过和不予采纳都需要它。" in page
    typed = "经现场查看，位置合适，费用合理"
    refused = post(committee, f"/proposals/{pid}/approve", {"note": typed})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "请先按审核清单记录可行性评估，再审核通过或不予采纳。" in text
    assert f">{typed}</textarea>" in text
    assert text.count(typed) == 1  # in its own form, not in the assessment's "note" too
    refused = post(committee, f"/proposals/{pid}/reject", {"reason": "属于物业职责"})
    assert refused.status_code == 422
    assert ">属于物业职责</textarea>" in refused.get_data(as_text=True)
    _assess(app, pid)
    blank = post(committee, f"/proposals/{pid}/approve", {"note": "  "})
    assert blank.status_code == 422
    assert "请填写审核通过的理由：它将公开在提议的决定记录中。" in blank.get_data(as_text=True)
    too_long = post(committee, f"/proposals/{pid}/approve", {"note": "长" * 1001})
    assert too_long.status_code == 422
    assert _state(app, pid) == "submitted"
    # With both, it asks to confirm and then approves, the reason public in the log.
    page = confirmed(
        committee, f"/proposals/{pid}/approve", {"note": typed}, follow_redirects=True
    ).get_data(as_text=True)
    assert _state(app, pid) == "approved"
    public = _page(app.test_client(), f"/proposals/{pid}")
    assert typed in public.split('id="decisions"')[1]
    assert "提议已列入投票。" in page


def test_another_communitys_committee_gets_no_form_and_no_decision(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    _assess(app, pid)
    outsider = _as(app, "committee_b")
    assert post(outsider, f"/proposals/{pid}/approve", {"note": "x"}).status_code == 403
    assert post(outsider, f"/proposals/{pid}/reject", {"reason": "x"}).status_code == 403
    assert _state(app, pid) == "submitted"


def _resolve(app, world, pid: int, kind: BodyKind, days_ago: int, passed: bool = True) -> int:
    with app.app_context():
        o = _objects(world)
        r = f.resolution(
            o.committee_a, db.session.get(Proposal, pid), kind, passed=passed,
            held_at=utcnow() - timedelta(days=days_ago),
        )  # fmt: skip
        return r.meeting_id


def test_the_steps_of_four_deliberations_show_and_decide(app, world):
    cycle_id = _cycle(app, world, phase="screening", screening_mode="resolution")
    pid = _propose(app, cycle_id)
    _assess(app, pid)
    committee = _as(app, "committee_a")
    page = _page(committee, f"/proposals/{pid}")
    steps = page.split('id="resolution-steps"')[1].split("</ol>")[0]
    assert steps.count("尚需") == 3
    refused = post(committee, f"/proposals/{pid}/approve", {"note": "三会通过"})
    assert refused.status_code == 422
    assert "两委会尚未就该提议通过决议（商议，第一步）" in refused.get_data(as_text=True)
    assert ">三会通过</textarea>" in refused.get_data(as_text=True)
    first = _resolve(app, world, pid, BodyKind.COMMITTEES, 3)
    with app.app_context():
        o = _objects(world)
        deliberation.publish_meeting(o.committee_a, deliberation.find_meeting(o.a, first),
                                     now=utcnow())  # fmt: skip
    _resolve(app, world, pid, BodyKind.PARTY_MEMBERS, 2, passed=False)
    page = _page(committee, f"/proposals/{pid}")
    steps = page.split('id="resolution-steps"')[1].split("</ol>")[0]
    assert "已完成" in steps and f'href="/c/{world.a_slug}/meetings/{first}"' in steps
    assert "赞成 3，反对 0，弃权 0" in steps
    assert "未通过" in steps and steps.count("尚需") == 2
    refused = post(committee, f"/proposals/{pid}/approve", {"note": "三会通过"})
    assert "党员大会尚未在两委会之后就该提议通过决议（审议，第二步）" in refused.get_data(
        as_text=True
    )
    # A failed step lets the committee reject, with its reason.
    confirmed(committee, f"/proposals/{pid}/reject", {"reason": "党员大会未通过"})
    assert _state(app, pid) == "rejected"


def test_rejecting_waits_for_a_failed_resolution(app, world):
    cycle_id = _cycle(app, world, phase="screening", screening_mode="resolution")
    pid = _propose(app, cycle_id)
    _assess(app, pid)
    refused = post(_as(app, "committee_a"), f"/proposals/{pid}/reject", {"reason": "不可行"})
    assert refused.status_code == 422
    assert "只有在会议就它表决未通过之后" in refused.get_data(as_text=True)
    assert _state(app, pid) == "submitted"


# --- the cycle's setting --------------------------------------------------------------------------


def test_the_mode_is_chosen_when_a_cycle_is_created(app, world):
    committee = _as(app, "committee_a")
    page = _page(committee, f"/c/{world.a_slug}/committee/cycles")
    assert "按决议（四议两公开）" in page
    start = utcnow() + timedelta(hours=8)
    dates = {
        name: (start + timedelta(days=10 * i)).strftime("%Y-%m-%dT%H:%M")
        for i, name in enumerate(
            ("collecting_at", "screening_at", "voting_at", "publication_at",
             "implementation_at", "closed_at")
        )
    }  # fmt: skip
    post(
        committee,
        f"/c/{world.a_slug}/committee/cycles",
        {"title": "四议两公开轮次", "budget": "300000", "categories": "设施维修",
         "min_age": "15", "screening_mode": "resolution", **dates},
    )  # fmt: skip
    with app.app_context():
        made = db.session.scalar(select(Cycle).filter_by(title="四议两公开轮次"))
        assert made.screening_mode.value == "resolution"


def test_the_mode_changes_until_a_decision_then_is_refused(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    assert 'action="' + path + '/screening-mode"' in _page(committee, path)
    changed = post(committee, f"{path}/screening-mode", {"screening_mode": "resolution"},
                   follow_redirects=True)  # fmt: skip
    assert "本轮提议的审核方式已更改。" in changed.get_data(as_text=True)
    bad = post(committee, f"{path}/screening-mode", {"screening_mode": "vote"})
    assert bad.status_code == 422
    # Another community's committee cannot change it.
    outsider = post(_as(app, "committee_b"), f"{path}/screening-mode",
                    {"screening_mode": "committee"})  # fmt: skip
    assert outsider.status_code in (403, 404)
    post(committee, f"{path}/screening-mode", {"screening_mode": "committee"})
    _assess(app, pid)
    confirmed(committee, f"/proposals/{pid}/approve", {"note": "符合要求"})
    assert _state(app, pid) == "approved"
    page = _page(committee, path)
    assert "已有提议审核通过或不予采纳，审核方式不能再更改。" in page
    assert 'action="' + path + '/screening-mode"' not in page
    refused = post(committee, f"{path}/screening-mode", {"screening_mode": "resolution"})
    assert refused.status_code == 422
    assert "审核方式不能再更改" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Cycle, cycle_id).screening_mode.value == "committee"
        user = db.session.scalar(select(User).filter_by(username="committee_a"))
        changes = db.session.scalars(
            select(AuditEntry).filter_by(action="cycle.screening_mode", actor_id=user.id)
        ).all()
        assert len(changes) == 2
