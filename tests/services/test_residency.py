import threading

import factories as f
import pytest
from helpers import row_count
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.codes import format_code
from microprojects.domain.people import Basis
from microprojects.extensions import db
from microprojects.models import (
    AuditEntry,
    HouseholdCode,
    Residency,
    ResidencyStatus,
    RosterEntry,
)
from microprojects.services import accounts, residency
from microprojects.services.errors import PermissionDenied, ServiceError


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# --- roster import -------------------------------------------------------------------------


def test_import_adds_updates_and_is_audited(ctx):
    w = f.world()
    before = row_count(RosterEntry)
    report = residency.import_roster(
        w.committee_a,
        w.a,
        f.roster_csv(
            "第一网格,3栋1单元301,林海燕,13907550002,1975-04-01,居住",
            "第二网格,3栋1单元301,林小梅,,2001-09-09,学习",
        ),
        now=f.NOW,
    )
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    assert row_count(RosterEntry) == before + 2
    again = residency.import_roster(
        w.committee_a,
        w.a,
        f.roster_csv(
            "第一网格,3栋1单元301,林海燕,13907550009,1975-04-01,居住",
            "第二网格,3栋1单元301,林小梅,,2001-09-09,学习",
        ),
        now=f.NOW,
    )
    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    entry = db.session.scalar(select(RosterEntry).filter_by(full_name="林海燕"))
    assert entry.phone == "13907550009"
    audit = db.session.scalars(select(AuditEntry).filter_by(action="roster.import")).all()
    assert audit[-1].after["updated"] == 1
    assert audit[-1].actor_id == w.committee_a.id


def test_import_with_bad_rows_writes_nothing(ctx):
    w = f.world()
    before = (row_count(RosterEntry), row_count(AuditEntry))
    report = residency.import_roster(
        w.committee_a,
        w.a,
        f.roster_csv(
            "第一网格,3栋1单元301,林海燕,,,居住",  # fine
            "第九网格,3栋1单元302,林小梅,,,居住",  # no such grid
            "第一网格,3栋1单元303,黄国平,999,,居住",  # bad phone
        ),
        now=f.NOW,
    )
    assert not report.ok
    assert [(p.line, p.code) for p in report.problems] == [(3, "unknown_grid"), (4, "bad_phone")]
    assert (row_count(RosterEntry), row_count(AuditEntry)) == before


def test_only_the_own_committee_imports(ctx):
    w = f.world()
    data = f.roster_csv("第一网格,3栋1单元301,林海燕,,,居住")
    for actor in (w.committee_b, w.resident_a, w.unverified):
        with pytest.raises(PermissionDenied):
            residency.import_roster(actor, w.a, data, now=f.NOW)
    assert residency.import_roster(w.admin, w.a, data, now=f.NOW).added == 1


# --- household codes -------------------------------------------------------------------


def _roster_with_codes(w, *names):
    rows = [f"第一网格,5栋1单元50{i},{name},,,居住" for i, name in enumerate(names)]
    residency.import_roster(w.committee_a, w.a, f.roster_csv(*rows), now=f.NOW)
    codes = residency.issue_codes(w.committee_a, w.a, now=f.NOW)
    return {c.roster_entry.full_name: c for c in codes}


def test_issue_codes_once_per_unclaimed_member(ctx):
    w = f.world()
    codes = _roster_with_codes(w, "林海燕", "林小梅")
    # 王秀英 (the verified resident) gets none; the two new people one each.
    assert set(codes) == {"林海燕", "林小梅"}
    assert residency.issue_codes(w.committee_a, w.a, now=f.NOW) == []
    with pytest.raises(PermissionDenied):
        residency.issue_codes(w.committee_b, w.a, now=f.NOW)


def test_claim_a_valid_code(ctx):
    w = f.world()
    codes = _roster_with_codes(w, "林海燕")
    person = f.user("linhaiyan")
    typed = format_code(codes["林海燕"].code).lower()
    result = residency.claim_code(person, w.a, typed, now=f.NOW)
    assert result.status == ResidencyStatus.VERIFIED
    assert result.method == "code"
    assert result.community_id == w.a.id
    assert result.full_name == "林海燕"
    assert codes["林海燕"].claimed_by_id == person.id
    assert codes["林海燕"].roster_entry.claimed_at is not None
    assert accounts.actor_for(person).resident_of == w.a.id


def test_claim_refusals(ctx):
    w = f.world()
    codes = _roster_with_codes(w, "林海燕", "林小梅")
    first, second, third = f.user("first"), f.user("second"), f.user("third")
    residency.claim_code(first, w.a, codes["林海燕"].code, now=f.NOW)
    assert _error(residency.claim_code, second, w.a, codes["林海燕"].code, now=f.NOW) == "code_used"
    assert _error(residency.claim_code, second, w.a, "ABCD-EFGH-JKMN", now=f.NOW) == "code_unknown"
    assert _error(residency.claim_code, second, w.a, "not a code", now=f.NOW) == "code_unknown"
    assert (
        _error(residency.claim_code, second, w.b, codes["林小梅"].code, now=f.NOW)
        == "code_other_community"
    )
    # An account verified once cannot take a second person's code.
    assert (
        _error(residency.claim_code, first, w.a, codes["林小梅"].code, now=f.NOW)
        == "already_verified"
    )
    # A replaced code is dead; the new one works.
    entry = codes["林小梅"].roster_entry
    [fresh] = residency.issue_codes(w.committee_a, w.a, entries=[entry], replace=True, now=f.NOW)
    assert (
        _error(residency.claim_code, third, w.a, codes["林小梅"].code, now=f.NOW) == "code_revoked"
    )
    assert residency.claim_code(third, w.a, fresh.code, now=f.NOW).is_verified


