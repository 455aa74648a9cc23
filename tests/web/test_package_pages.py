"""Procurement packages (采购包) through the pages: the committee creates packages, adds funded
projects (one already packaged is refused with its package's name) and sets the supplier (an
amount above the projects' total is refused with the figures, the form kept as typed, 422);
anyone sees the packages page and the package on a project's page; another community's
committee, residents and organizations change nothing."""

import factories as f
import pytest
from helpers import row_count
from webclient import login, post

from microprojects.extensions import db
from microprojects.models import Community, PackageItem, ProcurementPackage, User, utcnow
from microprojects.services import packages as pk
from microprojects.services.cycles import find_cycle


def _cycle(app, world):
    with app.app_context():
        a = db.session.get(Community, world.a_id)
        committee = db.session.get(User, world.ids["committee_a"])
        cycle, records = f.funded_records(a, committee)
        titles = [r.proposal.display_title for r in records]
        return cycle.id, [r.id for r in records], [r.proposal_id for r in records], titles


def _package(app, world, cycle_id, name="路灯工程包", kind="engineering", records=()):
    with app.app_context():
        committee = db.session.get(User, world.ids["committee_a"])
        package = pk.create_package(
            committee, find_cycle(cycle_id), name=name, kind=kind, now=utcnow()
        )
        for record_id in records:
            pk.add_project(committee, package, record_id, now=utcnow())
        return package.id


def test_the_committee_puts_packages_together_and_residents_see_them(app, client, world):
    cycle_id, (lights, _), (lights_p, _), titles = _cycle(app, world)
    login(client, "committee_a")
    base = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/packages"
    cycle_page = client.get(f"/c/{world.a_slug}/committee/cycles/{cycle_id}")
    assert f'href="{base}"' in cycle_page.get_data(as_text=True)
    page = client.get(base).get_data(as_text=True)
    assert f'action="{base}"' in page
    made = post(client, base, {"name": "路灯工程包", "kind": "engineering", "method": "inquiry",
                               "note": ""})  # fmt: skip
    assert made.status_code == 302
    post(client, base, {"name": "保洁服务包", "kind": "services", "method": "", "note": ""})
    with app.app_context():
        first, second = (p.id for p in pk.packages_of(find_cycle(cycle_id)))
    to = f"/c/{world.a_slug}/committee/packages"
    assert (
        post(client, f"{to}/{first}/projects", {f"pkg{first}-project": str(lights)}).status_code
        == 302
    )
    refused = post(client, f"{to}/{second}/projects", {f"pkg{second}-project": str(lights)})
    assert refused.status_code == 422
    assert "这个项目已在采购包“路灯工程包”中" in refused.get_data(as_text=True)
    over = post(client, f"{to}/{first}/supplier", {
        f"pkg{first}-organization": "", f"pkg{first}-company": "海口某建设工程有限公司",
        f"pkg{first}-amount": "10,000.01",
    })  # fmt: skip
    assert over.status_code == 422
    text = over.get_data(as_text=True)
    assert "10,000.01" in text and "10,000 元" in text
    assert 'value="海口某建设工程有限公司"' in text
    done = post(client, f"{to}/{first}/supplier", {
        f"pkg{first}-organization": "", f"pkg{first}-company": "海口某建设工程有限公司",
        f"pkg{first}-amount": "9,800",
    })  # fmt: skip
    assert done.status_code == 302
    client.post("/logout", data={})
    public = client.get(f"/cycles/{cycle_id}/packages").get_data(as_text=True)
    assert "路灯工程包" in public and "海口某建设工程有限公司" in public and "保洁服务包" in public
    assert titles[0] in public and "9,800" in public
    project = client.get(f"/proposals/{lights_p}").get_data(as_text=True)
    assert "采购包：<a" in project and "路灯工程包</a>（工程）" in project
    assert "供应商：海口某建设工程有限公司" in project
    assert f'href="/cycles/{cycle_id}/packages#package-{first}"' in project
    results = client.get(f"/cycles/{cycle_id}/results").get_data(as_text=True)
    assert f'href="/cycles/{cycle_id}/packages"' in results


def test_a_refused_name_comes_back_as_typed(app, client, world):
    cycle_id, _, _, _ = _cycle(app, world)
    _package(app, world, cycle_id)
    login(client, "committee_a")
    base = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/packages"
    for name, message in (
        ("路灯工程包", "这一轮已有同名的采购包"),
        ("", "必填"),
        ("包" * 61, "60"),
        ("\u200b\u200b", "必填"),
    ):
        response = post(client, base, {"name": name, "kind": "goods", "method": "", "note": ""})
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert row_count(ProcurementPackage, app=app) == 1


