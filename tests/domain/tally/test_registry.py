"""The registry of rules is the one list of their names: the app's offer, the Pabulib names and
what a rule calls itself all agree with it."""

from __future__ import annotations

import pytest

from microprojects.domain.counting import APP_RULES, pabulib_rule
from microprojects.domain.tally import (
    OFFERED_RULES,
    PABULIB_RULES,
    RULES,
    STORED_RULES,
    Ballot,
    Project,
    TallyParams,
)


def test_every_name_is_a_plain_lower_case_word():
    for name in RULES:
        assert name == RULES[name].name
        assert name.islower() and name.replace("-", "").isalpha()
    for meta in PABULIB_RULES:
        assert meta == meta.strip().lower() and "'" not in meta


def test_the_app_offers_registered_rules_only():
    assert set(OFFERED_RULES) <= set(RULES)
    assert APP_RULES == OFFERED_RULES


def test_no_pabulib_name_reads_as_two_rules():
    names = [meta for rule in RULES.values() for meta, _ in rule.pabulib]
    assert len(names) == len(set(names)) == len(PABULIB_RULES)


def test_files_only_rules_are_never_stored_nor_offered():
    assert set(STORED_RULES) == {name for name, rule in RULES.items() if not rule.files_only}
    assert RULES["greedy-reserve"].files_only
    assert "greedy-reserve" not in STORED_RULES and "greedy-reserve" not in OFFERED_RULES
    # Pabulib files name it greedy-custom, which reads as greedy unless the comment says more.
    assert PABULIB_RULES["greedy-custom"][0] == "greedy"
    with pytest.raises(ValueError, match="no Pabulib name"):
        RULES["greedy-reserve"].pabulib_name
    with pytest.raises(ValueError, match="unknown rule"):
        pabulib_rule("greedy-reserve", threshold=None, grouped=False)


@pytest.mark.parametrize("name", sorted(STORED_RULES))
@pytest.mark.parametrize(("threshold", "grouped"), [(None, False), (1, False), (None, True)])
def test_the_pabulib_name_written_reads_back_to_the_rule(name, threshold, grouped):
    meta = pabulib_rule(name, threshold=threshold, grouped=grouped)
    assert PABULIB_RULES[meta][0] == name
    assert PABULIB_RULES[RULES[name].pabulib_name] == (name, "add1")


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_rule_counts_under_its_own_name(name):
    projects = (Project("1", 3), Project("2", 2))
    ballots = (Ballot(("1",)), Ballot(("1", "2")))
    assert RULES[name](5, projects, ballots, TallyParams()).rule == name


def test_an_unknown_rule_has_no_pabulib_name():
    with pytest.raises(ValueError, match="unknown rule"):
        pabulib_rule("lottery", threshold=None, grouped=False)
