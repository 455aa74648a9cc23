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


def _username(form: FlaskForm, field: StringField) -> None:
    if not is_valid_username(field.data or ""):
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


class LoginForm(FlaskForm):
    login = StringField(_l("Username or phone number"), validators=[DataRequired(), Length(max=40)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class RegisterForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), _username])
    display_name = StringField(_l("Name shown to others"), validators=[Optional(), Length(max=60)])
    phone = StringField(_l("Mobile number (optional)"), validators=[Optional(), _phone])
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


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=200), _new_password]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired()])
    understood = BooleanField(
        _l("I understand that this cannot be undone."), validators=[DataRequired()]
    )
