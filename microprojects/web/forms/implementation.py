"""Forms after the count: objections and their answers, the implementation record, ratings and
problem reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...domain.implementation import Status
from ...domain.shortlist import MAX_DAYS as SHORTLIST_MAX_DAYS
from ..messages import IMPLEMENTATION_STATUS_LABELS
from . import PageForm
from .proposals import YuanField


class ObjectionForm(PageForm):
    project = SelectField(
        _l("Which project it is about (optional)"), choices=[], validate_choice=True
    )
    reason = TextAreaField(
        _l("Your objection and its reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("It is published with the committee's answer; your name is not shown."),
    )


class AnswerObjectionForm(PageForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("dismissed", _l("Dismissed: the result stands")),
            SelectChoice("upheld", _l("Upheld: the result will be corrected and counted again")),
        ],
        validators=[DataRequired()],
    )
    answer = TextAreaField(_l("Public answer"), validators=[DataRequired(), Length(max=2000)])


class DetailsForm(PageForm):
    contractor = StringField(_l("Responsible unit or contractor"), validators=[Length(max=120)])
    planned = YuanField(_l("Planned budget (yuan)"), validators=[DataRequired()])


class SpendingForm(PageForm):
    amount = YuanField(_l("Amount (yuan)"), validators=[DataRequired()])
    spent_on = DateField(_l("Date"), validators=[InputRequired()])
    note = StringField(_l("What it paid for"), validators=[Length(max=300)])


class RemoveSpendingForm(PageForm):
    reason = StringField(_l("Why it is taken back"), validators=[DataRequired(), Length(max=300)])


class MilestoneForm(PageForm):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=120)])
    planned_on = DateField(_l("Planned date"), validators=[Optional()])


class MilestoneDoneForm(PageForm):
    done_on = DateField(_l("Done on"), validators=[InputRequired()])


class UpdateForm(PageForm):
    body = TextAreaField(_l("What happened"), validators=[DataRequired(), Length(max=2000)])
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(s.value, IMPLEMENTATION_STATUS_LABELS[s.value]) for s in Status],
        validators=[DataRequired()],
    )
    progress_pct = IntegerField(
        _l("Progress (%)"), default=0, validators=[InputRequired(), NumberRange(0, 100)]
    )
    before = FileField(_l("Photo before the work (optional)"))
    during = FileField(_l("Photo during the work (optional)"))
    after = FileField(_l("Photo after the work (optional)"))


class RatingForm(PageForm):
    stars = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(str(n), _l("%(n)s stars", n=n)) for n in range(5, 0, -1)],
        validators=[DataRequired()],
    )
    comment = StringField(_l("A word on it (optional)"), validators=[Length(max=300)])


class ProblemForm(PageForm):
    body = TextAreaField(_l("The problem"), validators=[DataRequired(), Length(max=2000)])
    photo = FileField(_l("A photo (optional)"))


class AnswerProblemForm(PageForm):
    answer = TextAreaField(_l("Public answer"), validators=[DataRequired(), Length(max=2000)])


class RemedyForm(PageForm):
    """What the committee corrects in answer to an upheld objection; prefixed with the
    objection's id, so that each objection's form on the page is its own. Its form token is
    the page's plain ``csrf_token``, checked for every POST by the app (a prefixed one would
    be named otherwise)."""

    class Meta:
        csrf = False

    project = SelectField(_l("Project"), choices=[], validate_choice=True)
    kind = RadioField(
        _l("Correction"),
        choices=[
            SelectChoice("cost", _l("Correct its cost")),
            SelectChoice("withdraw", _l("Withdraw it from the result")),
        ],
        default="cost",
        validators=[DataRequired()],
    )
    cost = YuanField(
        _l("Corrected cost (yuan)"),
        validators=[Optional(), Length(max=20)],
        description=_l("Only for a corrected cost."),
    )
    reason = TextAreaField(
        _l("Reason (public)"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("Shown on the results page beside the correction."),
    )


class ShortlistObjectionForm(PageForm):
    project = SelectField(
        _l("Which proposal it is about (optional)"), choices=[], validate_choice=True
    )
    reason = TextAreaField(
        _l("Your objection and its reason"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l("It is published with the committee's answer; your name is not shown."),
    )


class AnswerShortlistObjectionForm(PageForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("dismissed", _l("Dismissed: the list stands")),
            SelectChoice("upheld", _l("Upheld: the objection is right")),
        ],
        validators=[DataRequired()],
    )
    answer = TextAreaField(_l("Public answer"), validators=[DataRequired(), Length(max=2000)])
    reopen = BooleanField(
        _l("Reopen the proposal: screen it again before voting"),
        description=_l("Only with an upheld objection about one proposal."),
    )


class ShortlistDaysForm(PageForm):
    days = IntegerField(
        _l("Days the shortlist is published before voting (候选项目公示)"),
        validators=[InputRequired(), NumberRange(0, SHORTLIST_MAX_DAYS)],
        description=_l(
            "Before voting, the approved and rejected proposals are published for this many days"
            " so that residents can object; the committee answers every objection before voting"
            " opens. 0: no such publication."
        ),
    )
