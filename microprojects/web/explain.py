"""The count in words: a stored snapshot's rule, tie-break and each project's explanation, worded
for residents in the page's language. The snapshot holds codes and numbers (see
``domain.tally.base.Explanation``); this module only words them."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from ..domain.money import format_yuan
from ..models import Count, CountOutcome

# Keyed by the names of domain.tally.RULES; a test holds every registered rule to its words.
RULE_NAMES: dict[str, Any] = {
    "greedy": _l("Most votes first"),
    "greedy-no-skip": _l("Most votes first, stopping at the first that does not fit"),
    "equal-shares": _l("Method of Equal Shares"),
    "equal-shares-comparison": _l("Method of Equal Shares, compared with most votes first"),
}

RULE_TEXTS: dict[str, Any] = {
    "greedy": _l(
        "Projects are taken in order of their score, highest first. Each project that still "
        "fits in what is left of the budget is funded; one that does not fit is skipped, and "
        "the next one is tried."
    ),
    "greedy-no-skip": _l(
        "Projects are taken in order of their score, highest first, and funded while they fit "
        "in what is left of the budget. The count stops at the first project that does not fit."
    ),
    "equal-shares": _l(
        "The budget is divided equally among the voters. A project is funded when the voters "
        "who chose it can pay its cost together from their shares; at each step the project "
        "that costs each of its supporters least is bought first. Then every voter's share is "
        "raised one unit at a time and the count is repeated, as long as the result still fits "
        "the real budget, so that little money is left unused."
    ),
    "equal-shares-comparison": _l(
        "The budget is divided equally among the voters. A project is funded when the voters "
        "who chose it can pay its cost together from their shares; at each step the project "
        "that costs each of its supporters least is bought first. Then every voter's share is "
        "raised one unit at a time, as long as the result fits the real budget. Finally the "
        "result is compared with the one of 'most votes first', and the one that more voters "
        "prefer is kept."
    ),
}

TIE_BREAK_TEXTS: dict[str, Any] = {
    "submitted": _l("An exact tie goes to the proposal submitted first."),
    "cheaper": _l("An exact tie goes to the cheaper proposal, then to the one submitted first."),
    "listed": _l("An exact tie goes to the project listed first in the election's file."),
}

TIE_BREAK_LABELS: dict[str, Any] = {
    "submitted": _l("The proposal submitted first"),
    "cheaper": _l("The cheaper proposal"),
    "listed": _l("The project listed first"),
}


def money(amount: Fraction | str | int, count: Count, currency: str = "CNY") -> str:
    """An amount in the count's unit, worded in yuan (or the imported election's currency);
    a fraction of a fen is rounded to the fen and marked as approximate."""
    fen = Fraction(amount) * count.fen_per_unit
    exact = Decimal(fen.numerator) / Decimal(fen.denominator)
    text = format_yuan(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))
    worded = gettext("%(amount)s yuan", amount=text) if currency == "CNY" else f"{text} {currency}"
    if fen.denominator != 1:
        return gettext("about %(amount)s", amount=worded)
    return worded


def score_text(score: int, vote_type: str) -> str:
    if vote_type in ("approval", "choose-1"):
        return ngettext("%(num)s vote", "%(num)s votes", score)
    return ngettext("%(num)s point", "%(num)s points", score)


def explanation(
    outcome: CountOutcome, count: Count, names: Mapping[str, str], currency: str = "CNY"
) -> str:
    """One sentence (or two) on why ``outcome``'s project was or was not funded."""
    e: dict[str, Any] = outcome.explanation
    code = e.get("code")

    def m(key: str) -> str:
        return money(e[key], count, currency)

    def name(key: str) -> str:
        pid = str(e.get(key, ""))
        return names.get(pid, f"#{pid}")

    if code == "funded":
        return gettext(
            "Funded: when its turn came %(remaining)s was left, enough for its cost of %(cost)s.",
            remaining=m("remaining"),
            cost=m("cost"),
        )
    if code == "did_not_fit":
        return gettext(
            "Not funded: when its turn came only %(remaining)s was left, less than its cost of "
            "%(cost)s.",
            remaining=m("remaining"),
            cost=m("cost"),
        )
    if code == "below_threshold":
        return gettext(
            "Not funded: its score of %(score)s is below the minimum of %(threshold)s.",
            score=e.get("score"),
            threshold=e.get("threshold"),
        )
    if code == "excluded_by_group":
        return gettext(
            "Not funded: it is an alternative to “%(other)s”, which was funded first.",
            other=name("excluded_by"),
        )
    if code == "stopped_no_skip":
        return gettext(
            "Not funded: the count stopped at “%(other)s”, the first project that did not fit "
            "(%(remaining)s was left).",
            other=name("stopped_at"),
            remaining=m("remaining"),
        )
    if code == "withdrawn":
        return gettext("Withdrawn: it was no longer on offer when the votes were counted.")
    if code == "mes_bought":
        text = gettext(
            "Funded in round %(round)s: its %(supporters)s supporters had %(money)s together; "
            "each paid up to %(payment)s of the cost of %(cost)s.",
            round=e.get("mes_round"),
            supporters=e.get("supporters"),
            money=m("supporters_money"),
            payment=m("payment_per_voter"),
            cost=m("cost"),
        )
        payments = e.get("payments") or []
        if len(payments) > 1:
            text += " " + gettext(
                "Supporters with less money left paid all they had: %(detail)s.",
                detail=gettext(", ").join(
                    gettext(
                        "%(voters)s paid %(amount)s",
                        voters=p["voters"],
                        amount=money(p["amount"], count, currency),
                    )
                    for p in payments
                ),
            )
        return text
    if code == "mes_not_affordable":
        return gettext(
            "Not funded: its %(supporters)s supporters had only %(money)s left together when "
            "the money ran out, less than its cost of %(cost)s.",
            supporters=e.get("supporters"),
            money=m("supporters_money"),
            cost=m("cost"),
        )
    return str(code)


def comparison_text(count: Count) -> str | None:
    """For the comparison rule: how many voters preferred which outcome."""
    info = count.result.get("comparison")
    if not info:
        return None
    chosen = (
        gettext("the Method of Equal Shares")
        if info["chosen"] == "mes"
        else gettext("most votes first")
    )
    return gettext(
        "%(mes)s voters prefer the result of the Method of Equal Shares, %(greedy)s that of "
        "most votes first, %(same)s see no difference: the result of %(chosen)s is kept.",
        mes=info["prefer_mes"],
        greedy=info["prefer_greedy"],
        same=info["indifferent"],
        chosen=chosen,
    )


def mes_text(count: Count, currency: str = "CNY") -> str | None:
    """For the Method of Equal Shares: each voter's share, first and as finally raised."""
    info = count.result.get("mes")
    if not info:
        return None
    initial = money(info["initial_budget_per_voter"], count, currency)
    final = money(info["budget_per_voter"], count, currency)
    if info["initial_budget_per_voter"] == info["budget_per_voter"]:
        return gettext("Each voter's share was %(initial)s.", initial=initial)
    return gettext(
        "Each voter's share started at %(initial)s and was raised to %(final)s, the most at "
        "which the funded projects still fit the budget; the amounts below are those of that "
        "last round.",
        initial=initial,
        final=final,
    )
