"""The benchmark's own databases: a SQLite file in a temporary folder, and, when PostgreSQL
answers at 127.0.0.1:5432, ``microprojects_bench_<pid>`` (created for every run, dropped at the
end; the process id keeps two runs on one server apart, and tells the run's own backends from
others' in /proc). Never the test suite's ``microprojects_test*``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_ADMIN = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PG_NAME = f"microprojects_bench_{os.getpid()}"


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used (None: it can)."""
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0][:120]}"
    return None


def _pg_admin(statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(statement))
    engine.dispose()


@contextmanager
def database(backend: str, workdir: Path, name: str = "") -> Iterator[str]:
    """A new, empty database of ``backend``; its URL. Removed afterwards."""
    if backend == "sqlite":
        path = workdir / f"bench{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    dbname = PG_NAME + (f"_{name}" if name else "")
    assert dbname.startswith("microprojects_bench")
    _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{dbname}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
