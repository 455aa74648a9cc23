"""Accounts: registration, login, the account a session belongs to, passwords, the language,
deletion, and the roles an administrator grants."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.characters import clean_line
from ..domain.people import is_valid_username, normalize_phone, password_problem
from ..domain.permissions import Action, Actor, can
from ..extensions import db
from ..models import (
    CommitteeMembership,
    Community,
    GridAssignment,
    NoticeSettings,
    Organization,
    OrganizationMember,
    OutgoingMessage,
    PhoneCode,
    ResidencyStatus,
    User,
)
from ..models.accounts import derived_login, new_session_token
from . import audit
from .errors import ErrorCode, PermissionDenied, ServiceError

DELETED_PASSWORD = "!"  # matches no hash: a deleted account can never log in
# Checked when the login name is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")

# A page shows the user's roles in its header: they come in the same query as the user. An
# action (a POST) mostly redirects, and reads the residency alone (casting a ballot, supporting,
# commenting); roles it needs are loaded when asked. Both statements are built once: every
# request of a logged-in user runs one, and building it would cost as much as running it.
_BY_ID = select(User).where(User.id == bindparam("id"))
_SESSION_USER_WITH_ROLES = _BY_ID.options(
    joinedload(User.residency),
    joinedload(User.committee_memberships),
    joinedload(User.organization_membership),
    joinedload(User.live_grid_assignments).joinedload(GridAssignment.grid),
)
_SESSION_USER = _BY_ID.options(joinedload(User.residency))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def actor_for(user: User | None) -> Actor:
    """What the permission rules need to know about ``user``."""
    if user is None or not user.is_authenticated or user.is_deleted:
        return Actor()
    residency = user.residency
    org = user.organization_membership
    grids = user.live_grid_assignments
    return Actor(
        user_id=user.id,
        is_admin=user.is_admin,
        resident_of=residency.community_id if residency and residency.is_verified else None,
        committee_of=frozenset(m.community_id for m in user.committee_memberships),
        organization_of=org.organization.community_id if org else None,
        grid_worker_of=frozenset(a.grid.community_id for a in grids),
        grid_ids=frozenset(a.grid_id for a in grids),
    )


def require(user: User | None, action: Action, community_id: int | None = None) -> None:
    if not can(actor_for(user), action, community_id):
        raise PermissionDenied(action=action.value)


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ServiceError(ErrorCode(f"password_{problem}"))


def register_user(
    *,
    username: str,
    password: str,
    display_name: str,
    phone: str | None,
    now: datetime,
    email: str | None = None,
    password_hash: str | None = None,
) -> User:
    """A new account. Its public name is ``display_name``, written as the person writes it
    (中文姓名 or any name they choose). They log in by phone number, by the login name
    ``username`` they chose, or both; left empty, ``username`` is made up for the account, and
    never shown as its name, so a number is then needed.

    A username that is taken is said to be (a username is chosen, not personal); a phone number
    that is taken is not: the refusal, ``registration_refused``, is the one for any failure the
    person cannot be told more about, so that nobody learns from this form whether a number has
    an account. ``password_hash``, made by ``hash_password`` beforehand, spares hashing the
    password again (the demo's accounts share one)."""
    username = (username or "").strip()
    if username and not is_valid_username(username):
        raise ServiceError(ErrorCode.USERNAME_INVALID)
    normalized_phone = None
    if phone and phone.strip():
        normalized_phone = normalize_phone(phone)
        if normalized_phone is None:
            raise ServiceError(ErrorCode.PHONE_INVALID)
    if not username and not normalized_phone:
        raise ServiceError(ErrorCode.LOGIN_NEEDED)
    name = clean_line(display_name or "") or username
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="display_name")
    if password_hash is None:
        _check_password(password)
    taken = username and db.session.scalar(
        select(User.id).where(func.lower(User.username) == username.lower())
    )
    if taken:
        raise ServiceError(ErrorCode.USERNAME_TAKEN)
    if normalized_phone and db.session.scalar(
        select(User.id).where(User.phone == normalized_phone)
    ):
        raise ServiceError(ErrorCode.REGISTRATION_REFUSED)
    user = User(
        username=username or derived_login(),
        phone=normalized_phone,
        display_name=name,
        password_hash=password_hash or hash_password(password),
        email=(email or "").strip() or None,
        created_at=now,
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Two registrations raced for the same name or phone; the database kept one.
        db.session.rollback()
        raise ServiceError(ErrorCode.REGISTRATION_REFUSED) from None
    return user


def find_login(login: str) -> User | None:
    login = (login or "").strip()
    if not login:
        return None
    phone = normalize_phone(login)
    conditions = [func.lower(User.username) == login.lower()]
    if phone:
        conditions.append(User.phone == phone)
    return db.session.scalar(
        select(User).where(or_(*conditions), User.deleted_at.is_(None)).limit(1)
    )


def find_session_user(user_id: int, token: str, *, with_roles: bool) -> User | None:
    """The account a login cookie names, or None when it is gone, deleted, or its sessions were
    ended since (the token changed). ``with_roles`` loads its roles in the same query."""
    statement = _SESSION_USER_WITH_ROLES if with_roles else _SESSION_USER
    user = db.session.execute(statement, {"id": user_id}).unique().scalar_one_or_none()
    # Compared in constant time: how long a refusal takes says nothing of how much of a guessed
    # token was right.
    if (
        user is None
        or user.is_deleted
        or not secrets.compare_digest(user.session_token.encode(), token.encode())
    ):
        return None
    return user


def find_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_committee_membership(membership_id: int) -> CommitteeMembership | None:
    return db.session.get(CommitteeMembership, membership_id)


def find_organization(organization_id: int) -> Organization | None:
    return db.session.get(Organization, organization_id)


def authenticate(login: str, password: str, *, now: datetime) -> User | None:
    """The account for these credentials, or None. Username or phone number both log in."""
    user = find_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    user.last_login_at = now
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """End every session of ``user``, in every browser: their login cookies carry the old token.
    Logging out does it, so that a copy of the cookies taken before is refused after."""
    user.session_token = new_session_token()
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """The language the account's pages are shown in. A preference of the person's own, like
    reading their notices: no audit row."""
    user.locale = locale
    db.session.commit()


def change_password(user: User, *, current: str, new: str, now: datetime) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise ServiceError(ErrorCode.PASSWORD_WRONG)
    _check_password(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_token = new_session_token()  # other sessions end; the caller logs this one in
    audit.record(user, "account.password_change", "user", user.id, now=now)
    db.session.commit()


def reset_password(actor: User, user: User, *, now: datetime) -> str:
    """An administrator sets a one-time password, to hand to the person; they must change it."""
    require(actor, Action.RESET_PASSWORDS)
    if user.is_deleted:
        raise ServiceError(ErrorCode.ACCOUNT_DELETED)
    temporary = "-".join(secrets.token_hex(2) for _ in range(3))
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_token = new_session_token()
    audit.record(
        actor, "account.password_reset", "user", user.id, after={"username": user.username}, now=now
    )
    db.session.commit()
    return temporary


def delete_account(user: User, *, password: str, now: datetime) -> None:
    """Delete one's own account. The row stays, scrubbed, so that what points to it stays whole;
    a roster entry it claimed stays claimed, so a new account cannot be verified as that person."""
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError(ErrorCode.PASSWORD_WRONG)
    before = {"username": user.username, "phone": user.phone}
    user.username = f"deleted-{user.id}-{secrets.token_hex(4)}"
    user.display_name = "—"
    user.phone = None
    user.password_hash = DELETED_PASSWORD
    user.is_admin = False
    user.deleted_at = now
    user.session_token = new_session_token()
    for membership in list(user.committee_memberships):
        db.session.delete(membership)
    if user.organization_membership is not None:
        db.session.delete(user.organization_membership)
    # The numbers and addresses its notices went to go with it.
    for model in (NoticeSettings, PhoneCode, OutgoingMessage):
        db.session.execute(delete(model).where(model.user_id == user.id))
    residency = user.residency
    if residency is not None and residency.status != ResidencyStatus.REJECTED:
        residency.status = ResidencyStatus.REVOKED
        residency.decided_at = now
        residency.decision_note = "account deleted"
    audit.record(
        user,
        "account.delete",
        "user",
        user.id,
        community_id=residency.community_id if residency else None,
        before=before,
        now=now,
    )
    db.session.commit()


def bootstrap_admin(user: User, *, now: datetime) -> None:
    """Make ``user`` a city administrator from the command line (no acting account exists yet
    when the first one is made); recorded in the audit log like any role change."""
    if user.is_deleted:
        raise ServiceError(ErrorCode.ACCOUNT_DELETED)
    before = {"is_admin": user.is_admin}
    user.is_admin = True
    audit.record(
        None, "role.admin", "user", user.id, before=before, after={"is_admin": True}, now=now
    )
    db.session.commit()


def set_admin(actor: User, user: User, is_admin: bool, *, now: datetime) -> None:
    require(actor, Action.MANAGE_ROLES)
    if user.id == actor.id and not is_admin:
        raise ServiceError(ErrorCode.CANNOT_DEMOTE_SELF)
    if user.is_deleted:
        raise ServiceError(ErrorCode.ACCOUNT_DELETED)
    before = {"is_admin": user.is_admin}
    user.is_admin = is_admin
    audit.record(
        actor, "role.admin", "user", user.id, before=before, after={"is_admin": is_admin}, now=now
    )
    db.session.commit()


def add_committee_member(
    actor: User, user: User, community: Community, *, title: str, now: datetime
) -> CommitteeMembership:
    require(actor, Action.MANAGE_ROLES)
    if user.is_deleted:
        raise ServiceError(ErrorCode.ACCOUNT_DELETED)
    existing = db.session.scalar(
        select(CommitteeMembership).filter_by(user_id=user.id, community_id=community.id)
    )
    if existing is not None:
        raise ServiceError(ErrorCode.ALREADY_COMMITTEE)
    membership = CommitteeMembership(
        user_id=user.id, community_id=community.id, title=clean_line(title), created_at=now
    )
    db.session.add(membership)
    audit.record(
        actor,
        "role.committee_add",
        "user",
        user.id,
        community_id=community.id,
        after={"community": community.name, "title": membership.title},
        now=now,
    )
    db.session.commit()
    return membership


def remove_committee_member(actor: User, membership: CommitteeMembership, *, now: datetime) -> None:
    require(actor, Action.MANAGE_ROLES)
    audit.record(
        actor,
        "role.committee_remove",
        "user",
        membership.user_id,
        community_id=membership.community_id,
        before={"community": membership.community.name, "title": membership.title},
        now=now,
    )
    db.session.delete(membership)
    db.session.commit()


def create_organization(
    actor: User, *, name: str, registration_no: str | None, community: Community, now: datetime
) -> Organization:
    require(actor, Action.MANAGE_ORGANIZATIONS)
    name = clean_line(name)
    if not name:
        raise ServiceError(ErrorCode.REQUIRED, field="name")
    if db.session.scalar(select(Organization.id).where(Organization.name == name)):
        raise ServiceError(ErrorCode.ORGANIZATION_EXISTS)
    org = Organization(
        name=name,
        registration_no=clean_line(registration_no or "") or None,
        community_id=community.id,
        created_at=now,
    )
    db.session.add(org)
    try:
        db.session.flush()  # a registration number already taken is refused here
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.ORGANIZATION_EXISTS) from None
    audit.record(
        actor,
        "organization.create",
        "organization",
        org.id,
        community_id=community.id,
        after={"name": org.name, "registration_no": org.registration_no},
        now=now,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError(ErrorCode.ORGANIZATION_EXISTS) from None
    return org


def add_organization_member(
    actor: User, organization: Organization, user: User, *, now: datetime
) -> None:
    require(actor, Action.MANAGE_ORGANIZATIONS)
    if user.is_deleted:
        raise ServiceError(ErrorCode.ACCOUNT_DELETED)
    if user.organization_membership is not None:
        raise ServiceError(ErrorCode.ALREADY_ORGANIZATION)
    db.session.add(OrganizationMember(user_id=user.id, organization_id=organization.id))
    audit.record(
        actor,
        "role.organization_add",
        "user",
        user.id,
        community_id=organization.community_id,
        after={"organization": organization.name},
        now=now,
    )
    db.session.commit()
