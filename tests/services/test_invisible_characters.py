"""What people type, as the services keep it: titles and names lose every invisible formatting
character (a right-to-left override makes "照片\u202egpj.exe" read "照片exe.jpg"; a zero-width
space makes a second "张伟"); long texts lose the characters that reorder what follows them.
On SQLite and PostgreSQL alike."""

from datetime import timedelta

import factories as f
from sqlalchemy import select

from microprojects.domain.cycles import Stance
from microprojects.domain.pabulib import parse_pb_text
from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import (
    CommitteeMembership,
    Community,
    Grid,
    Household,
    Proposal,
    RosterEntry,
    User,
    utcnow,
)
from microprojects.services import accounts, comments, counting, places, proposals, residency
from microprojects.services import implementation as impl

RLO, RLI, PDI, ZWSP, BOM, LRM = "\u202e", "\u2067", "\u2069", "\u200b", "\ufeff", "\u200e"


def hidden_in(word: str) -> str:
    """``word`` with invisible characters before, inside and after it."""
    return f"{RLO}{word[0]}{ZWSP}{word[1:]}{LRM}{PDI}{BOM}"


def reordered(text: str) -> str:
    """``text`` on two lines, each with an override or an isolate that would reorder it."""
    return f"{RLO}{text}\n{RLI}第二行{PDI}"


def test_names_of_people_organizations_and_places(ctx):
    w = f.world()
    person = accounts.register_user(
        username="zhangwei", password=f.PASSWORD, display_name=hidden_in("张伟"), phone=None,
        now=f.NOW,
    )  # fmt: skip
    membership = accounts.add_committee_member(
        w.admin, person, w.b, title=hidden_in("委员"), now=f.NOW
    )
    org = accounts.create_organization(
        w.admin, name=hidden_in("海口义工联"), registration_no=hidden_in("52460100MJ0000002X"),
        community=w.a, now=f.NOW,
    )  # fmt: skip
    place = places.ensure_community(
        city="海口市", district=hidden_in("美兰区"), street=hidden_in("白沙街道"),
        community=hidden_in("白沙门社区"), slug="baishamen", grids=[hidden_in("第三网格")],
        actor=w.admin,
    )  # fmt: skip
    db.session.expire_all()
    assert db.session.get(User, person.id).display_name == "张伟"
    assert db.session.get(CommitteeMembership, membership.id).title == "委员"
    assert (org.name, org.registration_no) == ("海口义工联", "52460100MJ0000002X")
    place = db.session.get(Community, place.id)
    assert (place.street.district.name, place.street.name, place.name) == (
        "美兰区", "白沙街道", "白沙门社区",
    )  # fmt: skip
    assert db.session.scalar(select(Grid.name).filter_by(community_id=place.id)) == "第三网格"


def test_names_on_the_roster_and_in_a_request_match_once_cleaned(ctx):
    w = f.world()
    residency.import_roster(
        w.committee_a, w.a,
        f.roster_csv(f"第二网格,{hidden_in('5栋2单元502')},{hidden_in('孙秀兰')},,1975-03-03,居住"),
        now=f.NOW,
    )  # fmt: skip
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.full_name.like("%秀兰")))
    assert entry.full_name == "孙秀兰"
    assert db.session.get(Household, entry.household_id).address == "5栋2单元502"
    request = residency.request_verification(
        f.user("sunxiulan"), w.a, basis=Basis.LIVE, full_name=f"孙秀{ZWSP}兰", phone=None,
        birth_date=None, address=f"5栋2单元502{RLO}", note=reordered("我住这里"), now=f.NOW,
    )  # fmt: skip
    assert (request.full_name, request.address) == ("孙秀兰", "5栋2单元502")
    assert request.note == "我住这里\n第二行"
    assert residency.roster_matches(request) == [entry]


