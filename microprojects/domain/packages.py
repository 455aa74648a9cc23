"""Procurement packages (采购包): the funded projects of a cycle bundled into packages, each bought
from one supplier, as Meilan district bought its 32 winning projects in 12 packages.

The rules a procurement officer expects, as pure code:

* A package has a kind (工程 engineering, 货物 goods, 服务 services) and, once decided, a
  procurement method (询价, 竞争性磋商, 公开招标, 单一来源, 其他).
* A package holds funded projects of its own cycle only, and a project is in one package at
  most.
* The supplier and the awarded amount are set together: a package without a supplier has no
  amount; a supplier is awarded a positive amount of fen.
* A package with no project has no supplier: there is nothing to buy.
* The awarded amount never exceeds the sum of its projects' planned amounts: a package is not
  bought for more than the residents voted to spend on it. Removing a project that would leave
  the projects' total below the awarded amount is refused for the same reason.
* A package is fixed once it has a supplier and one of its projects has a payment (spending):
  its projects, its supplier and its amount no longer change, and it cannot be deleted (the
  payments were made under that contract). Its name may still be corrected.
* Only an empty package is deleted.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

MAX_NAME = 60
MAX_SUPPLIER = 120
MAX_NOTE = 300


class Kind(StrEnum):
    ENGINEERING = "engineering"  # 工程
    GOODS = "goods"  # 货物
    SERVICES = "services"  # 服务


class Method(StrEnum):
    INQUIRY = "inquiry"  # 询价
    CONSULTATION = "consultation"  # 竞争性磋商
    OPEN_TENDER = "open_tender"  # 公开招标
    SINGLE_SOURCE = "single_source"  # 单一来源
    OTHER = "other"  # 其他


class AwardProblem(StrEnum):
    NO_PROJECTS = "no_projects"
    NOT_POSITIVE = "not_positive"
    OVER_PLANNED = "over_planned"


def planned_total(planned: Iterable[int]) -> int:
    """The sum of the projects' planned amounts, in fen."""
    return sum(planned)


def award_problem(amount_fen: int, planned: Iterable[int]) -> AwardProblem | None:
    """Why ``amount_fen`` cannot be awarded for projects planned at ``planned`` (None: it can)."""
    planned = list(planned)
    if not planned:
        return AwardProblem.NO_PROJECTS
    if amount_fen <= 0:
        return AwardProblem.NOT_POSITIVE
    if amount_fen > planned_total(planned):
        return AwardProblem.OVER_PLANNED
    return None


def is_fixed(has_supplier: bool, paid: bool) -> bool:
    """A package is fixed once it has a supplier and money was paid on one of its projects."""
    return has_supplier and paid


def may_remove(awarded_fen: int | None, remaining_planned: Iterable[int]) -> bool:
    """Whether a project may leave a package, given the planned amounts of the projects that
    would remain: an awarded amount must stay covered, and a package with a supplier keeps a
    project."""
    if awarded_fen is None:
        return True
    remaining = list(remaining_planned)
    return bool(remaining) and awarded_fen <= planned_total(remaining)


def over_planned(awarded_fen: int | None, planned: Iterable[int]) -> bool:
    """True when a planned amount was lowered after the award, so that the award now exceeds
    the projects' total: the page warns."""
    return awarded_fen is not None and awarded_fen > planned_total(planned)
