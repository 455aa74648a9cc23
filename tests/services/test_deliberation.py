"""Deliberative bodies and their meetings: members, attendance, quorum, recusal, votes,
resolutions in the proposal's decision log, and who may do any of it."""

from __future__ import annotations

import threading
from datetime import timedelta

import factories as f
import pytest
from sqlalchemy import func, select

from microprojects.domain.deliberation import BodyKind, Decision, MeetingStatus, VoteMode
from microprojects.extensions import db
from microprojects.models import (
    AgendaItem,
    AuditEntry,
    Body,
    Meeting,
    Proposal,
    Resolution,
    User,
    utcnow,
)
from microprojects.services import browsing, proposals
from microprojects.services import deliberation as d
from microprojects.services.errors import ErrorCode, PermissionDenied, ServiceError

NAMES = ["陈主任", "林委员", "黄委员", "吴代表", "郑代表", "周代表", "冯代表", "何代表", "曾代表"]


def _audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).filter_by(action=action)))


def build(w):
    """A 居务协商会 of 11 members (the committee member, the author, nine without account) and
    a meeting with three of the author's proposals (one supported by a member)."""
    now = utcnow()
    cycle = f.cycle(w.a, w.committee_a)
    supporter = f.verified_resident("supporter", w.a, w.committee_a, "李支持", "1栋1单元102")
    made = []
    for title in ("报刊亭旁放两张石凳", "楼道灯换成声控灯", "小广场加装健身器材"):
        made.append(
            proposals.create_proposal(
                w.resident_a, cycle, f.proposal_input(title=title), submit=True, now=now
            )
        )
    proposals.support(supporter, made[1], now=now)
    body = d.create_body(
        w.committee_a, w.a, d.default_body_input(BodyKind.COUNCIL, "振兴社区居务协商会"), now=now
    )
    d.add_member(w.committee_a, body, login="committee_a", role="主持", now=now)
    d.add_member(w.committee_a, body, login="resident_a", role="委员", now=now)
    d.add_member(w.committee_a, body, login="supporter", role="委员", now=now)
    for name in NAMES[:8]:
        d.add_member(w.committee_a, body, name=name, role="委员", now=now)
    meeting = d.schedule_meeting(
        w.committee_a,
        body,
        d.MeetingInput(
            title="十二月居务协商会",
            starts_at=now + timedelta(days=1),
            place="社区二楼会议室",
            proposal_ids=tuple(p.id for p in made),
            other_items=("下季度议事安排",),
        ),
        now=now,
    )
    return body, meeting, made


def mark(w, meeting, count, now=None):
    """The first ``count`` members of the roster present, the rest absent."""
    marks = {
        a.member_id: ("present" if i < count else "absent")
        for i, a in enumerate(sorted(meeting.attendance, key=lambda a: a.member_id))
    }
    d.record_attendance(w.committee_a, meeting, marks, now=now or utcnow())


@pytest.fixture
def setting(ctx):
    w = f.world()
    body, meeting, made = build(w)
    return w, body, meeting, made


def test_a_body_is_managed_by_its_committee_and_audited(setting):
    w, body, _, _ = setting
    assert len(body.current_members) == 11
    assert (body.quorum_num, body.quorum_den, body.majority_num, body.majority_den) == (2, 3, 1, 2)
    (created,) = _audits("body.create")
    assert created.actor_id == w.committee_a.id and created.community_id == w.a.id
    assert len(_audits("body.member_add")) == 11
    with pytest.raises(ServiceError) as taken:
        d.create_body(
            w.committee_a, w.a, d.default_body_input(BodyKind.COUNCIL, "振兴社区居务协商会"),
            now=utcnow(),
        )  # fmt: skip
    assert taken.value.code is ErrorCode.BODY_NAME_TAKEN
    with pytest.raises(ServiceError) as again:
        d.add_member(w.committee_a, body, login="resident_a", now=utcnow())
    assert again.value.code is ErrorCode.MEMBER_ALREADY


def test_another_communitys_committee_and_residents_may_do_nothing(setting):
    w, body, meeting, _ = setting
    now = utcnow()
    item = meeting.items[0]
    for outsider in (w.committee_b, w.resident_a, w.organization):
        attempts = [
            lambda: d.create_body(
                outsider, w.a, d.default_body_input(BodyKind.COMMITTEES, "两委会"), now=now
            ),
            lambda: d.add_member(outsider, body, name="某人", now=now),
            lambda: d.record_attendance(outsider, meeting, {}, now=now),
            lambda: d.record_vote(outsider, meeting, item, d.VoteInput(1, 0, 0), now=now),
            lambda: d.publish_meeting(outsider, meeting, now=now),
            lambda: d.cancel_meeting(outsider, meeting, "改期", now=now),
            lambda: d.save_minutes(outsider, meeting, "纪要", now=now),
        ]
        for call in attempts:
            with pytest.raises(PermissionDenied):
                call()
    assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0
    # The administrator may.
    d.record_attendance(w.admin, meeting, {meeting.attendance[0].member_id: "present"}, now=now)


