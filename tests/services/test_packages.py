"""Procurement packages (采购包): the committee bundles its cycle's funded projects into packages,
each from one supplier; a project is in one package at most, of its own cycle; the award never
exceeds the projects' planned total; a package with a supplier and payments is fixed."""

from datetime import timedelta

import factories as f
import pytest
from helpers import at_once, row_count
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.phases import Phase
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    Community,
    Organization,
    PackageItem,
    ProcurementPackage,
    User,
    utcnow,
)
from microprojects.services import cycles
from microprojects.services import implementation as impl
from microprojects.services import packages as pk
from microprojects.services.errors import PermissionDenied, ServiceError


def _code(call):
    with pytest.raises(ServiceError) as error:
        call()
    return error.value.code


def _setup(world):
    a = db.session.get(Community, world.a_id)
    committee = db.session.get(User, world.ids["committee_a"])
    cycle, records = f.funded_records(a, committee)
    return committee, cycle, records


def _package(committee, cycle, name="路灯工程包", kind="engineering"):
    return pk.create_package(committee, cycle, name=name, kind=kind, now=utcnow())


def test_the_committee_bundles_projects_and_names_the_supplier(app, world):
    with app.app_context():
        committee, cycle, (lights, benches) = _setup(world)
        package = pk.create_package(
            committee, cycle, name=" 路灯工程包 ", kind="engineering", method="inquiry",
            note="两个项目一起询价", now=utcnow(),
        )  # fmt: skip
        assert package.name == "路灯工程包" and not package.has_supplier
        pk.add_project(committee, package, lights.id, now=utcnow())
        pk.add_project(committee, package, benches.id, now=utcnow())
        planned = lights.planned_fen + benches.planned_fen
        pk.set_supplier(
            committee, package, organization_id=None, supplier_name="海口某建设工程有限公司",
            amount_fen=planned - 100_00, now=utcnow(),
        )  # fmt: skip
        assert package.supplier == "海口某建设工程有限公司"
        assert package.awarded_fen == planned - 100_00
        assert pk.package_of(lights).id == package.id
        assert [p.id for p in pk.packages_of(cycle)] == [package.id]
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("package.%"))
        ).all()
        assert actions == ["package.create", "package.add", "package.add", "package.supplier"]


