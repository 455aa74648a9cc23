"""Proposals and deliberation through the pages: lists, filters, the proposal page per viewer,
proposing, photos, screening, moderation, escaping of everything people type, rate limits, the
committee's cycle forms and the English pages. Cycles are built in the phase a test needs,
against the real clock, as the pages use it."""

import io
import itertools
import re
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import factories as f
import pytest
from helpers import row_count
from PIL import ExifTags, Image
from sqlalchemy import select
from webclient import csrf_token, login, post

from microprojects.domain.cycles import ProjectType, Stance
from microprojects.extensions import db
from microprojects.models import (
    Comment,
    Community,
    Cycle,
    Proposal,
    ProposalPhoto,
    Support,
    User,
    utcnow,
)
from microprojects.services import comments, proposals
from microprojects.services import cycles as cycle_service
from microprojects.services.cycles import CycleInput

CARD = re.compile(r'<h3><a href="/proposals/(\d+)">')
SCRIPT = "<script>"
_ips = itertools.count(10)


# --- helpers -------------------------------------------------------------------------------


def _objects(w) -> SimpleNamespace:
    return SimpleNamespace(
        a=db.session.get(Community, w.a_id),
        b=db.session.get(Community, w.b_id),
        **{name: db.session.get(User, uid) for name, uid in w.ids.items()},
    )


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _as(app, username: str):
    """A browser of its own (its own address, so logins are not rate-limited together)."""
    client = app.test_client()
    n = next(_ips)
    client.environ_base["REMOTE_ADDR"] = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
    login(client, username)
    return client


def _cycle(app, w, phase="collecting", **overrides) -> int:
    with app.app_context():
        o = _objects(w)
        return f.cycle(o.a, o.committee_a, phase=phase, **overrides).id


def _propose(app, cycle_id, author="resident_a", *, submit=True, minutes=60, **overrides) -> int:
    """A proposal made while the cycle collected proposals (``minutes`` after it opened)."""
    with app.app_context():
        c = db.session.get(Cycle, cycle_id)
        p = proposals.create_proposal(
            _user(author),
            c,
            f.proposal_input(**overrides),
            submit=submit,
            now=c.collecting_at + timedelta(minutes=minutes),
        )
        return p.id


def _neighbours(app, w, count: int, prefix: str = "neighbour") -> list[str]:
    with app.app_context():
        o = _objects(w)
        return [
            f.verified_resident(
                f"{prefix}{i}", o.a, o.committee_a, f"{prefix}{i}", f"7栋{i}单元"
            ).username
            for i in range(count)
        ]


def _support(app, proposal_id: int, *usernames: str) -> None:
    with app.app_context():
        p = db.session.get(Proposal, proposal_id)
        for name in usernames:
            proposals.support(_user(name), p, now=p.cycle.collecting_at + timedelta(hours=2))


def _page(client, path: str, **params) -> str:
    response = client.get(path, query_string=params)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _status(client, path: str) -> int:
    """The status of a GET, the response closed (a served file is left open otherwise)."""
    with client.get(path) as response:
        return response.status_code


def _listed(client, cycle_id: int, **params) -> list[int]:
    return [int(x) for x in CARD.findall(_page(client, f"/cycles/{cycle_id}", **params))]


def _state(app, proposal_id: int) -> str:
    with app.app_context():
        return db.session.get(Proposal, proposal_id).state


def _escaped(page: str, marker: str) -> None:
    """``<script>marker</script>`` was typed; the page shows it as text."""
    assert f"<script>{marker}</script>" not in page
    assert f"&lt;script&gt;{marker}&lt;/script&gt;" in page


def _no_script(page: str) -> None:
    assert SCRIPT not in page
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", page, re.IGNORECASE), "an event handler"


