"""Fixtures for the counting tests: where the real Pabulib elections live, and small builders.

The real files are read in place from ``../shared/pabulib`` (a sibling of the repository root);
they are never copied into the project.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from microprojects.domain.tally import Ballot, Project

PABULIB_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "pabulib"
PABULIB_MISSING = "../shared/pabulib not found: the real Pabulib elections are not available here"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests asking for ``pabulib_file`` run once per real election file."""
    if "pabulib_file" in metafunc.fixturenames:
        # The folder's files and those of its families/ subfolder (one file per family of the
        # public corpus that needs a leniency or a city's rule).
        files = sorted(PABULIB_DIR.rglob("*.pb")) if PABULIB_DIR.is_dir() else []
        ids = [p.stem for p in files] or ["no-pabulib"]
        metafunc.parametrize("pabulib_file", files or [None], ids=ids, indirect=True)


@pytest.fixture
def pabulib_file(request: pytest.FixtureRequest) -> Path:
    path: Path | None = request.param
    if path is None:
        pytest.skip(PABULIB_MISSING)
    return path


@pytest.fixture
def pabulib_dir() -> Path:
    if not PABULIB_DIR.is_dir():
        pytest.skip(PABULIB_MISSING)
    return PABULIB_DIR


@pytest.fixture
def projects() -> Callable[..., list[Project]]:
    """``projects(A=60, B=50)`` -> Projects in that order (the declared tie-break order)."""

    def build(**costs: int) -> list[Project]:
        return [Project(pid, cost) for pid, cost in costs.items()]

    return build


@pytest.fixture
def approvals() -> Callable[..., list[Ballot]]:
    """``approvals("AB", "B", "")`` -> one approval ballot per string, one project per letter."""

    def build(*votes: str) -> list[Ballot]:
        return [Ballot(tuple(vote)) for vote in votes]

    return build
