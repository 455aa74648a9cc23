"""Forms of the grid workers' pages: giving a grid to an account, and a proposal brought to the
door."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from . import PageForm
from .proposals import ProposalForm


class GiveGridForm(PageForm):
    login = StringField(
        _l("Login name or mobile number of the account"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("The person registers first; they need not live in the community."),
    )
    grid = SelectField(_l("Grid"), coerce=int, validators=[DataRequired()])


class DoorProposalForm(ProposalForm):
    roster_entry = SelectField(
        _l("Resident on the roster of this grid (optional)"), coerce=int, validators=[Optional()]
    )
    on_behalf_of = StringField(
        _l("Name of the resident who proposes"),
        validators=[Optional(), Length(max=60)],
        description=_l("Leave it empty to use the name chosen above."),
    )
    consent = BooleanField(
        _l("The resident agrees that the grid worker submits it for them and shows their name"),
        validators=[DataRequired(_l("Ask the resident first, then tick this box."))],
    )
