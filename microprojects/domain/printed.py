"""Who may read the paper artefacts (the printable ballot, the shortlist notice, the 公示 notice of
the count, a project's completion notice and the cycle's archive, 台账), from where the cycle
stands. Pure: the phase, whether there is a count and a project's status in; an ``Access`` out.

The web layer turns ``Access`` into a page: ``PUBLIC`` for everyone, ``COMMITTEE`` for the
committees of the cycle's communities and the administrator (others are refused), ``NONE`` not
found for everyone, since there is nothing to print yet.
"""

from __future__ import annotations

from enum import StrEnum

from .implementation import ResultsStatus, Status
from .phases import Phase


class Access(StrEnum):
    PUBLIC = "public"
    COMMITTEE = "committee"
    NONE = "none"


# Once voting opens the list of projects is settled: nothing is approved, rejected or merged
# after screening has ended.
LIST_SETTLED = frozenset({Phase.VOTING, Phase.PUBLICATION, Phase.IMPLEMENTATION, Phase.CLOSED})


def list_access(phase: Phase) -> Access:
    """The printable ballot and the shortlist notice: public once the list is settled; before,
    the committee prints them ahead of voting (the list may still change)."""
    return Access.PUBLIC if phase in LIST_SETTLED else Access.COMMITTEE


def results_notice_access(status: ResultsStatus, counted: bool) -> Access:
    """The 公示 notice: public once the results are published; the committee previews a count
    made before the publication period starts; without a count there is nothing to print."""
    if not counted:
        return Access.NONE
    return Access.COMMITTEE if status is ResultsStatus.NONE else Access.PUBLIC


def completion_access(status: Status | None) -> Access:
    """A project's completion notice: public once the work is completed (or accepted); the
    committee prepares it while the work goes on; a project with no implementation record has
    none."""
    if status is None:
        return Access.NONE
    if status in (Status.COMPLETED, Status.ACCEPTED):
        return Access.PUBLIC
    return Access.COMMITTEE


def archive_access(phase: Phase) -> Access:
    """The archive (台账): the committee's working record while the cycle runs; public once it
    is closed, since everything it holds is public by then (see ``services.printed``)."""
    return Access.PUBLIC if phase is Phase.CLOSED else Access.COMMITTEE
