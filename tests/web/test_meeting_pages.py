"""Meetings through the pages: a body and its members, a meeting scheduled with proposals, the
quorum shown and enforced, a recused author, the resolution in the proposal's decision log, the
public meeting page, the printed minutes and the cycle's archive."""

from __future__ import annotations

import re

import factories as f
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from webclient import csrf_token, login

from microprojects.extensions import db
from microprojects.models import Body, Meeting, Resolution, utcnow
from microprojects.services import printed, proposals

MEMBERS = ["陈主任", "林委员", "黄委员", "吴代表", "郑代表", "周代表", "冯代表", "何代表", "曾代表"]


def _post(client: FlaskClient, path: str, data: dict[str, object]) -> str:
    response = client.post(path, data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 303), response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def _setting(app: Flask) -> dict[str, object]:
    with app.app_context():
        w = f.world()
        cycle = f.cycle(w.a, w.committee_a)
        made = [
            proposals.create_proposal(
                w.resident_a, cycle, f.proposal_input(title=t), submit=True, now=utcnow()
            )
            for t in ("报刊亭旁放两张石凳", "楼道灯换成声控灯", "小广场加装健身器材")
        ]
        return {"slug": w.a.slug, "ids": [p.id for p in made], "cycle": cycle.id}


def test_a_meeting_decides_with_quorum_and_publishes_to_the_proposal(app: Flask) -> None:
    s = _setting(app)
    slug, ids = s["slug"], s["ids"]
    committee = app.test_client()
    login(committee, "committee_a")
    base = f"/c/{slug}/committee"
    page = _post(committee, f"{base}/bodies", {"kind": "council", "name": "振兴社区居务协商会"})
    assert "振兴社区居务协商会" in page
    with app.app_context():
        body_id = db.session.scalar(select(Body.id))
    _post(committee, f"{base}/bodies/{body_id}/members", {"login": "resident_a", "role": "委员"})
    for name in [*MEMBERS, "钱代表"]:
        _post(committee, f"{base}/bodies/{body_id}/members", {"member_name": name})
    page = _post(
        committee,
        f"{base}/meetings",
        {
            "body": str(body_id),
            "title": "十二月居务协商会",
            "starts_at": "2026-12-03T19:30",
            "place": "社区二楼会议室",
            "proposal": [str(i) for i in ids],
            "other_items": "下季度议事安排",
        },
    )
    assert "应到 11，实到 0，需要 8" in page
    with app.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        mid = meeting.id
        roster = [a.member_id for a in sorted(meeting.attendance, key=lambda a: a.member_id)]
        items = [i.id for i in meeting.items]
    # The author (the first member) is recused on each of her proposals, with the reason.
    assert "回避（计入到会人数，不参加表决）： resident_a (提议人)" in page
    # Seven present: no quorum, and the vote is refused with the numbers.
    present = [str(m) for m in roster[:7]]
    page = _post(committee, f"{base}/meetings/{mid}/attendance", {"present": present})
    assert "应到 11，实到 7，需要 8" in page and "未达到法定人数" in page
    page = _post(
        committee,
        f"{base}/meetings/{mid}/items/{items[0]}/vote",
        {"votes_for": "6", "against": "0", "abstain": "0"},
    )
    assert "未达到法定人数：应到 11 人，实到 7 人，需要 8 人" in page
    # Nine present: quorum; the author is recused, eight may vote.
    present = [str(m) for m in roster[:9]]
    page = _post(committee, f"{base}/meetings/{mid}/attendance", {"present": present})
    assert "应到 11，实到 9，需要 8" in page and "已达到法定人数" in page
    page = _post(
        committee,
        f"{base}/meetings/{mid}/items/{items[0]}/vote",
        {"votes_for": "8", "against": "1", "abstain": "0"},
    )
    assert "到会且无需回避的成员共 8 人" in page
    votes = {"votes_for": "7", "against": "1", "abstain": "0"}
    _post(committee, f"{base}/meetings/{mid}/items/{items[0]}/vote", votes)
    # A double tap: the second is refused, one resolution stays.
    page = _post(committee, f"{base}/meetings/{mid}/items/{items[0]}/vote", votes)
    assert "该议题已有决议" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1
    # Not public before it is published.
    anonymous = app.test_client()
    assert "会议决议" not in anonymous.get(f"/proposals/{ids[0]}").get_data(as_text=True)
    _post(committee, f"{base}/meetings/{mid}/minutes", {"minutes": "陈主任主持，同意石凳方案。"})
    _post(committee, f"{base}/meetings/{mid}/publish", {})
    detail = anonymous.get(f"/proposals/{ids[0]}").get_data(as_text=True)
    assert (
        "振兴社区居务协商会 2026-12-03 会议决议：通过（赞成 7，反对 1，弃权 0，回避 1；"
        "应到 11 人，实到 9 人）"
    ) in detail
    public = anonymous.get(f"/c/{slug}/meetings/{mid}").get_data(as_text=True)
    assert "陈主任主持，同意石凳方案。" in public and "王秀英" not in public
    assert "应到 11，实到 9，需要 8" in public
    printed_page = committee.get(f"{base}/meetings/{mid}/print").get_data(as_text=True)
    assert "赞成 7，反对 1，弃权 0，回避 1" in printed_page
    assert re.search(r'class="paper paper-minutes"', printed_page)
    # Published, the meeting cannot change.
    page = _post(committee, f"{base}/meetings/{mid}/attendance", {"present": present[:1]})
    assert "不能再修改" in page
    with app.app_context():
        from microprojects.models import Cycle

        archive = printed.cycle_archive(db.session.get(Cycle, s["cycle"]))
        assert [m.id for m in archive.meetings] == [mid]


