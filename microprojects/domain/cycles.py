"""What a cycle sets for its proposals: project types with their cost caps, categories, the
screening checklist, and who is eligible."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ProjectType(StrEnum):
    ENGINEERING = "engineering"  # 工程类
    SERVICE = "service"  # 服务类
    GOODS = "goods"  # 货物类


class Stance(StrEnum):
    SUPPORT = "support"  # 支持
    OPPOSE = "oppose"  # 反对
    NEUTRAL = "neutral"  # 中立


class Feasibility(StrEnum):
    FEASIBLE = "feasible"
    NEEDS_CHANGES = "needs_changes"
    NOT_FEASIBLE = "not_feasible"


DEFAULT_CATEGORIES = ("环境整治", "设施维修", "文化活动", "养老助老", "儿童青少年", "安全")

# The negative list real programmes screen with: what a micro-project must not be.
DEFAULT_CHECKLIST = (
    "不属于物业公司或产权单位的职责",
    "不与政府已有或在建项目重复",
    "费用在单个项目资金上限之内",
    "惠及社区公众而非个人或少数人",
    "技术上可行，能在本年度内实施",
)


@dataclass(frozen=True)
class CostCaps:
    """The most one project may cost, in fen: overall and per project type (None: no cap)."""

    overall: int | None = None
    engineering: int | None = None
    service: int | None = None
    goods: int | None = None

    def cap_for(self, project_type: ProjectType) -> int | None:
        caps = [c for c in (self.overall, getattr(self, project_type.value)) if c is not None]
        return min(caps) if caps else None

    def over_cap(self, cost: int, project_type: ProjectType) -> int | None:
        """The cap ``cost`` exceeds, or None when it fits."""
        cap = self.cap_for(project_type)
        return cap if cap is not None and cost > cap else None


@dataclass(frozen=True)
class Eligibility:
    """Who takes part in a cycle: residents of its communities, on the bases it allows, old
    enough on the day."""

    community_ids: frozenset[int]
    min_age: int = 0
    allow_work: bool = True
    allow_study: bool = True

    def problem(
        self, *, community_id: int | None, basis: str | None, age: int | None
    ) -> str | None:
        """A code for why a verified person may not take part, or None when they may.

        An unknown age is let through: the roster does not always have the date of birth, and
        the committee verified the person; the vote checks age again where it is known.
        """
        if community_id is None or basis is None:
            return "not_verified"
        if community_id not in self.community_ids:
            return "other_community"
        if basis == "work" and not self.allow_work:
            return "basis_not_allowed"
        if basis == "study" and not self.allow_study:
            return "basis_not_allowed"
        if age is not None and age < self.min_age:
            return "too_young"
        return None