def test_a_project_is_in_one_package_refused_with_the_others_name(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        first = _package(committee, cycle)
        second = _package(committee, cycle, name="保洁服务包", kind="services")
        pk.add_project(committee, first, lights.id, now=utcnow())
        with pytest.raises(ServiceError) as error:
            pk.add_project(committee, second, lights.id, now=utcnow())
        assert error.value.code == "package_project_taken"
        assert error.value.params == {"name": "路灯工程包"}
        assert row_count(PackageItem) == 1


def test_only_the_cycles_own_funded_projects(app, world):
    with app.app_context():
        committee, cycle, _ = _setup(world)
        a = db.session.get(Community, world.a_id)
        _, (elsewhere, _) = f.funded_records(a, committee)
        package = _package(committee, cycle)
        assert _code(lambda: pk.add_project(committee, package, elsewhere.id, now=utcnow())) == (
            "package_project_not_funded"
        )
        assert _code(lambda: pk.add_project(committee, package, 999_999, now=utcnow())) == (
            "package_project_not_funded"
        )
        assert row_count(PackageItem) == 0


def test_the_database_keeps_an_item_in_its_packages_cycle(app, world):
    with app.app_context():
        committee, cycle, _ = _setup(world)
        a = db.session.get(Community, world.a_id)
        _, (elsewhere, _) = f.funded_records(a, committee)
        package = _package(committee, cycle)
        for cycle_id in (cycle.id, elsewhere.cycle_id):
            db.session.add(
                PackageItem(package_id=package.id, cycle_id=cycle_id,
                            implementation_id=elsewhere.id)
            )  # fmt: skip
            with pytest.raises(IntegrityError):
                db.session.flush()
            db.session.rollback()


def test_the_award_is_bounded_by_the_planned_total_and_comes_with_a_supplier(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        package = _package(committee, cycle)

        def award(amount, name="某公司", org=None):
            return lambda: pk.set_supplier(
                committee, package, organization_id=org, supplier_name=name, amount_fen=amount,
                now=utcnow(),
            )  # fmt: skip

        assert _code(award(1000_00)) == "package_no_projects"
        pk.add_project(committee, package, lights.id, now=utcnow())
        with pytest.raises(ServiceError) as error:
            award(lights.planned_fen + 1)()
        assert error.value.code == "package_amount_over"
        assert error.value.params == {"amount": "10,000.01", "planned": "10,000"}
        assert _code(award(0)) == "package_amount_required"
        assert _code(award(None)) == "package_amount_required"
        assert _code(award(100, name="")) == "package_amount_required"  # an amount, no supplier
        org = db.session.scalar(select(Organization))
        assert _code(award(100, org=org.id)) == "package_one_supplier"
        assert _code(award(100, name="", org=999_999)) == "package_supplier_unknown"
        assert _code(award(100, name="x" * 121)) == "too_long"
        assert not package.has_supplier and package.awarded_fen is None
        award(lights.planned_fen, name="", org=org.id)()
        assert package.supplier == org.name
        award(None, name="")()  # cleared while nothing is paid
        assert not package.has_supplier and package.awarded_fen is None


def test_the_database_refuses_an_amount_without_a_supplier(app, world):
    with app.app_context():
        committee, cycle, _ = _setup(world)
        package = _package(committee, cycle)
        package.awarded_fen = 100
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_a_removal_keeps_the_award_covered(app, world):
    with app.app_context():
        committee, cycle, (lights, benches) = _setup(world)
        package = _package(committee, cycle)
        pk.add_project(committee, package, lights.id, now=utcnow())
        pk.add_project(committee, package, benches.id, now=utcnow())
        pk.set_supplier(
            committee, package, organization_id=None, supplier_name="某公司",
            amount_fen=15_000_00, now=utcnow(),
        )  # fmt: skip
        with pytest.raises(ServiceError) as error:
            pk.remove_project(committee, package, benches.id, now=utcnow())
        assert error.value.code == "package_removal_uncovers"
        assert error.value.params == {"planned": "10,000", "amount": "15,000"}
        pk.remove_project(committee, package, lights.id, now=utcnow())
        assert [i.implementation_id for i in package.items] == [benches.id]
        assert _code(lambda: pk.remove_project(committee, package, lights.id, now=utcnow())) == (
            "not_found"
        )


def test_a_package_with_a_supplier_and_payments_is_fixed(app, world):
    with app.app_context():
        committee, cycle, (lights, benches) = _setup(world)
        package = _package(committee, cycle)
        pk.add_project(committee, package, lights.id, now=utcnow())
        impl.add_spending(committee, lights, amount_fen=500_00, spent_on=utcnow().date(),
                          note="预付款", now=utcnow())  # fmt: skip
        assert not pk.is_fixed(package)  # paid, but no supplier yet: still put together
        pk.set_supplier(
            committee, package, organization_id=None, supplier_name="某公司",
            amount_fen=9_000_00, now=utcnow(),
        )  # fmt: skip
        assert pk.is_fixed(package)
        assert _code(lambda: pk.add_project(committee, package, benches.id, now=utcnow())) == (
            "package_fixed"
        )
        assert _code(lambda: pk.remove_project(committee, package, lights.id, now=utcnow())) == (
            "package_fixed"
        )
        assert _code(
            lambda: pk.set_supplier(committee, package, organization_id=None,
                                    supplier_name="另一家公司", amount_fen=100, now=utcnow())
        ) == "package_fixed"  # fmt: skip
        pk.update_package(committee, package, name="路灯工程包（一标段）", kind="engineering",
                          method="open_tender", note="", now=utcnow())  # fmt: skip
        assert package.name == "路灯工程包（一标段）" and package.method == "open_tender"


def test_names_kinds_methods_and_deleting(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        package = _package(committee, cycle)
        other = _package(committee, cycle, name="保洁服务包", kind="services")

        def create(**kw):
            values = {"name": "新包", "kind": "goods", "method": None, "note": ""} | kw
            return lambda: pk.create_package(committee, cycle, now=utcnow(), **values)

        assert _code(create(name="路灯工程包")) == "package_name_taken"
        assert _code(create(name=" \u200b ")) == "required"
        assert _code(create(name="包" * 61)) == "too_long"
        assert _code(create(kind="weapons")) == "package_kind_unknown"
        assert _code(create(method="bribe")) == "package_method_unknown"
        assert _code(create(note="注" * 301)) == "too_long"
        assert _code(
            lambda: pk.update_package(committee, other, name="路灯工程包", kind="services",
                                      method=None, note="", now=utcnow())
        ) == "package_name_taken"  # fmt: skip
        pk.add_project(committee, package, lights.id, now=utcnow())
        assert _code(lambda: pk.delete_package(committee, package, now=utcnow())) == (
            "package_not_empty"
        )
        pk.delete_package(committee, other, now=utcnow())
        assert row_count(ProcurementPackage) == 1
        assert row_count(AuditEntry, action="package.delete") == 1


def test_only_whoever_runs_the_cycle_and_only_in_implementation(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        package = _package(committee, cycle)
        for name in ("committee_b", "resident_a", "organization"):
            other = db.session.get(User, world.ids[name])
            with pytest.raises(PermissionDenied):
                pk.create_package(other, cycle, name="别人的包", kind="goods", now=utcnow())
            with pytest.raises(PermissionDenied):
                pk.add_project(other, package, lights.id, now=utcnow())
            with pytest.raises(PermissionDenied):
                pk.delete_package(other, package, now=utcnow())
        cycles.change_phase(committee, cycle, phase=Phase.IMPLEMENTATION, reason="项目全部完工",
                            now=utcnow())  # fmt: skip
        later = utcnow() + timedelta(minutes=1)
        assert cycle.phase(later) is Phase.CLOSED
        assert _code(lambda: pk.add_project(committee, package, lights.id, now=later)) == (
            "package_cycle_not_implementing"
        )
        assert row_count(PackageItem) == 0 and row_count(ProcurementPackage) == 1


def test_two_adds_of_one_project_at_once_make_one(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        ids = [_package(committee, cycle, name=f"工程包{i}").id for i in range(2)]
        committee_id, record_id = committee.id, lights.id

    def add(i: int) -> None:
        pk.add_project(db.session.get(User, committee_id), pk.find_package(ids[i]), record_id,
                       now=utcnow())  # fmt: skip

    assert at_once(app, add) == ["ok", "package_project_taken"]
    with app.app_context():
        assert row_count(PackageItem) == 1
        assert row_count(AuditEntry, action="package.add") == 1


def test_the_same_add_sent_twice_at_once_is_kept_once(app, world):
    with app.app_context():
        committee, cycle, (lights, _) = _setup(world)
        package_id = _package(committee, cycle).id
        committee_id, record_id = committee.id, lights.id

    def add(i: int) -> None:
        pk.add_project(db.session.get(User, committee_id), pk.find_package(package_id), record_id,
                       now=utcnow())  # fmt: skip

    assert at_once(app, add) == ["ok", "package_project_taken"]
    with app.app_context():
        assert row_count(PackageItem) == 1


def test_a_street_cycles_packages_are_the_administrators(app, world):
    with app.app_context():
        admin = db.session.get(User, world.ids["admin"])
        street_cycle = f.street_cycle_in_implementation(
            admin, db.session.get(Community, world.a_id)
        )
        assert street_cycle.phase(utcnow()) is Phase.IMPLEMENTATION
        committee = db.session.get(User, world.ids["committee_a"])
        with pytest.raises(PermissionDenied):
            pk.create_package(committee, street_cycle, name="街道工程包", kind="engineering",
                              now=utcnow())  # fmt: skip
        made = pk.create_package(admin, street_cycle, name="街道工程包", kind="engineering",
                                 now=utcnow())  # fmt: skip
        assert made.cycle_id == street_cycle.id
        entry = db.session.scalar(select(AuditEntry).filter_by(action="package.create"))
        assert entry.community_id is None and entry.actor_id == admin.id


def test_the_paid_packages_of_a_page_in_one_look(app, world):
    with app.app_context():
        committee, cycle, (lights, benches) = _setup(world)
        paid, unpaid = _package(committee, cycle), _package(committee, cycle, name="服务包")
        pk.add_project(committee, paid, lights.id, now=utcnow())
        pk.add_project(committee, unpaid, benches.id, now=utcnow())
        impl.add_spending(committee, lights, amount_fen=100_00, spent_on=utcnow().date(),
                          note="预付款", now=utcnow())  # fmt: skip
        impl.add_spending(committee, lights, amount_fen=200_00, spent_on=utcnow().date(),
                          note="二期款", now=utcnow())  # fmt: skip
        assert pk.paid_ids(pk.packages_of(cycle)) == {paid.id}
        assert pk.paid_ids([]) == set()
