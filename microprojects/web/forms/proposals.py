"""Forms for cycles, proposals, screening and deliberation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ...domain.cycles import Feasibility, ProjectType, Stance
from ...domain.money import parse_yuan
from ...domain.screening import ScreeningMode
from ...domain.shortlist import MAX_DAYS as SHORTLIST_MAX_DAYS
from ...services.proposals import ProposalInput
from ..messages import (
    FEASIBILITY_LABELS,
    PROJECT_TYPE_LABELS,
    SCREENING_MODE_LABELS,
    STANCE_LABELS,
)
from . import PageForm


class YuanField(StringField):
    """An amount typed in yuan, kept as integer fen in ``fen``."""

    fen: int | None = None

    def pre_validate(self, form: FlaskForm) -> None:
        self.fen = None
        if self.data and self.data.strip():
            self.fen = parse_yuan(self.data)
            if self.fen is None:
                raise ValidationError(_l("Enter an amount in yuan, e.g. 12000 or 12,000.50."))


class ProposalForm(PageForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
    description = TextAreaField(
        _l("What should be done, and why"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Plain text; simple Markdown (lists, **bold**) also works."),
    )
    category = SelectField(_l("Category"), validators=[DataRequired()])
    project_type = RadioField(
        _l("Type of project"),
        choices=[SelectChoice(t.value, PROJECT_TYPE_LABELS[t.value]) for t in ProjectType],
        default=ProjectType.SERVICE.value,
        validators=[DataRequired()],
    )
    estimated_cost = YuanField(
        _l("Estimated cost (yuan)"), validators=[DataRequired(), Length(max=20)]
    )
    location = StringField(_l("Where"), validators=[Optional(), Length(max=200)])
    latitude = DecimalField(_l("Latitude (optional)"), places=6, validators=[Optional()])
    longitude = DecimalField(_l("Longitude (optional)"), places=6, validators=[Optional()])
    beneficiaries = StringField(_l("Who benefits"), validators=[Optional(), Length(max=200)])
    tag_small = BooleanField(_l("微 small: a small thing that makes daily life easier"))
    tag_urgent = BooleanField(_l("急 urgent: it cannot wait"))
    tag_hard = BooleanField(_l("难 hard: residents cannot solve it themselves"))


def proposal_input(form: ProposalForm) -> ProposalInput:
    """What a proposal form (a resident's, or one entered at the office) says, for the use
    cases that create and edit proposals."""
    return ProposalInput(
        title=form.title.data or "",
        description=form.description.data or "",
        category=form.category.data or "",
        project_type=ProjectType(form.project_type.data),
        estimated_cost_fen=form.estimated_cost.fen or 0,
        location=form.location.data or "",
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
        beneficiaries=form.beneficiaries.data or "",
        tag_small=bool(form.tag_small.data),
        tag_urgent=bool(form.tag_urgent.data),
        tag_hard=bool(form.tag_hard.data),
    )


class OnBehalfForm(ProposalForm):
    on_behalf_of = StringField(
        _l("Proposed by (name of the resident)"), validators=[DataRequired(), Length(max=60)]
    )
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])


class PhotoForm(PageForm):
    photo = FileField(_l("Photo"), validators=[FileRequired()])


class CoProposerForm(PageForm):
    username = StringField(_l("Username of a co-proposer"), validators=[DataRequired()])


class CommentForm(PageForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    stance = RadioField(
        _l("Your view"),
        choices=[SelectChoice(s.value, STANCE_LABELS[s.value]) for s in Stance],
        default=Stance.NEUTRAL.value,
        validators=[DataRequired()],
    )
    parent_id = IntegerField(validators=[Optional()])
    official = BooleanField(_l("Official reply of the committee"))


class ReasonForm(PageForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])


class ModerationForm(PageForm):
    """The committee's decision on a reported or hidden comment."""

    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("hide", _l("Keep it hidden")),
            SelectChoice("show", _l("Show it")),
        ],
        validators=[DataRequired(message=_l("Choose whether to keep it hidden or to show it."))],
    )
    reason = TextAreaField(
        _l("Reason (public)"),
        validators=[
            DataRequired(message=_l("Give the reason for the decision.")),
            Length(max=1000),
        ],
    )


class ReportForm(PageForm):
    reason = StringField(
        _l("Why should the committee look at it?"), validators=[DataRequired(), Length(max=300)]
    )


class ReviseForm(PageForm):
    cost = YuanField(_l("Revised cost (yuan)"), validators=[Optional(), Length(max=20)])
    ballot_title = StringField(_l("Title on the ballot"), validators=[Optional(), Length(max=80)])
    # The assessment and merge forms on the same page have a "note" too: ids keep labels apart.
    note = TextAreaField(
        _l("Public explanation"),
        validators=[DataRequired(), Length(max=1000)],
        id="revise-note",
    )