def test_another_communitys_meeting_is_not_found_by_a_committee(app: Flask) -> None:
    s = _setting(app)
    with app.app_context():
        from microprojects.domain.deliberation import BodyKind
        from microprojects.models import User
        from microprojects.services import deliberation

        admin = db.session.scalar(select(User).filter_by(username="admin"))
        b = db.session.scalar(select(Body.community_id))  # none yet
        assert b is None
        from microprojects.models import Community

        other = db.session.scalar(select(Community).filter_by(slug="bailong"))
        body = deliberation.create_body(
            admin,
            other,
            deliberation.default_body_input(BodyKind.COUNCIL, "白龙议事会"),
            now=utcnow(),
        )
        deliberation.add_member(admin, body, name="符主任", now=utcnow())
        meeting = deliberation.schedule_meeting(
            admin,
            body,
            deliberation.MeetingInput("白龙会", utcnow(), other_items=("x",)),
            now=utcnow(),
        )
        mid, bid = meeting.id, body.id
    committee = app.test_client()
    login(committee, "committee_a")
    # A's committee, with B's ids under A's address: not found; under B's: forbidden.
    assert committee.get(f"/c/{s['slug']}/committee/meetings/{mid}").status_code == 404
    assert committee.get(f"/c/bailong/committee/meetings/{mid}").status_code == 403
    response = committee.post(
        f"/c/{s['slug']}/committee/bodies/{bid}/members",
        data={"member_name": "闯入者", "csrf_token": csrf_token(committee)},
    )
    assert response.status_code == 404


