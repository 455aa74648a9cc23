"""Forms of acceptance (验收): the committee's record of an inspection and the paper survey's
answers typed in from the forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..messages import ACCEPTANCE_RESULT_LABELS, INSPECTOR_ROLE_LABELS
from . import PageForm

INSPECTOR_ROWS = 4


class InspectorForm(Form):
    """One row: a person at the inspection. Left empty, the row is skipped."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=60)])
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(k, v) for k, v in INSPECTOR_ROLE_LABELS.items()],
        validate_choice=False,
    )
    account = SelectField(_l("Account (optional)"), choices=[], validate_choice=False)


class AcceptanceForm(PageForm):
    round = HiddenField()
    inspected_on = DateField(_l("Date of the inspection"), validators=[InputRequired()])
    inspectors = FieldList(FormField(InspectorForm), min_entries=INSPECTOR_ROWS, max_entries=12)
    findings = TextAreaField(
        _l("What the inspectors found"), validators=[DataRequired(), Length(max=2000)]
    )
    result = RadioField(
        _l("Result"),
        choices=[SelectChoice(k, v) for k, v in ACCEPTANCE_RESULT_LABELS.items()],
        validators=[DataRequired()],
    )
    fixes = TextAreaField(
        _l("Fixes required (if accepted with fixes)"), validators=[Length(max=2000)]
    )
    fixes_due = DateField(_l("Fixes due by"), validators=[Optional()])
    redo = TextAreaField(_l("What must be redone (if not accepted)"), validators=[Length(max=2000)])
    documents = MultipleFileField(
        _l("Documents: the signed acceptance form (PDF) or photos"),
        description=_l("Up to 6 files: PDF, or JPEG, PNG or WebP photos."),
    )


class SurveyForm(PageForm):
    token = HiddenField()
    satisfied = IntegerField(
        _l("Satisfied (满意)"), default=0, validators=[InputRequired(), NumberRange(0, 100_000)]
    )
    basically = IntegerField(
        _l("Basically satisfied (基本满意)"),
        default=0,
        validators=[InputRequired(), NumberRange(0, 100_000)],
    )
    dissatisfied = IntegerField(
        _l("Dissatisfied (不满意)"),
        default=0,
        validators=[InputRequired(), NumberRange(0, 100_000)],
    )
    note = StringField(_l("Note (optional)"), validators=[Length(max=300)])
