"""The secret ballot, attacked where the data lies: SQL over PostgreSQL's rows (transaction ids,
physical order, ids, audit rows), and the bytes of the SQLite file and its write-ahead log, read
after every cast as someone with a copy of the disk would.

Sixteen voters cast sixteen different ballots, known to the test, in a known order, with the
mixer's batch at eight. The most any of these attacks may learn is the batch: that a ballot is
one of the eight mixed together. Pairing voters with ballots by any order the storage keeps
must do no better than chance: a random pairing of sixteen gets one right on average, and
eight or more right once in about a hundred thousand runs.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import factories as f
import pytest
from flask import Flask
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session
from test_faults import migrate

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import Ballot, SealedBallot, User, utcnow
from microprojects.services import mixing, voting

VOTERS = 16
BATCH = 8
# This many right pairings or more: far better than chance. An order that leaks pairs all 16;
# two fair shuffles of eight pair as many as the fixed points of two random permutations, which
# reach 10 with probability 4.7e-5 per attack (8 would be 1.1e-3: over the dozen attacks tried
# here, a run in a hundred would fail with nothing wrong).
CHANCE = 10


@dataclass
class Cast:
    username: str
    voter_key: str
    choices: list[str]
    receipt: str


def _choice_sets(ids: list[str]) -> list[list[str]]:
    subsets = [list(c) for size in (1, 2, 3) for c in itertools.combinations(ids, size)]
    return subsets[:VOTERS]


def _cast_all(app: Flask) -> list[Cast]:
    """Sixteen voters in order, each a different ballot. The mixer runs as in production (a
    batch of eight), then once more at the close."""
    app.config["MIX_BATCH"] = BATCH
    casts: list[Cast] = []
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a, "石凳", "路灯", "课堂", "扶手", "凉亭")
        ids = [str(p.id) for p in projects]
        people = [
            f.verified_resident(f"voter{i:02d}", w.a, w.committee_a, f"居民{i}", f"8栋{i}01室")
            for i in range(VOTERS)
        ]
        names = [p.username for p in people]
        cycle_id = c.id
        db.session.remove()
    for name, choices in zip(names, _choice_sets(ids), strict=True):
        with app.app_context():
            user = db.session.scalar(select(User).filter_by(username=name))
            cycle = voting.find_voting_cycle(cycle_id)
            result = voting.cast_ballot(user, cycle, [Choice(p) for p in choices], now=utcnow())
            key = voting.voter_key(user.residency, cycle)
            casts.append(Cast(name, key, choices, result.receipt))
            db.session.remove()
    with app.app_context():
        mixing.mix(cycle_id, final=True)
        assert db.session.scalar(select(SealedBallot.id)) is None
        stored = sorted(sorted(b.choices) for b in db.session.scalars(select(Ballot)))
        assert stored == sorted(sorted(c.choices) for c in casts)
        db.session.remove()
    return casts


def _right(pairs: list[tuple[str, list[str]]], casts: list[Cast]) -> int:
    """How many (voter key, choices) pairs an attack made are true."""
    truth = {c.voter_key: sorted(c.choices) for c in casts}
    return sum(1 for key, choices in pairs if truth.get(key) == sorted(choices))


def _by_position(voters: list[str], ballots: list[list[str]]) -> list[tuple[str, list[str]]]:
    """The attack by order: the n-th voter in one order with the n-th ballot in another, both
    ways round."""
    return list(zip(voters, ballots, strict=False))


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg_app(postgresql_url: str, instance_dir: Path) -> Iterator[Flask]:
    application = create_app(Settings(postgresql_url, instance_path=str(instance_dir)))
    with application.app_context():
        f.empty_tables()
    yield application
    with application.app_context():
        f.empty_tables()
        db.engine.dispose()


def test_postgresql_rows_pair_no_voter_with_a_ballot(pg_app: Flask) -> None:
    casts = _cast_all(pg_app)
    with pg_app.app_context():
        run = lambda sql: db.session.execute(text(sql)).all()  # noqa: E731
        # The same transaction: no ballot shares one with a participation or an audit row.
        assert (
            run("SELECT p.voter_key FROM participations p JOIN ballots b ON b.xmin = p.xmin") == []
        )
        assert run("SELECT a.id FROM audit_entries a JOIN ballots b ON b.xmin = a.xmin") == []
        # The mixer's transactions: each wrote a whole batch, never fewer than eight ballots.
        batches = Counter(x for (x,) in run("SELECT xmin::text FROM ballots"))
        assert sorted(batches.values()) == [BATCH, BATCH], batches
        # Physical order, ids, and transaction order, against the order of voting.
        voters_by_ctid = [k for (k,) in run("SELECT voter_key FROM participations ORDER BY ctid")]
        voters_by_id = [k for (k,) in run("SELECT voter_key FROM participations ORDER BY id")]
        for order in ("ctid", "id", "xmin::text::bigint, ctid"):
            ballots = [json.loads(c) if isinstance(c, str) else c for (c,) in run(
                f"SELECT choices FROM ballots ORDER BY {order}"
            )]  # fmt: skip
            for voters in (voters_by_ctid, voters_by_id):
                for ordered in (ballots, ballots[::-1]):
                    right = _right(_by_position(voters, ordered), casts)
                    assert right < CHANCE, (order, right)
        # The receipts' list and the ballots: two orders of their own.
        digests = [d for (d,) in run("SELECT digest FROM receipts ORDER BY ctid")]
        ballots = [c for (c,) in run("SELECT choices FROM ballots ORDER BY ctid")]
        by_digest = {voting.receipt_digest(c.receipt): c.voter_key for c in casts}
        right = _right([(by_digest[d], b) for d, b in zip(digests, ballots, strict=True)], casts)
        assert right < CHANCE, right
        db.session.remove()


def test_a_double_submission_raises_no_error_in_the_database(pg_app: Flask) -> None:
    """A refused second ballot is an INSERT that writes nothing, not a unique violation, so
    that the server's log gets no line naming the voter and the moment."""
    with pg_app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        errors: list[str] = []
        listener = lambda context: errors.append(str(context.original_exception))  # noqa: E731
        event.listen(db.engine, "handle_error", listener)
        try:
            voting.cast_ballot(w.resident_a, c, [Choice(str(projects[0].id))], now=utcnow())
            with pytest.raises(voting.ServiceError) as refused:
                voting.cast_ballot(w.resident_a, c, [Choice(str(projects[1].id))], now=utcnow())
        finally:
            event.remove(db.engine, "handle_error", listener)
        assert refused.value.code == "already_voted"
        assert errors == []
        db.session.remove()


