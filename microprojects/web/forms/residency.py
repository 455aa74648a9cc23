"""Forms for taking part in a community and for the committee's roster work."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...domain.codes import normalize_code
from ...domain.people import Basis, normalize_phone
from . import PageForm

BASIS_LABELS = {
    Basis.LIVE: _l("I live in this community"),
    Basis.WORK: _l("I work in this community"),
    Basis.STUDY: _l("I study in this community"),
}


def _code(form: FlaskForm, field: StringField) -> None:
    if normalize_code(field.data or "") is None:
        raise ValidationError(_l("A code has 12 letters and digits, like ABCD-EFGH-JKMN."))


def _phone(form: FlaskForm, field: StringField) -> None:
    if field.data and normalize_phone(field.data) is None:
        raise ValidationError(_l("Enter an 11-digit mainland mobile number, e.g. 13800138000."))


class ClaimForm(PageForm):
    code = StringField(_l("Household code"), validators=[DataRequired(), Length(max=30), _code])


class VerificationRequestForm(PageForm):
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])
    basis = RadioField(
        _l("Why you may take part"),
        choices=[SelectChoice(b.value, label) for b, label in BASIS_LABELS.items()],
        default=Basis.LIVE.value,
        validators=[DataRequired()],
    )
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=60)])
    phone = StringField(_l("Mobile number"), validators=[Optional(), _phone])
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    address = StringField(
        _l("Address in the community"),
        validators=[Optional(), Length(max=200)],
        description=_l("Building, unit and room, e.g. 3栋2单元401; or your workplace or school."),
    )
    note = TextAreaField(
        _l("Anything the committee should know"), validators=[Optional(), Length(max=500)]
    )


class RosterImportForm(PageForm):
    file = FileField(_l("Roster file (CSV)"), validators=[FileRequired()])


class IssueCodesForm(PageForm):
    grid = SelectField(_l("Grid"), coerce=int, validators=[Optional()])


class ApproveForm(PageForm):
    roster_entry = RadioField(_l("Roster entry"), coerce=int, validators=[Optional()])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=300)])


class RejectForm(PageForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
