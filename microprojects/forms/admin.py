"""Forms for the city administrator: roles and organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class CommitteeMemberForm(FlaskForm):
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title (e.g. 主任, 委员)"), validators=[Optional(), Length(max=40)])


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    registration_no = StringField(
        _l("Registration number"), validators=[Optional(), Length(max=40)]
    )
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])


class OrganizationMemberForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])
