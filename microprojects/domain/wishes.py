"""Small wishes (点亮微心愿): what residents need, sent all year, outside any cycle, and the
committee's one answer to each.

A wish is open until the committee answers it, once: taken into the next cycle as a proposal,
referred to whoever can do it (the 12345 city hotline, the property manager, the street) with
what was said, or declined with a public reason. A taken wish may later have a proposal made
from it in a cycle that collects proposals; that is a link, not another answer.

Imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

TEXT_MAX = 500
PLACE_MAX = 60
ANSWER_MAX = 1000
REFERRED_TO_MAX = 40
# A person has at most this many wishes waiting for an answer at once.
MAX_OPEN_PER_PERSON = 5


class WishStatus(StrEnum):
    OPEN = "open"
    TAKEN = "taken"  # into the next cycle, as a proposal
    REFERRED = "referred"  # to 12345, the property manager, the street, ...
    DECLINED = "declined"


ANSWERS = (WishStatus.TAKEN, WishStatus.REFERRED, WishStatus.DECLINED)

# Where a wish is usually referred; the committee may write another.
REFERRAL_SUGGESTIONS = ("12345 市民热线", "物业", "街道办事处", "供电所", "自来水公司")


@dataclass(frozen=True)
class Answer:
    status: WishStatus
    text: str = ""  # the public answer: for a referral what was said, for a decline why
    referred_to: str = ""


class AnswerProblem(StrEnum):
    ALREADY_ANSWERED = "wish_already_answered"
    STATUS_UNKNOWN = "wish_answer_unknown"
    TEXT_REQUIRED = "wish_answer_text_required"
    REFERRED_TO_REQUIRED = "wish_referred_to_required"
    TOO_LONG = "too_long"


def answer_problem(current: WishStatus, answer: Answer) -> AnswerProblem | None:
    """Why ``answer`` may not be given to a wish in ``current`` (None: it may).

    A wish is answered once. A referral names where to and says what was answered; a decline
    gives its public reason; taking it needs no words (the words are optional)."""
    if current is not WishStatus.OPEN:
        return AnswerProblem.ALREADY_ANSWERED
    if answer.status not in ANSWERS:
        return AnswerProblem.STATUS_UNKNOWN
    if len(answer.text) > ANSWER_MAX or len(answer.referred_to) > REFERRED_TO_MAX:
        return AnswerProblem.TOO_LONG
    if answer.status is WishStatus.REFERRED and not answer.referred_to.strip():
        return AnswerProblem.REFERRED_TO_REQUIRED
    if answer.status in (WishStatus.REFERRED, WishStatus.DECLINED) and not answer.text.strip():
        return AnswerProblem.TEXT_REQUIRED
    return None


def may_become_proposal(status: WishStatus, has_proposal: bool) -> bool:
    """Only a taken wish becomes a proposal, and only one."""
    return status is WishStatus.TAKEN and not has_proposal


def may_send(open_wishes: int) -> bool:
    return open_wishes < MAX_OPEN_PER_PERSON
