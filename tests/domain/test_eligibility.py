"""Who takes part in a cycle, and what a project may cost. Pure."""

import pytest

from microprojects.domain.cycles import CostCaps, Eligibility, ProjectType

RULES = Eligibility(community_ids=frozenset({1, 2}), min_age=16)


def test_a_resident_of_a_community_of_the_cycle_takes_part():
    assert RULES.problem(community_id=1, basis="live", age=40) is None
    assert RULES.problem(community_id=2, basis="work", age=40) is None
    assert RULES.problem(community_id=2, basis="study", age=16) is None  # the birthday counts


def test_unverified_people_do_not():
    assert RULES.problem(community_id=None, basis="live", age=40) == "not_verified"
    assert RULES.problem(community_id=1, basis=None, age=40) == "not_verified"


def test_another_community():
    assert RULES.problem(community_id=3, basis="live", age=40) == "other_community"


@pytest.mark.parametrize(
    ("allow_work", "allow_study", "basis", "expected"),
    [
        (False, True, "work", "basis_not_allowed"),
        (False, True, "study", None),
        (True, False, "study", "basis_not_allowed"),
        (True, False, "work", None),
        (False, False, "live", None),  # living there is always enough
    ],
)
def test_bases_the_cycle_does_not_allow(allow_work, allow_study, basis, expected):
    rules = Eligibility(frozenset({1}), allow_work=allow_work, allow_study=allow_study)
    assert rules.problem(community_id=1, basis=basis, age=30) == expected


def test_too_young():
    assert RULES.problem(community_id=1, basis="live", age=15) == "too_young"
    assert RULES.problem(community_id=1, basis="live", age=0) == "too_young"


def test_an_unknown_age_is_let_through():
    assert RULES.problem(community_id=1, basis="live", age=None) is None


def test_the_community_is_checked_before_the_age():
    assert RULES.problem(community_id=9, basis="live", age=3) == "other_community"


def test_no_minimum_age():
    assert Eligibility(frozenset({1})).problem(community_id=1, basis="live", age=0) is None


def test_cost_caps_the_lower_of_overall_and_per_type():
    caps = CostCaps(overall=100_000, engineering=200_000, service=50_000, goods=None)
    assert caps.cap_for(ProjectType.ENGINEERING) == 100_000
    assert caps.cap_for(ProjectType.SERVICE) == 50_000
    assert caps.cap_for(ProjectType.GOODS) == 100_000
    assert caps.over_cap(100_000, ProjectType.ENGINEERING) is None  # at the cap is fine
    assert caps.over_cap(100_001, ProjectType.ENGINEERING) == 100_000
    assert caps.over_cap(50_001, ProjectType.SERVICE) == 50_000
    assert CostCaps().cap_for(ProjectType.GOODS) is None
    assert CostCaps().over_cap(10**12, ProjectType.GOODS) is None
    assert CostCaps(goods=0).over_cap(1, ProjectType.GOODS) == 0
