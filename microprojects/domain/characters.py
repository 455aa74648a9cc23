"""Which characters typed text keeps. What one person types into a title or a name is shown to
everyone else, so nothing in it may be invisible yet change how it reads.

* :func:`clean_line`, for a short single-line text shown to others (a proposal's or a ballot's
  title, a person's or an organization's name, a cycle's title, a place): drops every invisible
  formatting character (Unicode category Cf: the bidirectional embeddings, overrides, isolates
  and marks, zero-width spaces and joiners, the byte-order mark, the soft hyphen, ...) and every
  control character, turns line breaks and tabs into a space, and trims the ends. Two emoji
  joined by a zero-width joiner (👨‍👩‍👧) and the tag characters of a flag (🏴 of Scotland) keep
  them: they draw one picture and move nothing. Chinese text never needs any of these.
* :func:`clean_text`, for a long text (a description, a comment, a reason, an answer): drops the
  characters that reorder what follows them (embeddings and overrides U+202A–U+202E, isolates
  U+2066–U+2069) and the control characters other than tab and line breaks, and trims the ends.
  The marks U+200E, U+200F and U+061C stay: they reorder at most the character beside them, and
  a text in Arabic script may need them.
* :func:`has_control_character`, for a word of an address (a slug, a photo's file name), which
  never holds one.

Pure Python: nothing of Flask, SQLAlchemy or the rest of the project.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

ZWJ: Final = "\u200d"
# What a line break or a tab becomes in a single line: one space for a run of them.
_BREAKS: Final = re.compile("[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_BREAK_CHARACTERS: Final = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x1f\x85\u2028\u2029")
# The embeddings, overrides and isolates, and the controls a long text has no use for.
_LONG_TEXT_DROPS: Final = re.compile(
    "[\u202a-\u202e\u2066-\u2069\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
BLACK_FLAG: Final = "\U0001f3f4"  # a flag of tag characters (🏴 of Scotland) starts with it
_TAGS: Final = range(0xE0020, 0xE0080)
_SKIN_TONES: Final = range(0x1F3FB, 0x1F400)
_VARIATION_EMOJI: Final = "\ufe0f"


def clean_line(text: str) -> str:
    """A short single-line text as shown to others: no invisible formatting character, no
    control character, line breaks and tabs as one space, the ends trimmed."""
    kept = [ch for ch in text if ch in _BREAK_CHARACTERS or not _is_hidden(ch)]
    out: list[str] = []
    for i, ch in enumerate(kept):
        if ch == ZWJ:
            follows = kept[i + 1] if i + 1 < len(kept) else ""
            if out and _ends_emoji(out[-1]) and _is_emoji(follows):
                out.append(ch)
        elif ord(ch) in _TAGS:
            if out and (out[-1] == BLACK_FLAG or ord(out[-1]) in _TAGS):
                out.append(ch)
        else:
            out.append(ch)
    return _BREAKS.sub(" ", "".join(out)).strip()


def clean_text(text: str) -> str:
    """A long text without the characters that reorder what follows them or that nobody types:
    line breaks, tabs and everything else kept as typed; the ends trimmed."""
    return _LONG_TEXT_DROPS.sub("", text).strip()


def has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control character (C0, DEL or C1), NUL included."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)


def _is_hidden(ch: str) -> bool:
    """A control character, or a formatting character other than the two that draw emoji."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return True
    return category == "Cf" and ch != ZWJ and ord(ch) not in _TAGS


def _is_emoji(ch: str) -> bool:
    return bool(ch) and unicodedata.category(ch) == "So"


def _ends_emoji(ch: str) -> bool:
    """Whether ``ch`` may end the emoji before a joiner: the emoji itself, its skin tone or the
    variation selector that asks for its emoji form."""
    return _is_emoji(ch) or ord(ch) in _SKIN_TONES or ch == _VARIATION_EMOJI
