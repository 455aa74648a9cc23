"""The city's overview page: open to anyone, in both languages, filtered by district, street and
year, its charts drawn on the server, and a number of queries that does not grow."""

import re
from zoneinfo import ZoneInfo

import factories as f
import pytest
from sqlalchemy import select
from webclient import page_queries

from microprojects.extensions import db
from microprojects.models import Community, User, utcnow
from microprojects.services import implementation as impl
from microprojects.services.overview import local_year

EN = {"Accept-Language": "en"}


def _people(world, side):
    return (
        db.session.get(Community, getattr(world, f"{side}_id")),
        db.session.get(User, world.ids[f"committee_{side}"]),
    )


@pytest.fixture
def city(app, world):
    """A's cycle with its first project built (18,000 yuan spent) and rated 4 and 5 stars; B's
    cycle counted with four voters. Each funds 30,000 yuan of a 35,000 budget."""
    with app.app_context():
        a, committee_a = _people(world, "a")
        b, committee_b = _people(world, "b")
        project, _ = f.implemented_project(a, committee_a)
        impl.rate(db.session.get(User, world.ids["resident_a"]), project, stars=4, comment="",
                  now=utcnow())  # fmt: skip
        voter = db.session.scalar(
            select(User).where(User.username.like("voter%")).order_by(User.id)
        )
        impl.rate(voter, project, stars=5, comment="", now=utcnow())
        other, _, _ = f.counted_cycle(
            b, committee_b, votes=((0, 1), (0,), (2,), (0,)), title="白龙社区微实事"
        )
        return {
            "a": project.cycle_id,
            "b": other.id,
            "a_street": a.street_id,
            "b_street": b.street_id,
            "district": a.street.district_id,
            "year": local_year(other.collecting_at, ZoneInfo("Asia/Shanghai")),
        }


def _page(client, path="/overview", headers=None):
    response = client.get(path, headers=headers or {})
    return response.status_code, response.get_data(as_text=True)


def _stats(text):
    return re.findall(r"<li><strong>([^<]*)</strong><span>([^<]*)</span></li>", text)


def test_anyone_sees_the_city_in_figures(client, city):
    status, text = _page(client)
    assert status == 200
    assert [value for value, _ in _stats(text)] == [
        "2",
        "70,000 元",
        "60,000 元",
        "18,000 元",
        "4",
        "1",
        "63.6%",  # A: 3 of 5 who may vote; B: 4 of 6
        "4.5 / 5",
    ]
    assert "· 2 条评价</span>" in text
    for cycle_id in (city["a"], city["b"]):
        assert f'<a href="/cycles/{cycle_id}">' in text
        assert f'<a class="small" href="/cycles/{cycle_id}/results">结果</a>' in text
    rows = re.findall(r"<tr>\s*<td><a href=\"/cycles/(\d+)\">(.*?)</tr>", text, re.S)
    assert [int(cycle_id) for cycle_id, _ in rows] == [city["b"], city["a"]]  # newest vote first
    a_row = dict((int(k), v) for k, v in rows)[city["a"]]
    assert "振兴社区 · 和平南街道" in a_row and ">实施<" in a_row
    assert re.findall(r'class="money">([^<]*)<', a_row) == ["35,000 元", "30,000 元", "18,000 元"]
    assert "60.0%" in a_row and "3 / 5" in a_row
    b_row = dict((int(k), v) for k, v in rows)[city["b"]]
    assert "白龙社区 · 白龙街道" in b_row and ">公示<" in b_row and "66.7%" in b_row
    assert re.findall(r'class="money">([^<]*)<', b_row) == ["35,000 元", "30,000 元", "0 元"]
    # The status chart in Chinese words, the same figures in its table.
    assert '<td>已完工</td><td class="num">1</td>' in text
    # A's second funded project and B's two have made no progress: not started.
    assert '<td>未开始</td><td class="num">3</td>' in text


