"""Registration, login and logout."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import rate_limit
from ..forms import ConfirmForm
from ..forms.auth import LoginForm, RegisterForm
from ..services import accounts
from ..services.errors import ServiceError
from .helpers import flash_error, is_safe_next, now, redirect_next

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/register", methods=["GET", "POST"])
def register() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("account.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register_user(
                username=form.username.data or "",
                password=form.password.data or "",
                display_name=form.display_name.data or "",
                phone=form.phone.data,
                email=form.email.data,
                now=now(),
            )
        except ServiceError as error:
            flash_error(error)
        else:
            login_user(user)
            flash(_("Welcome! Now verify that you live, work or study in a community."), "success")
            return redirect(url_for("account.verify"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@rate_limit(_login_limit, methods=["POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect_next("account.index")
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data or "", form.password.data or "", now=now())
        if user is None:
            flash(_("The username, phone number or password is not correct."), "error")
        else:
            login_user(user, remember=bool(form.remember.data))
            if user.must_change_password:
                flash(_("Your password was reset. Choose a new one now."), "info")
                return redirect(url_for("account.password"))
            return redirect_next("account.index")
    next_url = request.args.get("next")
    return render_template(
        "auth/login.html", form=form, next=next_url if is_safe_next(next_url) else None
    )


@bp.post("/logout")
@login_required
def logout() -> Any:
    form = ConfirmForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("public.index"))