def _proposal_form(**overrides) -> dict:
    return {
        "title": "楼道装感应灯",
        "description": "三栋楼道晚上太黑，老人摔过跤。",
        "category": "设施维修",
        "project_type": "goods",
        "estimated_cost": "8,000",
        "location": "振兴社区三栋",
        "latitude": "",
        "longitude": "",
        "beneficiaries": "三栋住户约 60 人",
        "tag_urgent": "y",
        "submit": "1",
        **overrides,
    }


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (640, 480), "#2a6f97")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SECRETCAM"
    exif[ExifTags.Base.ImageDescription] = "SECRETDESC"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (20.0, 2.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (110.0, 20.0, 5.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    assert b"SECRETCAM" in data and b"Exif" in data
    return data


def _upload(client, proposal_id: int, data: bytes, name: str = "IMG_0001.jpg"):
    return post(
        client,
        f"/proposals/{proposal_id}/photos",
        {"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _uploads(app) -> set[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


# --- the cycle's list ----------------------------------------------------------------------


def test_the_cycle_page_lists_public_proposals_but_no_draft(app, client, world):
    cycle_id = _cycle(app, world)
    shown = _propose(app, cycle_id, title="公园加装路灯")
    draft = _propose(app, cycle_id, submit=False, title="还没想好的草稿")
    page = _page(client, f"/cycles/{cycle_id}")
    assert "公园加装路灯" in page and "还没想好的草稿" not in page
    assert CARD.findall(page) == [str(shown)]
    assert "共 1 个提议" in page
    assert "当前：征集" in page
    assert "预算" in page and "300,000 元" in page
    assert "年满 15 周岁的认证居民" in page
    # Not even asking for drafts lists them.
    assert _listed(client, cycle_id, state="draft") == [shown]
    assert draft not in _listed(client, cycle_id, q="草稿")
    assert "2026 年振兴社区微实事" in _page(client, "/cycles")
    assert client.get("/cycles/999999").status_code == 404


def test_filters_by_category_and_state(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    repair = _propose(app, cycle_id, category="设施维修")
    elderly = _propose(app, cycle_id, category="养老助老")
    rejected = _propose(app, cycle_id, category="设施维修")
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        proposals.reject(committee, db.session.get(Proposal, rejected), reason="重复", now=utcnow())
    assert sorted(_listed(client, cycle_id)) == sorted([repair, elderly, rejected])
    assert sorted(_listed(client, cycle_id, category="设施维修")) == sorted([repair, rejected])
    assert _listed(client, cycle_id, category="养老助老") == [elderly]
    assert _listed(client, cycle_id, state="rejected") == [rejected]
    assert sorted(_listed(client, cycle_id, state="submitted")) == sorted([repair, elderly])
    assert _listed(client, cycle_id, category="设施维修", state="submitted") == [repair]
    page = _page(client, f"/cycles/{cycle_id}", category="安全")
    assert "没有符合条件的提议。" in page
    # An unknown state is ignored rather than an error.
    assert len(_listed(client, cycle_id, state="nonsense")) == 3


def _street_cycle(app, w) -> tuple[int, int, int, int]:
    """A cycle of A's street (A and 新埠社区) in its screening phase, with a proposal from each
    community: (cycle, 新埠's id, A's proposal, 新埠's proposal)."""
    with app.app_context():
        o = _objects(w)
        xinbu = f.community("xinbu", "新埠社区")
        dates = f.cycle(o.a, o.committee_a, phase="screening")  # for its dates only
        street_cycle = cycle_service.create_cycle(
            o.admin,
            CycleInput(
                title="和平南街道微实事",
                budget_fen=1_000_000_00,
                collecting_at=dates.collecting_at,
                screening_at=dates.screening_at,
                voting_at=dates.voting_at,
                publication_at=dates.publication_at,
                implementation_at=dates.implementation_at,
                closed_at=dates.closed_at,
            ),
            street=o.a.street,
            now=utcnow(),
        )
        earlier = dates.collecting_at + timedelta(hours=1)
        ours = proposals.create_proposal(
            o.resident_a, street_cycle, f.proposal_input(title="振兴的提议"), submit=True,
            now=earlier,
        ).id  # fmt: skip
        theirs = proposals.enter_on_behalf(
            o.admin, street_cycle, xinbu, f.proposal_input(title="新埠的提议"),
            on_behalf_of="黄伯", now=earlier,
        ).id  # fmt: skip
        return street_cycle.id, xinbu.id, ours, theirs


def test_filter_by_community_in_a_street_cycle(app, client, world):
    cycle_id, xinbu_id, ours, theirs = _street_cycle(app, world)
    page = _page(client, f"/cycles/{cycle_id}")
    assert 'id="community"' in page and "新埠社区" in page
    assert sorted(_listed(client, cycle_id)) == sorted([ours, theirs])
    assert _listed(client, cycle_id, community=xinbu_id) == [theirs]
    assert _listed(client, cycle_id, community=world.a_id) == [ours]
    # A community cycle has no such filter.
    single = _cycle(app, world)
    assert 'id="community"' not in _page(client, f"/cycles/{single}")


def test_a_committee_screens_only_its_communitys_proposals_of_a_street_cycle(app, world):
    _cycle_id, _xinbu_id, ours, theirs = _street_cycle(app, world)
    committee = _as(app, "committee_a")
    assert 'id="screening"' in _page(committee, f"/proposals/{ours}")
    assert 'id="screening"' not in _page(committee, f"/proposals/{theirs}")
    assert post(committee, f"/proposals/{theirs}/approve", {}).status_code == 403
    # Merging into the other community's proposal is refused.
    assert post(committee, f"/proposals/{ours}/merge", {"into": str(theirs)}).status_code == 403
    assert _state(app, ours) == "submitted"


def test_the_merge_form_offers_only_proposals_the_committee_may_merge_into(app, world):
    _cycle_id, _xinbu_id, ours, theirs = _street_cycle(app, world)
    page = _page(_as(app, "committee_a"), f"/proposals/{ours}")
    assert f'<option value="{theirs}">' not in page


def test_search_in_title_description_and_location(app, client, world):
    cycle_id = _cycle(app, world)
    by_title = _propose(app, cycle_id, title="篮球场翻新", description="旧", location="甲")
    by_text = _propose(app, cycle_id, title="乙", description="希望修好篮球架", location="丙")
    by_place = _propose(app, cycle_id, title="丁", description="戊", location="篮球场北侧")
    other = _propose(app, cycle_id, title="广场舞音箱", description="己", location="庚")
    assert sorted(_listed(client, cycle_id, q="篮球")) == sorted([by_title, by_text, by_place])
    assert _listed(client, cycle_id, q="篮球架") == [by_text]
    assert _listed(client, cycle_id, q="北侧") == [by_place]
    assert _listed(client, cycle_id, q="音箱") == [other]
    assert _listed(client, cycle_id, q="没有这个词") == []
    page = _page(client, f"/cycles/{cycle_id}", q="篮球")
    assert 'value="篮球"' in page  # the search box keeps what was typed


def test_search_for_a_percent_sign_finds_only_texts_with_one(app, client, world):
    cycle_id = _cycle(app, world)
    percent = _propose(app, cycle_id, title="绿化覆盖率提高到 40%")
    _propose(app, cycle_id, title="公园加装路灯")
    assert _listed(client, cycle_id, q="%") == [percent]


def test_sorting_newest_supported_and_cost(app, client, world):
    cycle_id = _cycle(app, world)
    fans = _neighbours(app, world, 3)
    cheap = _propose(app, cycle_id, estimated_cost_fen=1_000_00, minutes=10)
    dear = _propose(app, cycle_id, estimated_cost_fen=40_000_00, minutes=20)
    middle = _propose(app, cycle_id, estimated_cost_fen=9_000_00, minutes=30)
    _support(app, dear, *fans)
    _support(app, cheap, fans[0])
    assert _listed(client, cycle_id) == [middle, dear, cheap]  # newest first by default
    assert _listed(client, cycle_id, sort="newest") == [middle, dear, cheap]
    assert _listed(client, cycle_id, sort="supported") == [dear, cheap, middle]
    assert _listed(client, cycle_id, sort="cost") == [cheap, middle, dear]
    # The committee's revised cost is the one that counts.
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        proposals.revise(
            committee, db.session.get(Proposal, dear), cost_fen=500_00, ballot_title=None,
            note="核减", now=utcnow(),
        )  # fmt: skip
    assert _listed(client, cycle_id, sort="cost") == [dear, cheap, middle]
    assert _listed(client, cycle_id, sort="bogus") == [middle, dear, cheap]
    page = _page(client, f"/cycles/{cycle_id}", sort="supported")
    assert "<strong>3</strong> 人附议" in page


def test_pagination_by_twenty(app, client, world):
    cycle_id = _cycle(app, world)
    made = [_propose(app, cycle_id, title=f"提议{i:02d}", minutes=i + 1) for i in range(23)]
    newest_first = list(reversed(made))
    first = _page(client, f"/cycles/{cycle_id}")
    assert CARD.findall(first) == [str(i) for i in newest_first[:20]]
    assert "共 23 个提议" in first
    assert "第 1 页，共 2 页" in first
    assert f'href="/cycles/{cycle_id}?page=2' in first
    assert _listed(client, cycle_id, page=2) == newest_first[20:]
    assert "第 2 页，共 2 页" in _page(client, f"/cycles/{cycle_id}", page=2)
    assert _listed(client, cycle_id, page=3) == []
    assert _listed(client, cycle_id, page=0) == newest_first[:20]
    # The pager keeps the filters.
    sorted_page = _page(client, f"/cycles/{cycle_id}", sort="cost", q="提议")
    link = re.search(r'href="(/cycles/\d+\?[^"]*page=2[^"]*)"', sorted_page).group(1)
    assert "sort=cost" in link and "q=" in link
    assert len(_listed(client, cycle_id, sort="cost", q="提议", page=2)) == 3


# --- a draft's page ------------------------------------------------------------------------


def test_a_drafts_page_is_its_authors(app, client, world):
    cycle_id = _cycle(app, world)
    draft = _propose(app, cycle_id, submit=False, title="我的草稿")
    [stranger] = _neighbours(app, world, 1)
    assert client.get(f"/proposals/{draft}").status_code == 404
    for name in ("resident_b", stranger):
        assert _as(app, name).get(f"/proposals/{draft}").status_code == 404
    author = _as(app, "resident_a")
    page = _page(author, f"/proposals/{draft}")
    assert "我的草稿" in page and '<span class="tag state-draft">草稿</span>' in page
    assert f'action="/proposals/{draft}/submit"' in page
    # Its photos are not served to others either.
    _upload(author, draft, f.jpeg())
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename))
    assert _status(author, f"/media/{name}") == 200
    assert _status(client, f"/media/{name}") == 404
    assert _status(client, "/media/nothing-here.jpg") == 404


# --- the proposal's page per viewer --------------------------------------------------------


def test_what_each_viewer_sees_on_a_proposal(app, client, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, title="楼下放两张长椅")
    [neighbour] = _neighbours(app, world, 1)
    support_form = f'action="/proposals/{pid}/support"'
    comment_form = f'action="/proposals/{pid}/comments"'
    panel = 'id="screening"'
    withdraw = f'action="/proposals/{pid}/withdraw"'

    anonymous = _page(client, f"/proposals/{pid}")
    assert "楼下放两张长椅" in anonymous
    assert "当前：征集" in anonymous
    assert "决策记录" in anonymous and "提交了提议" in anonymous
    assert support_form not in anonymous and comment_form not in anonymous
    assert panel not in anonymous and withdraw not in anonymous
    assert "后即可附议。" in anonymous and "后参与协商讨论。" in anonymous

    resident = _page(_as(app, neighbour), f"/proposals/{pid}")
    assert support_form in resident and comment_form in resident
    assert panel not in resident and withdraw not in resident

    other_community = _page(_as(app, "resident_b"), f"/proposals/{pid}")
    assert support_form not in other_community and comment_form not in other_community
    assert "本社区的认证居民可以评论。" in other_community

    author = _page(_as(app, "resident_a"), f"/proposals/{pid}")
    assert support_form not in author  # nobody supports their own proposal
    assert withdraw in author and "您的提议" in author
    assert panel not in author

    committee = _page(_as(app, "committee_a"), f"/proposals/{pid}")
    assert panel in committee
    for action in ("approve", "return", "reject", "assess", "revise"):
        assert f'action="/proposals/{pid}/{action}"' in committee
    assert support_form not in committee and withdraw not in committee
    assert 'name="official"' in committee  # may post an official reply

    other_committee = _page(_as(app, "committee_b"), f"/proposals/{pid}")
    assert panel not in other_committee and comment_form not in other_committee


def test_after_voting_starts_the_page_offers_nothing(app, world):
    cycle_id = _cycle(app, world, phase="voting")
    pid = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    for name in (neighbour, "committee_a", "resident_a"):
        page = _page(_as(app, name), f"/proposals/{pid}")
        assert "当前：投票" in page
        assert "投票开始后评论已关闭。" in page
        for action in ("support", "comments", "approve", "withdraw", "reject"):
            assert f'action="/proposals/{pid}/{action}"' not in page


def test_the_merge_form_is_offered_only_with_a_target(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    lonely = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    assert f'action="/proposals/{lonely}/merge"' not in _page(committee, f"/proposals/{lonely}")
    target = _propose(app, cycle_id, title="合并目标")
    page = _page(committee, f"/proposals/{lonely}")
    assert f'action="/proposals/{lonely}/merge"' in page
    assert f"#{target} 合并目标" in page


# --- screening through the pages -----------------------------------------------------------


@pytest.mark.parametrize("who", ["resident_a", "resident_b", "committee_b", "organization"])
def test_committee_routes_refuse_other_roles(app, world, who):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    target = _propose(app, cycle_id)
    with app.app_context():
        o = _objects(world)
        comment_id = comments.post_comment(
            o.resident_a, db.session.get(Proposal, pid), body="好", stance=Stance.SUPPORT,
            now=utcnow(),
        ).id  # fmt: skip
    client = _as(app, who)
    for path, data in [
        (f"/proposals/{pid}/approve", {}),
        (f"/proposals/{pid}/return", {"reason": "x"}),
        (f"/proposals/{pid}/reject", {"reason": "x"}),
        (f"/proposals/{pid}/merge", {"into": str(target), "note": ""}),
        (f"/proposals/{pid}/revise", {"cost": "100", "ballot_title": "", "note": "x"}),
        (f"/proposals/{pid}/assess", {"feasibility": "feasible", "note": ""}),
        (f"/comments/{comment_id}/hide", {"reason": "x"}),
        (f"/comments/{comment_id}/restore", {"reason": "x"}),
    ]:
        assert post(client, path, data).status_code == 403, path
    assert _state(app, pid) == "submitted"
    assert client.get(f"/c/{world.a_slug}/committee/moderation").status_code == 403
    assert client.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening").status_code == 403
    with app.app_context():
        assert not db.session.get(Comment, comment_id).is_hidden


def test_anonymous_posts_go_to_the_login_page(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    for action in ("approve", "support", "withdraw", "comments"):
        response = post(client, f"/proposals/{pid}/{action}", {"reason": "x", "body": "x"})
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    assert _state(app, pid) == "submitted"


def test_the_committee_screens_through_the_page(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id, title="小区门口减速带")
    other = _propose(app, cycle_id, title="减速带（重复）", estimated_cost_fen=2_000_00)
    committee = _as(app, "committee_a")
    # Assessment with the checklist.
    page = post(
        committee,
        f"/proposals/{pid}/assess",
        {"feasibility": "needs_changes", "note": "需交警同意", "check-0": "yes", "check-1": "no"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "评估已记录。" in page
    assert "需交警同意" in page and "✓ 不属于物业公司或产权单位的职责" in page
    assert "✗ 不与政府已有或在建项目重复" in page
    # A revision keeps the proposer's estimate visible.
    page = post(
        committee,
        f"/proposals/{pid}/revise",
        {"cost": "2,500", "ballot_title": "门口减速带", "note": "按询价核减"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "修改已保存，说明将公开。" in page
    assert "2,500 元" in page and "提议人预估：3,000 元" in page
    assert "居务协商会说明： 按询价核减" in page
    assert "原标题：小区门口减速带" in page and "<h1>门口减速带</h1>" in page
    bad = post(
        committee, f"/proposals/{pid}/revise", {"cost": "abc", "note": "x"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请输入以元为单位的金额" in bad
    # Merging the duplicate.
    page = post(
        committee, f"/proposals/{other}/merge", {"into": str(pid), "note": "同一位置"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "提议已合并，其附议人转为附议另一提议。" in page
    assert f'已合并到 <a href="/proposals/{pid}">#{pid} 门口减速带</a>' in page
    assert _state(app, other) == "merged"
    assert f"#{other} 减速带（重复）" in _page(committee, f"/proposals/{pid}")
    # A reason is needed to reject; the page says so and nothing changes.
    page = post(
        committee, f"/proposals/{pid}/reject", {"reason": ""}, follow_redirects=True
    ).get_data(as_text=True)
    assert "请填写理由。" in page
    assert _state(app, pid) == "submitted"
    # Approve, then return it to the author with a message in the decision log.
    page = post(committee, f"/proposals/{pid}/approve", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "提议已列入投票。" in page and "已列入投票" in page
    page = post(
        committee, f"/proposals/{pid}/return", {"reason": "请补充交警意见"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "提议已退回提议人。" in page
    assert _state(app, pid) == "returned"
    log = page.split('id="decisions"')[1].split("</section>")[0]
    for line in ("提交了提议", "记录了可行性评估", "修改了费用或投票标题", "审核通过，已列入投票",
                 "退回提议人修改", "请补充交警意见", "按询价核减"):  # fmt: skip
        assert line in log, line
    # The author sees the message and may resubmit during screening.
    author = _page(_as(app, "resident_a"), f"/proposals/{pid}")
    assert "居务协商会将该提议退回给您修改：请查看下方的意见，修改后重新提交。" in author
    assert f'action="/proposals/{pid}/submit"' in author


def test_a_rejection_reason_is_public(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    pid = _propose(app, cycle_id)
    committee = _as(app, "committee_a")
    post(committee, f"/proposals/{pid}/reject", {"reason": "属于物业公司职责"})
    page = _page(client, f"/proposals/{pid}")
    assert "未采纳。理由： 属于物业公司职责" in page
    assert "决定不予采纳" in page  # the decision log's entry
    assert _listed(client, cycle_id, state="rejected") == [pid]


def test_screening_queue_lists_by_state(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    waiting = _propose(app, cycle_id, title="排队的提议")
    approved = _propose(app, cycle_id, title="已通过的提议")
    fans = _neighbours(app, world, 1)
    _support(app, approved, *fans)
    with app.app_context():
        committee_user = db.session.get(User, world.ids["committee_a"])
        proposals.approve(committee_user, db.session.get(Proposal, approved), now=utcnow())
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening"
    queue = _page(committee, path)
    assert f'href="/proposals/{waiting}#screening"' in queue
    assert "已通过的提议" not in queue
    on_ballot = _page(committee, path, state="approved")
    assert f'href="/proposals/{approved}#screening"' in on_ballot
    assert "排队的提议" not in on_ballot
    assert "<td>1</td>" in on_ballot  # its supports


# --- supporting and withdrawing through the page ------------------------------------------


def test_support_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    client = _as(app, neighbour)
    page = post(client, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "谢谢，您的附议已记录。" in page
    assert "<strong>1</strong> 人附议" in page
    assert f'action="/proposals/{pid}/unsupport"' in page
    page = post(client, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "您已附议过。" in page
    assert row_count(Support, app=app, proposal_id=pid) == 1
    page = post(client, f"/proposals/{pid}/unsupport", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已取消附议。" in page and "<strong>0</strong> 人附议" in page
    # Another community's resident is told no.
    other = _as(app, "resident_b")
    page = post(other, f"/proposals/{pid}/support", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "目前不能对该提议进行此操作。" in page
    assert row_count(Support, app=app, proposal_id=pid) == 0


def test_the_author_withdraws_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    author = _as(app, "resident_a")
    page = post(author, f"/proposals/{pid}/withdraw", {}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "提议已撤回。" in page and '<span class="tag state-withdrawn">已撤回</span>' in page
    assert _state(app, pid) == "withdrawn"


def test_the_author_withdraws_a_draft_through_the_page(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    assert f'action="/proposals/{pid}/withdraw"' in _page(author, f"/proposals/{pid}")
    response = post(author, f"/proposals/{pid}/withdraw", {})
    assert response.status_code == 302
    assert _state(app, pid) == "withdrawn"


# --- proposing through the form ------------------------------------------------------------


def test_propose_and_submit_through_the_form(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    form = _page(client, f"/cycles/{cycle_id}/propose")
    assert "我要提议" in form and 'name="draft"' in form and 'name="submit"' in form
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form())
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(client, f"/proposals/{pid}")
    assert "您的提议已提交。" in page
    assert "楼道装感应灯" in page and "8,000 元" in page and "三栋住户约 60 人" in page
    with app.app_context():
        p = db.session.get(Proposal, pid)
        assert (p.state, p.estimated_cost_fen, p.tag_urgent, p.tag_small) == (
            "submitted", 8_000_00, True, False,
        )  # fmt: skip
        assert p.kind is ProjectType.GOODS and p.author_id == world.ids["resident_a"]


def test_save_as_draft_through_the_form_then_submit(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    data = _proposal_form(estimated_cost="１２，０００．５")
    del data["submit"]
    data["draft"] = "1"
    response = post(client, f"/cycles/{cycle_id}/propose", data)
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(client, f"/proposals/{pid}")
    assert "已保存为草稿。请添加照片后提交。" in page
    assert _state(app, pid) == "draft"
    with app.app_context():
        assert db.session.get(Proposal, pid).estimated_cost_fen == 1_200_050
    # Edit it, then submit it.
    edit = _page(client, f"/proposals/{pid}/edit")
    assert 'value="12,000.50"' in edit
    response = post(client, f"/proposals/{pid}/edit", _proposal_form(title="楼道感应灯（修改）"))
    assert response.status_code == 302
    post(client, f"/proposals/{pid}/submit", {})
    assert _state(app, pid) == "submitted"
    with app.app_context():
        assert db.session.get(Proposal, pid).title == "楼道感应灯（修改）"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"estimated_cost": "abc"}, "请输入以元为单位的金额，如 12000 或 12,000.50。"),
        ({"estimated_cost": "-5"}, "请输入以元为单位的金额，如 12000 或 12,000.50。"),
        ({"estimated_cost": "60000"}, "费用超过本轮次此类项目的上限 50,000 元。"),
        ({"estimated_cost": "0"}, "请填写大于零的预估费用。"),
        ({"title": ""}, 'class="error"'),
        ({"category": "修路"}, 'class="error"'),
        ({"latitude": "20.03"}, "请同时填写纬度和经度，或都不填。"),
    ],
)
def test_bad_input_in_the_form_is_explained_and_nothing_is_stored(app, world, overrides, message):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="楼道装感应灯"' in page or overrides.get("title") == ""  # input is kept
    assert row_count(Proposal, app=app) == 0


def test_an_absurd_cost_is_a_form_error(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(client, f"/cycles/{cycle_id}/propose", _proposal_form(estimated_cost="1e30"))
    assert response.status_code == 200
    assert "请输入以元为单位的金额" in response.get_data(as_text=True)


def test_who_cannot_propose_is_sent_back_with_the_reason(app, world):
    cycle_id = _cycle(app, world)
    screening = _cycle(app, world, phase="screening")
    cases = [
        ("unverified", cycle_id, "请先认证居民身份再提议。"),
        ("resident_b", cycle_id, "本轮次面向其他社区。"),
        ("resident_a", screening, "本轮次目前不在征集阶段。"),
    ]
    for who, cid, message in cases:
        client = _as(app, who)
        response = post(client, f"/cycles/{cid}/propose", _proposal_form())
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/cycles/{cid}")
        assert message in _page(client, f"/cycles/{cid}")
        assert "我要提议" not in _page(client, f"/cycles/{cid}")
    assert row_count(Proposal, app=app) == 0
    assert "我要提议" in _page(_as(app, "organization"), f"/cycles/{cycle_id}")


def test_too_young_for_the_cycle(app, world):
    cycle_id = _cycle(app, world, min_age=60)  # the residents were born in 1980
    client = _as(app, "resident_a")
    post(client, f"/cycles/{cycle_id}/propose", _proposal_form())
    assert "您未达到本轮次的最低年龄。" in _page(client, f"/cycles/{cycle_id}")
    assert row_count(Proposal, app=app) == 0


# --- photos --------------------------------------------------------------------------------


def test_a_real_photo_is_cleaned_and_served(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    page = _upload(client, pid, _jpeg_with_exif()).get_data(as_text=True)
    assert "照片已添加。" in page
    with app.app_context():
        photo = db.session.scalar(select(ProposalPhoto).filter_by(proposal_id=pid))
        name, mime = photo.filename, photo.mime
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name)  # nothing of the uploader's name is kept
    assert f'src="/media/{name}"' in page
    assert "IMG_0001" not in page
    with client.get(f"/media/{name}") as served:
        assert served.status_code == 200
        assert served.headers["Content-Type"] == mime == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        data = served.get_data()
    assert b"SECRETCAM" not in data and b"SECRETDESC" not in data and b"Exif" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (640, 480)
    assert dict(image.getexif()) == {}
    # Once submitted, anyone sees it.
    post(client, f"/proposals/{pid}/submit", {})
    assert _status(app.test_client(), f"/media/{name}") == 200


def test_a_drafts_photo_is_kept_by_no_cache_and_a_public_one_by_every_cache(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    author = _as(app, "resident_a")
    _upload(author, pid, f.jpeg())
    with app.app_context():
        name = db.session.scalar(select(ProposalPhoto.filename).filter_by(proposal_id=pid))
    with author.get(f"/media/{name}") as served:
        assert served.status_code == 200
        assert served.headers["Cache-Control"] == "private, no-store"
        assert "Expires" not in served.headers
    # Still nobody else's, the committee's included, and never cached for them either.
    [neighbour] = _neighbours(app, world, 1)
    for client in (app.test_client(), _as(app, neighbour), _as(app, "committee_a")):
        with client.get(f"/media/{name}") as refused:
            assert refused.status_code == 404
            assert "public" not in refused.headers.get("Cache-Control", "")
    # Submitted, it is public: any cache may keep it for a day.
    post(author, f"/proposals/{pid}/submit", {})
    for client in (author, app.test_client()):
        with client.get(f"/media/{name}") as served:
            assert served.status_code == 200
            assert served.cache_control.public and served.cache_control.max_age == 86400
            assert not served.cache_control.private and not served.cache_control.no_store


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"This is my photo, honestly.\n" * 40, "photo.jpg", "该文件不是照片。"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 200, "photo.png", "照片文件已损坏。"),
        (b"GIF89a" + b"\x00" * 500, "photo.gif", "请使用 JPEG、PNG 或 WebP 格式的照片。"),
        (f.jpeg(40, 40), "tiny.jpg", "照片太小，看不清内容。"),
    ],
    ids=["text-named-jpg", "png-header-only", "gif", "too-small"],
)
def test_files_that_are_not_acceptable_photos_are_refused(app, world, data, name, message):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    before = _uploads(app)
    page = _upload(client, pid, data, name).get_data(as_text=True)
    assert message in page
    assert row_count(ProposalPhoto, app=app) == 0
    assert _uploads(app) == before


def test_a_photo_over_the_configured_size_is_refused(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    app.config["PHOTO_MAX_BYTES"] = 2000
    before = _uploads(app)
    big = f.jpeg(1200, 900, color="#123456")
    assert len(big) > 2000
    page = _upload(client, pid, big).get_data(as_text=True)
    assert "照片过大：最大" in page
    assert row_count(ProposalPhoto, app=app) == 0 and _uploads(app) == before


def test_a_request_over_the_site_limit_is_refused(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    before = _uploads(app)
    # The multipart body is built here as bytes: the test client would spool a body this large
    # to a temporary file that it never closes when the request is refused.
    boundary = "----microprojects-test"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(client)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="photo"; filename="huge.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff\xd8\xff"
        + b"\x00" * (9 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/proposals/{pid}/photos",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "文件过大" in response.get_data(as_text=True)
    assert row_count(ProposalPhoto, app=app) == 0 and _uploads(app) == before


def test_at_most_four_photos(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, submit=False)
    client = _as(app, "resident_a")
    for i in range(4):
        assert "照片已添加。" in _upload(client, pid, f.jpeg(color=f"#10{i}0{i}0")).get_data(
            as_text=True
        )
    page = _upload(client, pid, f.jpeg()).get_data(as_text=True)
    assert "每个提议最多 4 张照片。" in page
    assert row_count(ProposalPhoto, app=app, proposal_id=pid) == 4
    assert f'action="/proposals/{pid}/photos"' not in page  # the form is gone


def test_only_the_author_adds_photos_and_not_once_submitted(app, world):
    cycle_id = _cycle(app, world)
    draft = _propose(app, cycle_id, submit=False)
    submitted = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    assert _upload(_as(app, neighbour), submitted, f.jpeg()).status_code == 403
    page = _upload(_as(app, "resident_a"), submitted, f.jpeg()).get_data(as_text=True)
    assert "目前不能对该提议进行此操作。" in page
    assert _upload(_as(app, neighbour), draft, f.jpeg()).status_code == 404
    assert _upload(_as(app, "resident_b"), submitted, f.jpeg()).status_code == 403
    assert row_count(ProposalPhoto, app=app) == 0


# --- escaping everything people type --------------------------------------------------------


def test_proposal_fields_are_escaped_wherever_shown(app, world):
    cycle_id = _cycle(app, world)
    client = _as(app, "resident_a")
    response = post(
        client,
        f"/cycles/{cycle_id}/propose",
        _proposal_form(
            title="<script>T1</script>",
            description='<script>D1</script>\n\n<img src=x onerror="alert(1)">\n\n'
            "[link](javascript:alert(2))",
            location="<script>L1</script>",
            beneficiaries="<script>B1</script>",
        ),
    )
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    detail = _page(client, f"/proposals/{pid}")
    for marker in ("T1", "L1", "B1"):
        _escaped(detail, marker)
    assert "<title>&lt;script&gt;T1&lt;/script&gt;" in detail
    _no_script(detail)
    assert 'href="javascript:' not in detail
    listing = _page(client, f"/cycles/{cycle_id}")
    _escaped(listing, "T1")
    _no_script(listing)
    assert "D1" in listing  # the excerpt, as text
    committee_view = _page(_as(app, "committee_a"), f"/proposals/{pid}")
    _escaped(committee_view, "T1")
    _no_script(committee_view)


def test_comment_report_and_hide_reasons_are_escaped(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id)
    [neighbour] = _neighbours(app, world, 1)
    author = _as(app, "resident_a")
    post(author, f"/proposals/{pid}/comments", {"body": "<script>C1</script>", "stance": "oppose"})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    reporter = _as(app, neighbour)
    post(reporter, f"/comments/{comment_id}/report", {"reason": "<script>R1</script>"})
    detail = _page(reporter, f"/proposals/{pid}")
    _escaped(detail, "C1")
    _no_script(detail)
    committee = _as(app, "committee_a")
    moderation = _page(committee, f"/c/{world.a_slug}/committee/moderation")
    _escaped(moderation, "C1")
    _escaped(moderation, "R1")
    _no_script(moderation)
    post(committee, f"/comments/{comment_id}/hide", {"reason": "<script>H1</script>"})
    public = _page(app.test_client(), f"/proposals/{pid}")
    _escaped(public, "H1")
    assert "已被居务协商会隐藏：&lt;script&gt;H1" in public
    _no_script(public)
    notices = _page(author, "/account/notifications")
    _escaped(notices, "H1")
    _no_script(notices)


def test_screening_texts_are_escaped(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    rejected = _propose(app, cycle_id)
    revised = _propose(app, cycle_id, title="<script>O1</script>")
    committee = _as(app, "committee_a")
    post(committee, f"/proposals/{rejected}/reject", {"reason": "<script>X1</script>"})
    post(
        committee,
        f"/proposals/{revised}/revise",
        {"cost": "100", "ballot_title": "<script>BT1</script>", "note": "<script>N1</script>"},
    )
    page = _page(client, f"/proposals/{rejected}")
    _escaped(page, "X1")
    _no_script(page)
    page = _page(client, f"/proposals/{revised}")
    for marker in ("O1", "BT1", "N1"):
        _escaped(page, marker)
    assert "原标题：&lt;script&gt;O1" in page
    _no_script(page)
    notices = _page(_as(app, "resident_a"), "/account/notifications")
    for marker in ("X1", "BT1", "N1"):
        _escaped(notices, marker)
    _no_script(notices)
    queue = _page(committee, f"/c/{world.a_slug}/committee/cycles/{cycle_id}/screening")
    _escaped(queue, "BT1")
    _no_script(queue)
    # The merge form lists the other proposals by their titles.
    third = _propose(app, cycle_id)
    page = _page(committee, f"/proposals/{third}")
    assert f'action="/proposals/{third}/merge"' in page
    _escaped(page, "BT1")
    _no_script(page)
    audit = _page(committee, f"/c/{world.a_slug}/committee/audit")
    for marker in ("X1", "BT1", "N1"):
        _escaped(audit, marker)
    _no_script(audit)


def test_on_behalf_name_and_cycle_title_are_escaped(app, client, world):
    committee = _as(app, "committee_a")
    start = utcnow() + timedelta(hours=8) - timedelta(days=1)  # local time, a day ago
    dates = {
        f"{name}_at": (start + timedelta(days=10 * i)).strftime("%Y-%m-%dT%H:%M")
        for i, name in enumerate(
            ["collecting", "screening", "voting", "publication", "implementation", "closed"]
        )
    }
    response = post(
        committee,
        f"/c/{world.a_slug}/committee/cycles",
        {
            "title": "<script>CY1</script>",
            "description": "<script>CD1</script>",
            "budget": "300000",
            "categories": "设施维修\n<script>CAT1</script>",
            "checklist": "<script>CK1</script>",
            "min_age": "15",
            "allow_work": "y",
            **dates,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        cycle_id = db.session.scalar(select(Cycle.id))
    response = post(
        committee,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter",
        {**_proposal_form(), "on_behalf_of": "<script>OB1</script>", "community": world.a_id},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    post(
        committee,
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}",
        {"reason": "<script>PR1</script>"},
    )  # fmt: skip  (ends collecting: a public reason)
    for path, markers in [
        (f"/proposals/{pid}", ["OB1", "CY1", "CK1"]),
        (f"/cycles/{cycle_id}", ["CY1", "CAT1", "PR1"]),
        ("/cycles", ["CY1"]),
    ]:
        viewer = committee if path.startswith("/proposals") else client
        page = _page(viewer, path)
        for marker in markers:
            _escaped(page, marker)
        _no_script(page)
    cycle_page = _page(client, f"/cycles/{cycle_id}")
    assert "CD1" in cycle_page  # the description, through the Markdown sanitizer
    for path in (
        f"/c/{world.a_slug}/committee/cycles",
        f"/c/{world.a_slug}/committee/cycles/{cycle_id}",
        f"/c/{world.a_slug}/committee/audit",
    ):
        page = _page(committee, path)
        _escaped(page, "CY1")
        _no_script(page)
    _escaped(_page(committee, f"/c/{world.a_slug}/committee/audit"), "OB1")


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
    assert f'action="/comments/{comment_id}/restore"' in queue
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
    assert "4 次举报" in queue and '<span class="tag">待处理</span>' not in queue
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


# --- the committee's cycle forms ----------------------------------------------------------


def _cycle_form(**overrides) -> dict:
    values = {
        "title": "2030 年振兴社区微实事",
        "description": "",
        "budget": "300,000",
        "project_cap": "100000",
        "cap_engineering": "",
        "cap_service": "",
        "cap_goods": "50000",
        "categories": "环境整治\n设施维修\n",
        "checklist": "不属于物业职责\n",
        "min_age": "16",
        "allow_work": "y",
        "collecting_at": "2030-03-01T09:00",
        "screening_at": "2030-03-20T09:00",
        "voting_at": "2030-04-01T00:30",
        "publication_at": "2030-04-10T09:00",
        "implementation_at": "2030-05-01T09:00",
        "closed_at": "2030-12-31T18:00",
        **overrides,
    }
    return values


def test_the_committee_creates_a_cycle_in_local_time(app, world):
    from datetime import datetime

    committee = _as(app, "committee_a")
    form = _page(committee, f"/c/{world.a_slug}/committee/cycles")
    assert "新建轮次" in form and "Asia/Shanghai" in form
    response = post(committee, f"/c/{world.a_slug}/committee/cycles", _cycle_form())
    assert response.status_code == 302
    page = _page(committee, response.headers["Location"])
    assert "轮次已创建。" in page and "2030 年振兴社区微实事" in page
    with app.app_context():
        c = db.session.scalar(select(Cycle))
        # Entered in Beijing time, stored in UTC: eight hours earlier.
        assert c.collecting_at == datetime(2030, 3, 1, 1, 0)
        assert c.voting_at == datetime(2030, 3, 31, 16, 30)
        assert c.closed_at == datetime(2030, 12, 31, 10, 0)
        assert (c.budget_fen, c.project_cap_fen, c.cap_goods_fen, c.cap_service_fen) == (
            300_000_00, 100_000_00, 50_000_00, None,
        )  # fmt: skip
        assert c.categories == ["环境整治", "设施维修"]
        assert c.checklist == ["不属于物业职责"]
        assert (c.min_age, c.allow_work, c.allow_study) == (16, True, False)
        assert c.community_id == world.a_id and c.created_by_id == world.ids["committee_a"]
    # The pages show it back in local time.
    assert '<th scope="row">征集</th><td>2030/3/1 09:00</td>' in page
    assert '<th scope="row">投票</th><td>2030/4/1 00:30</td>' in page


def test_cycle_form_errors(app, world):
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles"
    page = post(committee, path, _cycle_form(voting_at="2030-03-10T09:00")).get_data(as_text=True)
    assert "各阶段的开始时间须依次排列。" in page
    page = post(committee, path, _cycle_form(budget="很多")).get_data(as_text=True)
    assert "请输入以元为单位的金额" in page
    page = post(committee, path, _cycle_form(title="")).get_data(as_text=True)
    assert 'class="error"' in page
    assert row_count(Cycle, app=app) == 0


def test_a_cycle_without_minimum_age(app, world):
    committee = _as(app, "committee_a")
    response = post(committee, f"/c/{world.a_slug}/committee/cycles", _cycle_form(min_age="0"))
    assert "该字段是必填字段。" not in response.get_data(as_text=True)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Cycle.min_age)) == 0


def test_only_the_committee_creates_cycles(app, world):
    for who in ("resident_a", "committee_b"):
        client = _as(app, who)
        assert client.get(f"/c/{world.a_slug}/committee/cycles").status_code == 403
        assert post(client, f"/c/{world.a_slug}/committee/cycles", _cycle_form()).status_code == 403
    assert row_count(Cycle, app=app) == 0


def test_ending_a_phase_early_through_the_form(app, client, world):
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    assert "调整日程" in _page(committee, path)
    page = post(committee, path, {"until": "", "reason": ""}).get_data(as_text=True)
    assert 'class="error"' in page
    response = post(committee, path, {"until": "", "reason": "提议已经足够"})
    assert response.status_code == 302
    assert "日程已调整，理由将公开。" in _page(committee, path)
    public = _page(client, f"/cycles/{cycle_id}")
    assert "当前：协商审核" in public
    assert "日程调整" in public and "提前结束了阶段" in public and "提议已经足够" in public
    # Not by another committee.
    other = _as(app, "committee_b")
    assert post(other, path, {"reason": "x"}).status_code == 403


def test_extending_a_phase_through_the_form_in_local_time(app, client, world):
    cycle_id = _cycle(app, world, phase="screening")
    with app.app_context():
        old = db.session.get(Cycle, cycle_id).schedule
    local_until = (old.voting + timedelta(days=2, hours=8)).replace(second=0, microsecond=0)
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}"
    response = post(
        committee, path, {"until": local_until.strftime("%Y-%m-%dT%H:%M"), "reason": "再讨论两天"}
    )
    assert response.status_code == 302
    with app.app_context():
        c = db.session.get(Cycle, cycle_id)
        assert c.voting_at == local_until - timedelta(hours=8)
        shift = c.voting_at - old.voting
        assert c.publication_at == old.publication + shift
        assert c.closed_at == old.closed + shift
    public = _page(client, f"/cycles/{cycle_id}")
    assert "延长了阶段" in public and "再讨论两天" in public
    past = (utcnow() + timedelta(hours=8) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = post(committee, path, {"until": past, "reason": "x"}).get_data(as_text=True)
    assert "请延长到将来的某个时间。" in page


def test_entering_a_proposal_on_behalf_through_the_form(app, world):
    cycle_id = _cycle(app, world, phase="screening")
    committee = _as(app, "committee_a")
    path = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter"
    form = _page(committee, path)
    assert "代录线下提议" in form and 'name="on_behalf_of"' in form
    response = post(
        committee, path, {**_proposal_form(), "on_behalf_of": "陈阿婆", "community": world.a_id}
    )
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    page = _page(app.test_client(), f"/proposals/{pid}")
    assert "陈阿婆" in page
    assert "由 committee_a 在社区办公室代录" in page
    assert "代居民录入了提议" in page
    with app.app_context():
        p = db.session.get(Proposal, pid)
        assert (p.state, p.author_id, p.entered_by_id, p.on_behalf_of) == (
            "submitted", None, world.ids["committee_a"], "陈阿婆",
        )  # fmt: skip
    page = post(
        committee, path, {**_proposal_form(), "on_behalf_of": "", "community": world.a_id}
    ).get_data(as_text=True)
    assert 'class="error"' in page
    for who in ("resident_a", "committee_b"):
        client = _as(app, who)
        assert client.get(path).status_code == 403
        data = {**_proposal_form(), "on_behalf_of": "x", "community": world.a_id}
        assert post(client, path, data).status_code == 403
    assert row_count(Proposal, app=app) == 1


def test_the_on_behalf_form_offers_no_draft_it_cannot_keep(app, world):
    cycle_id = _cycle(app, world)
    committee = _as(app, "committee_a")
    form = _page(committee, f"/c/{world.a_slug}/committee/cycles/{cycle_id}/enter")
    assert 'name="draft"' not in form


# --- in English ---------------------------------------------------------------------------


def test_the_proposal_page_in_english(app, world):
    cycle_id = _cycle(app, world)
    pid = _propose(app, cycle_id, title="楼下放两张长椅")
    [neighbour] = _neighbours(app, world, 1)
    client = _as(app, neighbour)
    post(client, "/lang", {"lang": "en"})
    page = _page(client, f"/proposals/{pid}")
    assert '<html lang="en">' in page
    assert "Now: Proposals (征集)" in page
    assert "Decision log" in page and "Submitted the proposal" in page
    assert "Support (附议)" in page and "Deliberation" in page
    assert "3,000 yuan" in page
    assert "楼下放两张长椅" in page  # what residents typed stays as typed
    assert "决策记录" not in page
    listing = _page(client, f"/cycles/{cycle_id}")
    assert "1 proposal" in listing and "Newest first" in listing


def test_a_hidden_comment_is_readable_by_the_committee_only(app, world):
    from microprojects.models import Comment, User, utcnow
    from microprojects.services import comments

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
