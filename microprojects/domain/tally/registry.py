"""The counting rules by name: the one list every other list of rules is made from.

The app's choice of rules (``offered``), the database's CHECK on a rule column
(:data:`STORED_RULES`), the words that explain a rule (keyed by its name in the web layer) and the
Pabulib META ``rule`` names that read as a rule all come from :data:`RULES`. A name of
:data:`STORED_RULES` is stored in the database: renaming or removing one needs a migration, adding
one a migration that widens the CHECK (a test compares the two). A ``files_only`` rule counts
Pabulib files and is never stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from .base import Ballot, Budget, MesCompletion, Project, Rule, TallyParams, TallyResult
from .equal_shares import equal_shares, equal_shares_comparison
from .greedy import greedy, greedy_no_skip, greedy_reserve


@dataclass(frozen=True, slots=True)
class RegisteredRule:
    """A counting rule under its name; called, it counts (it is a :class:`Rule`).

    * ``offered``: a committee may choose it for a cycle. A rule no longer offered still counts
      the cycles and files that name it.
    * ``pabulib``: the META ``rule`` names that read as this rule, each with the completion of
      the Method of Equal Shares it implies (greedy rules ignore it); the first is the name the
      app writes. No name reads as two rules.
    * ``files_only``: counts Pabulib files only. Its outcome may spend money from outside the
      budget (a reserve), which no cycle of the app may do, so no cycle or count stores it.
      ``greedy-reserve`` has no META name of its own: Pabulib calls it ``greedy-custom`` (which
      reads as greedy) and describes it in the comment, where
      :func:`microprojects.domain.pabulib.tally_setup` finds it.
    """

    name: str
    count: Rule
    offered: bool
    pabulib: tuple[tuple[str, MesCompletion], ...]
    files_only: bool = False

    def __call__(
        self,
        budget: Budget,
        projects: Sequence[Project],
        ballots: Sequence[Ballot],
        params: TallyParams,
    ) -> TallyResult:
        return self.count(budget, projects, ballots, params)

    @property
    def pabulib_name(self) -> str:
        if not self.pabulib:
            raise ValueError(f"the rule {self.name!r} has no Pabulib name of its own")
        return self.pabulib[0][0]


_REGISTERED = (
    RegisteredRule(
        "greedy",
        greedy,
        offered=True,
        pabulib=(
            ("greedy", "add1"),
            ("greedy-threshold", "add1"),
            ("greedy-exclusive", "add1"),
            ("greedy-custom", "add1"),
        ),
    ),
    RegisteredRule(
        "greedy-no-skip", greedy_no_skip, offered=True, pabulib=(("greedy-no-skip", "add1"),)
    ),
    RegisteredRule(
        "equal-shares",
        equal_shares,
        offered=True,
        pabulib=(("equalshares/add1", "add1"), ("equalshares", "none")),
    ),
    RegisteredRule(
        "equal-shares-comparison",
        equal_shares_comparison,
        offered=True,
        pabulib=(("equalshares/add1-comparison", "add1"), ("equalshares-comparison", "none")),
    ),
    RegisteredRule(
        "greedy-reserve",
        greedy_reserve,
        offered=False,
        pabulib=(),
        files_only=True,
    ),
)

RULES: Mapping[str, RegisteredRule] = MappingProxyType({r.name: r for r in _REGISTERED})

# What committees choose from, in the order the form lists them.
OFFERED_RULES: tuple[str, ...] = tuple(name for name, rule in RULES.items() if rule.offered)

# What a cycle or a count may store (the database's CHECK).
STORED_RULES: tuple[str, ...] = tuple(name for name, rule in RULES.items() if not rule.files_only)


# META ``rule`` (lower case) -> (our rule's name, its MES completion).
PABULIB_RULES: Mapping[str, tuple[str, MesCompletion]] = MappingProxyType(
    {meta: (rule.name, completion) for rule in _REGISTERED for meta, completion in rule.pabulib}
)
