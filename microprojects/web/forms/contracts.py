"""Forms of delivery contracts: the committee's contract, the supplier's progress update and the
committee's return of it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from . import PageForm
from .proposals import YuanField


class ContractForm(PageForm):
    organization = SelectField(
        _l("Supplier: a registered organization"), choices=[], validate_choice=True
    )
    company_name = StringField(
        _l("… or a company, by its name"),
        validators=[Length(max=120)],
        description=_l("Fill in one of the two."),
    )
    number = StringField(_l("Contract number (optional)"), validators=[Length(max=60)])
    amount = YuanField(_l("Contract amount (yuan)"), validators=[DataRequired()])
    signed_on = DateField(_l("Signed on"), validators=[InputRequired()])
    starts_on = DateField(_l("Work starts on"), validators=[InputRequired()])
    ends_on = DateField(_l("Work ends on"), validators=[InputRequired()])
    deliverables = TextAreaField(
        _l("What the supplier delivers"), validators=[DataRequired(), Length(max=2000)]
    )


class SupplierUpdateForm(PageForm):
    body = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=2000)])
    progress_pct = IntegerField(
        _l("Progress (%)"), validators=[InputRequired(), NumberRange(0, 100)]
    )
    during = FileField(_l("Photo of the work (optional)"))
    after = FileField(_l("Photo of the result (optional)"))


class ReturnUpdateForm(PageForm):
    reason = StringField(_l("Why it is returned"), validators=[DataRequired(), Length(max=300)])