class MergeForm(PageForm):
    into = SelectField(
        _l("Merge into"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the proposal to merge into."))],
    )
    note = TextAreaField(
        _l("Public explanation"),
        validators=[
            DataRequired(message=_l("Write the public explanation of the merge.")),
            Length(max=1000),
        ],
        description=_l("Required: the proposer and the supporters read why."),
        id="merge-note",
    )


class AssessForm(PageForm):
    feasibility = RadioField(
        _l("Assessment"),
        choices=[SelectChoice(f.value, FEASIBILITY_LABELS[f.value]) for f in Feasibility],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)], id="assess-note")


def _screening_mode_field() -> RadioField:
    return RadioField(
        _l("How proposals are put on the ballot"),
        choices=[SelectChoice(m.value, SCREENING_MODE_LABELS[m.value]) for m in ScreeningMode],
        default=ScreeningMode.COMMITTEE.value,
        validators=[DataRequired(message=_l("Choose how the proposals are screened."))],
    )


class ScreeningModeForm(PageForm):
    """How a cycle's proposals are screened, changed while none has been approved or rejected."""

    screening_mode = _screening_mode_field()


class CycleForm(PageForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    budget = YuanField(_l("Total budget (yuan)"), validators=[DataRequired()])
    project_cap = YuanField(_l("Cap per project (yuan)"), validators=[Optional()])
    cap_engineering = YuanField(_l("Cap for engineering projects (yuan)"), validators=[Optional()])
    cap_service = YuanField(_l("Cap for service projects (yuan)"), validators=[Optional()])
    cap_goods = YuanField(_l("Cap for goods (yuan)"), validators=[Optional()])
    categories = TextAreaField(
        _l("Categories, one per line"), validators=[DataRequired(), Length(max=1000)]
    )
    checklist = TextAreaField(
        _l("Screening checklist, one question per line"), validators=[Optional(), Length(max=3000)]
    )
    min_age = IntegerField(
        _l("Minimum age"), default=15, validators=[InputRequired(), NumberRange(0, 120)]
    )
    allow_work = BooleanField(_l("People who work here take part"), default=True)
    allow_study = BooleanField(_l("People who study here take part"), default=True)
    screening_mode = _screening_mode_field()
    shortlist_days = IntegerField(
        _l("Days the shortlist is published before voting (候选项目公示)"),
        default=0,
        # Left empty, as on a form from before the field: 0, no shortlist 公示.
        validators=[Optional(), NumberRange(0, SHORTLIST_MAX_DAYS)],
        description=_l(
            "Before voting, the approved and rejected proposals are published for this many days"
            " so that residents can object; the committee answers every objection before voting"
            " opens. 0: no such publication."
        ),
    )
    whole_street = BooleanField(
        _l("A street-level cycle for every community of the street (administrators)")
    )
    collecting_at = DateTimeLocalField(_l("Proposals collected from"), validators=[DataRequired()])
    screening_at = DateTimeLocalField(
        _l("Screening and deliberation from"), validators=[DataRequired()]
    )
    voting_at = DateTimeLocalField(_l("Voting from"), validators=[DataRequired()])
    publication_at = DateTimeLocalField(_l("Results published from"), validators=[DataRequired()])
    implementation_at = DateTimeLocalField(_l("Implementation from"), validators=[DataRequired()])
    closed_at = DateTimeLocalField(_l("Closed from"), validators=[DataRequired()])


END_NOW = "end"
EXTEND = "extend"


class PhaseChangeForm(PageForm):
    """End the current phase now, or extend it: an explicit choice. An empty date never means
    "now": extending without a date is an error that names the date."""

    change = RadioField(
        _l("Change"),
        choices=[
            SelectChoice(END_NOW, _l("End this phase now")),
            SelectChoice(EXTEND, _l("Extend this phase until the date below")),
        ],
        validators=[
            DataRequired(message=_l("Choose whether to end the phase now or to extend it."))
        ],
    )
    until = DateTimeLocalField(
        _l("Extend until"),
        validators=[Optional()],
        description=_l("Only to extend the phase: the date and time it should run until."),
    )
    reason = TextAreaField(_l("Reason (public)"), validators=[DataRequired(), Length(max=1000)])

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Not an inline validator: Optional() stops the field's chain on an empty date.
        if self.change.data == EXTEND and self.until.data is None and not self.until.errors:
            self.until.errors = [
                *self.until.errors,
                _l("To extend the phase, enter the date and time it should run until."),
            ]
            ok = False
        return ok
