"""The resident's now: the home page and the page after login lead each person to the one
thing their community's cycle asks of them, a visitor to the steps of taking part; a cycle's
page puts that call before its budget's details, and says when one has voted."""

from datetime import timedelta

import factories as f
import pytest
from webclient import csrf_token, login, post

from microprojects.extensions import db


def _cycle(app, world, phase: str, place: str = "a", **overrides):
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        community = db.session.get(Community, world.a_id if place == "a" else world.b_id)
        if phase == "voting":
            c, projects = f.voting_cycle(community, admin, **overrides)
            return c.id, [p.id for p in projects]
        return f.cycle(community, admin, phase=phase, **overrides).id, []


def _vote(app, world, cycle_id: int, project_id: int, who: str = "resident_a") -> None:
    from microprojects.domain.ballots import Choice
    from microprojects.models import Cycle, User
    from microprojects.services import voting

    with app.app_context():
        voter = db.session.get(User, world.ids[who])
        c = db.session.get(Cycle, cycle_id)
        when = c.voting_at + timedelta(hours=2)
        voting.cast_ballot(voter, c, [Choice(str(project_id))], now=when)


@pytest.mark.parametrize(
    ("phase", "action", "target"),
    [
        ("collecting", "去提议", "/cycles/{id}/propose"),
        ("screening", "看提议", "/cycles/{id}#list-title"),
        ("voting", "去投票", "/cycles/{id}/vote"),
        ("publication", "看结果", "/cycles/{id}/results"),
        ("implementation", "看进度", "/cycles/{id}#list-title"),
    ],
)
def test_the_home_page_gives_a_resident_one_action_for_the_phase(
    app, client, world, phase, action, target
):
    cycle_id, _ = _cycle(app, world, phase)
    login(client, "resident_a")
    home = client.get("/").get_data(as_text=True)
    assert "您的社区" in home and "振兴社区" in home
    assert "社区正在进行" in home
    href = target.format(id=cycle_id)
    assert f'href="{href}">{action}</a>' in home
    assert home.count('class="button big') == 1  # ONE large action
    assert "截至" in home  # the phase's deadline
    # Another community's cycle is not this resident's business.
    other, _ = _cycle(app, world, "voting", place="b", title="白龙社区的轮次")
    home = client.get("/").get_data(as_text=True)
    assert "白龙社区的轮次" not in home and f"/cycles/{other}/vote" not in home


def test_a_closed_or_upcoming_cycle_is_not_news(app, client, world):
    _cycle(app, world, "closed", title="去年的轮次")
    login(client, "resident_a")
    home = client.get("/").get_data(as_text=True)
    assert "去年的轮次" not in home
    assert "您的社区眼下没有进行中的轮次" in home


def test_once_voted_the_home_page_says_when_and_how_and_leads_to_the_receipt(app, client, world):
    cycle_id, projects = _cycle(app, world, "voting")
    login(client, "resident_a")
    assert "去投票" in client.get("/").get_data(as_text=True)
    _vote(app, world, cycle_id, projects[0])
    home = client.get("/").get_data(as_text=True)
    assert "去投票" not in home and f"/cycles/{cycle_id}/vote" not in home
    assert "您已于" in home and "投票（网上）" in home
    assert f'href="/cycles/{cycle_id}/check"' in home
    # The cycle's page says so too, where the call to vote was.
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "您已于" in page and f'href="/cycles/{cycle_id}/vote"' not in page


def test_a_visitor_is_shown_how_to_take_part_and_what_is_open(app, client, world):
    voting_id, _ = _cycle(app, world, "voting")
    collecting_id, _ = _cycle(app, world, "collecting", place="b", title="白龙征集")
    _cycle(app, world, "implementation", title="实施中的轮次")
    home = client.get("/").get_data(as_text=True)
    assert "参与只需三步" in home
    assert home.index("注册") < home.index("认证居民身份") < home.index("提议或投票")
    assert 'href="/register"' in home
    # The open cycles of the whole city, each with the way in for a visitor.
    assert "正在进行" in home and "白龙征集" in home and "实施中的轮次" not in home
    assert f"/login?next=/cycles/{voting_id}/vote" in home
    assert "注册后提议" in home
    assert f'href="/cycles/{voting_id}/vote"' not in home
    assert f'href="/cycles/{collecting_id}/propose"' not in home


def test_an_unverified_account_is_led_to_verify(app, client, world):
    _cycle(app, world, "voting")
    login(client, "unverified")
    home = client.get("/").get_data(as_text=True)
    assert "参与只需三步" in home and "已完成" in home  # registered: step one done
    assert "认证居民身份后投票" in home and 'href="/verify"' in home
    assert "去投票" not in home


def test_login_lands_on_the_residents_now_or_on_next(app, client, world):
    _cycle(app, world, "voting")
    token = csrf_token(client, "/login")
    answer = client.post(
        "/login", data={"login": "resident_a", "password": f.PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert "去投票" in client.get("/").get_data(as_text=True)
    post(client, "/logout")
    token = csrf_token(client, "/login")
    answer = client.post(
        "/login",
        query_string={"next": "/communities"},
        data={"login": "resident_a", "password": f.PASSWORD, "csrf_token": token},
    )
    assert answer.headers["Location"] == "/communities"


def test_a_visitor_to_a_collecting_cycle_is_invited_to_propose_or_join(app, client, world):
    cycle_id, _ = _cycle(app, world, "collecting")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "欢迎提议" in page and "注册后提议" in page
    assert f"/login?next=/cycles/{cycle_id}/propose" in page
    # Before the budget's details: on a phone the call comes first.
    assert page.index("注册后提议") < page.index("单个项目上限")
    login(client, "unverified")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "认证居民身份后提议" in page
    post(client, "/logout")
    login(client, "resident_a")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/propose">去提议</a>' in page
    # A resident of another community is not invited to a cycle not theirs.
    post(client, "/logout")
    login(client, "resident_b")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "去提议" not in page


def test_the_vote_comes_before_the_budgets_caps(app, client, world):
    cycle_id, _ = _cycle(app, world, "voting")
    login(client, "resident_a")
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    vote = page.index(f'href="/cycles/{cycle_id}/vote"')
    assert vote < page.index("单个项目上限") and vote < page.index("上限：工程类")


def test_an_organizations_member_is_invited_to_propose_not_to_verify(app, client, world):
    cycle_id, _ = _cycle(app, world, "collecting")
    login(client, "organization")
    home = client.get("/").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/propose">去提议</a>' in home
    assert "认证居民身份后提议" not in home
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/propose">去提议</a>' in page


@pytest.mark.parametrize("phase", ["upcoming", "closed"])
def test_a_cycle_not_started_or_closed_asks_nothing(app, client, world, phase):
    from datetime import timedelta

    from microprojects.models.base import utcnow

    if phase == "upcoming":
        later = utcnow() + timedelta(days=5)
        dates = {
            f"{name}_at": later + timedelta(days=10) * i
            for i, name in enumerate(
                ["collecting", "screening", "voting", "publication", "implementation", "closed"]
            )
        }
        cycle_id, _ = _cycle(app, world, "collecting", title="未开始的轮次", **dates)
    else:
        cycle_id, _ = _cycle(app, world, "closed", title="已结束的轮次")
    for who in (None, "resident_a"):
        if who:
            login(client, who)
        answer = client.get(f"/cycles/{cycle_id}")
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        assert 'class="card call' not in page and "button big" not in page
        assert "未开始的轮次" not in client.get("/").get_data(as_text=True)
