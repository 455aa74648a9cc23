from datetime import date

import pytest

from microprojects.domain.people import (
    age_on,
    is_valid_username,
    login_name,
    normalize_phone,
    password_problem,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("12800138000", None),  # no mobile prefix 12
        ("1380013800", None),  # ten digits
        ("138001380001", None),
        ("abc", None),
        ("", None),
    ],
)
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("wang", "wang"),
        (" WANG ", "wang"),
        ("Wang.Xiu", "wang.xiu"),
        ("+86 139-0755-0001", "13907550001"),
        ("139 0755 0001", "13907550001"),
        ("1390755000", "1390755000"),  # not a phone number: kept as a name would be
        ("", ""),
    ],
)
def test_login_name(typed, name):
    assert login_name(typed) == name


@pytest.mark.parametrize(
    ("name", "ok"),
    [("wang", True), ("wang.xiu-ying_2", True), ("ab", False), ("9wang", False), ("王秀英", False)],
)
def test_usernames(name, ok):
    assert is_valid_username(name) is ok


def test_password_rules():
    assert password_problem("short") == "too_short"
    assert password_problem("11111111") == "too_simple"
    assert password_problem("correct-horse-9") is None


def test_age_counts_completed_years():
    born = date(2011, 6, 15)
    assert age_on(born, date(2026, 6, 14)) == 14
    assert age_on(born, date(2026, 6, 15)) == 15