def test_the_charts_are_drawn_on_the_server_within_the_csp(client, city):
    response = client.get("/overview")
    text = response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]
    assert "style=" not in text and "<script" not in text and "<style" not in text
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([a-z-]+)"', text)
    assert charts == ["community-money-chart", "status-chart", "category-chart"]
    for chart in charts:
        assert f'<title id="{chart}">' in text
    assert text.count('<figure class="chart">') == 3
    # Allocated against spent, per community: the larger (B's 30,000 yuan) fills the room.
    bar = r'<rect x="0" y="\d+" width="([\d.]+)" height="14" rx="3" class="(bar-\w+)"'
    bars = re.findall(bar, text)
    assert bars == [
        ("260.0", "bar-other"),  # 振兴社区 allocated 30,000
        ("156.0", "bar-funded"),  # spent 18,000
        ("260.0", "bar-other"),  # 白龙社区 allocated 30,000
        ("2", "bar-funded"),  # nothing spent yet
    ]
    assert '<td>设施维修</td><td class="money">60,000 元</td>' in text


def test_the_overview_in_english(client, city):
    status, text = _page(client, headers=EN)
    assert status == 200
    for words in (
        "<h1>City overview</h1>",
        "Allocated and spent by community",
        "Projects by implementation status",
        "Allocated budget by category",
        "turnout: 7 of the 11 who may vote voted",
        "satisfaction · 2 ratings",
        "Implementation (实施)",
        "Results published (公示)",
        '<td>Completed</td><td class="num">1</td>',
    ):
        assert words in text, words
    assert "<strong>70,000 yuan</strong><span>total budget</span>" in text


def test_the_nav_leads_to_the_overview(client, city):
    _, home = _page(client, "/", headers=EN)
    assert '<a href="/overview">City overview</a>' in home


def test_filters_by_street_district_and_year(client, city):
    _, text = _page(client, f"/overview?street={city['b_street']}", headers=EN)
    assert "白龙社区微实事" in text and "2026 年振兴社区微实事" not in text
    assert f'<option value="{city["b_street"]}" selected>' in text
    assert [v for v, _ in _stats(text)][:4] == ["1", "35,000 yuan", "30,000 yuan", "0 yuan"]
    _, text = _page(client, f"/overview?street={city['a_street']}", headers=EN)
    assert "白龙社区微实事" not in text and "2026 年振兴社区微实事" in text
    assert [v for v, _ in _stats(text)][:4] == ["1", "35,000 yuan", "30,000 yuan", "18,000 yuan"]
    _, text = _page(
        client, f"/overview?district={city['district']}&year={city['year']}", headers=EN
    )
    assert "白龙社区微实事" in text and "2026 年振兴社区微实事" in text
    _, text = _page(client, f"/overview?year={city['year'] - 3}", headers=EN)
    assert "No cycle matches these filters." in text and "白龙社区微实事" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("district=abc", "There is no district “abc”: showing every district."),
        ("district=99999", "There is no district “99999”: showing every district."),
        ("street=%3Cb%3E", "There is no street “&lt;b&gt;”: showing every street."),
        ("year=next", "“next” is not a year: showing every year."),
    ],
)
def test_unknown_filter_values_are_explained_never_an_error(client, city, query, message):
    status, text = _page(client, f"/overview?{query}", headers=EN)
    assert status == 400
    assert message in text
    assert "白龙社区微实事" in text and "2026 年振兴社区微实事" in text  # the rest still shown


def test_an_absurd_number_is_refused_with_a_clear_page(client, city):
    status, text = _page(client, "/overview?year=99999999999999999999", headers=EN)
    assert status == 400 and "a number far too large. Go back and correct it." in text


def test_a_street_of_another_district_is_explained(app, client, city):
    with app.app_context():
        from microprojects.services import places

        places.ensure_community(
            city="海口市", district="龙华区", street="中山街道", community="博爱社区",
            slug="boai", grids=[],
        )  # fmt: skip
        from microprojects.models import Street

        other = db.session.scalar(select(Street.id).where(Street.name == "中山街道"))
    status, text = _page(client, f"/overview?district={city['district']}&street={other}", EN)
    assert status == 400
    assert "The street 中山街道 is not in the chosen district: showing the whole district." in text


def test_the_page_does_not_grow_with_cycles_or_projects(app, world):
    with app.app_context():
        a, committee_a = _people(world, "a")
        b, committee_b = _people(world, "b")
        f.counted_cycle(a, committee_a)
        street = a.street_id
    few = page_queries(app, "/overview")
    few_filtered = page_queries(app, f"/overview?street={street}")
    with app.app_context():
        a, committee_a = _people(world, "a")
        b, committee_b = _people(world, "b")
        f.implemented_project(a, committee_a)
        f.implemented_project(b, committee_b)
        f.counted_cycle(a, committee_a, votes=tuple((n % 3,) for n in range(7)))
        f.cycle(b, committee_b, title="征集中")
    more = page_queries(app, "/overview")
    more_filtered = page_queries(app, f"/overview?street={street}")
    assert (few, few_filtered) == (more, more_filtered), (few, few_filtered, more, more_filtered)
    _, text = _page(app.test_client())
    # Every cycle but the one still collecting has been counted and links to its results.
    assert text.count('<a class="small" href="/cycles/') == 4


def _by_hand(zone):
    """The overview's figures counted from the rows themselves, in plain Python."""
    from microprojects.domain.phases import Phase
    from microprojects.models import (
        Count,
        Cycle,
        Implementation,
        Participation,
        Residency,
        RosterEntry,
    )

    at = utcnow()
    every = db.session.scalars(select(Cycle)).all()
    communities = db.session.scalars(select(Community)).all()
    before = (Phase.UPCOMING, Phase.COLLECTING, Phase.SCREENING)
    opened = [c for c in every if c.phase(at) not in before]
    covered = set()
    for c in opened:
        if c.community_id is not None:
            covered.add(c.community_id)
        else:
            covered.update(k.id for k in communities if k.street_id == c.street_id)
    # Who may vote: the active people on the rosters, and residents verified off them.
    people = [e.community_id for e in db.session.scalars(select(RosterEntry)) if e.is_active]
    people += [
        r.community_id
        for r in db.session.scalars(select(Residency))
        if r.status == "verified" and r.roster_entry_id is None
    ]
    opened_ids = {c.id for c in opened}
    voters = {
        p.voter_key
        for p in db.session.scalars(select(Participation)).all()
        if p.cycle_id in opened_ids
    }
    latest = {}
    for count in db.session.scalars(select(Count)).all():
        if count.cycle_id not in latest or count.number > latest[count.cycle_id].number:
            latest[count.cycle_id] = count
    funded = [o for count in latest.values() for o in count.outcomes if o.funded]
    records = {r.proposal_id: r for r in db.session.scalars(select(Implementation)).all()}
    statuses = {"not_started": 0, "in_progress": 0, "completed": 0, "accepted": 0}
    for o in funded:
        record = records.get(o.proposal_id)
        statuses[record.status if record else "not_started"] += 1
    return {
        "cycles": len(every),
        "eligible": len([c for c in people if c in covered]),
        "voted": len(voters),
        "funded": len(funded),
        "allocated": sum(o.cost_fen for o in funded),
        "statuses": statuses,
        "counted": set(latest),
        "years": {c.id: local_year(c.collecting_at, zone) for c in every},
    }


