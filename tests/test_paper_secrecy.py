"""A paper ballot of a person without an account keeps the secret ballot: once its two typings
agree and the ballots are mixed, nothing in the SQLite file or its log ties the roster entry to
what was chosen; the typings are gone, not only emptied, as someone with a copy of the disk (and
even the ballot key) would look for them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import factories as f
import pytest
from flask import Flask
from sqlalchemy import inspect, select
from test_faults import migrate

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.domain.ballots import Choice
from microprojects.extensions import db
from microprojects.models import Ballot, PaperEntry, PaperKeying, RosterEntry, SealedBallot, utcnow
from microprojects.services import accounts, mixing, residency, stations, voting

ROSTER = (
    "\ufeff网格,地址,姓名,手机号,出生日期,类别,身份证号\n"
    "第二网格,5栋2单元302,黎阿婆,,1948-03-02,居住,46010319480302122X\n"
).encode()


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    path = tmp_path / "votes.db"
    url = f"sqlite:///{path}"
    migrate(url, tmp_path / "instance")
    application = create_app(Settings(url, instance_path=str(tmp_path / "instance")))
    yield application, path
    with application.app_context():
        db.engine.dispose()


def test_after_confirmation_nothing_ties_the_roster_entry_to_the_ballot(
    sqlite_file: tuple[Flask, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, path = sqlite_file
    sealed: list[bytes] = []
    seal = mixing.seal
    monkeypatch.setattr(mixing, "seal", lambda content: sealed.append(seal(content)) or sealed[-1])
    with app.app_context():
        w = f.world()
        c, projects = f.voting_cycle(w.a, w.committee_a, "石凳", "路灯", "课堂")
        second = f.user("second_member")
        accounts.add_committee_member(w.admin, second, w.a, title="委员", now=f.NOW)
        residency.import_roster(w.committee_a, w.a, ROSTER, now=f.NOW)
        station = stations.open_station(
            w.committee_a, c, w.a.id, name="振兴小学", place="", now=f.NOW
        )
        li = db.session.scalar(select(RosterEntry).filter_by(full_name="黎阿婆"))
        chosen = [str(projects[1].id), str(projects[2].id)]
        entry = voting.enter_roster_paper_ballot(
            w.committee_a, c, li, [Choice(p) for p in chosen],
            identity_check="known_to_worker", station=station, now=utcnow(),
        )  # fmt: skip
        outcome = voting.key_paper_ballot(second, entry, [Choice(p) for p in chosen], now=utcnow())
        assert outcome == "confirmed"
        entry_id, cycle_id = entry.id, c.id
        # The entry says whose ballot was typed and that it counted; nothing of what it says.
        assert db.session.scalars(select(PaperKeying.sealed)).all() == [None, None]
        columns = {col["name"] for col in inspect(db.engine).get_columns("paper_entries")}
        assert not columns & {"choices", "ballot_id", "sealed", "sealed_id", "receipt"}
        ballot_columns = {col["name"] for col in inspect(db.engine).get_columns("ballots")}
        assert ballot_columns == {"id", "cycle_id", "choices", "points", "revision_tag"}
        assert db.session.get(PaperEntry, entry_id).status == "confirmed"
        mixing.mix(cycle_id, final=True)  # the close of voting
        assert db.session.scalar(select(SealedBallot.id)) is None
        assert [b.choices for b in db.session.scalars(select(Ballot))] == [chosen]
        db.session.remove()
        db.engine.dispose()
    disk = path.read_bytes()
    wal = Path(f"{path}-wal")
    if wal.exists():
        disk += wal.read_bytes()
    # Two typings and the ballot, each sealed: none of them is left anywhere on the disk.
    assert len(sealed) == 3
    for blob in sealed:
        assert blob[:32] not in disk and blob[-32:] not in disk
