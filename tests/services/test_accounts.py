import factories as f
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from microprojects.domain.people import is_valid_username
from microprojects.extensions import db
from microprojects.models import AuditEntry, User
from microprojects.services import accounts
from microprojects.services.errors import PermissionDenied, ServiceError


def test_register_and_authenticate_by_username_or_phone(ctx):
    user = f.user("wangxiuying", phone="139-0755-0001")
    assert user.phone == "13907550001"
    assert user.password_hash.startswith(ctx.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")
    assert f.PASSWORD not in user.password_hash
    assert accounts.authenticate("wangxiuying", f.PASSWORD, now=f.NOW) == user
    assert accounts.authenticate("WangXiuYing", f.PASSWORD, now=f.NOW) == user
    assert accounts.authenticate("13907550001", f.PASSWORD, now=f.NOW) == user
    assert accounts.authenticate("wangxiuying", "wrong-password", now=f.NOW) is None
    assert accounts.authenticate("nobody", f.PASSWORD, now=f.NOW) is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"username": "ab"}, "username_invalid"),
        ({"username": "王秀英"}, "username_invalid"),
        ({"username": "", "phone": None}, "login_needed"),
        ({"username": " ", "phone": " "}, "login_needed"),
        ({"username": "", "phone": "13907550002", "display_name": " "}, "required"),
        ({"phone": "12345"}, "phone_invalid"),
        ({"password": "short"}, "password_too_short"),
        ({"username": "Taken"}, "username_taken"),
        # A number already registered is not named: the form must not tell who has an account.
        ({"phone": "13907550001"}, "registration_refused"),
        ({"phone": "+86 139 0755 0001"}, "registration_refused"),
    ],
)
def test_registration_refusals(ctx, kwargs, code):
    f.user("taken", phone="13907550001")
    values = {
        "username": "newcomer",
        "password": "correct-horse-9",
        "display_name": "",
        "phone": None,
        "now": f.NOW,
    } | kwargs
    with pytest.raises(ServiceError) as caught:
        accounts.register_user(**values)
    assert caught.value.code == code


def test_an_account_without_a_login_name_logs_in_by_phone(ctx):
    user = accounts.register_user(
        username="", password=f.PASSWORD, display_name=" 王秀英 ", phone="139 0755 0001", now=f.NOW
    )
    assert user.display_name == "王秀英"
    assert not user.chose_login
    assert not is_valid_username(user.username)  # nobody can choose it, or take it
    assert accounts.authenticate("13907550001", f.PASSWORD, now=f.NOW) == user
    assert accounts.authenticate("王秀英", f.PASSWORD, now=f.NOW) is None
    other = accounts.register_user(
        username="", password=f.PASSWORD, display_name="王秀英", phone="13907550002", now=f.NOW
    )
    assert other.username != user.username


def test_a_chosen_login_name_without_a_display_name_is_the_name(ctx):
    user = accounts.register_user(
        username="root", password=f.PASSWORD, display_name="", phone=None, now=f.NOW
    )
    assert (user.display_name, user.chose_login) == ("root", True)


def test_a_password_hash_made_once_serves_many_accounts(ctx):
    shared = accounts.hash_password("demo-2026")
    one = accounts.register_user(username="one", password="", display_name="一", phone=None,
                                 now=f.NOW, password_hash=shared)  # fmt: skip
    two = accounts.register_user(username="two", password="", display_name="二", phone=None,
                                 now=f.NOW, password_hash=shared)  # fmt: skip
    assert one.password_hash == two.password_hash == shared
    assert accounts.authenticate("two", "demo-2026", now=f.NOW) == two


def test_usernames_are_unique_in_the_database(ctx):
    f.user("wang")
    db.session.add(User(username="wang", display_name="x", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_change_password_ends_other_sessions(ctx):
    user = f.user("wang")
    token = user.session_token
    with pytest.raises(ServiceError):
        accounts.change_password(user, current="wrong", new="another-pass-1", now=f.NOW)
    accounts.change_password(user, current=f.PASSWORD, new="another-pass-1", now=f.NOW)
    assert user.session_token != token
    assert accounts.authenticate("wang", "another-pass-1", now=f.NOW) == user


def test_reset_password_needs_an_admin_and_is_audited(ctx):
    w = f.world()
    with pytest.raises(PermissionDenied):
        accounts.reset_password(w.committee_a, w.resident_a, now=f.NOW)
    temporary = accounts.reset_password(w.admin, w.resident_a, now=f.NOW)
    assert w.resident_a.must_change_password
    assert accounts.authenticate("resident_a", temporary, now=f.NOW) == w.resident_a
    assert accounts.authenticate("resident_a", f.PASSWORD, now=f.NOW) is None
    entry = db.session.scalar(select(AuditEntry).filter_by(action="account.password_reset"))
    assert entry.actor_id == w.admin.id
    assert entry.subject_id == str(w.resident_a.id)


def test_roles_are_granted_by_admins_only_and_audited(ctx):
    w = f.world()
    with pytest.raises(PermissionDenied):
        accounts.add_committee_member(w.committee_a, w.unverified, w.a, title="", now=f.NOW)
    with pytest.raises(PermissionDenied):
        accounts.set_admin(w.committee_a, w.unverified, True, now=f.NOW)
    accounts.set_admin(w.admin, w.unverified, True, now=f.NOW)
    assert w.unverified.is_admin
    with pytest.raises(ServiceError) as caught:
        accounts.set_admin(w.admin, w.admin, False, now=f.NOW)
    assert caught.value.code == "cannot_demote_self"
    with pytest.raises(ServiceError) as caught:
        accounts.add_committee_member(w.admin, w.committee_a, w.a, title="", now=f.NOW)
    assert caught.value.code == "already_committee"
    change = db.session.scalar(
        select(AuditEntry).filter_by(action="role.admin", subject_id=str(w.unverified.id))
    )
    assert change.before == {"is_admin": False}
    assert change.after == {"is_admin": True}


def test_deleting_an_account_scrubs_it(ctx):
    w = f.world()
    accounts.delete_account(w.committee_a, password=f.PASSWORD, now=f.NOW)
    assert w.committee_a.is_deleted
    assert w.committee_a.phone is None
    assert w.committee_a.committee_memberships == []
    assert accounts.authenticate("committee_a", f.PASSWORD, now=f.NOW) is None
    # The name is free again for a new account.
    assert f.user("committee_a").id != w.committee_a.id


def test_production_hashes_with_scrypt(tmp_path):
    from microprojects.config import Config

    assert Config(str(tmp_path)).PASSWORD_HASH_METHOD == "scrypt"
