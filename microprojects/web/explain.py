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
from ..models import Count, CountOutcome, Remedy

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
        "that costs each of its supporters least is bought first. Then, as a step of the "
        "method, every voter's share is raised notionally one unit at a time and the count is "
        "repeated, as long as the projects it funds still fit the real budget. Money that no "
        "remaining project's supporters can pay for stays unspent: the page says how much."
    ),
    "equal-shares-comparison": _l(
        "The budget is divided equally among the voters. A project is funded when the voters "
        "who chose it can pay its cost together from their shares; at each step the project "
        "that costs each of its supporters least is bought first. Then, as a step of the "
        "method, every voter's share is raised notionally one unit at a time, as long as the "
        "projects it funds still fit the real budget. Finally the result is compared with the "
        "one of 'most votes first', and the one that more voters prefer is kept. Money that "
        "the kept result does not use stays unspent: the page says how much."
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
        return _mes_bought(e, count, currency)
    if code == "mes_not_affordable":
        return _mes_not_affordable(e, count, currency)
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


def _shares(count: Count) -> tuple[Fraction, Fraction] | None:
    """Each voter's real share of the budget (budget / voters) and how far the completion step
    raised it, notionally, in the count's unit; None for a count without Equal Shares."""
    info = count.result.get("mes") if count.result else None
    if not info:
        return None
    if not any(str(o.explanation.get("code", "")).startswith("mes_") for o in count.outcomes):
        return None  # the comparison kept the result of most votes first: no share paid for it
    share = Fraction(info["initial_budget_per_voter"])
    return share, Fraction(info["budget_per_voter"]) - share


def figure(amount: Fraction | str | int, count: Count) -> str:
    """A notional amount of the method, written as a plain number: never as money."""
    fen = Fraction(amount) * count.fen_per_unit
    exact = Decimal(fen.numerator) / Decimal(fen.denominator)
    return format_yuan(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


def _paid(e: Mapping[str, Any], count: Count, currency: str) -> str:
    payments = e.get("payments") or []
    if len(payments) == 1:
        return gettext(
            "each of them paid %(amount)s", amount=money(payments[0]["amount"], count, currency)
        )
    return gettext(", ").join(
        gettext(
            "%(voters)s paid %(amount)s each",
            voters=p["voters"],
            amount=money(p["amount"], count, currency),
        )
        for p in payments
    )


def _real_left(e: Mapping[str, Any], raised: Fraction) -> Fraction:
    """What the supporters had left of their real shares: the money the method counted, less
    what the completion step added to each of them."""
    return Fraction(e["supporters_money"]) - int(e.get("supporters") or 0) * raised


def _mes_bought(e: Mapping[str, Any], count: Count, currency: str) -> str:
    shares = _shares(count)
    share, raised = shares if shares else (Fraction(0), Fraction(0))
    supporters = int(e.get("supporters") or 0)
    left = _real_left(e, raised)
    cost = Fraction(e["cost"])
    words = {
        "round": e.get("mes_round"),
        "supporters": supporters,
        "share": money(share, count, currency),
        "shares": money(supporters * share, count, currency),
        "cost": money(cost, count, currency),
        "paid": _paid(e, count, currency),
    }
    if left >= cost:
        return gettext(
            "Funded in round %(round)s. Each voter's share of the budget is %(share)s; its "
            "%(supporters)s supporters' shares come to %(shares)s. When its turn came they had "
            "%(left)s of them left, enough for its cost of %(cost)s: %(paid)s.",
            left=money(left, count, currency),
            **words,
        )
    if left <= 0:
        return gettext(
            "Funded in round %(round)s by the completion step. Each voter's share of the budget "
            "is %(share)s; its %(supporters)s supporters' shares come to %(shares)s, but they "
            "had spent them all on the projects funded before it. The method's completion step "
            "let them pay its cost of %(cost)s, because the funded projects still fit the "
            "budget: %(paid)s.",
            **words,
        )
    return gettext(
        "Funded in round %(round)s by the completion step. Each voter's share of the budget is "
        "%(share)s; its %(supporters)s supporters' shares come to %(shares)s. When its turn came "
        "they had %(left)s of them left, %(short)s short of its cost of %(cost)s. The method's "
        "completion step let them pay the rest, because the funded projects still fit the "
        "budget: %(paid)s.",
        left=money(left, count, currency),
        short=money(cost - left, count, currency),
        **words,
    )


def _mes_not_affordable(e: Mapping[str, Any], count: Count, currency: str) -> str:
    shares = _shares(count)
    share, raised = shares if shares else (Fraction(0), Fraction(0))
    supporters = int(e.get("supporters") or 0)
    left = _real_left(e, raised)
    cost = Fraction(e["cost"])
    words = {
        "supporters": supporters,
        "share": money(share, count, currency),
        "shares": money(supporters * share, count, currency),
        "cost": money(cost, count, currency),
    }
    if supporters == 0:
        return gettext("Not funded: no voter chose it.")
    if supporters * share < cost:
        return gettext(
            "Not funded: its supporters could not pay it. Each voter's share of the budget is "
            "%(share)s; its %(supporters)s supporters' shares come to only %(shares)s, less than "
            "its cost of %(cost)s even before paying for anything else.",
            **words,
        )
    if left <= 0:
        return gettext(
            "Not funded: its supporters could not pay it. Each voter's share of the budget is "
            "%(share)s; its %(supporters)s supporters' shares come to %(shares)s, but they spent "
            "them all on projects funded before it, and its cost is %(cost)s.",
            **words,
        )
    return gettext(
        "Not funded: its supporters could not pay it. Each voter's share of the budget is "
        "%(share)s; its %(supporters)s supporters' shares come to %(shares)s, but after paying "
        "for the projects funded before it they had only %(left)s left, less than its cost of "
        "%(cost)s.",
        left=money(left, count, currency),
        **words,
    )


def method_step(outcome: CountOutcome, count: Count) -> str | None:
    """The completion step's notional figures for ``outcome``'s project, worded as a step of
    the method and never as money; None when the count raised no share."""
    e: dict[str, Any] = outcome.explanation
    shares = _shares(count)
    if shares is None or shares[1] <= 0 or "supporters_money" not in e:
        return None
    share, raised = shares
    if e.get("code") == "mes_bought":
        return gettext(
            "Step of the method, not money: in the run that was kept every share counted as "
            "%(notional)s instead of %(share)s, and its supporters held %(held)s of these "
            "counting units when its turn came.",
            notional=figure(share + raised, count),
            share=figure(share, count),
            held=figure(e["supporters_money"], count),
        )
    if e.get("code") == "mes_not_affordable":
        return gettext(
            "Step of the method, not money: even with every share counted as %(notional)s "
            "instead of %(share)s, its supporters held %(held)s of these counting units at the "
            "end, less than its cost of %(cost)s.",
            notional=figure(share + raised, count),
            share=figure(share, count),
            held=figure(e["supporters_money"], count),
            cost=figure(e["cost"], count),
        )
    return None


def mes_text(count: Count, currency: str = "CNY") -> str | None:
    """For the Method of Equal Shares: each voter's real share of the budget."""
    shares = _shares(count)
    if shares is None:
        return None
    return gettext(
        "Each voter's share of the budget is %(share)s: the budget of %(budget)s divided among "
        "the %(voters)s voters. Every amount in yuan below is real money from these shares.",
        share=money(shares[0], count, currency),
        budget=money(Fraction(count.budget_fen, count.fen_per_unit), count, currency),
        voters=count.num_ballots,
    )


def mes_method_text(count: Count) -> str | None:
    """The completion step (Add1) in words, as a step of the method: its figures are no money."""
    shares = _shares(count)
    if shares is None or shares[1] <= 0:
        return None
    share, raised = shares
    return gettext(
        "Step of the method (Add1 completion), not money: to use more of the budget, the count "
        "was run again with every share counted a little higher each time, from %(share)s up "
        "to %(notional)s, and the last result whose funded projects still fit the real budget "
        "was kept. These raised figures only decide which projects are funded; nobody has "
        "more money than their share.",
        share=figure(share, count),
        notional=figure(share + raised, count),
    )


def unspent_text(
    count: Count, outcomes: list[CountOutcome], names: Mapping[int, str], currency: str = "CNY"
) -> str | None:
    """How much of the budget the count leaves unspent, and why."""
    left_fen = count.budget_fen - count.cost_used_fen
    if left_fen <= 0 or count.budget_fen <= 0:
        return None
    left = money(Fraction(left_fen, count.fen_per_unit), count, currency)
    pct = f"{100 * left_fen / count.budget_fen:.1f}%"
    unfunded = [o for o in outcomes if not o.funded]
    unpaid = [o for o in unfunded if o.explanation.get("code") == "mes_not_affordable"]
    fits = [o for o in unfunded if o.cost_fen <= left_fen]
    if unpaid and not fits:
        return gettext(
            "%(left)s (%(pct)s of the budget) is left unspent: no remaining project could be "
            "paid by its supporters, and every project not funded also costs more than what is "
            "left.",
            left=left,
            pct=pct,
        )
    if unpaid:
        return gettext(
            "%(left)s (%(pct)s of the budget) is left unspent: no remaining project could be "
            "paid by its supporters. %(names)s would fit in what is left, but this method funds "
            "a project only when its own supporters can pay for it.",
            left=left,
            pct=pct,
            names=gettext(", ").join(f"“{names[o.proposal_id]}”" for o in fits),
        )
    if not unfunded:
        return gettext(
            "%(left)s (%(pct)s of the budget) is left unspent: every project on the ballot was "
            "funded.",
            left=left,
            pct=pct,
        )
    if not fits:
        return gettext(
            "%(left)s (%(pct)s of the budget) is left unspent: every project that was not "
            "funded costs more than that.",
            left=left,
            pct=pct,
        )
    return gettext("%(left)s (%(pct)s of the budget) is left unspent.", left=left, pct=pct)


def _yuan(fen: int | None) -> str:
    return gettext("%(amount)s yuan", amount=format_yuan(fen or 0))


def remedy_text(remedy: Remedy) -> str:
    """What a remedy corrects, in words: the project and the correction."""
    title = remedy.proposal.display_title
    if remedy.kind == "withdraw":
        return gettext("“%(title)s” withdrawn from the result", title=title)
    return gettext(
        "cost of “%(title)s” corrected to %(cost)s (was %(was)s)",
        title=title,
        cost=_yuan(remedy.cost_fen),
        was=_yuan(remedy.proposal.cost_fen),
    )
