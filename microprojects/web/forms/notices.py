"""The forms of notices: the channels a person chooses, the phone number and its code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from . import PageForm


class ChannelsForm(PageForm):
    email_on = BooleanField(_l("Also tell me by e-mail"))
    sms_on = BooleanField(_l("Also tell me by text message (SMS)"))


class PhoneForm(PageForm):
    phone = StringField(
        _l("Mobile number for text messages"),
        validators=[DataRequired(_l("Enter the mobile number that should get the messages."))],
        description=_l("We send a 6-digit code to it. Type the code below to confirm the number."),
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )


class CodeForm(PageForm):
    code = StringField(
        _l("The 6-digit code from the text message"),
        validators=[
            DataRequired(_l("Type the 6 digits from the text message.")),
            Length(max=12, message=_l("Type the 6 digits from the text message.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )
