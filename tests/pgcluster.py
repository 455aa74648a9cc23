"""Throwaway PostgreSQL clusters for the replication tests: a primary made by ``initdb`` and a
hot standby made from it by ``pg_basebackup -R``, each on a free port of 127.0.0.1, in a
temporary folder removed afterwards. Imported as ``pgcluster``, like ``factories``.

The binaries come from ``pg_config --bindir`` or ``/usr/lib/postgresql/*/bin``; without them
the tests skip, saying so. ``initdb`` refuses to run as root: as root, every server program runs
as the ``postgres`` user, in a folder that user owns.

Dynamic shared memory is kept in files of the data folder (``mmap``), which go with it: a
server killed or stopped at once leaves the ``posix`` kind behind in /dev/shm.

Both servers run with ``fsync=off``: these tests kill server processes, never the machine, and
what a killed process wrote is in the operating system's hands all the same. Commits still wait
for the standby when ``synchronous_standby_names`` is set.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from test_faults import _alive, free_port

SETTINGS = """
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
fsync = off
full_page_writes = off
shared_buffers = 16MB
max_connections = 40
dynamic_shared_memory_type = mmap
"""


def bindir() -> Path:
    """Where ``initdb``, ``pg_ctl`` and ``pg_basebackup`` are, or a skip that says why."""
    found: list[Path] = []
    with suppress(OSError, subprocess.CalledProcessError):
        out = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        ).stdout
        found.append(Path(out.strip()))
    found += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in found:
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return folder
    pytest.skip(
        "PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) were not found by "
        "pg_config --bindir nor in /usr/lib/postgresql/*/bin: install the PostgreSQL server"
    )


def _owner() -> pwd.struct_passwd | None:
    """The ``postgres`` user when running as root (initdb will not run as root), else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root without a postgres user to run PostgreSQL's servers as")


class Cluster:
    """One PostgreSQL server: its data folder, its port, and ``pg_ctl`` to drive it."""

    def __init__(self, bin: Path, folder: Path, name: str) -> None:
        self.bin = bin
        self.data = folder / name
        self.socket_dir = folder
        self.port = free_port()
        self.owner = _owner()
        self.log = folder / f"{name}.log"

    def run(self, program: str, *args: str) -> str:
        command = [str(self.bin / program), *args]
        if self.owner is not None:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise AssertionError(
                f"{program} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                + self.log_tail()
            )
        return done.stdout

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def initdb(self) -> Cluster:
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
                 "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(SETTINGS)
        return self

    def start(self) -> Cluster:
        options = f"-p {self.port} -k {self.socket_dir}"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                 "-t", "60", "start")  # fmt: skip
        return self

    def stop(self) -> None:
        """A fast shutdown, if it is running (a finalizer's: quiet when it is not)."""
        if self.pid() is not None:
            with suppress(AssertionError):
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def pid(self) -> int | None:
        """The postmaster's process id, while it runs."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def kill(self) -> None:
        """SIGKILL to the postmaster, as a crash would; its backends notice and leave."""
        pid = self.pid()
        assert pid is not None, "the server is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def standby_of(self, primary: Cluster) -> Cluster:
        """This folder filled by ``pg_basebackup -R`` from ``primary``: a standby to start."""
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(self.data), "-R", "-X", "stream", "--checkpoint=fast",
                 "--no-sync")  # fmt: skip
        return self

    def promote(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-w", "promote")

    def sql(self, statement: str, database: str = "postgres") -> Any:
        """The first column of the first row of ``statement`` (autocommit)."""
        engine = create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                result = connection.execute(text(statement))
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()

    def log_tail(self, lines: int = 30) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Pair:
    """A primary and its hot standby, streaming."""

    def __init__(self, primary: Cluster, standby: Cluster) -> None:
        self.primary = primary
        self.standby = standby

    def wait_streaming(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.primary.sql(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
            ):
                return
            time.sleep(0.1)
        raise AssertionError("the standby is not streaming:\n" + self.standby.log_tail())

    def wait_replayed(self) -> None:
        """Until the standby has replayed all the primary has written so far."""
        target = self.primary.sql("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            behind = self.standby.sql(
                f"SELECT pg_wal_lsn_diff('{target}', pg_last_wal_replay_lsn()) > 0"
            )
            if not behind:
                return
            time.sleep(0.05)
        raise AssertionError("the standby did not catch up:\n" + self.standby.log_tail())

    def synchronous(self) -> None:
        """Every commit waits until the standby has it on disk."""
        self.primary.sql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.primary.sql("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.primary.sql(
                "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
            ):
                return
            time.sleep(0.1)
        raise AssertionError("the standby did not become synchronous")


@contextmanager
def replicated(prepare: Any = None) -> Iterator[Pair]:
    """A primary and a streaming hot standby made from it, both stopped and their folder
    removed at the end, however it comes. ``prepare(primary)`` runs before the base backup."""
    bin = bindir()
    owner = _owner()
    # In memory when the machine has a tmpfs: removing a cluster's files from a busy disk took
    # longer than the test that used them.
    memory = Path("/dev/shm")
    folder = Path(
        tempfile.mkdtemp(prefix="pgrepl-", dir=memory if os.access(memory, os.W_OK) else None)
    )
    primary = Cluster(bin, folder, "primary")
    standby = Cluster(bin, folder, "standby")
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        primary.initdb().start()
        if prepare is not None:
            prepare(primary)
        standby.standby_of(primary).start()
        pair = Pair(primary, standby)
        pair.wait_streaming()
        yield pair
    finally:
        for cluster in (standby, primary):
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