def test_the_roster_is_fixed_when_the_meeting_is_scheduled(setting):
    w, body, meeting, _ = setting
    assert meeting.expected == 11 and meeting.present == 0
    assert [i.position for i in meeting.items] == [1, 2, 3, 4]
    assert meeting.items[3].text == "下季度议事安排"
    d.add_member(w.committee_a, body, name="新来的代表", now=utcnow())
    db.session.refresh(meeting)
    assert meeting.expected == 11


def test_without_quorum_the_vote_is_refused_with_the_numbers(setting):
    w, _, meeting, _ = setting
    mark(w, meeting, 7)  # 2/3 of 11 is 7.33: 8 are needed
    with pytest.raises(ServiceError) as refused:
        d.record_vote(w.committee_a, meeting, meeting.items[0], d.VoteInput(7, 0, 0), now=utcnow())
    assert refused.value.code is ErrorCode.MEETING_NO_QUORUM
    assert refused.value.params == {"present": 7, "expected": 11, "needed": 8}
    assert db.session.scalar(select(func.count()).select_from(Resolution)) == 0


def test_authors_and_supporters_are_recused_and_the_counts_must_fit(setting):
    w, _, meeting, made = setting
    mark(w, meeting, 9)  # the committee member, the author, the supporter and six others
    first, second = meeting.items[0], meeting.items[1]
    recused = d.item_recusals(meeting, first)
    assert [(r.member.name, r.reason.value) for r in recused] == [("resident_a", "author")]
    recused = d.item_recusals(meeting, second)
    assert sorted(r.reason.value for r in recused) == ["author", "supporter"]
    assert d.item_recusals(meeting, meeting.items[3]) == []
    # 9 present, 1 recused: at most 8 votes.
    with pytest.raises(ServiceError) as too_many:
        d.record_vote(w.committee_a, meeting, first, d.VoteInput(7, 1, 1), now=utcnow())
    assert too_many.value.code is ErrorCode.VOTES_EXCEED
    assert too_many.value.params == {"voters": 8}
    resolution = d.record_vote(w.committee_a, meeting, first, d.VoteInput(7, 1, 0), now=utcnow())
    assert resolution.decision is Decision.PASSED
    assert (resolution.members, resolution.present, resolution.recused) == (11, 9, 1)
    assert resolution.proposal_id == made[0].id and resolution.body_id == meeting.body_id
    assert resolution.recusals[0]["reason"] == "author"
    # 7 may vote on the second (author and supporter recused); 3 for is no majority.
    lost = d.record_vote(w.committee_a, meeting, second, d.VoteInput(3, 3, 1), now=utcnow())
    assert lost.decision is Decision.FAILED and lost.recused == 2
    assert meeting.status is MeetingStatus.HELD
    (vote, _) = _audits("meeting.vote")
    assert vote.after["decision"] == "passed" and vote.after["recused"] == 1
    with pytest.raises(ServiceError) as twice:
        d.record_vote(w.committee_a, meeting, first, d.VoteInput(7, 1, 0), now=utcnow())
    assert twice.value.code is ErrorCode.ITEM_RESOLVED


def test_published_resolutions_enter_the_proposals_decision_log(setting):
    w, _, meeting, made = setting
    mark(w, meeting, 9)
    d.record_vote(w.committee_a, meeting, meeting.items[0], d.VoteInput(7, 1, 0), now=utcnow())
    assert d.proposal_resolutions(made[0]) == []  # not before it is published
    assert d.publish_meeting(w.committee_a, meeting, now=utcnow()) == 1
    page = browsing.read_proposal_page(None, db.session.get(Proposal, made[0].id), utcnow())
    (entry,) = [e for e in page.log if e.action == "proposal.resolution"]
    assert entry.after is not None
    assert {k: entry.after[k] for k in ("body", "decision", "for", "against", "abstain")} == {
        "body": "振兴社区居务协商会", "decision": "passed", "for": 7, "against": 1, "abstain": 0,
    }  # fmt: skip
    assert (entry.after["recused"], entry.after["expected"], entry.after["present"]) == (1, 11, 9)
    # Published, the meeting is closed to changes.
    with pytest.raises(ServiceError) as closed:
        d.record_vote(w.committee_a, meeting, meeting.items[1], d.VoteInput(5, 0, 0), now=utcnow())
    assert closed.value.code is ErrorCode.MEETING_CLOSED


