"""A cycle as casting reads it (``VotingCycle``): the voting service builds it, and the cycles
service decides eligibility on it as on a Cycle. It lives apart from both, importing neither,
so that each can import it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.ballots import BallotRule
from ..domain.phases import Phase, Schedule, current_phase


@dataclass(frozen=True)
class VotingCycle:
    """What casting needs of a cycle, with the costs of its ballot's projects, read in one plain
    statement and built into no ORM object: on voting day every cast reads its cycle. The
    voting service takes it wherever it takes a Cycle."""

    id: int
    title: str
    schedule: Schedule
    rule: BallotRule
    ballot_kind: str
    vote_unit: str
    allow_revision: bool
    community_ids: list[int]
    min_age: int
    allow_work: bool
    allow_study: bool
    costs: dict[str, int]
    titles: dict[str, str]

    def phase(self, now: datetime) -> Phase:
        return current_phase(self.schedule, now)
