"""The form of how pages are shown to one account: elder mode (长辈模式)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from . import PageForm


class ElderModeForm(PageForm):
    elder = BooleanField(
        _l("Turn elder mode on: larger text and buttons, strong contrast, simpler pages"),
        description=_l("Kept with your account, on every phone or computer you log in on."),
    )
