"""Remedies through the pages: the committee corrects a project in answer to an upheld
objection, sees what counting again will apply, counts again; the public results page lists the
correction, its reason and the count that applied it, beside the earlier count; the objector is
told."""

import html
import re

import factories as f
import pytest
from proposal_pages import CONFIRM_TOKEN
from sqlalchemy import func, select
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import Community, Count, Cycle, Objection, Remedy, User, utcnow
from microprojects.services import publication, remedies


def _text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.get_data(as_text=True)))


@pytest.fixture
def upheld(app, world):
    """A counted cycle of community A with an objection to its third project, upheld."""
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        resident = db.session.get(User, world.ids["resident_a"])
        cycle, made, _ = f.counted_cycle(place, committee)
        objection = publication.file_objection(
            resident, cycle, reason="第三个项目的报价多写了一个零", proposal_id=made[2].id,
            now=utcnow(),
        )  # fmt: skip
        publication.answer_objection(
            committee, objection, decision="upheld", answer="已核实，将更正报价", now=utcnow()
        )
        return {
            "cycle": cycle.id,
            "slug": place.slug,
            "objection": objection.id,
            "made": [p.id for p in made],
        }


def test_the_committee_corrects_a_cost_and_counts_again(app, client, world, upheld):
    slug, cycle_id, objection_id = upheld["slug"], upheld["cycle"], upheld["objection"]
    third = upheld["made"][2]
    count_url = f"/c/{slug}/committee/cycles/{cycle_id}/count"
    add_url = f"/c/{slug}/committee/objections/{objection_id}/remedies"
    prefix = f"remedy-{objection_id}-"
    login(client, "committee_a")
    page = client.get(count_url)
    text = page.get_data(as_text=True)
    assert "根据这条异议更正结果" in text and f'action="{add_url}"' in text
    # The project objected to is chosen first.
    assert re.search(rf'<option selected value="{third}">|<option value="{third}" selected', text)
    # A cost correction without a cost is refused, keeping what was typed.
    refused = post(
        client, add_url,
        {f"{prefix}project": str(third), f"{prefix}kind": "cost", f"{prefix}cost": "",
         f"{prefix}reason": "报价单多写了一个零"},
    )  # fmt: skip
    assert refused.status_code == 422
    assert "请填写更正后的费用（元）。" in _text(refused)
    assert "报价单多写了一个零" in refused.get_data(as_text=True)
    zero = post(
        client, add_url,
        {f"{prefix}project": str(third), f"{prefix}kind": "cost", f"{prefix}cost": "0",
         f"{prefix}reason": "报价单多写了一个零"},
    )  # fmt: skip
    assert zero.status_code == 422 and "须大于零" in _text(zero)
    # A project not on the ballot is no choice.
    other = post(
        client, add_url,
        {f"{prefix}project": "999999", f"{prefix}kind": "withdraw",
         f"{prefix}reason": "x"},
    )  # fmt: skip
    assert other.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Remedy)) == 0
    done = post(
        client, add_url,
        {f"{prefix}project": str(third), f"{prefix}kind": "cost", f"{prefix}cost": "5,000",
         f"{prefix}reason": "报价单多写了一个零，实为 5,000 元"},
    )  # fmt: skip
    assert done.status_code == 302
    twice = post(
        client, add_url,
        {f"{prefix}project": str(third), f"{prefix}kind": "cost", f"{prefix}cost": "5,000",
         f"{prefix}reason": "报价单多写了一个零，实为 5,000 元"},
    )  # fmt: skip
    assert twice.status_code == 422 and "先撤回那项更正" in _text(twice)
    page = _text(client.get(count_url))
    assert "重新计票将计入以下更正：" in page
    assert "“老年人智能手机课堂”的费用更正为 5,000 元（原为 30,000 元）" in page
    # The confirmation says what the count applies...
    asked = post(client, count_url, {"reason": "采纳异议：报价有误"})
    assert "本次计入的更正" in _text(asked) and "费用更正为 5,000 元" in _text(asked)
    token = CONFIRM_TOKEN.search(asked.get_data(as_text=True)).group(1)
    # ...and a correction added since makes it ask again.
    with app.app_context():
        cycle = db.session.get(Cycle, cycle_id)
        committee = db.session.get(User, world.ids["committee_a"])
        extra = remedies.add_remedy(
            committee, cycle, db.session.get(Objection, objection_id),
            proposal_id=upheld["made"][0], kind="withdraw", cost_fen=None, reason="重复立项",
            now=utcnow(),
        )  # fmt: skip
        extra_id = extra.id
    stale = post(client, count_url, {"confirm_token": token}, follow_redirects=True)
    assert "未做任何操作" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 1
    cancelled = post(client, f"/c/{slug}/committee/remedies/{extra_id}/cancel")
    assert cancelled.status_code == 302
    asked = post(client, count_url, {"reason": "采纳异议：报价有误"})
    token = CONFIRM_TOKEN.search(asked.get_data(as_text=True)).group(1)
    assert post(client, count_url, {"confirm_token": token}).status_code == 302
    post(client, count_url, {"confirm_token": token})  # a double tap: one correction
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Count)) == 2
        second = db.session.scalar(select(Count).where(Count.number == 2))
        assert {o.funded for o in second.outcomes} == {True}
    # The public page: the correction with its reason and count, and the earlier count.
    public = _text(app.test_client().get(f"/cycles/{cycle_id}/results"))
    assert "根据异议所作的更正" in public
    assert "报价单多写了一个零，实为 5,000 元" in public
    assert "已计入第 2 次计票" in public
    assert "第 2 次计票；理由：采纳异议：报价有误" in public
    assert "本次计票的更正： “老年人智能手机课堂”的费用更正为 5,000 元" in public
    assert "此前的计票" in public
    # The printed notice and the archive list the correction with its reason.
    for paper in ("results", "archive"):
        printed = _text(client.get(f"/cycles/{cycle_id}/print/{paper}"))
        assert "本次计票的更正：" in printed, paper
        assert (
            "费用更正为 5,000 元（原为 30,000 元） — 报价单多写了一个零，实为 5,000 元" in printed
        )
    # The objector's notice.
    resident = app.test_client()
    login(resident, "resident_a")
    notices = _text(resident.get("/account/notifications"))
    assert "居务协商会已根据您的异议更正结果，并重新计票。" in notices
    assert "现在的结果以第 2 次计票为准。" in notices


