"""The committee's voting settings form (how residents vote and how the votes are counted) and
the count form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...domain.ballots import BallotKind
from ...domain.tally import OFFERED_RULES
from ..explain import RULE_NAMES, TIE_BREAK_LABELS
from ..messages import BALLOT_KIND_LABELS
from . import PageForm


class VotingSettingsForm(PageForm):
    ballot_kind = RadioField(
        _l("How residents vote"),
        choices=[SelectChoice(k.value, BALLOT_KIND_LABELS[k.value]) for k in BallotKind],
        validators=[DataRequired()],
    )
    ballot_min = IntegerField(
        _l("Fewest projects to choose"), default=1, validators=[Optional(), NumberRange(0, 100)]
    )
    ballot_max = IntegerField(
        _l("Most projects to choose (empty: no limit)"),
        validators=[Optional(), NumberRange(1, 100)],
    )
    ballot_min_share_pct = IntegerField(
        _l("Budget ballots: spend at least this share of the budget (%)"),
        default=0,
        validators=[Optional(), NumberRange(0, 100)],
    )
    points_total = IntegerField(
        _l("Points ballots: points to distribute"),
        default=10,
        validators=[Optional(), NumberRange(1, 1000)],
    )
    points_max = IntegerField(
        _l("Points ballots: most points on one project (empty: no limit)"),
        validators=[Optional(), NumberRange(1, 1000)],
    )
    rank_k = IntegerField(
        _l("Ranking ballots: how many to rank"),
        default=3,
        validators=[Optional(), NumberRange(1, 50)],
    )
    vote_unit = RadioField(
        _l("Who has a vote"),
        choices=[
            SelectChoice("person", _l("Every verified person")),
            SelectChoice("household", _l("Every household (one vote per household)")),
        ],
        validators=[DataRequired()],
    )
    allow_revision = BooleanField(_l("Residents may change their ballot until voting closes"))
    public_turnout = BooleanField(_l("Show the live turnout to the public"))
    grid_workers_enter_paper = BooleanField(
        _l("Grid workers may type paper ballots at a polling station")
    )
    tally_rule = RadioField(
        _l("How the funded projects are chosen"),
        choices=[SelectChoice(name, RULE_NAMES[name]) for name in OFFERED_RULES],
        validators=[DataRequired()],
    )
    tally_threshold = IntegerField(
        _l("Minimum score to be funded (empty: none)"),
        validators=[Optional(), NumberRange(0, 10_000_000)],
    )
    tie_break = RadioField(
        _l("Who wins an exact tie"),
        choices=[SelectChoice(k, TIE_BREAK_LABELS[k]) for k in ("submitted", "cheaper")],
        validators=[DataRequired()],
    )


class CountForm(PageForm):
    reason = TextAreaField(
        _l("Why count again (shown publicly beside the new result)"),
        validators=[Optional(), Length(max=1000)],
    )
