"""Project scores from ballots, and the score ranking every rule reports.

* approval, choose-1: the (weighted) number of ballots naming the project; naming it twice on
  one ballot still counts once.
* cumulative, scoring: the sum of points given to it.
* ordinal: K - position (the first choice scores K), with K = ``params.max_length`` or else the
  length of the longest ballot. Positions at or beyond K score 0 rather than going negative, so an
  over-long ballot cannot take points away from a project.

Pure Python; imports nothing from Flask or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import Ballot, Project, TallyParams, check_projects


def compute_scores(
    projects: Sequence[Project], ballots: Sequence[Ballot], params: TallyParams
) -> dict[str, int]:
    """Score of every project (0 for projects nobody named). Unknown ids raise ValueError."""
    index = check_projects(projects)
    scores = dict.fromkeys(index, 0)
    vote_type = params.vote_type
    if vote_type in ("approval", "choose-1"):
        for ballot in ballots:
            for pid in set(ballot.choices):
                if pid not in scores:
                    raise ValueError(f"ballot names unknown project {pid!r}")
                scores[pid] += ballot.weight
    elif vote_type in ("cumulative", "scoring"):
        for ballot in ballots:
            points = ballot.points
            if points is None or len(points) != len(ballot.choices):
                raise ValueError("cumulative/scoring ballots need one point value per choice")
            for pid, pts in zip(ballot.choices, points, strict=True):
                if pid not in scores:
                    raise ValueError(f"ballot names unknown project {pid!r}")
                scores[pid] += pts * ballot.weight
    elif vote_type == "ordinal":
        k = ordinal_k(ballots, params)
        for ballot in ballots:
            for pos, pid in enumerate(ballot.choices):
                if pid not in scores:
                    raise ValueError(f"ballot names unknown project {pid!r}")
                scores[pid] += max(k - pos, 0) * ballot.weight
    else:  # pragma: no cover - Literal exhausts the cases; guards callers without mypy
        raise ValueError(f"unknown vote type {vote_type!r}")
    return scores


def ordinal_k(ballots: Sequence[Ballot], params: TallyParams) -> int:
    if params.max_length is not None:
        return params.max_length
    return max((len(b.choices) for b in ballots), default=0)


def rank_order(projects: Sequence[Project], scores: dict[str, int]) -> list[int]:
    """Indices of projects by score descending; equal scores keep the projects order.

    ``sorted`` is stable, so sorting indices by ``-score`` alone keeps the declared order among
    equal scores; ids are never compared, as the format demands.
    """
    return sorted(range(len(projects)), key=lambda i: -scores[projects[i].id])


def ranks(projects: Sequence[Project], scores: dict[str, int]) -> dict[str, int]:
    return {projects[i].id: r for r, i in enumerate(rank_order(projects, scores), start=1)}
