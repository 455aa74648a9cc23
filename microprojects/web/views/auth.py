"""Registration, login and logout.

Registering is limited per client address (``REGISTER_RATE_LIMIT``), every attempt counted: each
one could be a probe of whether a phone number has an account, which the form never says.
Failed logins are limited twice, each limit counted apart: per client address
(``LOGIN_RATE_LIMIT``: one address trying many accounts) and per login name
(``LOGIN_ACCOUNT_RATE_LIMIT``: many addresses trying one account). Only a failure is counted, so
that a whole building logging in behind one address is never stopped; once either limit is
reached, every attempt it covers is refused before the password is checked, the right one too.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.people import login_name
from ...extensions import rate_limit
from ...services import accounts
from ...services.errors import ServiceError
from ..auth import end_session, start_session
from ..forms import ConfirmForm
from ..forms.auth import LoginForm, RegisterForm
from .helpers import flash_error, is_safe_next, now, redirect_next

bp = Blueprint("auth", __name__)


def _address_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


def _account_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _login_name_key() -> str:
    """The login name typed, whether an account has it or not (the limit must not tell), keyed
    so that the rate-limit storage holds no username or phone number in clear."""
    name = login_name(request.form.get("login", ""))
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return "login-name:" + hmac.new(secret, name.encode(), hashlib.sha256).hexdigest()[:32]


def _login_failed(response: Response) -> bool:
    return bool(g.get("login_failed"))


def _too_many_failures() -> str:
    return _(
        "Too many failed logins for this account or from your network. Wait a while and try "
        "again; if you have forgotten your password, ask your community committee or the "
        "administrator to reset it."
    )


def _register_limit() -> str:
    return str(current_app.config["REGISTER_RATE_LIMIT"])


def _too_many_registrations() -> str:
    return _(
        "Too many registrations from your network in a short while. Wait a while and try again."
    )


@bp.route("/register", methods=["GET", "POST"])
@rate_limit(_register_limit, methods=["POST"], error_message=_too_many_registrations)
def register() -> ResponseReturnValue:
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
            start_session(user)
            flash(_("Welcome! Now verify that you live, work or study in a community."), "success")
            return redirect(url_for("account.verify"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@rate_limit(
    _address_limit,
    methods=["POST"],
    deduct_when=_login_failed,
    error_message=_too_many_failures,
)
@rate_limit(
    _account_limit,
    methods=["POST"],
    key_func=_login_name_key,
    deduct_when=_login_failed,
    error_message=_too_many_failures,
)
def login() -> ResponseReturnValue:
    # Logged in, one is sent on; but a login posted over an account's session (a shared
    # browser) is heard, and starts a new session with nothing of that account's.
    if current_user.is_authenticated and request.method == "GET":
        return redirect_next("account.index")
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.login.data or "", form.password.data or "", now=now())
        if user is None:
            g.login_failed = True  # counted by both limits once the answer is made
            if not (form.login.data or "").strip().isascii():
                # A name typed where the login goes: said from what was typed alone, whoever
                # has an account.
                flash(
                    _(
                        "Log in with your mobile number or your login name: your name, such as "
                        "王秀英, is not a login."
                    ),
                    "error",
                )
            else:
                flash(_("The username, phone number or password is not correct."), "error")
        else:
            start_session(user, remember=bool(form.remember.data))
            if user.must_change_password:
                flash(_("Your password was reset. Choose a new one now."), "info")
                return redirect(url_for("account.password"))
            return redirect_next("public.index")
    next_url = request.args.get("next")
    return render_template(
        "auth/login.html", form=form, next=next_url if is_safe_next(next_url) else None
    )


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.end_sessions(current_user._get_current_object())
        end_session()
        flash(_("You have logged out."), "info")
    return redirect(url_for("public.index"))
