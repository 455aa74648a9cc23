"""Household codes (入户码): random, single use, easy to read aloud and type on a phone.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), which gives
about 60 bits: guessing one is hopeless even without the claim page's rate limit.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 12
GROUP = 4


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """The stored form of a typed code (upper case, no separators), or None if it cannot be one."""
    text = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    if len(text) != CODE_LENGTH or any(ch not in ALPHABET for ch in text):
        return None
    return text


def format_code(code: str) -> str:
    """Groups of four joined by dashes, as printed on the sheet: ``ABCD-EFGH-JKMN``."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
