"""The mixer on its own, and what a ballot takes on disk.

A cycle in its voting phase with five approved projects (made through the services, as
:mod:`bench.seed` makes them) receives sealed ballots written in bulk: each as a web cast
writes it, a participation holding the receipt's commitment and the ballot sealed to the ballot
key (:func:`microprojects.services.mixing.seal`, one to three projects, a receipt each). Then,
in the benchmark's own process:

- the mixer as it runs while voting is open: ``MIX_BATCH`` sealed ballots written, then
  :func:`~microprojects.services.mixing.mix` (what a cast or ``flask mix`` runs), over and over,
  in a cycle of its own: ballots mixed per second;
- the close of voting with every ballot still sealed (the worst case: no cast mixed, or the
  mixer failed until then): ``mix(final=True)``, the count's own first step, timed alone, after
  which the cycle is countable; then the count (``counting.run_count``), timed apart;
- bytes on disk per ballot, tables and their indexes: participations and sealed ballots before
  the mix, participations, mixed ballots and published receipts after it.

Wall seconds, and CPU seconds of this process and of its PostgreSQL backends (from /proc).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from .load import BALLOT_KEY, CLOCK_TICKS, pg_ticks

TABLES_BEFORE = ("participations", "sealed_ballots")
TABLES_AFTER = ("participations", "ballots", "receipts")


@dataclass
class Step:
    """One timed step: wall seconds, this process's CPU seconds, its PostgreSQL backends'."""

    seconds: float
    cpu: float
    pg_cpu: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in vars(self).items()}


class _Timer:
    def __enter__(self) -> _Timer:
        self.wall, self.cpu, self.pg = time.perf_counter(), time.process_time(), pg_ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        self.step = Step(
            time.perf_counter() - self.wall,
            time.process_time() - self.cpu,
            (pg_ticks() - self.pg) / CLOCK_TICKS,
        )


@dataclass
class MixerFigures:
    backend: str
    ballots: int
    seed_seconds: float = 0.0
    batch: int = 0
    batches: int = 0
    batch_mix: Step | None = None
    final_mix: Step | None = None
    count: Step | None = None
    sizes_before: dict[str, int] = field(default_factory=dict)
    sizes_after: dict[str, int] = field(default_factory=dict)

    @property
    def batch_rate(self) -> float:
        assert self.batch_mix is not None
        return self.batch * self.batches / self.batch_mix.seconds

    @property
    def final_rate(self) -> float:
        assert self.final_mix is not None
        return self.ballots / self.final_mix.seconds

    def bytes_per_ballot(self, after: bool = True) -> float:
        sizes = self.sizes_after if after else self.sizes_before
        return sum(sizes.values()) / self.ballots

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "ballots": self.ballots,
            "seed_seconds": round(self.seed_seconds, 2),
            "batch": self.batch,
            "batches": self.batches,
            "batch_mix": self.batch_mix and self.batch_mix.as_dict(),
            "batch_rate": round(self.batch_rate, 1),
            "final_mix": self.final_mix and self.final_mix.as_dict(),
            "final_rate": round(self.final_rate, 1),
            "count": self.count and self.count.as_dict(),
            "sizes_before": self.sizes_before,
            "sizes_after": self.sizes_after,
            "bytes_per_ballot_sealed": round(self.bytes_per_ballot(after=False), 1),
            "bytes_per_ballot_mixed": round(self.bytes_per_ballot(), 1),
        }


def _sizes(tables: tuple[str, ...]) -> dict[str, int]:
    """Bytes on disk of each table with its indexes."""
    from sqlalchemy import text

    from microprojects.extensions import db

    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        return {
            t: int(db.session.scalar(text(f"SELECT pg_total_relation_size('{t}')")) or 0)
            for t in tables
        }
    rows = db.session.execute(
        text(
            "SELECT s.tbl_name, sum(d.pgsize) FROM dbstat d "
            "JOIN sqlite_schema s ON d.name = s.name GROUP BY s.tbl_name"
        )
    ).all()
    found = {name: int(size) for name, size in rows}
    return {t: found.get(t, 0) for t in tables}


def _cycle(n: int) -> tuple[list[int], list[list[str]]]:
    """``n`` cycles in their voting phase, five approved projects each: ids and projects."""
    from microprojects.extensions import db
    from microprojects.models import Cycle, utcnow
    from microprojects.services import accounts, places, proposals, residency
    from microprojects.services.cycles import CycleInput, create_cycle

    from .seed import _approved_projects, _dates_around, _residents, _user, _user_named

    now = utcnow()
    place = places.ensure_community(
        city="海口市", district="美兰区", street="白沙门街道", community="白沙门社区",
        slug="bench-mix", grids=["第一网格"],
    )  # fmt: skip
    admin = _user(accounts, "benchadmin", now)
    accounts.bootstrap_admin(admin, now=now)
    committee = _user(accounts, "benchcommittee", now)
    accounts.add_committee_member(admin, committee, place, title="主任", now=now)
    ids = []
    for i in range(n):
        values = CycleInput(  # type: ignore[arg-type]
            title=f"2026 年白沙门社区微实事（混合 {i}）", budget_fen=300_000_00,
            **_dates_around(now),
        )  # fmt: skip
        ids.append(create_cycle(committee, values, community=place, now=now).id)
    first = db.session.get(Cycle, ids[0])
    assert first is not None
    author = _residents(residency, accounts, committee, place, 1, now=first.collecting_at)[0]
    committee, author_user = _user_named("benchcommittee"), _user_named(author)
    projects = []
    for cycle_id in ids:
        cycle = db.session.get(Cycle, cycle_id)
        projects.append(
            [str(p) for p in _approved_projects(proposals, committee, author_user, cycle)]
        )
    return ids, projects


def _cast_rows(
    cycle_id: int, community_id: int, projects: list[str], start: int, n: int, rng: random.Random
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``n`` web casts as :mod:`microprojects.services.casting` writes them: participations
    (voters ``start`` onwards) and their sealed ballots."""
    import secrets

    from microprojects.domain import secrecy
    from microprojects.models import utcnow
    from microprojects.services import mixing
    from microprojects.services.voting import new_receipt

    day = utcnow().date()
    participations, sealed = [], []
    for i in range(start, start + n):
        receipt = new_receipt()
        chosen = rng.sample(projects, rng.randint(1, 3))
        content = secrecy.SealedContent(
            choices=tuple(chosen),
            points=None,
            revision_tag=secrecy.revision_tag(receipt),
            published=secrecy.published_digest(receipt),
        )
        participations.append(
            {"cycle_id": cycle_id, "voter_key": f"entry:{i}", "residency_id": None,
             "community_id": community_id, "grid_id": None, "channel": "web", "day": day,
             "receipt_commitment": secrecy.commitment(receipt)}
        )  # fmt: skip
        sealed.append(
            {"id": secrets.token_hex(16), "cycle_id": cycle_id, "sealed": mixing.seal(content)}
        )
    return participations, sealed


