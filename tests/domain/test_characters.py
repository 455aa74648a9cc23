"""microprojects.domain.characters: which characters typed text and addresses keep."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microprojects.domain.characters import clean_line, clean_text, has_control_character


@pytest.mark.parametrize(
    "word", ["\x00", "zhenxing\x00", "a\x01b", "\x1b[31m", "\x7f", "\x85", "\x9f"]
)
def test_a_control_character_is_seen_anywhere_in_a_word(word: str) -> None:
    assert has_control_character(word)


@pytest.mark.parametrize(
    "word", ["", "zhenxing", "振兴社区", "0f3c9a.jpg", "css/app.css", "a b", "\u202e", "👨‍👩‍👧"]
)
def test_a_word_without_one_is_fine(word: str) -> None:
    assert not has_control_character(word)


# --- titles and names: one line, nothing invisible ----------------------------------------------

RLO, PDF, RLI, PDI, LRM, RLM, ALM = (
    "\u202e",
    "\u202c",
    "\u2067",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
)
ZWSP, ZWNJ, ZWJ, BOM, SHY = "\u200b", "\u200c", "\u200d", "\ufeff", "\xad"
# Every embedding, override and isolate: they reorder what follows them.
REORDERING = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
INVISIBLE = REORDERING + LRM + RLM + ALM + ZWSP + ZWNJ + ZWJ + BOM + SHY + "\u2060\u2061\u180e"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # The classic: a file name that reads backwards from the override on.
        (f"照片{RLO}gpj.exe", "照片gpj.exe"),
        (f"{RLI}王秀英{PDI}", "王秀英"),
        (f"张{ZWSP}伟", "张伟"),
        (f"张{ZWJ}伟", "张伟"),
        (f"{BOM}振兴社区", "振兴社区"),
        (f"幸福{SHY}路{LRM}{RLM}{ALM}", "幸福路"),
        (f"{RLO}{PDF}", ""),
        # Line breaks and tabs become one space; other controls go.
        ("楼下\r\n放两张长椅", "楼下 放两张长椅"),
        ("石凳\t\x0b\x0c两张", "石凳 两张"),
        ("\x1b[31m红色\x1b[0m\x00", "[31m红色[0m"),
        ("  报刊亭旁  ", "报刊亭旁"),
        ("a\u2028b\u2029c\x85d", "a b c d"),
    ],
)
def test_a_line_loses_what_is_invisible(typed: str, kept: str) -> None:
    assert clean_line(typed) == kept


@pytest.mark.parametrize(
    "text",
    [
        "2026 年振兴社区微实事：报刊亭旁放两张石凳（约 3,000 元）",
        "阳光助老服务中心 · 第一网格 3栋1单元101",
        "Café «Zuzia» – Łódź",
        "هادي",  # Arabic script, without marks
        "ＡＢＣ１２３　全角",  # full-width letters and an ideographic space
        "😀🏗️",
        "👨‍👩‍👧‍👦 一家人",  # a family: three joiners between emoji
        "🧑🏽‍💻 程序员",  # a skin tone before the joiner
        "🏳️‍🌈",  # a variation selector before the joiner
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland's flag
    ],
)
def test_what_people_really_type_is_kept(text: str) -> None:
    assert clean_line(text) == text


def test_a_joiner_or_a_tag_away_from_emoji_goes() -> None:
    assert clean_line(f"{ZWJ}👨{ZWJ}") == "👨"
    assert clean_line(f"👨{ZWJ}{ZWJ}👩") == f"👨{ZWJ}👩"  # one joiner is enough
    assert clean_line(f"👨{ZWJ}a") == "👨a"
    assert clean_line("a\U000e0067\U000e007f") == "a"


# --- long texts: lines kept, nothing that reorders ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"同意{RLO}。\n\n理由：{RLI}长椅{PDI}", "同意。\n\n理由：长椅"),
        ("第一行\r\n第二行\t缩进", "第一行\r\n第二行\t缩进"),
        ("\x00报\x1b刊\x7f亭\x85", "报刊亭"),
        (f"مرحبا{RLM} 123 {LRM}", f"مرحبا{RLM} 123 {LRM}"),
        (f"张{ZWSP}伟 👨‍👩‍👧", f"张{ZWSP}伟 👨‍👩‍👧"),
        ("\n  缩进的代码\n", "缩进的代码"),
    ],
)
def test_a_long_text_loses_what_reorders_and_keeps_its_lines(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept


# --- properties ------------------------------------------------------------------------------

PROPERTIES = settings(database=None, deadline=None, max_examples=300)
# Anything a form can carry: every character but lone surrogates, which no request decodes to.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
# Text people see: no control, formatting or line-separating character.
VISIBLE_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=60
)


def _interleave(text: str, extra: list[str]) -> str:
    out = []
    for i, ch in enumerate(text):
        out.append(extra[i % len(extra)] if extra else "")
        out.append(ch)
    return "".join(out) + "".join(extra)


@PROPERTIES
@given(ANY_TEXT)
def test_a_clean_line_has_nothing_invisible_and_stays_clean(text: str) -> None:
    line = clean_line(text)
    assert clean_line(line) == line
    assert line == line.strip()
    assert not has_control_character(line)
    assert not set(line) & set(REORDERING + LRM + RLM + ALM + ZWSP + ZWNJ + BOM + SHY)
    for i, ch in enumerate(line):
        if unicodedata.category(ch) == "Cf":  # only what draws emoji: joiners and a flag's tags
            assert ch == ZWJ or 0xE0020 <= ord(ch) <= 0xE007F, (line, i)
            if ch == ZWJ:
                assert 0 < i < len(line) - 1
                assert unicodedata.category(line[i + 1]) == "So"


@PROPERTIES
@given(VISIBLE_TEXT, st.lists(st.sampled_from(INVISIBLE.replace(ZWJ, "")), max_size=8))
def test_invisible_characters_typed_anywhere_change_nothing(text: str, extra: list[str]) -> None:
    assert clean_line(_interleave(text, extra)) == clean_line(text) == text.strip()


@PROPERTIES
@given(ANY_TEXT)
def test_a_clean_text_has_nothing_that_reorders_and_stays_clean(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not set(cleaned) & set(REORDERING)
    assert all(ch in "\t\n\r" for ch in cleaned if unicodedata.category(ch) == "Cc")
    # Nothing else is touched: the lines as typed, bar the dropped characters.
    controls = {ch for ch in text if unicodedata.category(ch) == "Cc"} - set("\t\n\r")
    dropped = set(REORDERING) | controls
    assert cleaned == "".join(ch for ch in text if ch not in dropped).strip()
