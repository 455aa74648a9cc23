"""What a cast and a results view cost, and what a province would need.

Measured in the HTTP section's own runs (:mod:`bench.load` keeps the CPU of every run): CPU
milliseconds per request in gunicorn's processes and in the PostgreSQL backends serving the
benchmark's database, both from /proc; and, where the server loads ``pg_stat_statements``, the
statements' own time, calls and WAL bytes per request, from the difference of two readings of
that view (this database's rows only) taken around the run. With the mixer's rate and the bytes
a ballot takes on disk (:mod:`bench.mixer`), :func:`projection` works out a province's voting
day from these figures alone, its assumptions printed beside them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

ENABLE = (
    "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; then restart "
    "PostgreSQL (the bench creates the extension in its own database)"
)

# The province of the projection.
PEOPLE = 10_000_000
TURNOUT = 0.30
DAYS = 7
PEAK_HOUR_SHARE = 0.15  # of a day's votes, in the busiest hour


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


def enable_statements(url: str) -> str | None:
    """Make ``pg_stat_statements`` ready in the benchmark's database and empty its figures for
    that database alone (other databases on the server keep theirs). Returns why it cannot be
    used (None: it can)."""
    if not url.startswith("postgresql"):
        return "SQLite"
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            loaded = conn.scalar(text("SHOW shared_preload_libraries")) or ""
            if "pg_stat_statements" not in loaded:
                return f"pg_stat_statements is not loaded by the server: {ENABLE}"
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            conn.execute(
                text(
                    "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database "
                    "WHERE datname = current_database()), 0)"
                )
            )
    finally:
        engine.dispose()
    return None


_READ = """
SELECT queryid, query, calls, total_exec_time, wal_bytes, rows
FROM pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND query NOT LIKE '%pg_stat_statements%'
"""


def _read(url: str) -> dict[int, tuple[str, int, float, int, int]]:
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return {
                int(r.queryid): (r.query, int(r.calls), float(r.total_exec_time),
                                 int(r.wal_bytes), int(r.rows))
                for r in conn.execute(text(_READ))
            }  # fmt: skip
    finally:
        engine.dispose()


@dataclass
class Statements:
    """The statements run in the database between two readings: per statement, calls, time
    (ms) and WAL bytes."""

    rows: list[dict[str, Any]] = field(default_factory=list)

    def per_request(self, requests: int) -> dict[str, Any]:
        n = max(1, requests)
        ms = sum(r["ms"] for r in self.rows)
        top = sorted(self.rows, key=lambda r: -r["ms"])[:6]
        return {
            "requests": requests,
            "ms": round(ms / n, 4),
            "calls": round(sum(r["calls"] for r in self.rows) / n, 2),
            "wal_bytes": round(sum(r["wal_bytes"] for r in self.rows) / n, 1),
            "top": [
                {
                    "query": " ".join(r["query"].split())[:90],
                    "calls": round(r["calls"] / n, 3),
                    "ms": round(r["ms"] / n, 4),
                    "wal_bytes": round(r["wal_bytes"] / n, 1),
                }
                for r in top
            ],
        }


@contextmanager
def statements(url: str | None) -> Iterator[Statements]:
    """The statements run in the database while the block runs (nothing when ``url`` is None:
    SQLite, or no pg_stat_statements)."""
    seen = Statements()
    if url is None:
        yield seen
        return
    before = _read(url)
    yield seen
    for queryid, (query, calls, ms, wal, rows) in _read(url).items():
        old = before.get(queryid, ("", 0, 0.0, 0, 0))
        if calls > old[1]:
            seen.rows.append(
                {"query": query, "calls": calls - old[1], "ms": ms - old[2],
                 "wal_bytes": wal - old[3], "rows": rows - old[4]}
            )  # fmt: skip


# --- the projection --------------------------------------------------------------------------


def projection(
    *,
    cast_app_ms: float,
    cast_pg_ms: float,
    cast_wal_bytes: float | None,
    write_rate: float,
    mix_rate: float | None,
    bytes_per_ballot: float | None,
    cores: int,
) -> dict[str, Any]:
    """A province's busiest hour from measured figures: ``cast_*`` per cast through the pages
    (ballot page, review, cast), ``write_rate`` this machine's one-row writes per second through
    the app (baseline B), ``mix_rate`` ballots the mixer opens per second in its batches,
    ``bytes_per_ballot`` on disk once mixed."""
    votes = PEOPLE * TURNOUT
    per_day = votes / DAYS
    peak = per_day * PEAK_HOUR_SHARE / 3600
    rows: list[tuple[str, str, str]] = [
        ("votes", f"{PEOPLE:,} x {TURNOUT:.0%}", f"{votes:,.0f}"),
        ("votes a day", f"{votes:,.0f} / {DAYS}", f"{per_day:,.0f}"),
        ("casts/s, busiest hour", f"{per_day:,.0f} x {PEAK_HOUR_SHARE:.0%} / 3,600",
         f"{peak:.1f}"),
        ("app cores", f"{peak:.1f} x {cast_app_ms:.1f} ms", f"{peak * cast_app_ms / 1000:.2f}"),
        ("PostgreSQL cores (backends)", f"{peak:.1f} x {cast_pg_ms:.1f} ms",
         f"{peak * cast_pg_ms / 1000:.2f}"),
    ]  # fmt: skip
    out: dict[str, Any] = {
        "votes": votes,
        "per_day": per_day,
        "peak_casts_per_second": peak,
        "app_cores": peak * cast_app_ms / 1000,
        "pg_cores": peak * cast_pg_ms / 1000,
    }
    if cast_wal_bytes is not None:
        wal = peak * cast_wal_bytes
        rows.append(("WAL, busiest hour", f"{peak:.1f} x {cast_wal_bytes:,.0f} B",
                     f"{wal / 1024:,.0f} KiB/s"))  # fmt: skip
        out["wal_bytes_per_second"] = wal
    if bytes_per_ballot is not None:
        size = votes * bytes_per_ballot
        rows.append(("ballots on disk", f"{votes:,.0f} x {bytes_per_ballot:,.0f} B",
                     f"{size / 1e9:.2f} GB"))  # fmt: skip
        out["ballots_bytes"] = size
    # Where it flattens. The app's servers scale out, one core more for every so many casts/s;
    # the single PostgreSQL primary does not: its cores, and the mixer, whose batches of one
    # cycle take their rows one mixer at a time, bound the casts/s.
    limits = {
        "casts/s per app core": 1000 / cast_app_ms if cast_app_ms else 0.0,
        "casts/s per PostgreSQL core (backends' CPU)": 1000 / cast_pg_ms if cast_pg_ms else 0.0,
        f"casts/s this {cores}-core machine's CPU serves, app and PostgreSQL on it": cores
        * 1000
        / (cast_app_ms + cast_pg_ms),
        "one-row writes/s through the app, this machine (B)": write_rate,
    }
    if mix_rate is not None:
        limits["ballots/s one mixer opens (batches of MIX_BATCH)"] = mix_rate
    rows += [(f"{k}", f"{v:,.0f} / {peak:.1f}", f"{v / peak:,.1f} x the peak") for k, v in
             limits.items()]  # fmt: skip
    out["headroom"] = {k: v / peak for k, v in limits.items()}
    out["rows"] = rows
    return out


# --- the report ------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    import statistics

    return statistics.median(values) if values else 0.0


def summary(runs: list[Any]) -> dict[str, Any]:
    """Medians over the rounds of a load's figures (:class:`bench.load.Figures`) per request:
    CPU ms of the app and of PostgreSQL's backends, and the statements' ms, calls and WAL."""
    cpu = [r.extra["cpu_ms"] for r in runs if "cpu_ms" in r.extra]
    out: dict[str, Any] = {
        "app_ms": _median([c["app"] for c in cpu]),
        "pg_ms": _median([c["postgresql"] for c in cpu]),
        "requests": sum(c["requests"] for c in cpu),
    }
    seen = [r.extra["statements"] for r in runs if "statements" in r.extra]
    if seen:
        out |= {
            "statement_ms": _median([s["ms"] for s in seen]),
            "statements": _median([s["calls"] for s in seen]),
            "wal_bytes": _median([s["wal_bytes"] for s in seen]),
            "top": seen[0]["top"],
        }
    return out


def report(
    loads: dict[str, dict[str, list[Any]]],
    notes: dict[str, str],
    mixed: list[Any],
    *,
    write_rate: float | None,
    cores: int,
) -> dict[str, Any]:
    """Print CPU and statements per request for each backend's loads (``loads[backend][label]``:
    each round's figures) and, from PostgreSQL's, the projection. Returns what was printed."""
    out: dict[str, Any] = {"per_request": {}}
    print(
        "\nCapacity: per request, medians over the rounds. CPU ms from /proc: the app (gunicorn's "
        "workers) and PostgreSQL (the backends serving the benchmark's database); statements: "
        "pg_stat_statements' execution time, statements and WAL bytes, this database's alone"
    )
    header = (
        f"{'':<8} {'load':<40} {'app CPU':>8} {'PG CPU':>7} {'stmt ms':>8} {'stmts':>6} "
        f"{'WAL B':>7}"
    )
    print(header)
    print("-" * len(header))
    for backend, labelled in loads.items():
        out["per_request"][backend] = {}
        for label, runs in labelled.items():
            row = summary(runs)
            out["per_request"][backend][label] = row
            stmt = (
                f"{row['statement_ms']:>8.2f} {row['statements']:>6.1f} {row['wal_bytes']:>7,.0f}"
                if "statement_ms" in row
                else f"{'-':>8} {'-':>6} {'-':>7}"
            )
            print(f"{backend:<8} {label:<40} {row['app_ms']:>8.2f} {row['pg_ms']:>7.2f} {stmt}")
        if notes.get(backend) and backend == "postgresql":
            print(f"  {backend}: statements not measured: {notes[backend]}")
    pg = out["per_request"].get("postgresql", {})
    journey = pg.get(JOURNEY_LABEL)
    if journey and journey.get("top"):
        print("  PostgreSQL, the statements of a cast through the pages (per cast, first round):")
        for t in journey["top"]:
            print(
                f"    {t['calls']:>5.2f} x {t['ms'] / max(t['calls'], 1e-9):>6.3f} ms "
                f"{t['wal_bytes']:>6,.0f} B WAL  {t['query']}"
            )
    if not journey or write_rate is None:
        return out
    pg_mixer = next((m for m in mixed if m.backend == "postgresql"), None)
    plan = projection(
        cast_app_ms=journey["app_ms"],
        cast_pg_ms=journey["pg_ms"],
        # WAL from the cast request's runs: hundreds of casts, a mix every MIX_BATCH of them;
        # the few casts through the pages in a window take a mix or none.
        cast_wal_bytes=pg.get(CAST_LABEL, {}).get("wal_bytes"),
        write_rate=write_rate,
        mix_rate=pg_mixer.batch_rate if pg_mixer else None,
        bytes_per_ballot=pg_mixer.bytes_per_ballot() if pg_mixer else None,
        cores=cores,
    )
    out["projection"] = {k: v for k, v in plan.items() if k != "rows"}
    print(
        f"\nProjection, PostgreSQL: a province of {PEOPLE:,} people, {TURNOUT:.0%} turnout within "
        f"{DAYS} days, the busiest hour {PEAK_HOUR_SHARE:.0%} of a day's votes; a cast's CPU is "
        "the way through the pages (ballot page, review, cast), its WAL the cast request's, as "
        "measured above"
    )
    width = max(len(r[0]) for r in plan["rows"])
    for name, arithmetic, value in plan["rows"]:
        print(f"  {name:<{width}}  {arithmetic:>28}  = {value}")
    headroom = plan["headroom"]
    primary = [k for k in headroom if "PostgreSQL core" in k or "mixer" in k]
    per_core = headroom[primary[0]] * plan["peak_casts_per_second"]
    mixer = headroom.get(primary[-1], 0) * plan["peak_casts_per_second"] if len(primary) > 1 else 0
    print(
        f"  where it flattens: the app scales out; the single primary gives {per_core:,.0f} "
        f"casts/s per core of its backends' CPU"
        + (
            f", and the mixer opens {mixer:,.0f} ballots/s of one cycle (its batches wait for "
            f"each other's row locks), reached by the primary's CPU at "
            f"{mixer / per_core:.0f} cores"
            if mixer
            else ""
        )
    )
    return out


JOURNEY_LABEL = "a cast through the pages (3 requests)"
CAST_LABEL = "the cast request"
