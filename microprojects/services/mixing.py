"""The ballot box: sealing a ballot at the cast, and the mixer that opens sealed ballots.

A cast writes the voter's participation and the ballot sealed to the ballot key (PyNaCl's
SealedBox: X25519 and XSalsa20-Poly1305), in one transaction. The database never holds that key,
so whoever reads the database, a dump or the SQLite file and its write-ahead log sees that a
sealed row came with each participation, and nothing of its choices.

The mixer opens sealed ballots in batches, never fewer than ``MIX_BATCH`` while voting runs
(all that are left once it has closed), and in one transaction of its own deletes them and
writes their choices as plain ballots and their receipts' published digests as two lists, each
in its own random order. That transaction touches no participation: the plain ballots share no
transaction, commit, or order with their voters, and whoever compares the database before and
after a mix learns only that a ballot belongs to one of the batch's voters. On SQLite the file
overwrites what is deleted (``secure_delete``) and the write-ahead log is emptied after a mix.

The count refuses while a sealed ballot is left (``unmixed``), and mixes what is left before
it counts.
"""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache

from flask import current_app
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import delete, func, insert, select

from ..domain import secrecy
from ..domain.secrecy import SealedContent
from ..extensions import db
from ..models import Ballot, PublishedReceipt, SealedBallot

_random = secrets.SystemRandom()


class BallotKeyError(RuntimeError):
    """The configured ballot key is missing, malformed, or not the key a ballot was sealed to."""


@lru_cache(maxsize=4)
def _box(key: str) -> SealedBox[PrivateKey]:
    try:
        raw = base64.b64decode(key, validate=True)
    except ValueError as error:
        raise BallotKeyError("BALLOT_KEY is not base64") from error
    if len(raw) != 32:
        raise BallotKeyError("BALLOT_KEY must be 32 bytes, written in base64")
    return SealedBox(PrivateKey(raw))


def _configured_box() -> SealedBox[PrivateKey]:
    return _box(current_app.config["BALLOT_KEY"])


def new_key() -> str:
    """A new ballot key, in the form ``BALLOT_KEY`` takes."""
    return base64.b64encode(bytes(PrivateKey.generate())).decode("ascii")


def seal(content: SealedContent) -> bytes:
    return _configured_box().encrypt(secrecy.encode(content))


def open_sealed(data: bytes) -> SealedContent:
    try:
        return secrecy.decode(_configured_box().decrypt(data))
    except CryptoError as error:
        raise BallotKeyError(
            "a sealed ballot does not open with BALLOT_KEY: every server must have the same key"
        ) from error


def unmixed(cycle_id: int) -> int:
    """How many sealed ballots of the cycle wait for the mixer."""
    return int(
        db.session.scalar(
            select(func.count()).select_from(SealedBallot).where(SealedBallot.cycle_id == cycle_id)
        )
        or 0
    )


def mix(cycle_id: int, *, final: bool = False) -> int:
    """Open the cycle's sealed ballots and write them as plain ballots, in one transaction;
    return how many were mixed. Unless ``final`` (voting has closed), fewer than ``MIX_BATCH``
    are left sealed. Two mixers at once each take what the other has not: the first deletes
    the rows it takes, and the second finds them gone."""
    minimum = 1 if final else max(1, int(current_app.config["MIX_BATCH"]))
    db.session.rollback()  # a transaction of its own, beginning now
    taken = db.session.execute(
        delete(SealedBallot).where(SealedBallot.cycle_id == cycle_id).returning(SealedBallot.sealed)
    ).all()
    if len(taken) < minimum:
        db.session.rollback()
        return 0
    try:
        opened = [open_sealed(row.sealed) for row in taken]
    except BaseException:
        db.session.rollback()
        raise
    outcome = secrecy.apply_batch(opened)
    if outcome.removed_tags:
        db.session.execute(
            delete(Ballot).where(
                Ballot.cycle_id == cycle_id, Ballot.revision_tag.in_(outcome.removed_tags)
            )
        )
    if outcome.removed_receipts:
        db.session.execute(
            delete(PublishedReceipt).where(
                PublishedReceipt.cycle_id == cycle_id,
                PublishedReceipt.digest.in_(outcome.removed_receipts),
            )
        )
    ballots = [
        {
            "id": secrets.token_hex(16),
            "cycle_id": cycle_id,
            "choices": list(content.choices),
            "points": None if content.points is None else list(content.points),
            "revision_tag": content.revision_tag or None,
        }
        for content in outcome.ballots
    ]
    receipts = [{"digest": digest, "cycle_id": cycle_id} for digest in outcome.receipts]
    _random.shuffle(ballots)
    _random.shuffle(receipts)
    if ballots:
        db.session.execute(insert(Ballot), ballots)
    if receipts:
        db.session.execute(insert(PublishedReceipt), receipts)
    db.session.commit()
    _forget_deleted()
    return len(taken)


def mix_if_due(cycle_id: int, *, waiting: int | None = None) -> int:
    """After a cast: mix when a batch is ready (``waiting``: how many sealed ballots the cast's
    own write saw, where it could say; else they are counted). A failure to mix loses nothing
    (the sealed ballots stay), so it is logged and the cast still answers."""
    if waiting is None:
        waiting = unmixed(cycle_id)
    if waiting < max(1, int(current_app.config["MIX_BATCH"])):
        return 0
    try:
        return mix(cycle_id)
    except Exception:
        db.session.rollback()
        current_app.logger.exception("mixing the ballots of cycle %s failed", cycle_id)
        return 0


def _forget_deleted() -> None:
    """SQLite: copy the write-ahead log into the file (which overwrote what was deleted) and
    empty it, so that it keeps no page image from before the mix. Readers still at an older
    snapshot keep the log from being emptied; the next mix empties it."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # PostgreSQL: the dead rows a mix leaves hold sealed text only, which nothing but the
    # ballot key opens; VACUUM reclaims them in its own time.