def test_a_member_checks_in_with_the_code_shown_in_the_room(app: Flask) -> None:
    s = _setting(app)
    with app.app_context():
        from microprojects.domain.deliberation import BodyKind
        from microprojects.models import Community, User
        from microprojects.services import deliberation

        admin = db.session.scalar(select(User).filter_by(username="admin"))
        a = db.session.scalar(select(Community).filter_by(slug=s["slug"]))
        body = deliberation.create_body(
            admin, a, deliberation.default_body_input(BodyKind.COUNCIL, "议事会"), now=utcnow()
        )
        deliberation.add_member(admin, body, login="resident_a", now=utcnow())
        deliberation.add_member(admin, body, name="陈主任", now=utcnow())
        meeting = deliberation.schedule_meeting(
            admin, body, deliberation.MeetingInput("会", utcnow(), other_items=("x",)), now=utcnow()
        )
        mid = meeting.id
    committee = app.test_client()
    login(committee, "committee_a")
    page = committee.get(f"/c/{s['slug']}/committee/meetings/{mid}").get_data(as_text=True)
    found = re.search(r"/c/[^/]+/meetings/\d+/check-in/[A-Za-z0-9._-]+", page)
    assert found is not None and "<svg" in page
    link = found.group(0)
    # Anonymous: to the login page first.
    assert "/login" in app.test_client().get(link).headers["Location"]
    member = app.test_client()
    login(member, "resident_a")
    assert "签到" in member.get(link).get_data(as_text=True)
    page = _post(member, link, {})
    assert "已标记为到会" in page
    # Another meeting's id under this code, or a forged code: refused, nothing marked.
    outsider = app.test_client()
    login(outsider, "resident_b")
    page = _post(outsider, link, {})
    assert "您的账号不在本次会议的成员名单上" in page
    page = _post(member, link[:-3] + "xyz", {})
    assert "签到码已过期" in page
    with app.app_context():
        assert db.session.get(Meeting, mid).present == 1


def test_a_refused_schedule_keeps_what_was_typed_and_the_agenda_changes_on_its_page(
    app: Flask,
) -> None:
    s = _setting(app)
    slug, ids = s["slug"], s["ids"]
    committee = app.test_client()
    login(committee, "committee_a")
    base = f"/c/{slug}/committee"
    _post(committee, f"{base}/bodies", {"kind": "council", "name": "居务协商会"})
    with app.app_context():
        body_id = db.session.scalar(select(Body.id))
    _post(committee, f"{base}/bodies/{body_id}/members", {"member_name": "陈主任"})
    _post(committee, f"{base}/bodies/{body_id}/members", {"member_name": "林委员"})
    typed = {
        "body": str(body_id),
        "title": "十二月居务协商会",
        "starts_at": "2026-12-03T19:30",
        "place": "社区二楼会议室",
        "proposal": [str(ids[1])],
        "other_items": "下季度议事安排",
        "secretary": "999999",  # not a member of this body
        "csrf_token": csrf_token(committee),
    }
    refused = committee.post(f"{base}/meetings", data=typed)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "记录人须是本次开会机构的成员" in page
    assert 'value="十二月居务协商会"' in page and 'value="社区二楼会议室"' in page
    assert f'value="{ids[1]}" checked' in page and "下季度议事安排</textarea>" in page
    assert 'value="2026-12-03T19:30"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
        member_id = db.session.scalars(select(Body)).one().current_members[1].id
    page = _post(committee, f"{base}/meetings", {**typed, "secretary": str(member_id)})
    assert f'<option value="{member_id}" selected>林委员</option>' in page
    with app.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        mid, secretary = meeting.id, meeting.secretary.name
    assert secretary == "林委员"
    # Add a proposal and an item; a proposal already there is refused and the text kept.
    page = _post(
        committee, f"{base}/meetings/{mid}/agenda",
        {"proposal": [str(ids[0])], "other_items": "路灯电费"},
    )  # fmt: skip
    assert "议程已修改" in page and "路灯电费" in page
    token = csrf_token(committee)
    again = committee.post(
        f"{base}/meetings/{mid}/agenda",
        data={"proposal": [str(ids[0])], "other_items": "再议一项", "csrf_token": token},
    )
    assert again.status_code == 422
    text = again.get_data(as_text=True)
    assert "该提议已在本次会议的议程上" in text and "再议一项</textarea>" in text
    with app.app_context():
        items = [(i.id, i.proposal_id, i.text) for i in db.session.get(Meeting, mid).items]
    assert [p for _, p, _ in items] == [ids[1], None, ids[0], None]
    page = _post(committee, f"{base}/meetings/{mid}/items/{items[1][0]}/remove", {})
    assert "该议题已从议程中移除" in page
    with app.app_context():
        assert len(db.session.get(Meeting, mid).items) == 3
    # The public page names the secretary.
    assert "记录人: 林委员" in app.test_client().get(f"/c/{slug}/meetings/{mid}").get_data(
        as_text=True
    )
