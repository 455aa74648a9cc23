from datetime import date

import pytest

from microprojects.domain.people import age_on, is_valid_username, normalize_phone, password_problem


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
