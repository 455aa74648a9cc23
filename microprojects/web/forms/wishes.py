"""Forms of the small wishes (点亮微心愿): a resident's wish, the committee's answer, and the
proposal the committee makes from a taken wish."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ...domain.cycles import ProjectType
from ...domain.wishes import ANSWER_MAX, PLACE_MAX, REFERRED_TO_MAX, TEXT_MAX
from ..messages import PROJECT_TYPE_LABELS
from . import PageForm
from .proposals import YuanField


class WishForm(PageForm):
    text = TextAreaField(
        _l("What do you wish for?"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        description=_l(
            "A small need of daily life, e.g. a handrail in the stairwell. Shown on the"
            " community's wish wall without your name."
        ),
    )
    place = StringField(
        _l("Where (optional)"),
        validators=[Optional(), Length(max=PLACE_MAX)],
        description=_l("e.g. Building 3, the east gate"),
    )
    photo = FileField(
        _l("A photo (optional)"),
        description=_l("Only you and the committee see it."),
    )


class AnswerWishForm(PageForm):
    """The answer to one wish, prefixed with its id so that each wish's form on the committee's
    page is its own; its form token is the page's plain one, checked for every POST."""

    class Meta:
        csrf = False

    status = RadioField(
        _l("Answer"),
        choices=[
            SelectChoice("taken", _l("Take it into the next cycle as a proposal")),
            SelectChoice("referred", _l("Refer it (12345, property manager, street ...)")),
            SelectChoice("declined", _l("Decline it, with a public reason")),
        ],
        validators=[DataRequired()],
    )
    referred_to = StringField(
        _l("Referred to"),
        validators=[Optional(), Length(max=REFERRED_TO_MAX)],
        description=_l("Only for a referral, e.g. 12345 市民热线, 物业, 街道办事处."),
        render_kw={"list": "referral-suggestions"},
    )
    answer = TextAreaField(
        _l("Public answer"),
        validators=[Optional(), Length(max=ANSWER_MAX)],
        description=_l(
            "Shown on the wish wall. Required for a referral (what was answered) and a decline"
            " (why)."
        ),
    )


class ProposeFromWishForm(PageForm):
    """A proposal made from a taken wish; prefixed with the wish's id, as the answer form is."""

    class Meta:
        csrf = False

    cycle = SelectField(_l("Cycle collecting proposals"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=80)])
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
    on_behalf_of = StringField(
        _l("Proposed by (as shown on the proposal)"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("The wish wall never names its author; write a name only with consent."),
    )
