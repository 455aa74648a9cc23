"""The city administrator's pages: accounts and their roles, organizations, the whole audit log."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from ...domain.permissions import Action
from ...models import User
from ...services import accounts, administration, places
from ...services.errors import ServiceError
from ..forms.admin import (
    CommitteeMemberForm,
    CommunityForm,
    OrganizationForm,
    OrganizationMemberForm,
)
from .helpers import community_choices, flash_error, now, permission_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _user_or_404(user_id: int) -> User:
    user = accounts.find_user(user_id)
    if user is None:
        abort(404)
    return user


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("")
@permission_required(Action.ADMINISTER)
def index() -> ResponseReturnValue:
    return render_template("admin/index.html", counts=administration.count_totals())


@bp.get("/users")
@permission_required(Action.MANAGE_ROLES)
def users() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()[:60]
    found = administration.search_users(q, _page_number())
    return render_template(
        "admin/users.html", users=found.items, q=q, page=found.number, has_next=found.has_next
    )


@bp.get("/users/<int:user_id>")
@permission_required(Action.MANAGE_ROLES)
def user(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    form = CommitteeMemberForm()
    form.community.choices = community_choices()
    return render_template("admin/user.html", person=person, committee_form=form)


@bp.post("/users/<int:user_id>/committee")
@permission_required(Action.MANAGE_ROLES)
def add_committee(user_id: int) -> ResponseReturnValue:
    person = _user_or_404(user_id)
    form = CommitteeMemberForm()
    form.community.choices = community_choices()
    if form.validate_on_submit():
        community = places.get_community(form.community.data)
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
def remove_committee(user_id: int, membership_id: int) -> ResponseReturnValue:
    membership = accounts.find_committee_membership(membership_id)
    if membership is None or membership.user_id != user_id:
        abort(404)
    accounts.remove_committee_member(current_user, membership, now=now())
    flash(_("Committee seat removed."), "info")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/admin")
@permission_required(Action.MANAGE_ROLES)
def set_admin(user_id: int) -> ResponseReturnValue:
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
def reset_password(user_id: int) -> ResponseReturnValue:
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
def organizations() -> ResponseReturnValue:
    form = OrganizationForm()
    form.community.choices = community_choices()
    if form.validate_on_submit():
        community = places.get_community(form.community.data)
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
    return render_template(
        "admin/organizations.html",
        form=form,
        organizations=administration.list_organizations(),
        member_form=OrganizationMemberForm(),
    )


@bp.post("/organizations/<int:org_id>/members")
@permission_required(Action.MANAGE_ORGANIZATIONS)
def add_organization_member(org_id: int) -> ResponseReturnValue:
    org = accounts.find_organization(org_id)
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
def audit() -> ResponseReturnValue:
    entries = administration.read_audit_page(_page_number())
    return render_template(
        "admin/audit.html",
        entries=entries.items,
        page=entries.number,
        has_next=entries.has_next,
    )


@bp.route("/places", methods=["GET", "POST"])
@permission_required(Action.MANAGE_PLACES)
def places_page() -> ResponseReturnValue:
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            # The city is only that of a district created here, and this form asks for none (the
            # command line does); a district that exists keeps its own.
            place = places.ensure_community(
                city="",
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
    return render_template("admin/places.html", form=form, districts=places.read_place_tree())
