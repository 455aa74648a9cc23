"""The phases of a cycle, derived from its dates: pure, no app."""

import itertools
from dataclasses import fields
from datetime import datetime, timedelta

import pytest

from microprojects.domain.phases import (
    BEFORE_VOTING,
    DATED,
    Phase,
    Schedule,
    close_early,
    current_phase,
    extend,
    next_phase,
    phase_end,
)

T0 = datetime(2026, 3, 1, 0, 0)
DAY = timedelta(days=1)
# collecting 3-01, screening 3-11, voting 3-21, publication 3-31, implementation 4-10, closed 4-20
S = Schedule(*(T0 + 10 * DAY * i for i in range(6)))


def test_schedule_fields_are_the_dated_phases_in_order():
    assert [f.name for f in fields(Schedule)] == [p.value for p in DATED]
    assert DATED[0] is Phase.COLLECTING and DATED[-1] is Phase.CLOSED
    assert Phase.UPCOMING not in DATED
    assert {Phase.COLLECTING, Phase.SCREENING} == BEFORE_VOTING


def test_before_the_first_start_the_cycle_is_upcoming():
    assert current_phase(S, T0 - timedelta(microseconds=1)) is Phase.UPCOMING
    assert current_phase(S, T0 - 365 * DAY) is Phase.UPCOMING


@pytest.mark.parametrize("phase", DATED)
def test_a_start_is_inclusive_and_the_phase_lasts_until_the_next(phase):
    start = S.start_of(phase)
    assert current_phase(S, start) is phase
    assert current_phase(S, start + timedelta(seconds=1)) is phase
    index = DATED.index(phase)
    before = DATED[index - 1] if index else Phase.UPCOMING
    assert current_phase(S, start - timedelta(microseconds=1)) is before


def test_closed_lasts_forever():
    assert current_phase(S, S.closed + 3650 * DAY) is Phase.CLOSED
    assert next_phase(S, S.closed) is None
    assert next_phase(S, S.closed + DAY) is None


def test_phases_of_zero_length_are_skipped():
    same = S.with_start(Phase.SCREENING, S.voting)
    assert not same.problems()
    assert current_phase(same, S.voting) is Phase.VOTING
    assert current_phase(same, S.voting - timedelta(seconds=1)) is Phase.COLLECTING


def test_next_phase_is_the_first_start_still_to_come():
    assert next_phase(S, T0 - DAY) == (Phase.COLLECTING, S.collecting)
    assert next_phase(S, T0) == (Phase.SCREENING, S.screening)
    assert next_phase(S, S.screening - timedelta(seconds=1)) == (Phase.SCREENING, S.screening)
    assert next_phase(S, S.screening) == (Phase.VOTING, S.voting)
    assert next_phase(S, S.implementation) == (Phase.CLOSED, S.closed)


def test_phase_end_is_the_next_start():
    assert phase_end(S, Phase.UPCOMING) == S.collecting
    assert phase_end(S, Phase.COLLECTING) == S.screening
    assert phase_end(S, Phase.SCREENING) == S.voting
    assert phase_end(S, Phase.VOTING) == S.publication
    assert phase_end(S, Phase.PUBLICATION) == S.implementation
    assert phase_end(S, Phase.IMPLEMENTATION) == S.closed
    assert phase_end(S, Phase.CLOSED) is None


def test_start_of_accepts_names_and_refuses_upcoming():
    assert S.start_of("voting") == S.voting
    with pytest.raises(ValueError):
        S.start_of(Phase.UPCOMING)
    with pytest.raises(ValueError):
        S.start_of("lunch")


def test_an_ordered_schedule_has_no_problems():
    assert S.problems() == []


def test_problems_name_each_phase_that_starts_before_the_one_it_follows():
    bad = S.with_start(Phase.SCREENING, T0 - DAY)
    assert bad.problems() == ["screening_before_collecting"]
    worse = S.with_start(Phase.VOTING, S.collecting + DAY).with_start(Phase.CLOSED, S.collecting)
    assert worse.problems() == ["voting_before_screening", "closed_before_implementation"]
    reversed_schedule = Schedule(*(T0 - 10 * DAY * i for i in range(6)))
    assert len(reversed_schedule.problems()) == 5


def test_close_early_starts_the_next_phase_now_and_keeps_later_dates():
    now = S.collecting + 3 * DAY
    result = close_early(S, Phase.COLLECTING, now)
    assert result.screening == now
    assert (result.voting, result.publication, result.implementation, result.closed) == (
        S.voting,
        S.publication,
        S.implementation,
        S.closed,
    )
    assert result.collecting == S.collecting
    assert current_phase(result, now) is Phase.SCREENING
    assert not result.problems()


def test_close_early_pulls_up_only_the_later_phases_that_would_come_before_now():
    crowded = Schedule(
        collecting=T0,
        screening=T0 + 10 * DAY,
        voting=T0 + 11 * DAY,
        publication=T0 + 12 * DAY,
        implementation=T0 + 30 * DAY,
        closed=T0 + 40 * DAY,
    )
    # Ending collecting "now" at day 11.5 when voting (day 11) had already been scheduled:
    # screening starts now, voting moves up to now, publication (day 12) stays.
    now = T0 + 11 * DAY + timedelta(hours=12)
    result = close_early(crowded, Phase.COLLECTING, now)
    assert result.screening == now
    assert result.voting == now
    assert result.publication == crowded.publication
    assert result.implementation == crowded.implementation
    assert not result.problems()


@pytest.mark.parametrize("phase", DATED[:-1])
def test_close_early_of_each_phase_moves_into_the_next(phase):
    now = S.start_of(phase) + DAY
    result = close_early(S, phase, now)
    following = DATED[DATED.index(phase) + 1]
    assert current_phase(result, now) is following
    assert not result.problems()


def test_a_closed_cycle_cannot_be_closed_early_or_extended():
    with pytest.raises(ValueError):
        close_early(S, Phase.CLOSED, S.closed + DAY)
    with pytest.raises(ValueError):
        extend(S, Phase.CLOSED, S.closed + 10 * DAY)


def test_an_upcoming_cycle_has_no_phase_to_end_or_extend():
    with pytest.raises(ValueError):
        close_early(S, Phase.UPCOMING, T0 - DAY)
    with pytest.raises(ValueError):
        extend(S, Phase.UPCOMING, T0 + DAY)


def test_extend_shifts_every_later_phase_by_the_same_amount():
    until = S.screening + 5 * DAY
    result = extend(S, Phase.COLLECTING, until)
    assert result.collecting == S.collecting
    assert result.screening == until
    for phase in DATED[1:]:
        assert result.start_of(phase) == S.start_of(phase) + 5 * DAY
    # The lengths of the later phases are kept.
    for a, b in itertools.pairwise(DATED[1:]):
        assert result.start_of(b) - result.start_of(a) == S.start_of(b) - S.start_of(a)
    assert current_phase(result, S.screening + DAY) is Phase.COLLECTING
    assert not result.problems()


def test_extend_a_middle_phase_leaves_the_earlier_ones():
    until = S.publication + 2 * DAY
    result = extend(S, Phase.VOTING, until)
    assert (result.collecting, result.screening, result.voting) == (
        S.collecting,
        S.screening,
        S.voting,
    )
    assert result.publication == until
    assert result.closed == S.closed + 2 * DAY


def test_extend_the_last_phase_before_closed():
    result = extend(S, Phase.IMPLEMENTATION, S.closed + 30 * DAY)
    assert result.closed == S.closed + 30 * DAY
    assert result.implementation == S.implementation