def test_only_the_cycles_committee_corrects(app, client, upheld):
    slug, objection_id = upheld["slug"], upheld["objection"]
    prefix = f"remedy-{objection_id}-"
    data = {
        f"{prefix}project": str(upheld["made"][2]), f"{prefix}kind": "withdraw",
        f"{prefix}reason": "撤出",
    }  # fmt: skip
    login(client, "committee_b")
    with app.app_context():
        b_slug = db.session.scalar(
            select(Community.slug).where(Community.slug != slug).order_by(Community.id)
        )
    # Another community's committee: not its community's page, nor its objection.
    assert (
        post(client, f"/c/{slug}/committee/objections/{objection_id}/remedies", data).status_code
        == 403
    )
    assert (
        post(client, f"/c/{b_slug}/committee/objections/{objection_id}/remedies", data).status_code
        == 404
    )
    resident = app.test_client()
    login(resident, "resident_a")
    assert (
        post(resident, f"/c/{slug}/committee/objections/{objection_id}/remedies", data).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Remedy)) == 0


def test_a_dismissed_objection_has_no_remedy_form_and_is_refused(app, client, world):
    with app.app_context():
        place = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        resident = db.session.get(User, world.ids["resident_a"])
        cycle, made, _ = f.counted_cycle(place, committee)
        objection = publication.file_objection(
            resident, cycle, reason="不服", proposal_id=None, now=utcnow()
        )
        publication.answer_objection(
            committee, objection, decision="dismissed", answer="计票无误", now=utcnow()
        )
        ids = (place.slug, cycle.id, objection.id, made[0].id)
    slug, cycle_id, objection_id, first = ids
    login(client, "committee_a")
    page = client.get(f"/c/{slug}/committee/cycles/{cycle_id}/count").get_data(as_text=True)
    assert "根据这条异议更正结果" not in page
    prefix = f"remedy-{objection_id}-"
    refused = post(
        client, f"/c/{slug}/committee/objections/{objection_id}/remedies",
        {f"{prefix}project": str(first), f"{prefix}kind": "withdraw", f"{prefix}reason": "撤出"},
        follow_redirects=True,
    )  # fmt: skip
    assert "只有居务协商会已采纳的异议，才能据此更正结果。" in _text(refused)
