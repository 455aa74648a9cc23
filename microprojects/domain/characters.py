"""Which characters typed text keeps.

* :func:`has_control_character`, for a word of an address (a slug, a photo's file name), which
  never holds one.

Pure Python: nothing of Flask, SQLAlchemy or the rest of the project.
"""

from __future__ import annotations

import unicodedata


def has_control_character(text: str) -> bool:
    """Whether ``text`` holds a control character (C0, DEL or C1), NUL included."""
    return any(unicodedata.category(ch) == "Cc" for ch in text)
