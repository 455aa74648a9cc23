"""The city's overview: totals, per-cycle rows and chart figures from GROUP BY queries, the
filters by district, street and year, and turnout counted as on the results page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import factories as f
import pytest
from sqlalchemy import event, select

from microprojects.domain.ballots import Choice
from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import Community, Proposal, Street, User, utcnow
from microprojects.services import counting, cycles, places, proposals, voting
from microprojects.services import implementation as impl
from microprojects.services import overview as ov

ZONE = ZoneInfo("Asia/Shanghai")
YUAN = 100


def _people(w, side="a"):
    return (
        db.session.get(Community, getattr(w, f"{side}_id")),
        db.session.get(User, w.ids[f"committee_{side}"]),
    )


def _figures(**filters):
    return ov.overview(ov.Filters(**filters), now=utcnow(), zone=ZONE)


def _cycle_at(place, committee, title, opens_at, voting_after=timedelta(days=20)):
    """A closed cycle of ``place`` that opened at ``opens_at`` (naive UTC), its voting
    ``voting_after`` later."""
    voting_at = opens_at + voting_after
    dates = {
        "collecting_at": opens_at,
        "screening_at": voting_at - timedelta(days=10),
        "voting_at": voting_at,
        "publication_at": voting_at + timedelta(days=10),
        "implementation_at": voting_at + timedelta(days=20),
        "closed_at": voting_at + timedelta(days=30),
    }
    return f.cycle(place, committee, title=title, budget_fen=50_000 * YUAN, **dates)


def test_a_counted_cycle_in_figures(ctx, world):
    a, committee = _people(world)
    cycle, _, _ = f.counted_cycle(a, committee)
    figures = _figures()
    t = figures.totals
    assert (t.cycles, t.budget_fen, t.allocated_fen, t.spent_fen) == (
        1,
        35_000 * YUAN,
        30_000 * YUAN,  # the first two projects (10,000 + 20,000) of a 35,000 budget
        0,
    )
    assert (t.funded, t.completed, t.ratings, t.mean_stars) == (2, 0, 0, None)
    # Verified in A: resident_a, the proposals' author and the three voters; three voted.
    assert (t.voted, t.eligible, t.turnout) == (3, 5, 0.6)
    [row] = figures.cycles
    assert (row.id, row.title, row.community, row.street) == (
        cycle.id,
        "2026 年振兴社区微实事",
        "振兴社区",
        "和平南街道",
    )
    assert row.phase is Phase.PUBLICATION and row.counted
    assert row.year == ov.local_year(cycle.collecting_at, ZONE)
    assert (row.allocated_fen, row.funded, row.voted, row.eligible) == (30_000 * YUAN, 2, 3, 5)
    assert figures.by_category == [("设施维修", 30_000 * YUAN)]
    assert [(m.name, m.street, m.allocated_fen, m.spent_fen) for m in figures.by_community] == [
        ("振兴社区", "和平南街道", 30_000 * YUAN, 0)
    ]
    # Both funded projects wait for the results to be final: funded, no progress, not started.
    assert figures.by_status == [
        ("not_started", 2),
        ("in_progress", 0),
        ("completed", 0),
        ("accepted", 0),
    ]


def test_only_the_latest_count_allocates(ctx, world):
    a, committee = _people(world)
    cycle, _, _ = f.counted_cycle(a, committee)
    # A correction with a minimum score of 2 funds only the first project (10,000 yuan).
    cycle.tally_threshold = 2
    db.session.commit()
    counting.run_count(committee, cycle, now=utcnow(), reason="更正：最低得分为 2")
    figures = _figures()
    assert (figures.totals.allocated_fen, figures.totals.funded) == (10_000 * YUAN, 1)
    assert figures.by_category == [("设施维修", 10_000 * YUAN)]


def test_spending_completion_and_satisfaction(ctx, world):
    a, committee = _people(world)
    project, _ = f.implemented_project(a, committee)
    resident = db.session.get(User, world.ids["resident_a"])
    impl.rate(resident, project, stars=4, comment="", now=utcnow())
    voter = db.session.scalar(select(User).where(User.username.like("voter%")).order_by(User.id))
    impl.rate(voter, project, stars=5, comment="", now=utcnow())
    # A second funded project started but not built: in progress, nothing spent.
    funded_second = db.session.scalars(
        select(Proposal).where(Proposal.cycle_id == project.cycle_id).order_by(Proposal.id)
    ).all()[1]
    second = impl.start(committee, funded_second, now=utcnow())
    impl.post_update(committee, second, body="已进场。", status="in_progress", progress_pct=10,
                     photos=[], now=utcnow())  # fmt: skip
    figures = _figures()
    t = figures.totals
    assert (t.spent_fen, t.completed, t.funded, t.allocated_fen) == (
        18_000 * YUAN,  # 12,000 + 6,000 of a 10,000 plan
        1,
        2,
        30_000 * YUAN,
    )
    assert (t.ratings, t.mean_stars) == (2, 4.5)
    assert figures.by_status == [
        ("not_started", 0),
        ("in_progress", 1),
        ("completed", 1),
        ("accepted", 0),
    ]
    [row] = figures.cycles
    assert (row.spent_fen, row.completed, row.phase) == (18_000 * YUAN, 1, Phase.IMPLEMENTATION)
    [money] = figures.by_community
    assert (money.allocated_fen, money.spent_fen) == (30_000 * YUAN, 18_000 * YUAN)


def test_filters_by_district_street_and_year(ctx, world):
    a, committee_a = _people(world)
    b, committee_b = _people(world, "b")
    mine, _, _ = f.counted_cycle(a, committee_a, title="振兴社区 本年")
    theirs, _, _ = f.counted_cycle(b, committee_b, title="白龙社区 本年")
    # Opened at 01:00 on 1 January 2025 in Haikou: 2025 there, 2024 in UTC.
    new_year = _cycle_at(a, committee_a, "振兴社区 2025", datetime(2024, 12, 31, 17, 0))
    admin = db.session.get(User, world.ids["admin"])
    elsewhere = places.ensure_community(
        city="海口市", district="龙华区", street="中山街道", community="博爱社区", slug="boai",
        grids=["第一网格"],
    )  # fmt: skip
    far = _cycle_at(elsewhere, admin, "博爱社区 2025", datetime(2025, 6, 1))

    def titles(**filters):
        return sorted(row.title for row in _figures(**filters).cycles)

    assert len(titles()) == 4
    assert titles(street_id=a.street_id) == sorted([mine.title, new_year.title])
    assert titles(street_id=b.street_id) == [theirs.title]
    assert titles(district_id=elsewhere.street.district_id) == [far.title]
    meilan = a.street.district_id
    assert titles(district_id=meilan) == sorted([mine.title, theirs.title, new_year.title])
    assert titles(year=2025) == sorted([new_year.title, far.title])
    assert titles(year=2024) == []
    assert titles(year=2025, district_id=meilan) == [new_year.title]
    this_year = ov.local_year(mine.collecting_at, ZONE)
    assert titles(year=this_year, street_id=a.street_id) == [mine.title]
    # Figures follow the filter: B's cycle and its 30,000 yuan are gone.
    street_a = _figures(street_id=a.street_id).totals
    assert (street_a.cycles, street_a.allocated_fen, street_a.budget_fen) == (
        2,
        30_000 * YUAN,
        (35_000 + 50_000) * YUAN,
    )
    assert _figures().totals.allocated_fen == 60_000 * YUAN
    choices = ov.choices(ZONE)
    assert choices.years == tuple(sorted({this_year, 2025}, reverse=True))
    assert [d.name for d in choices.districts] == sorted(["美兰区", "龙华区"])


def test_a_streets_cycle_counts_the_residents_of_every_community_of_the_street(ctx, world):
    a, committee_a = _people(world)
    admin = db.session.get(User, world.ids["admin"])
    neighbour = f.community("haida", "海达社区")  # in 和平南街道, like A
    f.verified_resident("haida1", neighbour, admin, "吴芳", "3栋1单元101")
    author = f.verified_resident("wide_author", a, committee_a, "提议人", "9栋9单元909")
    start = utcnow() - timedelta(days=21)
    data = cycles.CycleInput(
        title="和平南街道统筹", budget_fen=100_000 * YUAN,
        collecting_at=start, screening_at=start + timedelta(days=10),
        voting_at=start + timedelta(days=20), publication_at=start + timedelta(days=30),
        implementation_at=start + timedelta(days=40), closed_at=start + timedelta(days=50),
    )  # fmt: skip
    wide = cycles.create_cycle(
        admin, data, street=db.session.get(Street, a.street_id), now=utcnow()
    )
    p = proposals.create_proposal(
        author, wide, f.proposal_input(), submit=True, now=wide.collecting_at + timedelta(hours=1)
    )
    f.approved(admin, p, now=wide.screening_at + timedelta(hours=1))
    resident = db.session.get(User, world.ids["resident_a"])
    voting.cast_ballot(resident, wide, [Choice(str(p.id))], now=wide.voting_at + timedelta(hours=1))
    [row] = _figures(street_id=a.street_id).cycles
    # Verified in the street: resident_a and the author in A, one in 海达社区; B is elsewhere.
    assert (row.community, row.street, row.phase) == (None, "和平南街道", Phase.VOTING)
    assert (row.voted, row.eligible) == (1, 3)
    assert row.turnout == pytest.approx(1 / 3)


def test_turnout_leaves_out_cycles_still_collecting(ctx, world):
    a, committee = _people(world)
    f.counted_cycle(a, committee)
    f.cycle(a, committee, title="征集中")  # collecting: nobody could vote yet
    figures = _figures()
    collecting = next(r for r in figures.cycles if r.title == "征集中")
    assert collecting.turnout is None and not collecting.counted
    assert (figures.totals.cycles, figures.totals.voted, figures.totals.eligible) == (2, 3, 5)


def test_filter_values_that_name_nothing_are_reported_and_dropped(ctx, world):
    a, _ = _people(world)
    b, _ = _people(world, "b")
    choices = ov.choices(ZONE)
    district = a.street.district_id
    filters, problems = ov.resolve(
        choices, district=str(district), street=str(b.street_id), year="2026"
    )
    assert filters == ov.Filters(district, b.street_id, 2026) and problems == []
    for raw, code in (
        ({"district": "abc"}, "unknown_district"),
        ({"district": "999999"}, "unknown_district"),
        ({"street": "-1"}, "unknown_street"),
        ({"street": "１２"}, "unknown_street"),  # full-width digits are no id
        ({"year": "二〇二六"}, "unknown_year"),
        ({"year": "99999"}, "unknown_year"),
    ):
        filters, problems = ov.resolve(choices, **raw)
        assert filters == ov.Filters() and [p.code for p in problems] == [code], raw
    other = places.ensure_community(
        city="海口市", district="龙华区", street="中山街道", community="博爱社区", slug="boai",
        grids=[],
    )  # fmt: skip
    filters, problems = ov.resolve(
        ov.choices(ZONE), district=str(district), street=str(other.street_id)
    )
    assert filters == ov.Filters(district_id=district)
    assert problems == [ov.Problem("street_not_in_district", "中山街道")]
    assert ov.resolve(choices, district="", street=" ", year="")[1] == []


def _statements(call) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_number_of_queries_does_not_grow_with_cycles_or_projects(ctx, world):
    a, committee_a = _people(world)
    b, committee_b = _people(world, "b")
    f.counted_cycle(a, committee_a)
    db.session.expire_all()
    few = _statements(_figures)
    f.implemented_project(a, committee_a)
    f.counted_cycle(b, committee_b, votes=((0,), (1,), (2,), (0, 1)))
    f.cycle(b, committee_b, title="征集中")
    db.session.expire_all()
    assert len(_figures().cycles) == 4
    db.session.expire_all()
    more = _statements(_figures)
    assert few == more, (few, more)


def test_a_cycle_is_filed_under_the_year_it_opens_not_the_year_it_votes(ctx, world):
    a, committee = _people(world)
    # Opens on 20 December 2025 (Haikou), votes on 9 January 2026: a 2025 cycle.
    late = _cycle_at(a, committee, "2025 年振兴社区微实事", datetime(2025, 12, 19, 16, 0))
    assert late.voting_at.year == 2026
    assert [r.title for r in _figures(year=2025).cycles] == [late.title]
    assert _figures(year=2026).cycles == []
    [row] = _figures().cycles
    assert row.year == 2025
    assert 2026 not in ov.choices(ZONE).years


def test_a_community_with_two_cycles_and_a_streets_cycle_counts_its_residents_once(ctx, world):
    a, committee_a = _people(world)
    admin = db.session.get(User, world.ids["admin"])
    first, _, _ = f.counted_cycle(a, committee_a, title="第一期")
    second, _, _ = f.counted_cycle(a, committee_a, title="第二期")
    start = utcnow() - timedelta(days=21)
    data = cycles.CycleInput(
        title="和平南街道统筹", budget_fen=100_000 * YUAN,
        collecting_at=start, screening_at=start + timedelta(days=10),
        voting_at=start + timedelta(days=20), publication_at=start + timedelta(days=30),
        implementation_at=start + timedelta(days=40), closed_at=start + timedelta(days=50),
    )  # fmt: skip
    cycles.create_cycle(admin, data, street=db.session.get(Street, a.street_id), now=utcnow())
    figures = _figures()
    # Each cycle alone counts every verified resident of A ...
    verified_in_a = {row.eligible for row in figures.cycles}
    assert len(verified_in_a) == 1
    [in_a] = verified_in_a
    assert in_a > 0
    # ... and the whole counts them once, as it counts once who voted in both cycles.
    voters = {
        p.voter_key
        for p in db.session.scalars(select(ov.Participation)).all()
        if p.cycle_id in (first.id, second.id)
    }
    assert (figures.totals.eligible, figures.totals.voted) == (in_a, len(voters))
    assert sum(row.eligible for row in figures.cycles) == 3 * in_a
