"""Corrections of a count (after upheld objections) are data: the projects corrected, merged
with the earlier count's, and counted to the result their export re-counts to."""

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.counting import (
    Correction,
    CountProject,
    CountSettings,
    canonical_pb,
    corrected,
    count_meta,
    count_setup,
    merge_corrections,
)
from microprojects.domain.pabulib import WITHDRAWN_COST, parse_pb_text, run_tally

T = datetime(2026, 5, 1, 9)
IDS = (1, 2, 3, 4)


def _projects() -> list[CountProject]:
    return [CountProject(id=i, cost_fen=i * 100_00, submitted_at=T.replace(minute=i)) for i in IDS]


corrections = st.builds(
    lambda pid, kind, cost: Correction(pid, kind, cost if kind == "cost" else None),
    st.sampled_from((*IDS, 99)),
    st.sampled_from(("withdraw", "cost")),
    st.integers(1, WITHDRAWN_COST - 1),
)


def test_a_correction_is_well_formed_or_refused():
    assert Correction(1, "withdraw").to_dict() == {
        "project": 1,
        "kind": "withdraw",
        "cost_fen": None,
    }
    assert Correction.from_dict({"project": 2, "kind": "cost", "cost_fen": 5}) == Correction(
        2, "cost", 5
    )
    bad_ones = (
        ("merge", None), ("cost", None), ("cost", 0), ("cost", -1), ("withdraw", 5),
        ("cost", WITHDRAWN_COST),
    )  # fmt: skip
    for bad in bad_ones:
        with pytest.raises(ValueError):
            Correction(1, *bad)


@given(st.lists(corrections, max_size=8))
def test_corrected_projects_change_only_where_a_correction_says(found):
    before = _projects()
    after = corrected(before, found)
    last = {c.project_id: c for c in found}
    assert [p.id for p in after] == [p.id for p in before]
    for old, new in zip(before, after, strict=True):
        c = last.get(old.id)
        if c is None:
            assert new == old
        elif c.kind == "withdraw":
            assert new.withdrawn and new.cost_fen == old.cost_fen
        else:
            assert new.cost_fen == c.cost_fen and new.withdrawn == old.withdrawn


@given(st.lists(corrections, max_size=6), st.lists(corrections, max_size=6))
def test_later_corrections_replace_earlier_ones_of_the_same_project(earlier, later):
    merged = merge_corrections(earlier, later)
    ids = [c.project_id for c in merged]
    assert ids == sorted(set(ids))
    by_later = {c.project_id: c for c in later}
    by_earlier = {c.project_id: c for c in earlier}
    for c in merged:
        assert c == by_later.get(c.project_id, by_earlier.get(c.project_id))
    # Merging again with nothing new changes nothing.
    assert merge_corrections(merged, ()) == merged


@given(st.lists(corrections, max_size=6), st.sets(st.sampled_from(IDS), min_size=1))
def test_the_corrected_export_recounts_to_the_corrected_result(found, approved):
    ballots = [([str(i) for i in sorted(approved)], None), (["1"], None), (["3", "4"], None)]
    setup = count_setup(
        budget_fen=500_00,
        projects=corrected(_projects(), found),
        ballots=ballots,
        settings=CountSettings(rule="greedy", vote_type="approval"),
    )
    result = setup.run()
    withdrawn = {c.project_id for c in merge_corrections((), found) if c.kind == "withdraw"}
    assert not withdrawn & {int(p) for p in result.selected}
    meta = count_meta(
        setup, description="d", unit_name="u", instance="2026", date_begin="2026-05-01",
        date_end="2026-05-08", currency="CNY",
    )  # fmt: skip
    assert run_tally(parse_pb_text(canonical_pb(setup, meta))).to_dict() == result.to_dict()
