"""Every real election in ../shared/pabulib must be counted to its recorded winners.

Tests taking ``pabulib_file`` run once per ``*.pb`` file there (see conftest.py) and are skipped
when the folder is absent.

The README there says which rule variants reproduce which files; all ten do with the rules as
implemented, so nothing here is marked xfail.
"""

from __future__ import annotations

import io
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from microprojects.domain.pabulib import (
    compare_with_recorded,
    format_pb,
    parse_pb_text,
    read_pb,
    run_tally,
    tally_setup,
)
from microprojects.domain.tally import RULES, compute_scores


def test_recorded_winners_are_reproduced(pabulib_file: Path) -> None:
    election = read_pb(pabulib_file)
    result = run_tally(election)
    assert compare_with_recorded(election, result) == ()
    assert result.funded_ids == election.recorded_selection()
    assert result.cost_used <= election.budget


def test_scores_match_the_votes_and_score_columns(pabulib_file: Path) -> None:
    election = read_pb(pabulib_file)
    setup = tally_setup(election)
    scores = compute_scores(setup.projects, setup.ballots, setup.params)
    approvals = compute_scores(
        setup.projects, setup.ballots, replace(setup.params, vote_type="approval")
    )
    for project in election.projects:
        if project.votes is not None:
            assert approvals[project.id] == project.votes, project.id
        if project.score is not None:
            assert scores[project.id] == project.score, project.id


def test_grouped_reading_gives_the_same_outcome(pabulib_file: Path) -> None:
    plain = read_pb(pabulib_file)
    grouped = read_pb(pabulib_file, group=True)
    assert grouped.num_voters == plain.num_voters
    assert len(grouped.ballots) <= len(plain.ballots)
    assert run_tally(grouped).selected == run_tally(plain).selected


def test_writer_round_trip_gives_the_same_outcome(pabulib_file: Path) -> None:
    election = read_pb(pabulib_file, group=True)
    result = run_tally(election)
    text = format_pb(
        meta=election.meta,
        projects=election.projects,
        ballots=election.ballots,
        selected=result.funded_ids,
    )
    again = parse_pb_text(text)
    assert again.meta["budget"] == election.meta["budget"]
    assert again.num_voters == election.num_voters
    assert run_tally(again).selected == result.selected
    assert again.recorded_selection() == result.funded_ids


def _real(pabulib_dir: Path, name: str) -> Path:
    path = pabulib_dir / name
    if not path.exists():
        pytest.skip(f"{name} not in ../shared/pabulib")
    return path


def test_wieliczka_mes_add1_comparison(pabulib_dir: Path) -> None:
    election = read_pb(_real(pabulib_dir, "Poland_Wieliczka_2023_Green_Budget.pb"))
    setup = tally_setup(election)
    assert setup.rule == "equal-shares-comparison"
    result = run_tally(election)
    assert len(result.selected) == 30
    assert result.cost_used == 995_079
    assert result.mes is not None and result.comparison is not None
    assert result.mes.initial_budget_per_voter == Fraction(1_000_000, 6586)
    assert result.comparison.chosen == "mes"
    assert result.comparison.prefer_mes > result.comparison.prefer_greedy
    first = result.outcome(result.selected[0]).explanation
    assert first.code == "mes_bought" and first.mes_round == 1
    assert first.payment_per_voter is not None and first.payments
    assert sum(p.voters for p in first.payments) == first.supporters
    paid = sum(p.amount * p.voters for p in first.payments)
    assert paid == first.cost


def test_wieliczka_stopping_at_first_exhaustive_outcome_is_not_what_was_funded(
    pabulib_dir: Path,
) -> None:
    # The README: stopping the Add1 loop early gives 31 projects costing 984,579; the loop must run
    # until the next outcome would exceed the budget. Greedy gives yet another outcome.
    election = read_pb(_real(pabulib_dir, "Poland_Wieliczka_2023_Green_Budget.pb"), group=True)
    setup = tally_setup(election)
    greedy = RULES["greedy"](setup.budget, setup.projects, setup.ballots, setup.params)
    assert greedy.funded_ids != election.recorded_selection()
    mes = RULES["equal-shares"](setup.budget, setup.projects, setup.ballots, setup.params)
    assert mes.funded_ids == election.recorded_selection()


def test_assen_exact_tie_is_decided_by_the_projects_order(pabulib_dir: Path) -> None:
    election = read_pb(_real(pabulib_dir, "Netherlands_Assen_2024.pb"), group=True)
    setup = tally_setup(election)
    rule = RULES[setup.rule]
    result = rule(setup.budget, setup.projects, setup.ballots, setup.params)
    two, eleven = result.outcome("2").explanation, result.outcome("11").explanation
    # Both have an effective vote count of exactly 24 when bought: cost / payment.
    assert two.payment_per_voter is not None and eleven.payment_per_voter is not None
    assert 10_000 / two.payment_per_voter == 24 == 15_000 / eleven.payment_per_voter
    assert result.selected.index("2") < result.selected.index("11")

    swapped = list(setup.projects)
    i, j = (next(k for k, p in enumerate(swapped) if p.id == pid) for pid in ("2", "11"))
    swapped[i], swapped[j] = swapped[j], swapped[i]
    again = rule(setup.budget, swapped, setup.ballots, setup.params)
    assert again.selected.index("11") < again.selected.index("2")
    assert again.funded_ids == result.funded_ids


def test_wroclaw_withdrawn_project_neither_funded_nor_stopping_the_count(
    pabulib_dir: Path,
) -> None:
    election = read_pb(_real(pabulib_dir, "Poland_Wroclaw_2017_Rejon_nr_11_750.pb"))
    result = run_tally(election)
    assert result.rule == "greedy-no-skip"
    assert result.outcome("150").explanation.code == "withdrawn"
    assert result.outcome("150").rank == 1
    assert result.selected == ("425",)
    assert result.outcome("571").explanation.code == "did_not_fit"


def test_krakow_decimal_budget_is_kept_exact(pabulib_dir: Path) -> None:
    election = read_pb(_real(pabulib_dir, "Poland_Krakow_2025_Swoszowice.pb"))
    assert election.budget == Fraction(192_021_879, 100)
    result = run_tally(election)
    assert result.remaining == election.budget - result.cost_used
    assert result.to_dict()["budget"] == "192021879/100"


def test_wesola_comment_lists_no_exclusive_projects(pabulib_dir: Path) -> None:
    election = read_pb(_real(pabulib_dir, "Poland_Warszawa_2024_Wesola.pb"))
    setup = tally_setup(election)
    assert setup.caveats == ("exclusive_groups_not_found",)
    assert all(p.group is None for p in setup.projects)


def test_threshold_files_explain_below_threshold(pabulib_dir: Path) -> None:
    election = read_pb(_real(pabulib_dir, "Poland_Czestochowa_2025_Podjasnogorska.pb"))
    result = run_tally(election)
    below = result.outcome("116").explanation
    assert below.code == "below_threshold"
    assert (below.score, below.threshold) == (229, 300)


def test_reading_from_a_stream(pabulib_dir: Path) -> None:
    path = _real(pabulib_dir, "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb")
    text = path.read_text(encoding="utf-8")
    election = read_pb(io.StringIO(text, newline=""))
    assert election.num_voters == 27
    assert election.voter_ids[:2] == ("5642", "7230")