def test_titles_of_cycles_proposals_and_ballots_and_what_is_said_about_them(ctx):
    w = f.world()
    cycle = f.cycle(
        w.a, w.committee_a, title=hidden_in("2026 年微实事"),
        categories=[hidden_in("设施维修"), f"{ZWSP}{RLO}"], checklist=[hidden_in("是否合规")],
        description=reordered("说明"),
    )  # fmt: skip
    assert cycle.title == "2026 年微实事"
    assert (cycle.categories, cycle.checklist) == (["设施维修"], ["是否合规"])
    assert cycle.description == "说明\n第二行"
    data = f.proposal_input(
        title=hidden_in("报刊亭旁放两张石凳"), description=reordered("老人没有地方坐。"),
        location=hidden_in("振兴路报刊亭"), beneficiaries=hidden_in("老人"),
    )  # fmt: skip
    proposal = proposals.create_proposal(w.resident_a, cycle, data, submit=True, now=utcnow())
    assert (proposal.title, proposal.location, proposal.beneficiaries) == (
        "报刊亭旁放两张石凳", "振兴路报刊亭", "老人",
    )  # fmt: skip
    assert proposal.description == "老人没有地方坐。\n第二行"
    entered = proposals.enter_on_behalf(
        w.committee_a, cycle, w.a, f.proposal_input(title="路灯"), on_behalf_of=hidden_in("陈阿婆"),
        now=utcnow(),
    )  # fmt: skip
    assert entered.on_behalf_of == "陈阿婆"
    comment = comments.post_comment(
        w.resident_a, proposal, body=reordered("同意"), stance=Stance.SUPPORT, now=utcnow()
    )
    assert comment.body == "同意\n第二行"
    screening = cycle.screening_at + timedelta(hours=1)
    proposals.revise(
        w.committee_a, proposal, cost_fen=None, ballot_title=hidden_in("两张石凳"),
        note=reordered("标题更短"), now=screening,
    )  # fmt: skip
    assert proposal.ballot_title == "两张石凳"
    f.assessed(w.committee_a, entered, now=screening)
    proposals.reject(w.committee_a, entered, reason=reordered("重复"), now=screening)
    assert entered.rejection_reason == "重复\n第二行"


def test_what_the_committee_writes_about_a_project(ctx):
    w = f.world()
    project, record = f.implemented_project(w.a, w.committee_a)
    impl.update_details(
        w.committee_a, record, contractor=hidden_in("美兰区市政工程队"), planned_fen=1, now=utcnow()
    )
    milestone = impl.add_milestone(
        w.committee_a, record, title=hidden_in("进场施工"), planned_on=None, now=utcnow()
    )
    spending = impl.add_spending(
        w.committee_a, record, amount_fen=1, spent_on=utcnow().date(), note=hidden_in("材料费"),
        now=utcnow(),
    )  # fmt: skip
    assert (record.contractor, milestone.title, spending.note) == (
        "美兰区市政工程队", "进场施工", "材料费",
    )  # fmt: skip
    report = impl.report_problem(
        w.resident_a, project, body=reordered("灯不亮"), photo=None, now=utcnow()
    )
    assert report.body == "灯不亮\n第二行"


def test_an_imported_election_is_cleaned_as_typed_text_is(ctx):
    w = f.world()
    election = parse_pb_text(
        "META\nkey;value\ndescription;x\ncountry;x\nunit;x\ninstance;1\nnum_projects;2\n"
        "num_votes;1\nbudget;10\nvote_type;approval\nrule;greedy\ndate_begin;2024\n"
        f"date_end;2024\nPROJECTS\nproject_id;cost;name;category\n1;5;{hidden_in('长椅')};"
        f"{hidden_in('设施')}\n2;6;{RLO}{ZWSP};\nVOTES\nvoter_id;vote\n1;1\n"
    )
    cycle = counting.import_election(
        election, community=w.a, title=hidden_in("2024 年导入"), now=utcnow()
    )
    assert (cycle.title, cycle.categories) == ("2024 年导入", ["设施"])
    titles = db.session.scalars(select(Proposal.title).filter_by(cycle_id=cycle.id)).all()
    assert sorted(titles) == ["#2", "长椅"]
