"""What a device chose without an account: the elder mode (长辈模式), kept in a cookie for a
year. The language a visitor chose is kept in the session (see ``i18n``)."""

from __future__ import annotations

from typing import Final

from flask import request

ELDER_COOKIE: Final = "elder"
ELDER_COOKIE_AGE: Final = 365 * 24 * 3600


def elder_device() -> bool:
    """The device's choice alone: what a page may use that must read nothing of the account
    (the receipt, which answers the cast)."""
    return request.cookies.get(ELDER_COOKIE) == "1"
