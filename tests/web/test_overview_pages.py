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
            "year": local_year(other.voting_at, ZoneInfo("Asia/Shanghai")),
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
        "63.6%",  # A: 3 of 5 verified residents; B: 4 of 6
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
    assert '<td>未开始</td><td class="num">0</td>' in text


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
        "turnout: 7 of 11 verified residents voted",
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
    assert text.count('<a class="small" href="/cycles/') == 5
