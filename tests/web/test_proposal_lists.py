"""The proposal pages anyone may read: a cycle's list with its filters, search, sorting and
pages, a draft's page, what each viewer sees on a proposal's page, and the pages in
English. Cycles are built in the phase a test needs, against the real clock, as the pages
use it."""

import re
from datetime import timedelta

import factories as f
from proposal_pages import (
    CARD,
    _as,
    _cycle,
    _listed,
    _neighbours,
    _objects,
    _page,
    _propose,
    _state,
    _status,
    _support,
    _upload,
)
from sqlalchemy import select
from webclient import post

from microprojects.extensions import db
from microprojects.models import Proposal, ProposalPhoto, User, utcnow
from microprojects.services import cycles as cycle_service
from microprojects.services import proposals
from microprojects.services.cycles import CycleInput

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
        f.rejected(committee, db.session.get(Proposal, rejected), reason="重复")
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
