"""The satisfaction of residents, online stars and paper answers together, and which results of
an inspection close a project."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.acceptance import Answer, Result, answer_for_stars, closes, satisfaction

stars = st.dictionaries(st.integers(1, 5), st.integers(0, 500), max_size=5)
paper = st.dictionaries(st.sampled_from(list(Answer)), st.integers(0, 500), max_size=3)


def test_only_a_plain_acceptance_closes_the_project():
    assert closes(Result.ACCEPTED)
    assert not closes(Result.ACCEPTED_WITH_FIXES)
    assert not closes(Result.NOT_ACCEPTED)


def test_stars_read_as_answers():
    assert [answer_for_stars(s) for s in range(1, 6)] == [
        Answer.DISSATISFIED, Answer.DISSATISFIED, Answer.BASICALLY, Answer.SATISFIED,
        Answer.SATISFIED,
    ]  # fmt: skip
    for wrong in (0, 6, -1):
        with pytest.raises(ValueError):
            answer_for_stars(wrong)


def test_an_example_with_both():
    # Online: 4 ratings (5, 5, 4, 2), mean 4.0; paper: 30 satisfied, 8 basically, 2 not.
    found = satisfaction({5: 2, 4: 1, 2: 1}, {Answer.SATISFIED: 30, Answer.BASICALLY: 8,
                                               Answer.DISSATISFIED: 2})  # fmt: skip
    assert (found.online_number, found.online_mean) == (4, 4.0)
    assert found.paper_number == 40 and found.total == 44
    assert found.combined == {Answer.SATISFIED: 33, Answer.BASICALLY: 8, Answer.DISSATISFIED: 3}
    assert found.rate == round(41 * 100 / 44, 1) == 93.2


def test_nobody_answered_gives_no_rate():
    found = satisfaction({}, {})
    assert found.rate is None and found.online_mean is None and found.total == 0


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        satisfaction({5: -1}, {})
    with pytest.raises(ValueError):
        satisfaction({}, {Answer.SATISFIED: -2})


@given(stars, paper)
def test_the_rate_is_a_share_of_everyone_who_answered(online, on_paper):
    found = satisfaction(online, on_paper)
    assert found.total == sum(online.values()) + sum(on_paper.values())
    assert sum(found.combined.values()) == found.total
    if found.total == 0:
        assert found.rate is None
    else:
        assert found.rate is not None and 0 <= found.rate <= 100
        happy = found.combined[Answer.SATISFIED] + found.combined[Answer.BASICALLY]
        assert abs(found.rate - happy * 100 / found.total) <= 0.05


@given(stars, paper)
def test_a_star_counts_as_the_paper_answer_it_stands_for(online, on_paper):
    """Moving every online rating onto paper as its answer changes nothing in the combination."""
    as_paper = dict(on_paper)
    for s, n in online.items():
        a = answer_for_stars(s)
        as_paper[a] = as_paper.get(a, 0) + n
    both = satisfaction(online, on_paper)
    moved = satisfaction({}, as_paper)
    assert both.combined == moved.combined and both.rate == moved.rate


@given(stars, paper, st.sampled_from(list(Answer)))
def test_one_more_answer_moves_the_rate_its_way(online, on_paper, answer):
    before = satisfaction(online, on_paper)
    more = dict(on_paper)
    more[answer] = more.get(answer, 0) + 1
    after = satisfaction(online, more)
    if before.rate is None:
        assert after.rate == (0.0 if answer is Answer.DISSATISFIED else 100.0)
    elif answer is Answer.DISSATISFIED:
        assert after.rate is not None and after.rate <= before.rate
    else:
        assert after.rate is not None and after.rate >= before.rate


@given(stars)
def test_the_online_mean_lies_between_the_stars_given(online):
    found = satisfaction(online, {})
    given_stars = [s for s, n in online.items() if n]
    if not given_stars:
        assert found.online_mean is None
    else:
        assert min(given_stars) <= found.online_mean <= max(given_stars)