# --- SQLite: the file and its write-ahead log ---------------------------------------------------


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path / "votes.db"
    url = f"sqlite:///{path}"
    migrate(url, tmp_path / "instance")
    application = create_app(Settings(url, instance_path=str(tmp_path / "instance")))
    yield application, path
    with application.app_context():
        db.engine.dispose()


def _ballot_text(choices: list[str]) -> bytes:
    """A ballot's choices as SQLite stores the JSON column."""
    return json.dumps(choices).encode()


def test_the_sqlite_file_and_its_log_pair_no_voter_with_a_ballot(
    sqlite_file: tuple[Flask, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, path = sqlite_file
    sealed: list[bytes] = []
    seal = mixing.seal
    monkeypatch.setattr(mixing, "seal", lambda content: sealed.append(seal(content)) or sealed[-1])
    wal = Path(f"{path}-wal")
    snapshots: list[bytes] = []

    def snapshot(*_args: object) -> None:  # the disk after a commit: the file and its log
        snapshots.append(path.read_bytes() + (wal.read_bytes() if wal.exists() else b""))

    event.listen(Session, "after_commit", snapshot)
    try:
        casts = _cast_all(app)
    finally:
        event.remove(Session, "after_commit", snapshot)
    snapshot()  # after the close's mix and its emptying of the log
    # Commit by commit, a ballot's choices reach the disk only with a mix, and together with
    # a whole batch: the most an attacker learns is which eight ballots came together.
    first_seen = {
        c.voter_key: next(i for i, disk in enumerate(snapshots) if _ballot_text(c.choices) in disk)
        for c in casts
    }
    together = Counter(first_seen.values())
    assert sorted(together.values()) == [BATCH, BATCH], together
    final = snapshots[-1]
    # Positions in the file: the order of ballots on the page, against the order of voting.
    offsets = sorted((final.find(_ballot_text(c.choices)), c.choices) for c in casts)
    assert all(offset >= 0 for offset, _ in offsets)
    ballots = [choices for _, choices in offsets]
    voters = [c.voter_key for c in casts]
    for ordered in (ballots, ballots[::-1]):
        assert _right(_by_position(voters, ordered), casts) < CHANCE
    # What the mixer deleted is gone from the file and the log: no sealed ballot is left,
    # not even in free pages, for whoever later gets the key.
    assert len(sealed) == VOTERS
    for blob in sealed:
        assert blob[:32] not in final and blob[-32:] not in final
    assert wal.stat().st_size == 0  # the log was emptied after the mix


def test_a_backup_holds_sealed_ballots_that_it_cannot_open(
    sqlite_file: tuple[Flask, Path], tmp_path: Path
) -> None:
    """A copy of the database taken while voting runs (a backup, a stolen disk) holds each
    voter's ballot only sealed; the ballot key is not in it."""
    app, _path = sqlite_file
    app.config["MIX_BATCH"] = 100  # nothing mixed yet
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a)
        chosen = [str(projects[2].id)]
        voting.cast_ballot(w.resident_a, c, [Choice(p) for p in chosen], now=utcnow())
        copy = tmp_path / "copy.db"
        db.session.remove()
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"VACUUM INTO '{copy}'")
    disk = copy.read_bytes()
    assert _ballot_text(chosen) not in disk
    assert app.config["BALLOT_KEY"].encode() not in disk
    import base64

    assert base64.b64decode(app.config["BALLOT_KEY"]) not in disk