def test_the_figures_are_those_counted_by_hand(app, client, city):
    """Community A with a second counted cycle and a cycle opening in December that votes in
    January; the page, its CSV and a count by hand over the rows agree."""
    import csv
    import io
    from datetime import datetime, timedelta

    zone = ZoneInfo("Asia/Shanghai")
    with app.app_context():
        from microprojects.models import Cycle

        a_cycle = db.session.get(Cycle, city["a"])
        place = a_cycle.community
        committee = db.session.get(User, a_cycle.created_by_id)
        f.counted_cycle(place, committee, votes=((0,), (1,), (0, 2)), title="第二期")
        opens = datetime(2025, 12, 19, 16, 0)  # 20 December 2025 in Haikou; votes in 2026
        f.cycle(
            place, committee, title="跨年的一期", collecting_at=opens,
            screening_at=opens + timedelta(days=10), voting_at=opens + timedelta(days=20),
            publication_at=opens + timedelta(days=30),
            implementation_at=opens + timedelta(days=40), closed_at=opens + timedelta(days=50),
        )  # fmt: skip
        hand = _by_hand(zone)
        late_id = db.session.scalar(select(Cycle.id).where(Cycle.title == "跨年的一期"))
    status, text = _page(client, headers=EN)
    assert status == 200
    stats = dict((label, value) for value, label in _stats(text))
    assert stats["cycles"] == str(hand["cycles"])
    assert stats["projects funded"] == str(hand["funded"])
    assert stats["allocated by the votes"] == f"{hand['allocated'] // 100:,} yuan"
    turnout = f"turnout: {hand['voted']} of the {hand['eligible']} who may vote voted"
    assert turnout in stats
    for name, n in hand["statuses"].items():
        label = {"not_started": "Not started", "in_progress": "In progress",
                 "completed": "Completed", "accepted": "Accepted (验收)"}[name]  # fmt: skip
        assert f'<td>{label}</td><td class="num">{n}</td>' in text, (name, n)
    assert sum(hand["statuses"].values()) == hand["funded"]
    linked = set(map(int, re.findall(r'<a class="small" href="/cycles/(\d+)/results">', text)))
    assert linked == hand["counted"]
    assert hand["years"][late_id] == 2025
    rows = re.findall(r"<tr>\s*<td><a href=\"/cycles/(\d+)\">(.*?)</tr>", text, re.S)
    years = {int(k): re.findall(r"<td>(\d{4})</td>", v)[0] for k, v in rows}
    assert years == {k: str(v) for k, v in hand["years"].items()}
    # The download: the same figures, a line per cycle and the totals.
    assert '<a class="button secondary" href="/overview.csv" download>' in text
    response = client.get("/overview.csv", headers=EN)
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert table[0][:6] == ["Cycle", "Community or street", "Street", "Year", "Phase",
                            "Budget (yuan)"]  # fmt: skip
    assert len(table) == 1 + hand["cycles"] + 1
    total = table[-1]
    assert total[0] == f"Total: {hand['cycles']} cycles"
    assert total[7] == f"{hand['allocated'] // 100}.{hand['allocated'] % 100:02d}"
    assert (total[9], total[11], total[12]) == (
        str(hand["funded"]),
        str(hand["voted"]),
        str(hand["eligible"]),
    )


def test_the_download_follows_the_filters_in_chinese(client, city):
    _, text = _page(client, f"/overview?street={city['b_street']}")
    assert f'href="/overview.csv?street={city["b_street"]}" download' in text
    response = client.get(f"/overview.csv?street={city['b_street']}")
    table = response.get_data().decode("utf-8-sig").splitlines()
    assert table[0].startswith("轮次,社区或街道,街道,年份,阶段,预算（元）")
    assert len(table) == 3 and "白龙社区微实事" in table[1]
    assert ",35000.00," in table[1] and ",30000.00," in table[1]
    assert (
        f'filename="overview-street-{city["b_street"]}.csv"'
        in (response.headers["Content-Disposition"])
    )
    # A value that names nothing is dropped, as on the page: every cycle.
    assert len(client.get("/overview.csv?year=next").get_data().splitlines()) == 4


def test_a_cycle_title_in_the_download_never_starts_a_formula(app, client, world):
    with app.app_context():
        a, committee_a = _people(world, "a")
        f.cycle(a, committee_a, title="=1+1")
        f.cycle(a, committee_a, title="@SUM(A1)")
    table = client.get("/overview.csv").get_data().decode("utf-8-sig").splitlines()
    assert sorted(line.split(",")[0] for line in table[1:-1]) == ["'=1+1", "'@SUM(A1)"]
