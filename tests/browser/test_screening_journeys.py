"""Screening by resolution (四议两公开) and a member who stands aside, in a real browser: the
steps on the proposal's page, an approval refused naming the missing step with its reason kept,
the three resolutions in order, the approval; a supporter on the committee told why they do not
decide; the mode on the committee's cycle page, fixed once a proposal is decided."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factories as f
from webclient import log_in, shot


def _setting(app: Any) -> tuple[int, int]:
    """A cycle of A in screening, by resolution, with one proposal of resident_a assessed, and
    林委员, a committee member of A who supports it. Returns (cycle id, proposal id)."""
    from microprojects.services import accounts, proposals

    with app.app_context():
        w = f.world()
        c = f.cycle(w.a, w.committee_a, phase="screening", screening_mode="resolution")
        p = proposals.create_proposal(
            w.resident_a, c, f.proposal_input(), submit=True,
            now=c.collecting_at + timedelta(hours=1),
        )  # fmt: skip
        member = f.verified_resident("linwei", w.a, w.committee_a, "林委员", "3栋1单元301")
        accounts.add_committee_member(w.admin, member, w.a, title="委员", now=f.NOW)
        proposals.support(member, p, now=c.collecting_at + timedelta(hours=2))
        f.assessed(w.committee_a, p)
        return c.id, p.id


def _resolutions(app: Any, proposal_id: int) -> None:
    """两委会, then 党员大会, then 居民代表会议, each passing, on three days in a row."""
    from microprojects.domain.deliberation import BodyKind
    from microprojects.extensions import db
    from microprojects.models import Proposal, User, utcnow

    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        chair = db.session.query(User).filter_by(username="committee_a").one()
        start = utcnow() - timedelta(days=3)
        for day, kind in enumerate(
            (BodyKind.COMMITTEES, BodyKind.PARTY_MEMBERS, BodyKind.REPRESENTATIVES)
        ):
            f.resolution(chair, p, kind, held_at=start + timedelta(days=day))


def test_a_proposal_goes_on_the_ballot_after_its_three_resolutions(
    browser, base_url, page, fresh_db, watch
):
    cycle_id, pid = _setting(fresh_db)
    # 林委员 supported it: the page says he stands aside, and shows him no decision.
    member = browser.new_context(base_url=base_url, locale="zh-CN").new_page()
    log_in(member, "linwei")
    member.goto(f"/proposals/{pid}")
    screening = member.locator("#screening").inner_text()
    assert "您附议了该提议，须回避，由其他委员决定。" in screening
    assert member.get_by_role("button", name="审核通过，列入投票").count() == 0
    shot(member, "screening-barred")

    log_in(page, "committee_a")
    page.goto(f"/proposals/{pid}")
    steps = page.locator("#resolution-steps").inner_text()
    assert "第一步 商议：两委会" in steps and steps.count("尚需") == 3
    reason = "两委会、党员大会、居民代表会议依次通过。"
    page.get_by_label("通过理由（公开）").fill(reason)
    page.get_by_role("button", name="审核通过，列入投票").click()
    assert "两委会尚未就该提议通过决议（商议，第一步）" in page.locator("main").inner_text()
    assert page.get_by_label("通过理由（公开）").input_value() == reason
    shot(page, "screening-step-missing")

    _resolutions(fresh_db, pid)
    page.goto(f"/proposals/{pid}")
    steps = page.locator("#resolution-steps").inner_text()
    assert steps.count("已完成") == 3 and "尚需" not in steps
    page.get_by_label("通过理由（公开）").fill(reason)
    page.get_by_role("button", name="审核通过，列入投票").click()
    page.get_by_role("button", name="确定，审核通过并列入投票").click()
    assert "已列入投票" in page.locator("main").inner_text()
    assert reason in page.locator("#decisions").inner_text()
    shot(page, "screening-by-resolution-approved")

    # The mode can no longer change: the cycle page says so.
    page.goto(f"/c/zhenxing/committee/cycles/{cycle_id}")
    mode = page.locator("#mode").inner_text()
    assert "按决议（四议两公开）" in mode
    assert "审核方式不能再更改" in mode
    assert page.locator("#mode").get_by_role("button", name="保存").count() == 0
