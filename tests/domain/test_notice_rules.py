"""The outbox's waits and the limits on confirmation codes, as pure rules."""

from __future__ import annotations

from datetime import datetime, timedelta

from microprojects.domain.notices import (
    BACKOFF,
    CODES_PER_DAY,
    MAX_ATTEMPTS,
    MessageStatus,
    after_failure,
    backoff,
    code_refusal,
)

NOW = datetime(2026, 12, 5, 9, 0)


def test_each_failure_waits_longer_and_the_last_gives_up():
    waits = [backoff(n) for n in range(1, MAX_ATTEMPTS)]
    assert waits == sorted(waits) and waits[0] == BACKOFF[0]
    assert backoff(40) == BACKOFF[-1]
    for attempts in range(1, MAX_ATTEMPTS):
        assert after_failure(attempts, NOW) == (MessageStatus.FAILED, NOW + backoff(attempts))
    assert after_failure(MAX_ATTEMPTS, NOW) == (MessageStatus.GIVEN_UP, None)
    assert after_failure(MAX_ATTEMPTS + 1, NOW) == (MessageStatus.GIVEN_UP, None)


def test_a_code_waits_a_minute_after_the_last():
    assert code_refusal([], NOW) is None
    assert code_refusal([NOW - timedelta(seconds=20)], NOW) == timedelta(seconds=40)
    assert code_refusal([NOW - timedelta(seconds=60)], NOW) is None


def test_ten_codes_a_day_then_none_until_the_first_is_a_day_old():
    sent = [NOW - timedelta(hours=h) for h in range(CODES_PER_DAY)]
    assert code_refusal(sent, NOW + timedelta(minutes=5)) == (
        sent[-1] + timedelta(days=1) - NOW - timedelta(minutes=5)
    )
    assert code_refusal(sent[:-1], NOW + timedelta(minutes=5)) is None
    old = [NOW - timedelta(days=1, minutes=1)] * CODES_PER_DAY
    assert code_refusal(old, NOW) is None