@pytest.mark.parametrize("amount", ["0", "-5", "1e30", "99999999999999", "十万", "abc", " "])
def test_hostile_amounts_are_refused(app, client, world, amount):
    cycle_id, (lights, _), _, _ = _cycle(app, world)
    package = _package(app, world, cycle_id, records=[lights])
    login(client, "committee_a")
    response = post(client, f"/c/{world.a_slug}/committee/packages/{package}/supplier", {
        f"pkg{package}-organization": "", f"pkg{package}-company": "某公司",
        f"pkg{package}-amount": amount,
    })  # fmt: skip
    assert response.status_code == 422
    with app.app_context():
        assert not pk.find_package(package).has_supplier


def test_another_cycles_project_and_unknown_ids_are_refused(app, client, world):
    cycle_id, _, _, _ = _cycle(app, world)
    _, (elsewhere, _), _, _ = _cycle(app, world)
    package = _package(app, world, cycle_id)
    login(client, "committee_a")
    to = f"/c/{world.a_slug}/committee/packages/{package}"
    for value in (str(elsewhere), "999999", "abc", "-1", ""):
        response = post(client, f"{to}/projects", {f"pkg{package}-project": value})
        assert response.status_code == 422, value
    assert row_count(PackageItem, app=app) == 0
    assert post(client, f"{to}/projects/{elsewhere}/remove").status_code == 404
    response = post(client, f"{to}/supplier", {
        f"pkg{package}-organization": "abc", f"pkg{package}-company": "",
        f"pkg{package}-amount": "1",
    })  # fmt: skip
    assert response.status_code == 422


def test_another_community_changes_nothing_of_a_package(app, client, world):
    cycle_id, (lights, benches), _, _ = _cycle(app, world)
    package = _package(app, world, cycle_id, records=[lights])
    before = (row_count(ProcurementPackage, app=app), row_count(PackageItem, app=app))
    login(client, "committee_b")
    for slug, expected in ((world.b_slug, 404), (world.a_slug, 403)):
        to = f"/c/{slug}/committee/packages/{package}"
        assert (
            post(client, f"{to}/projects", {f"pkg{package}-project": str(benches)}).status_code
            == expected
        )
        assert post(client, f"{to}/projects/{lights}/remove").status_code == expected
        assert post(client, f"{to}/supplier", {
            f"pkg{package}-company": "别人的公司", f"pkg{package}-amount": "100",
        }).status_code == expected  # fmt: skip
        assert (
            post(
                client, f"{to}", {f"pkg{package}-name": "改名", f"pkg{package}-kind": "goods"}
            ).status_code
            == expected
        )
        assert post(client, f"{to}/delete").status_code == expected
        assert client.get(f"/c/{slug}/committee/cycles/{cycle_id}/packages").status_code == expected
    assert (row_count(ProcurementPackage, app=app), row_count(PackageItem, app=app)) == before
    with app.app_context():
        found = pk.find_package(package)
        assert found.name == "路灯工程包" and not found.has_supplier
    for role in ("resident_a", "organization"):
        client.post("/logout", data={})
        other = app.test_client()
        login(other, role)
        to = f"/c/{world.a_slug}/committee/packages/{package}"
        assert (
            post(other, f"{to}/projects", {f"pkg{package}-project": str(benches)}).status_code
            == 403
        )
        assert post(other, f"{to}/delete").status_code == 403
    assert (row_count(ProcurementPackage, app=app), row_count(PackageItem, app=app)) == before


def test_a_community_committee_sees_a_street_cycles_packages_but_changes_nothing(
    app, client, world
):
    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        street_cycle = f.street_cycle_in_implementation(
            admin, db.session.get(Community, world.a_id)
        )
        package = pk.create_package(admin, street_cycle, name="街道工程包", kind="engineering",
                                    now=utcnow())  # fmt: skip
        cycle_id, package_id = street_cycle.id, package.id
    login(client, "committee_a")
    base = f"/c/{world.a_slug}/committee/cycles/{cycle_id}/packages"
    page = client.get(base)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "街道工程包" in text and f'action="{base}"' not in text
    assert "采购包由本轮的组织者在实施阶段组建。" in text
    made = post(client, base, {"name": "社区自己的包", "kind": "goods", "method": "", "note": ""})
    assert made.status_code == 403
    deleted = post(client, f"/c/{world.a_slug}/committee/packages/{package_id}/delete")
    assert deleted.status_code == 403
    assert row_count(ProcurementPackage, app=app) == 1
