"""Forms for the city administrator: roles and organizations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from . import PageForm


class CommitteeMemberForm(PageForm):
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title (e.g. 主任, 委员)"), validators=[Optional(), Length(max=40)])


class OrganizationForm(PageForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    registration_no = StringField(
        _l("Registration number"), validators=[Optional(), Length(max=40)]
    )
    community = SelectField(_l("Community"), coerce=int, validators=[DataRequired()])


class OrganizationMemberForm(PageForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=40)])


class CommunityForm(PageForm):
    district = StringField(_l("District"), validators=[DataRequired(), Length(max=60)])
    street = StringField(_l("Street"), validators=[DataRequired(), Length(max=60)])
    community = StringField(_l("Community"), validators=[DataRequired(), Length(max=60)])
    slug = StringField(
        _l("Short name for addresses"),
        validators=[DataRequired(), Length(max=59)],
        description=_l("Lower-case letters, digits and dashes, e.g. zhenxing."),
    )
    grids = StringField(
        _l("Grids"),
        validators=[Optional(), Length(max=500)],
        description=_l("Separated by commas, e.g. 第一网格, 第二网格. Existing grids are kept."),
    )