def _write(participations: list[dict[str, Any]], sealed: list[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    from microprojects.extensions import db
    from microprojects.models import Participation, SealedBallot

    chunk = 5_000
    for i in range(0, len(participations), chunk):
        db.session.execute(insert(Participation), participations[i : i + chunk])
        db.session.execute(insert(SealedBallot), sealed[i : i + chunk])
    db.session.commit()


def measure(url: str, backend: str, *, ballots: int, batches: int) -> MixerFigures:
    """Seed ``ballots`` sealed ballots in one cycle and mix them at its close, then count;
    before that, ``batches`` batches of ``MIX_BATCH`` in another cycle."""
    from microprojects.extensions import db
    from microprojects.models import Cycle
    from microprojects.services import counting, mixing

    from .seed import migrate, setup_app

    app = setup_app(url, BALLOT_KEY=BALLOT_KEY)
    migrate(app)
    out = MixerFigures(backend=backend, ballots=ballots)
    rng = random.Random(2026)
    with app.app_context():
        started = time.perf_counter()
        (closing, live), (projects, live_projects) = _cycle(2)
        cycle = db.session.get(Cycle, closing)
        assert cycle is not None
        community_id = cycle.community_id
        chunk = 10_000
        for start in range(0, ballots, chunk):
            _write(*_cast_rows(closing, community_id, projects, start, min(chunk, ballots - start),
                               rng))  # fmt: skip
        out.seed_seconds = time.perf_counter() - started

        out.sizes_before = _sizes(TABLES_BEFORE)

        # Voting closes with every ballot sealed: the mix makes the cycle countable.
        cycle = db.session.get(Cycle, closing)
        assert cycle is not None
        closed = cycle.publication_at + timedelta(minutes=1)
        assert counting.count_problem(cycle, closed) is None
        with _Timer() as timer:
            mixed = mixing.mix(closing, final=True)
        out.final_mix = timer.step
        assert mixed == ballots, mixed
        cycle = db.session.get(Cycle, closing)
        assert cycle is not None and counting.count_problem(cycle, closed, mixed=True) is None
        with _Timer() as timer:
            count = counting.run_count(None, cycle, now=closed)
        out.count = timer.step
        assert count.num_ballots == ballots, count.num_ballots
        out.sizes_after = _sizes(TABLES_AFTER)

        # While voting runs (in another cycle, the tables holding the closed one's): a batch
        # written, then mixed, as a cast that finds a batch ready does.
        out.batch, out.batches = int(app.config["MIX_BATCH"]), batches
        wall = cpu = pg_cpu = 0.0
        for n in range(batches):
            _write(*_cast_rows(live, community_id, live_projects, n * out.batch, out.batch, rng))
            with _Timer() as timer:
                mixed = mixing.mix(live)
            assert mixed == out.batch, mixed
            wall, cpu, pg_cpu = (
                wall + timer.step.seconds,
                cpu + timer.step.cpu,
                pg_cpu + timer.step.pg_cpu,
            )
        out.batch_mix = Step(wall, cpu, pg_cpu)
        db.session.remove()
        db.engine.dispose()
    return out


def report(figures: list[MixerFigures]) -> None:
    if not figures:
        return
    print("\nThe mixer on its own (wall s; CPU s of this process / of its PostgreSQL backends)")
    for f in figures:
        assert f.batch_mix and f.final_mix and f.count
        print(
            f"  [{f.backend}] while voting runs, {f.batches} batches of MIX_BATCH={f.batch}: "
            f"{f.batch_rate:,.0f} ballots mixed/s ({f.batch_mix.seconds * 1000 / f.batches:.1f} "
            f"ms a batch; CPU {f.batch_mix.cpu * 1000 / f.batches:.1f} / "
            f"{f.batch_mix.pg_cpu * 1000 / f.batches:.1f} ms)"
        )
        print(
            f"  [{f.backend}] close of voting to a countable cycle, {f.ballots:,} sealed ballots: "
            f"{f.final_mix.seconds:.1f} s ({f.final_rate:,.0f} ballots mixed/s; CPU "
            f"{f.final_mix.cpu:.1f} / {f.final_mix.pg_cpu:.1f} s); then the count "
            f"{f.count.seconds:.1f} s (CPU {f.count.cpu:.1f} / {f.count.pg_cpu:.1f} s)"
        )
        before = ", ".join(f"{t} {v / f.ballots:,.0f}" for t, v in f.sizes_before.items())
        after = ", ".join(f"{t} {v / f.ballots:,.0f}" for t, v in f.sizes_after.items())
        print(
            f"  [{f.backend}] bytes per ballot on disk, tables and indexes: sealed "
            f"{f.bytes_per_ballot(after=False):,.0f} ({before}); mixed "
            f"{f.bytes_per_ballot():,.0f} ({after}); {f.ballots:,} ballots seeded in "
            f"{f.seed_seconds:.0f} s"
        )


def mixer_part(args: Any, backends: list[str], workdir: Path) -> list[MixerFigures]:
    from .databases import database

    out = []
    for backend in backends:
        with database(backend, workdir, "mixer") as url:
            out.append(measure(url, backend, ballots=args.mix_ballots, batches=args.mix_batches))
        print(f"  [mixer] {backend}: {args.mix_ballots:,} ballots mixed and counted", flush=True)
    return out