def test_delete_and_register_again_cannot_verify_twice(ctx):
    """The heart of one-person-one-vote: a roster entry once claimed stays claimed."""
    w = f.world()
    codes = _roster_with_codes(w, "林海燕")
    original = f.user("linhaiyan")
    residency.claim_code(original, w.a, codes["林海燕"].code, now=f.NOW)
    accounts.delete_account(original, password=f.PASSWORD, now=f.NOW)
    entry = codes["林海燕"].roster_entry
    db.session.refresh(entry)
    assert entry.claimed_at is not None  # the account is gone, the claim is not
    assert entry.claimed_by_id == original.id  # row kept, scrubbed

    again = f.user("linhaiyan")  # the same person, a new account
    assert _error(residency.claim_code, again, w.a, codes["林海燕"].code, now=f.NOW) == "code_used"
    # A fresh code cannot be issued for a claimed entry either.
    assert residency.issue_codes(w.committee_a, w.a, entries=[entry], replace=True, now=f.NOW) == []
    # Asking the committee: the claimed entry is not offered, and cannot be forced.
    request = residency.request_verification(
        again, w.a, basis=Basis.LIVE, full_name="林海燕", phone=None, birth_date=None,
        address="5栋1单元500", note="", now=f.NOW,
    )  # fmt: skip
    assert residency.roster_matches(request) == []
    code = _error(
        residency.approve_verification, w.committee_a, request, roster_entry=entry, note="",
        now=f.NOW,
    )  # fmt: skip
    assert code == "person_claimed"
    # Nor without a roster entry, for someone who lives there.
    code = _error(
        residency.approve_verification, w.committee_a, request, roster_entry=None, note="",
        now=f.NOW,
    )  # fmt: skip
    assert code == "roster_entry_required"
    assert db.session.get(Residency, request.id).status == ResidencyStatus.PENDING


def test_verification_by_request_work_basis_and_rejection(ctx):
    w = f.world()
    person = f.user("lihaiyan")
    request = residency.request_verification(
        person, w.a, basis=Basis.WORK, full_name="黎海燕", phone="13907550003",
        birth_date=None, address="社区卫生服务站", note="", now=f.NOW,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        residency.approve_verification(
            w.committee_b, request, roster_entry=None, note="", now=f.NOW
        )
    assert _error(residency.reject_verification, w.committee_a, request, reason=" ", now=f.NOW) == (
        "reason_required"
    )
    residency.reject_verification(w.committee_a, request, reason="请提供工作证明", now=f.NOW)
    assert request.status == ResidencyStatus.REJECTED
    # Asking again re-opens the same record.
    again = residency.request_verification(
        person, w.a, basis=Basis.WORK, full_name="黎海燕", phone=None, birth_date=None,
        address="社区卫生服务站", note="附工作证", now=f.NOW,
    )  # fmt: skip
    assert again.id == request.id
    assert again.status == ResidencyStatus.PENDING
    residency.approve_verification(
        w.committee_a, again, roster_entry=None, note="已核对", now=f.NOW
    )
    assert again.status == ResidencyStatus.VERIFIED
    assert again.method == "manual"
    assert again.basis == Basis.WORK
    actions = db.session.scalars(select(AuditEntry.action).filter_by(community_id=w.a.id)).all()
    assert "residency.reject" in actions
    assert "residency.approve" in actions


def test_database_refuses_a_second_residency_for_one_entry(ctx):
    w = f.world()
    entry = db.session.scalar(select(RosterEntry).filter_by(full_name="王秀英"))
    other = f.user("other")
    db.session.add(
        Residency(
            user_id=other.id, community_id=w.a.id, roster_entry_id=entry.id, full_name="x",
            status="pending",
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_refuses_a_verified_resident_without_roster(ctx):
    w = f.world()
    db.session.add(
        Residency(
            user_id=w.unverified.id, community_id=w.a.id, full_name="x", status="verified",
            basis="live", method="manual", decided_at=f.NOW,
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_database_allows_one_live_code_per_member(ctx):
    w = f.world()
    codes = _roster_with_codes(w, "林海燕")
    code = codes["林海燕"]
    db.session.add(
        HouseholdCode(
            code="ZZZZZZZZZZZZ", community_id=w.a.id, roster_entry_id=code.roster_entry_id
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_two_accounts_racing_for_one_code_verify_one(ctx):
    """Real concurrent transactions, on SQLite and PostgreSQL: exactly one claim succeeds."""
    w = f.world()
    codes = _roster_with_codes(w, "林海燕")
    code_text = codes["林海燕"].code
    racers = [f.user(f"racer{i}").id for i in range(6)]
    db.session.remove()
    results: list[str] = []
    barrier = threading.Barrier(len(racers))

    def claim(user_id: int) -> None:
        from microprojects.models import Community, User

        with ctx.app_context():
            user = db.session.get(User, user_id)
            place = db.session.scalar(select(Community).filter_by(slug="zhenxing"))
            barrier.wait()
            try:
                residency.claim_code(user, place, code_text, now=f.NOW)
                results.append("ok")
            except ServiceError as error:
                results.append(error.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(uid,)) for uid in racers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert set(results) - {"ok"} <= {"code_used"}
    verified = db.session.scalar(
        select(func.count())
        .select_from(Residency)
        .where(Residency.user_id.in_(racers), Residency.status == "verified")
    )
    assert verified == 1