def test_named_votes_record_each_member_and_refuse_the_recused(setting):
    w, body, meeting, _ = setting
    body.vote_mode = VoteMode.NAMED
    db.session.commit()
    mark(w, meeting, 9)
    present = [a.member for a in meeting.attendance if a.presence == "present"]
    author = next(m for m in present if m.name == "resident_a")
    others = [m for m in present if m is not author]
    with pytest.raises(ServiceError) as recused:
        d.record_vote(
            w.committee_a, meeting, meeting.items[0],
            d.VoteInput(named={author.id: "for"}), now=utcnow(),
        )  # fmt: skip
    assert recused.value.code is ErrorCode.VOTES_EXCEED
    named = {m.id: "for" for m in others[:5]} | {others[5].id: "against"}
    resolution = d.record_vote(
        w.committee_a, meeting, meeting.items[0], d.VoteInput(named=named), now=utcnow()
    )
    assert (resolution.votes_for, resolution.against, resolution.abstain) == (5, 1, 0)
    assert len(resolution.votes) == 6


def test_a_meeting_is_cancelled_with_a_reason_and_then_closed(setting):
    w, _, meeting, _ = setting
    with pytest.raises(ServiceError) as no_reason:
        d.cancel_meeting(w.committee_a, meeting, "  ", now=utcnow())
    assert no_reason.value.code is ErrorCode.REASON_REQUIRED
    d.cancel_meeting(w.committee_a, meeting, "台风天改期", now=utcnow())
    assert meeting.status is MeetingStatus.CANCELLED
    with pytest.raises(ServiceError) as closed:
        mark(w, meeting, 9)
    assert closed.value.code is ErrorCode.MEETING_CLOSED


