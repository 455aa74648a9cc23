"""microprojects.domain.characters: which characters typed text and addresses keep."""

from __future__ import annotations

import pytest

from microprojects.domain.characters import has_control_character


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
