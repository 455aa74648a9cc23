"""Forms of procurement packages (采购包): a package's name, kind, method and note; a project to
add; the supplier with the awarded amount. On the management page each package's forms carry
its own prefix (``pkg<id>``); the page's one CSRF token guards them all."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from ..messages import PACKAGE_KIND_LABELS, PACKAGE_METHOD_LABELS
from . import PageForm
from .proposals import YuanField


def _method_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Not decided yet"))] + [
        SelectChoice(k, v) for k, v in PACKAGE_METHOD_LABELS.items()
    ]


class PackageForm(PageForm):
    class Meta:
        # The page carries several of these, prefixed; the app-wide check reads the page's
        # one ``csrf_token``.
        csrf = False

    name = StringField(
        _l("Name of the package"),
        validators=[DataRequired(), Length(max=60)],
        description=_l("For example: 路灯与道路修缮工程包"),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(k, v) for k, v in PACKAGE_KIND_LABELS.items()],
        validate_choice=False,
    )
    method = SelectField(_l("Procurement method"), choices=_method_choices(), validate_choice=False)
    note = StringField(_l("Note (optional)"), validators=[Length(max=300)])


class AddProjectForm(PageForm):
    class Meta:
        # The page carries several of these, prefixed; the app-wide check reads the page's
        # one ``csrf_token``.
        csrf = False

    project = SelectField(_l("Funded project"), choices=[], validate_choice=False)


class SupplierForm(PageForm):
    class Meta:
        # The page carries several of these, prefixed; the app-wide check reads the page's
        # one ``csrf_token``.
        csrf = False

    organization = SelectField(_l("A registered organization"), choices=[], validate_choice=False)
    company = StringField(_l("or a company, by its registered name"), validators=[Length(max=120)])
    amount = YuanField(_l("Awarded amount (yuan)"), validators=[Length(max=20)])
