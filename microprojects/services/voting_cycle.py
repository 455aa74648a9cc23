"""A cycle as casting reads it: the ``CastingCycle`` protocol, which the model ``Cycle`` and the
``VotingCycle`` a cast reads (:mod:`.casting`) both satisfy, so that the voting and cycles
services decide eligibility and check a ballot on either. It lives apart from both services,
importing neither, so that each can import it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain.ballots import BallotRule
from ..domain.phases import Phase, Schedule, current_phase


class CastingCycle(Protocol):
    """What eligibility, a cast, a revision and the receipt page read of a cycle."""

    @property
    def id(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def rule(self) -> BallotRule: ...
    @property
    def ballot_kind(self) -> str: ...
    @property
    def vote_unit(self) -> str: ...
    @property
    def allow_revision(self) -> bool: ...
    @property
    def community_ids(self) -> Sequence[int]: ...
    @property
    def min_age(self) -> int: ...
    @property
    def allow_work(self) -> bool: ...
    @property
    def allow_study(self) -> bool: ...
    @property
    def shortlist_days(self) -> int: ...
    @property
    def costs(self) -> Mapping[str, int]:
        """The cost of each project on the ballot, by id."""

    @property
    def titles(self) -> Mapping[str, str]:
        """The ballot title of each project on the ballot, by id."""

    def phase(self, now: datetime) -> Phase: ...


@dataclass(frozen=True)
class VotingCycle:
    """A ``CastingCycle`` read in one plain statement and built into no ORM object, with the
    costs and titles of its ballot's projects: on voting day every cast reads its cycle."""

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
    shortlist_days: int
    costs: dict[str, int]
    titles: dict[str, str]

    def phase(self, now: datetime) -> Phase:
        return current_phase(self.schedule, now)
