"""Forms of the service menu (服务菜单): an organization's offer, the administrator's vetting of
one, and a proposal made from one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...domain.cycles import DEFAULT_CATEGORIES, ProjectType
from ...domain.offers import (
    CAPACITY_MAX,
    DESCRIPTION_MAX,
    QUANTITY_MAX,
    REASON_MAX,
    TITLE_MAX,
    UNIT_MAX,
)
from ..messages import PROJECT_TYPE_LABELS
from . import PageForm
from .proposals import YuanField


class OfferForm(PageForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(
        _l("What the service is, who it is for, how it is delivered"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
    )
    price = YuanField(_l("Price (yuan)"), validators=[DataRequired(), Length(max=20)])
    unit = StringField(
        _l("Per"),
        validators=[DataRequired(), Length(max=UNIT_MAX)],
        description=_l("e.g. 次, 场, 期, 个"),
        render_kw={"list": "unit-suggestions"},
    )
    project_type = RadioField(
        _l("Type of project"),
        choices=[SelectChoice(t.value, PROJECT_TYPE_LABELS[t.value]) for t in ProjectType],
        default=ProjectType.SERVICE.value,
        validators=[DataRequired()],
    )
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(c, c) for c in DEFAULT_CATEGORIES],
        validators=[DataRequired()],
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[InputRequired(), NumberRange(min=1, max=CAPACITY_MAX)],
        description=_l("How many projects from this offer the organization can deliver at once."),
    )
    library = SelectField(
        _l("Library"),
        validators=[DataRequired()],
        description=_l(
            "The city's library serves every community; a street's, only that street's communities."
        ),
    )
    photo = FileField(_l("A photo (optional)"))


class DecideOfferForm(PageForm):
    """The vetting of one offer, prefixed with its id so that each offer's form in the queue is
    its own; its form token is the page's plain one, checked for every POST."""

    class Meta:
        csrf = False

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve: put it on the menu")),
            SelectChoice("refuse", _l("Refuse, with a public reason")),
        ],
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Public reason"),
        validators=[Optional(), Length(max=REASON_MAX)],
        description=_l("Required for a refusal: the organization reads it and can answer it."),
    )


class ProposeFromOfferForm(PageForm):
    place = SelectField(_l("Cycle collecting proposals"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(
        _l("What should be done, and why"), validators=[DataRequired(), Length(max=5000)]
    )
    category = SelectField(_l("Category"), validators=[DataRequired()])
    quantity = IntegerField(
        _l("Quantity"),
        validators=[InputRequired(), NumberRange(min=1, max=QUANTITY_MAX)],
        default=1,
    )
    location = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    on_behalf_of = StringField(
        _l("Entered for (committee members only)"),
        validators=[Optional(), Length(max=60)],
        description=_l("Whom the committee enters the proposal for, e.g. a resident's name."),
    )
