"""After a count, every list and page says what became of each project: funded, in progress,
completed or not funded; and nothing invites a support or a comment that can no longer be
made."""

import factories as f
from webclient import login

from microprojects.extensions import db


def _counted(app, world):
    from microprojects.models import Community, User

    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        place = db.session.get(Community, world.a_id)
        c, made, _ = f.counted_cycle(place, committee)
        return c.id, [p.id for p in made]


def _card(page: str, title: str) -> str:
    start = page.index(title)
    return page[start : page.index("</article>", start)]


def test_a_counted_cycles_cards_say_funded_or_not(app, client, world):
    cycle_id, _ = _counted(app, world)
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    # Greedy funds the first two of the three (see factories.counted_cycle).
    assert "获资助" in _card(page, "报刊亭旁放两张石凳")
    assert "获资助" in _card(page, "幸福巷安装路灯")
    assert "未获资助" in _card(page, "老年人智能手机课堂")
    assert "已列入投票" not in page.split('id="list-title"')[1].split("</form>")[1]
    assert "2 个项目获资助" in page and "1 个未获资助" in page
    # The list of cycles says it too, and so does the community's page.
    cycles = client.get("/cycles").get_data(as_text=True)
    assert "2 个项目获资助" in cycles and "1 个未获资助" in cycles
    with app.app_context():
        from microprojects.models import Community

        slug = db.session.get(Community, world.a_id).slug
    community = client.get(f"/c/{slug}").get_data(as_text=True)
    assert "2 个项目获资助" in community and "1 个未获资助" in community


def test_a_project_page_says_its_outcome_and_invites_no_support(app, client, world):
    _, ids = _counted(app, world)
    funded = client.get(f"/proposals/{ids[0]}").get_data(as_text=True)
    assert "outcome-funded" in funded and ">已列入投票</span>" not in funded
    assert "后即可附议" not in funded
    lost = client.get(f"/proposals/{ids[2]}").get_data(as_text=True)
    assert "outcome-not_funded" in lost and "未获资助" in lost
    login(client, "resident_a")
    page = client.get(f"/proposals/{ids[0]}").get_data(as_text=True)
    assert f'action="/proposals/{ids[0]}/support"' not in page
    assert f'action="/proposals/{ids[0]}/comment"' not in page


def test_a_project_in_progress_and_a_completed_one(app, client, world):
    from microprojects.models import Community, User
    from microprojects.models.base import utcnow
    from microprojects.services import implementation as impl

    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        place = db.session.get(Community, world.a_id)
        project, _ = f.implemented_project(place, committee)
        cycle_id = project.cycle_id
        done_id = project.id
        others = [
            o.proposal_id
            for o in impl.load_funded_projects(project.cycle, utcnow()).funded
            if o.proposal_id != done_id
        ]
        record = impl.start(committee, db.session.get(type(project), others[0]), now=utcnow())
        impl.post_update(committee, record, body="开工", status="in_progress", progress_pct=10,
                         photos=[], now=utcnow())  # fmt: skip
        going_id = others[0]
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "获资助 · 已完工" in page and "获资助 · 实施中" in page
    assert "获资助 · 已完工" in client.get(f"/proposals/{done_id}").get_data(as_text=True)
    assert "获资助 · 实施中" in client.get(f"/proposals/{going_id}").get_data(as_text=True)
    cycles = client.get("/cycles").get_data(as_text=True)
    assert "1 个实施中" in cycles and "1 个已完工" in cycles


def test_before_a_count_the_state_is_shown(app, client, world):
    from microprojects.models import Community, User

    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        c, _ = f.voting_cycle(db.session.get(Community, world.a_id), admin)
        cycle_id = c.id
    page = client.get(f"/cycles/{cycle_id}").get_data(as_text=True)
    assert "已列入投票" in page and "outcome-" not in page
    assert "个项目获资助" not in client.get("/cycles").get_data(as_text=True)


def test_outcomes_cost_the_same_queries_whatever_the_number_of_cycles(app, client, world):
    from webclient import page_queries

    _counted(app, world)
    one = page_queries(app, "/cycles")
    _counted(app, world)
    _counted(app, world)
    assert page_queries(app, "/cycles") == one
