"""The rules of a small wish's answer: once, and each answer with what it needs."""

from hypothesis import given
from hypothesis import strategies as st

from microprojects.domain.wishes import (
    ANSWER_MAX,
    MAX_OPEN_PER_PERSON,
    Answer,
    AnswerProblem,
    WishStatus,
    answer_problem,
    may_become_proposal,
    may_send,
)

texts = st.text(max_size=40)


@given(st.sampled_from(list(WishStatus)), st.sampled_from(list(WishStatus)), texts, texts)
def test_only_an_open_wish_is_answered_and_never_to_open(current, status, text, where):
    problem = answer_problem(current, Answer(status, text, where))
    if current is not WishStatus.OPEN:
        assert problem is AnswerProblem.ALREADY_ANSWERED
    elif status is WishStatus.OPEN:
        assert problem is AnswerProblem.STATUS_UNKNOWN


@given(texts, texts)
def test_each_answer_needs_its_words(text, where):
    referred = answer_problem(WishStatus.OPEN, Answer(WishStatus.REFERRED, text, where))
    declined = answer_problem(WishStatus.OPEN, Answer(WishStatus.DECLINED, text))
    taken = answer_problem(WishStatus.OPEN, Answer(WishStatus.TAKEN, text))
    assert taken is None  # taking it needs no words
    if not where.strip():
        assert referred is AnswerProblem.REFERRED_TO_REQUIRED
    elif not text.strip():
        assert referred is AnswerProblem.TEXT_REQUIRED
    else:
        assert referred is None
    assert (declined is None) == bool(text.strip())


def test_an_answer_too_long_is_refused():
    long = "长" * (ANSWER_MAX + 1)
    assert answer_problem(WishStatus.OPEN, Answer(WishStatus.DECLINED, long)) is (
        AnswerProblem.TOO_LONG
    )


@given(st.sampled_from(list(WishStatus)), st.booleans())
def test_only_a_taken_wish_becomes_one_proposal(status, has_proposal):
    assert may_become_proposal(status, has_proposal) == (
        status is WishStatus.TAKEN and not has_proposal
    )


@given(st.integers(min_value=0, max_value=50))
def test_a_person_has_a_bounded_number_of_open_wishes(open_wishes):
    assert may_send(open_wishes) == (open_wishes < MAX_OPEN_PER_PERSON)
