"""A person's own account: profile, password, deletion, and becoming a verified resident."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ...domain.people import Basis
from ...extensions import rate_limit
from ...services import accounts, home, residency
from ...services.errors import ServiceError
from ...services.notifications import list_recent_notices, mark_all_read
from ..auth import end_session
from ..forms.auth import DeleteAccountForm, PasswordForm
from ..forms.display import ElderModeForm
from ..forms.residency import ClaimForm, VerificationRequestForm
from ..messages import service_message
from .helpers import community_choices, community_or_404, flash_error, now
from .public import set_elder_cookie

bp = Blueprint("account", __name__, url_prefix="")


@bp.get("/account")
@login_required
def index() -> ResponseReturnValue:
    return render_template(
        "account/index.html",
        user=current_user,
        residency=current_user.residency,
        elder_form=ElderModeForm(elder=current_user.elder_mode),
    )


@bp.post("/account/elder")
@login_required
def elder_mode() -> ResponseReturnValue:
    form = ElderModeForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("account.index"))
    on = bool(form.elder.data)
    home.set_elder_mode(current_user, on)
    flash(_("Elder mode is on.") if on else _("Elder mode is off."), "success")
    response = redirect(url_for("account.index", _anchor="display"))
    set_elder_cookie(response, on)
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user,
                current=form.current.data or "",
                new=form.password.data or "",
                now=now(),
            )
        except ServiceError as error:
            form.current.errors = [*form.current.errors, service_message(error.code, error.params)]
        else:
            login_user(current_user._get_current_object())  # new token, new cookie
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete() -> ResponseReturnValue:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            accounts.delete_account(current_user, password=form.password.data or "", now=now())
        except ServiceError as error:
            flash_error(error)
        else:
            end_session()
            flash(_("Your account has been deleted."), "info")
            return redirect(url_for("public.index"))
    return render_template("account/delete.html", form=form)


@bp.route("/verify", methods=["GET", "POST"])
@login_required
def verify() -> ResponseReturnValue:
    current = current_user.residency
    form = VerificationRequestForm()
    form.community.choices = community_choices()
    if request.method == "GET" and current is not None:
        form.community.data = current.community_id
    if form.validate_on_submit():
        community = residency.find_community(form.community.data)
        if community is None:
            form.community.errors = [_("Choose a community from the list.")]
        else:
            try:
                residency.request_verification(
                    current_user,
                    community,
                    basis=Basis(form.basis.data),
                    full_name=form.full_name.data or "",
                    phone=form.phone.data,
                    birth_date=form.birth_date.data,
                    address=form.address.data or "",
                    note=form.note.data or "",
                    now=now(),
                )
            except ServiceError as error:
                flash_error(error)
            else:
                flash(
                    _(
                        "Your request has been sent to the committee of %(name)s.",
                        name=community.name,
                    ),
                    "success",
                )
                return redirect(url_for("account.index"))
    return render_template(
        "account/verify.html",
        form=form,
        residency=current,
        communities=residency.list_communities(),
    )


def _claim_limit() -> str:
    return str(current_app.config["CLAIM_RATE_LIMIT"])


@bp.route("/c/<slug>/claim", methods=["GET", "POST"])
@rate_limit(_claim_limit, methods=["POST"])
def claim(slug: str) -> ResponseReturnValue:
    community = community_or_404(slug)
    form = ClaimForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:30]
    if not current_user.is_authenticated:
        # The QR code brings people here before they have an account: keep the code for later.
        return render_template("account/claim.html", community=community, form=form, anonymous=True)
    if form.validate_on_submit():
        try:
            residency.claim_code(current_user, community, form.code.data or "", now=now())
        except ServiceError as error:
            form.code.errors = [*form.code.errors, service_message(error.code, error.params)]
        else:
            flash(_("You are now a verified resident of %(name)s.", name=community.name), "success")
            return redirect(url_for("account.index"))
    return render_template("account/claim.html", community=community, form=form, anonymous=False)


@bp.get("/account/notifications")
@login_required
def notifications() -> ResponseReturnValue:
    notices = list_recent_notices(current_user.id)
    return render_template("account/notifications.html", notices=notices)


@bp.post("/account/notifications/read")
@login_required
def notifications_read() -> ResponseReturnValue:
    mark_all_read(current_user, now=now())
    return redirect(url_for("account.notifications"))
