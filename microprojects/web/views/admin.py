"""The city administrator's pages: accounts and their roles, organizations, the whole audit log."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ...domain.permissions import Action
from ...extensions import db
from ...models import (
    AuditEntry,
    CommitteeMembership,
    Community,
    District,
    Organization,
    Residency,
    ResidencyStatus,
    Street,
    User,
)
from ...services import accounts, places
from ...services.errors import ServiceError
from ..forms.admin import (
    CommitteeMemberForm,
    CommunityForm,
    OrganizationForm,
    OrganizationMemberForm,
)
from .helpers import community_choices, flash_error, like, now, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("")
@permission_required(Action.ADMINISTER)
def index() -> str:
    counts = {
        "users": db.session.scalar(
            select(func.count()).select_from(User).where(User.deleted_at.is_(None))
        ),
        "verified": db.session.scalar(
            select(func.count())
            .select_from(Residency)
            .filter_by(status=ResidencyStatus.VERIFIED.value)
        ),
        "pending": db.session.scalar(
            select(func.count())
            .select_from(Residency)
            .filter_by(status=ResidencyStatus.PENDING.value)
        ),
        "communities": db.session.scalar(select(func.count()).select_from(Community)),
        "organizations": db.session.scalar(select(func.count()).select_from(Organization)),
    }
    return render_template("admin/index.html", counts=counts)


@bp.get("/users")
@permission_required(Action.MANAGE_ROLES)
def users() -> str:
    q = (request.args.get("q") or "").strip()[:60]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    query = select(User).where(User.deleted_at.is_(None))
    if q:
        pattern = like(q)
        query = query.where(
            or_(
                User.username.like(pattern, escape="\\"),
                User.display_name.like(pattern, escape="\\"),
                User.phone.like(pattern, escape="\\"),
            )
        )
    rows = db.session.scalars(
        query.order_by(User.id)
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .options(
            selectinload(User.committee_memberships).selectinload(CommitteeMembership.community),
            selectinload(User.residency).selectinload(Residency.community),
        )
    ).all()
    return render_template(
        "admin/users.html", users=rows[:PAGE_SIZE], q=q, page=page, has_next=len(rows) > PAGE_SIZE
    )


@bp.get("/users/<int:user_id>")
@permission_required(Action.MANAGE_ROLES)
def user(user_id: int) -> str:
    person = _user_or_404(user_id)
    form = CommitteeMemberForm()
    form.community.choices = community_choices()
    return render_template("admin/user.html", person=person, committee_form=form)


@bp.post("/users/<int:user_id>/committee")
@permission_required(Action.MANAGE_ROLES)
def add_committee(user_id: int) -> Any:
    person = _user_or_404(user_id)
    form = CommitteeMemberForm()
    form.community.choices = community_choices()
    if form.validate_on_submit():
        community = db.session.get(Community, form.community.data)
        if community is None:
            abort(400)
        try:
            accounts.add_committee_member(
                current_user, person, community, title=form.title.data or "", now=now()
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Committee seat added."), "success")
    else:
        flash(_("Choose a community."), "error")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/committee/<int:membership_id>/remove")
@permission_required(Action.MANAGE_ROLES)
def remove_committee(user_id: int, membership_id: int) -> Any:
    membership = db.session.get(CommitteeMembership, membership_id)
    if membership is None or membership.user_id != user_id:
        abort(404)
    accounts.remove_committee_member(current_user, membership, now=now())
    flash(_("Committee seat removed."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/admin")
@permission_required(Action.MANAGE_ROLES)
def set_admin(user_id: int) -> Any:
    person = _user_or_404(user_id)
    make_admin = request.form.get("is_admin") == "1"
    try:
        accounts.set_admin(current_user, person, make_admin, now=now())
    except ServiceError as error:
        flash_error(error)
    else:
        flash(_("Administrator role updated."), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.post("/users/<int:user_id>/reset-password")
@permission_required(Action.RESET_PASSWORDS)
def reset_password(user_id: int) -> Any:
    person = _user_or_404(user_id)
    try:
        temporary = accounts.reset_password(current_user, person, now=now())
    except ServiceError as error:
        flash_error(error)
        return redirect(url_for("admin.user", user_id=person.id))
    # Shown once, on this page only: it is not stored anywhere in clear.
    return render_template("admin/password_reset.html", person=person, temporary=temporary)


@bp.route("/organizations", methods=["GET", "POST"])
@permission_required(Action.MANAGE_ORGANIZATIONS)
def organizations() -> Any:
    form = OrganizationForm()
    form.community.choices = community_choices()
    if form.validate_on_submit():
        community = db.session.get(Community, form.community.data)
        if community is None:
            abort(400)
        try:
            accounts.create_organization(
                current_user,
                name=form.name.data or "",
                registration_no=form.registration_no.data,
                community=community,
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("Organization registered."), "success")
            return redirect(url_for("admin.organizations"))
    orgs = db.session.scalars(
        select(Organization)
        .order_by(Organization.name)
        .options(selectinload(Organization.members), selectinload(Organization.community))
    ).all()
    return render_template(
        "admin/organizations.html",
        form=form,
        organizations=orgs,
        member_form=OrganizationMemberForm(),
    )


@bp.post("/organizations/<int:org_id>/members")
@permission_required(Action.MANAGE_ORGANIZATIONS)
def add_organization_member(org_id: int) -> Any:
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    form = OrganizationMemberForm()
    if form.validate_on_submit():
        person = accounts.find_login(form.username.data or "")
        if person is None:
            flash(_("No account with that username or phone number."), "error")
        else:
            try:
                accounts.add_organization_member(current_user, org, person, now=now())
            except ServiceError as error:
                flash_error(error)
            else:
                flash(
                    _("%(user)s now speaks for %(org)s.", user=person.display_name, org=org.name),
                    "success",
                )
    return redirect(url_for("admin.organizations"))


@bp.get("/audit")
@permission_required(Action.VIEW_ALL_AUDIT)
def audit() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    entries = db.session.scalars(
        select(AuditEntry)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
        .options(selectinload(AuditEntry.actor))
    ).all()
    return render_template(
        "admin/audit.html",
        entries=entries[:PAGE_SIZE],
        page=page,
        has_next=len(entries) > PAGE_SIZE,
    )


@bp.route("/places", methods=["GET", "POST"])
@permission_required(Action.MANAGE_PLACES)
def places_page() -> Any:
    form = CommunityForm()
    if form.validate_on_submit():
        district = db.session.scalar(select(District).filter_by(name=form.district.data.strip()))
        try:
            place = places.ensure_community(
                city=district.city if district else "",
                district=form.district.data or "",
                street=form.street.data or "",
                community=form.community.data or "",
                slug=(form.slug.data or "").strip().lower(),
                grids=re.split(r"[,，、\s]+", form.grids.data or ""),
                actor=current_user,
            )
        except ServiceError as error:
            flash_error(error)
        else:
            flash(_("%(name)s saved.", name=place.name), "success")
            return redirect(url_for("admin.places_page"))
    districts = db.session.scalars(
        select(District)
        .order_by(District.name)
        .options(
            selectinload(District.streets)
            .selectinload(Street.communities)
            .selectinload(Community.grids)
        )
    ).all()
    return render_template("admin/places.html", form=form, districts=districts)
