"""Forms for registration, login and one's own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ...domain.people import (
    PASSWORD_MIN_LENGTH,
    is_valid_username,
    normalize_phone,
    password_problem,
)
from . import PageForm


def _username(form: FlaskForm, field: StringField) -> None:
    name = (field.data or "").strip()
    if not name:
        if not (form.phone.data or "").strip():
            raise ValidationError(
                _l(
                    "Give your mobile number or choose a login name: you will log in with one of "
                    "them."
                )
            )
        return
    if not name.isascii():
        raise ValidationError(
            _l(
                "A login name is written in Latin letters and digits, such as wangxy2026. Your "
                "name in Chinese goes in the name field; or leave this empty and log in with your "
                "mobile number."
            )
        )
    if not is_valid_username(name):
        raise ValidationError(
            _l(
                "A username is 3 to 32 letters, digits, dots, dashes or underscores, "
                "starting with a letter."
            )
        )


def _phone(form: FlaskForm, field: StringField) -> None:
    if field.data and normalize_phone(field.data) is None:
        raise ValidationError(_l("Enter an 11-digit mainland mobile number, e.g. 13800138000."))


def _new_password(form: FlaskForm, field: PasswordField) -> None:
    problem = password_problem(field.data or "")
    if problem == "too_short":
        raise ValidationError(_l("The password must have at least 8 characters."))
    if problem == "too_simple":
        raise ValidationError(_l("The password is too simple; use letters and digits."))


class LoginForm(PageForm):
    login = StringField(_l("Username or phone number"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(PageForm):
    # The name comes first: it is how the person is known. Logging in needs a phone number or
    # a login name of their choosing, never a name in Latin letters forced on them.
    display_name = StringField(
        _l("Name shown to others"),
        validators=[
            DataRequired(message=_l("Write your name, as you want others to read it.")),
            Length(max=60),
        ],
        description=_l("Your name in Chinese, such as 王秀英, or any name you choose."),
        render_kw={"autocomplete": "name"},
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[Optional(), _phone],
        description=_l("You can log in with it. Leave it empty if you choose a login name."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    username = StringField(
        _l("Login name (optional)"),
        validators=[_username],
        description=_l(
            "Latin letters and digits, to log in with besides your mobile number. Leave it empty "
            "to log in with your mobile number only."
        ),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    email = EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            Length(max=120),
            Email(message=_l("Enter a valid e-mail address.")),
        ],
        description=_l("Only for notices about the proposals you follow."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200), _new_password],
        description=_l("At least %(n)d characters.", n=PASSWORD_MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class PasswordForm(PageForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200), _new_password]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class DeleteAccountForm(PageForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    understood = BooleanField(
        _l("I understand that this cannot be undone."), validators=[DataRequired()]
    )
