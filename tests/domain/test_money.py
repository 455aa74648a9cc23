"""Money typed as yuan, stored as fen. Pure."""

import pytest

from microprojects.domain.money import FEN_PER_YUAN, format_yuan, parse_yuan


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12000", 1_200_000),
        ("12,000", 1_200_000),
        ("12,000.50", 1_200_050),
        ("12000.5", 1_200_050),
        ("  12000  ", 1_200_000),
        ("１２０００", 1_200_000),  # full-width digits from a Chinese keyboard
        ("１２，０００．５", 1_200_050),  # full-width comma and point
        ("¥300", 30_000),
        ("￥300", 30_000),
        ("300元", 30_000),
        ("0.01", 1),
        ("0.005", 1),  # half a fen rounds up
        ("0.004", 0),
        ("0", 0),
        ("21474836.47", 2_147_483_647),
    ],
)
def test_parse_yuan_accepts_what_people_type(typed, fen):
    assert parse_yuan(typed) == fen


@pytest.mark.parametrize(
    "typed",
    ["", "   ", "abc", "-5", "-0.01", "12.000.5", "1 2", "NaN", "Infinity", "-Infinity", "0x10"],
)
def test_parse_yuan_refuses_what_is_not_an_amount(typed):
    assert parse_yuan(typed) is None


def test_parse_yuan_of_none_is_none():
    assert parse_yuan(None) is None  # type: ignore[arg-type]


def test_exponent_notation_is_never_an_error():
    # "1e3" is an odd way to type 1000 yuan; either reading it so or refusing it is fine.
    assert parse_yuan("1e3") in (None, 1000 * FEN_PER_YUAN)


@pytest.mark.parametrize("typed", ["1e30", "9" * 27])
def test_absurd_amounts_are_refused_not_an_exception(typed):
    assert parse_yuan(typed) is None


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "0"),
        (1, "0.01"),
        (50, "0.50"),
        (100, "1"),
        (1_200_000, "12,000"),
        (1_200_050, "12,000.50"),
        (1_234_567, "12,345.67"),
        (300_000_00, "300,000"),
        (-1_234_567, "-12,345.67"),
        (-5, "-0.05"),
    ],
)
def test_format_yuan(fen, shown):
    assert format_yuan(fen) == shown


@pytest.mark.parametrize("fen", [0, 1, 99, 100, 1_200_050, 987_654_321])
def test_format_then_parse_is_the_same_amount(fen):
    assert parse_yuan(format_yuan(fen)) == fen
