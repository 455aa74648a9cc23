"""Counting rules for participatory budgeting, as pure functions.

Every rule has one signature::

    rule(budget: int | Fraction | Decimal, projects: Sequence[Project],
         ballots: Sequence[Ballot], params: TallyParams) -> TallyResult

and is registered by name in :data:`RULES` (see :mod:`.registry`, the one list of the rules'
names). Adding a rule means adding one module and one entry there.

Tie-break (all rules): the order of the ``projects`` sequence given to the rule; the earlier
project wins any exact tie. Ids are never compared.

Nothing in this package imports Flask, SQLAlchemy or does I/O.
"""

from __future__ import annotations

from .base import (
    Ballot,
    Budget,
    ComparisonInfo,
    Explanation,
    MesInfo,
    Payment,
    Project,
    ProjectOutcome,
    ReasonCode,
    Rule,
    TallyParams,
    TallyResult,
    VoteType,
)
from .equal_shares import equal_shares, equal_shares_comparison
from .greedy import greedy, greedy_no_skip, greedy_reserve
from .registry import OFFERED_RULES, PABULIB_RULES, RULES, STORED_RULES, RegisteredRule
from .scores import compute_scores

__all__ = [
    "OFFERED_RULES",
    "PABULIB_RULES",
    "RULES",
    "STORED_RULES",
    "Ballot",
    "Budget",
    "ComparisonInfo",
    "Explanation",
    "MesInfo",
    "Payment",
    "Project",
    "ProjectOutcome",
    "ReasonCode",
    "RegisteredRule",
    "Rule",
    "TallyParams",
    "TallyResult",
    "VoteType",
    "compute_scores",
    "equal_shares",
    "equal_shares_comparison",
    "greedy",
    "greedy_no_skip",
    "greedy_reserve",
]