def test_an_agenda_takes_only_the_communitys_live_proposals(ctx):
    w = f.world()
    other_cycle = f.cycle(w.b, w.committee_b, title="白龙社区微实事")
    theirs = proposals.create_proposal(
        w.resident_b, other_cycle, f.proposal_input(), submit=True, now=utcnow()
    )
    body = d.create_body(
        w.committee_a, w.a, d.default_body_input(BodyKind.COUNCIL, "居务协商会"), now=utcnow()
    )
    with pytest.raises(ServiceError) as empty:
        d.schedule_meeting(
            w.committee_a, body, d.MeetingInput("会", utcnow(), other_items=("x",)), now=utcnow()
        )
    assert empty.value.code is ErrorCode.MEETING_NO_MEMBERS
    d.add_member(w.committee_a, body, name="陈主任", now=utcnow())
    with pytest.raises(ServiceError) as foreign:
        d.schedule_meeting(
            w.committee_a, body, d.MeetingInput("会", utcnow(), proposal_ids=(theirs.id,)),
            now=utcnow(),
        )  # fmt: skip
    assert foreign.value.code is ErrorCode.AGENDA_PROPOSAL_INVALID
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_a_double_tap_on_a_vote_makes_one_resolution(app):
    with app.app_context():
        w = f.world()
        _, meeting, _ = build(w)
        mark(w, meeting, 9)
        ids = {"user": w.committee_a.id, "meeting": meeting.id, "item": meeting.items[0].id}
        db.session.remove()
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def tap() -> None:
        with app.app_context():
            try:
                user = db.session.get(User, ids["user"])
                meeting = db.session.get(Meeting, ids["meeting"])
                item = db.session.get(AgendaItem, ids["item"])
                barrier.wait()
                d.record_vote(user, meeting, item, d.VoteInput(7, 1, 0), now=utcnow())
                outcomes.append("recorded")
            except ServiceError as error:
                outcomes.append(error.code)
            except Exception as error:  # named, and the test fails
                outcomes.append(f"{type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=tap) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == sorted(["recorded", ErrorCode.ITEM_RESOLVED])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resolution)) == 1
        assert db.session.scalar(select(func.count()).select_from(Body)) == 1


def test_a_member_checks_in_once_and_only_a_member(setting):
    w, _, meeting, _ = setting
    assert d.check_in(w.resident_a, meeting, now=utcnow()) is True
    assert d.check_in(w.resident_a, meeting, now=utcnow()) is False  # a second scan
    assert meeting.present == 1
    (entry,) = _audits("meeting.check_in")
    assert entry.actor_id == w.resident_a.id and entry.after == {
        "member": "resident_a",
        "present": 1,
    }
    for outsider in (w.resident_b, w.committee_b, w.admin):
        with pytest.raises(ServiceError) as refused:
            d.check_in(outsider, meeting, now=utcnow())
        assert refused.value.code is ErrorCode.NOT_A_MEMBER
    assert meeting.present == 1


def test_the_agenda_changes_until_an_item_is_decided_and_each_change_is_audited(setting):
    w, _, meeting, made = setting
    now = utcnow()
    later = proposals.create_proposal(
        w.resident_a, made[0].cycle, f.proposal_input(title="幸福巷安装路灯"), submit=True, now=now
    )
    added = d.add_agenda_items(
        w.committee_a, meeting, proposal_ids=[later.id], other_items=["  ", "路灯电费"], now=now
    )
    assert added == 2
    db.session.refresh(meeting)
    assert [i.position for i in meeting.items] == [1, 2, 3, 4, 5, 6]
    assert meeting.items[4].proposal_id == later.id and meeting.items[5].text == "路灯电费"
    # A proposal already on the agenda, nothing at all, another community's proposal: refused.
    with pytest.raises(ServiceError) as twice:
        d.add_agenda_items(w.committee_a, meeting, proposal_ids=[made[0].id], now=now)
    assert twice.value.code is ErrorCode.AGENDA_ALREADY
    with pytest.raises(ServiceError) as empty:
        d.add_agenda_items(w.committee_a, meeting, other_items=[" "], now=now)
    assert empty.value.code is ErrorCode.MEETING_NO_AGENDA
    theirs = proposals.create_proposal(
        w.resident_b, f.cycle(w.b, w.committee_b), f.proposal_input(), submit=True, now=now
    )
    with pytest.raises(ServiceError) as foreign:
        d.add_agenda_items(w.committee_a, meeting, proposal_ids=[theirs.id], now=now)
    assert foreign.value.code is ErrorCode.AGENDA_PROPOSAL_INVALID
    # An item voted on stays; another goes, and the positions left keep their order.
    mark(w, meeting, 11)
    first = meeting.items[0]
    d.record_vote(w.committee_a, meeting, first, d.VoteInput(8, 0, 0), now=now)
    with pytest.raises(ServiceError) as decided:
        d.remove_agenda_item(w.committee_a, meeting, first, now=now)
    assert decided.value.code is ErrorCode.AGENDA_ITEM_DECIDED
    d.remove_agenda_item(w.committee_a, meeting, meeting.items[4], now=now)
    db.session.refresh(meeting)
    assert later.id not in {i.proposal_id for i in meeting.items}
    assert len(meeting.items) == 5
    assert len(_audits("meeting.agenda")) == 2
    # Published: nothing changes any more.
    d.publish_meeting(w.committee_a, meeting, now=now)
    with pytest.raises(ServiceError) as closed:
        d.add_agenda_items(w.committee_a, meeting, other_items=["再议"], now=now)
    assert closed.value.code is ErrorCode.MEETING_CLOSED


def test_the_last_item_stays_and_outsiders_change_no_agenda(setting):
    w, body, _, _ = setting
    now = utcnow()
    meeting = d.schedule_meeting(
        w.committee_a, body, d.MeetingInput("临时会", now, other_items=("唯一议题",)), now=now
    )
    with pytest.raises(ServiceError) as last:
        d.remove_agenda_item(w.committee_a, meeting, meeting.items[0], now=now)
    assert last.value.code is ErrorCode.AGENDA_LAST_ITEM
    for outsider in (w.committee_b, w.resident_a):
        with pytest.raises(PermissionDenied):
            d.add_agenda_items(outsider, meeting, other_items=["插一项"], now=now)
        with pytest.raises(PermissionDenied):
            d.remove_agenda_item(outsider, meeting, meeting.items[0], now=now)
        with pytest.raises(PermissionDenied):
            d.set_secretary(outsider, meeting, meeting.attendance[0].member_id, now=now)
    assert len(meeting.items) == 1 and meeting.secretary_id is None


def test_the_secretary_is_a_member_of_the_body_that_meets(setting):
    w, body, meeting, _ = setting
    now = utcnow()
    other = d.create_body(
        w.committee_a, w.a, d.default_body_input(BodyKind.COMMITTEES, "两委会"), now=now
    )
    stranger = d.add_member(w.committee_a, other, name="外单位", now=now)
    with pytest.raises(ServiceError) as scheduled:
        d.schedule_meeting(
            w.committee_a, body,
            d.MeetingInput("会", now, other_items=("x",), secretary_id=stranger.id), now=now,
        )  # fmt: skip
    assert scheduled.value.code is ErrorCode.SECRETARY_NOT_MEMBER
    with pytest.raises(ServiceError) as named:
        d.set_secretary(w.committee_a, meeting, stranger.id, now=now)
    assert named.value.code is ErrorCode.SECRETARY_NOT_MEMBER
    own = meeting.attendance[1].member
    d.set_secretary(w.committee_a, meeting, own.id, now=now)
    d.set_secretary(w.committee_a, meeting, own.id, now=now)  # a second tap changes nothing
    assert meeting.secretary_id == own.id
    (entry,) = _audits("meeting.secretary")
    assert entry.after == {"secretary": own.name}
    d.set_secretary(w.committee_a, meeting, None, now=now)
    assert meeting.secretary_id is None and len(_audits("meeting.secretary")) == 2
