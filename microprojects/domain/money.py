"""Money: stored as integer fen (分), shown and typed as yuan (元)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN_PER_YUAN = 100
# Far beyond any public budget, and well inside a 64-bit column of fen.
MAX_YUAN = Decimal(10) ** 12


def parse_yuan(text: str) -> int | None:
    """Fen for a typed amount of yuan ("12,000", "12000.5", "１２０００" all work), or None."""
    cleaned = (text or "").strip().replace(",", "").replace("，", "").replace("元", "")
    cleaned = cleaned.replace("¥", "").replace("￥", "")
    cleaned = "".join(
        chr(ord(c) - 0xFEE0) if "０" <= c <= "９" or c == "．" else c for c in cleaned
    )
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value > MAX_YUAN:
        return None
    fen = (value * FEN_PER_YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(fen)


def format_yuan(fen: int) -> str:
    """``1234567`` fen -> ``"12,345.67"``; whole amounts drop the decimals. The unit is the
    page's to add, in its language."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}{yuan:,}" + (f".{cents:02d}" if cents else "")
