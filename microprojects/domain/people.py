"""People: login names, mainland phone numbers, ages and the bases of eligibility."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{2,31}$")
PASSWORD_MIN_LENGTH = 8


class Basis(StrEnum):
    """Why a person may take part in a community: they live, work or study there."""

    LIVE = "live"
    WORK = "work"
    STUDY = "study"


class RosterStanding(StrEnum):
    """Whether a person on the roster still counts in it: the committee marks who has moved away
    or died (with a reason); they are kept, never deleted, so that a vote they cast stays theirs."""

    ACTIVE = "active"
    MOVED = "moved"
    DECEASED = "deceased"


class IdentityCheck(StrEnum):
    """How the person handing in a paper ballot was known to be who the roster says."""

    ID_CARD = "id_card"  # the ID card was seen
    KNOWN_TO_WORKER = "known_to_worker"  # the member or grid worker knows them
    HOUSEHOLD_CODE = "household_code"  # they brought their household code
    OTHER = "other"


# How a roster written by a community office names the bases.
BASIS_ALIASES: dict[str, Basis] = {
    "居住": Basis.LIVE,
    "居民": Basis.LIVE,
    "户籍": Basis.LIVE,
    "常住": Basis.LIVE,
    "live": Basis.LIVE,
    "工作": Basis.WORK,
    "就业": Basis.WORK,
    "work": Basis.WORK,
    "学习": Basis.STUDY,
    "就学": Basis.STUDY,
    "study": Basis.STUDY,
}


def normalize_phone(raw: str) -> str | None:
    """A mainland mobile number as 11 digits, or None if it is not one.

    Accepts the usual ways people write it: spaces or dashes, a leading +86 or 86.
    """
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if PHONE_RE.match(digits) else None


def login_name(typed: str) -> str:
    """The login name an entry of the login form stands for, however it was written: a mobile
    number as its 11 digits, anything else (a username) trimmed and in lower case, as usernames
    are matched. One account may have two login names: its username and its phone number."""
    return normalize_phone(typed) or (typed or "").strip().lower()


def is_valid_username(name: str) -> bool:
    return bool(USERNAME_RE.match(name or ""))


def password_problem(password: str) -> str | None:
    """A code naming what is wrong with a new password, or None when it is acceptable."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return "too_short"
    if password.isdigit() and len(set(password)) <= 2:
        return "too_simple"
    return None


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day``."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
