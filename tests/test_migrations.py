"""Upgrading a database in the middle of a vote loses nothing: the ballots cast before the secret
ballot's storage keep their choices and their receipts still check, and a paper ballot waiting
for its second member becomes a sealed first typing. On SQLite and PostgreSQL, with the rows
written as the schema of that revision stored them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import CheckConstraint, MetaData, Table, null, select
from test_faults import fresh_postgresql

from microprojects import create_app
from microprojects.config import TestConfig as Settings
from microprojects.extensions import db

BEFORE = "e70758e71152"  # the last revision with receipt digests beside the choices
RECEIPTS = ["AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH"]


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with fresh_postgresql("migrations", tmp_path / "instance", migrated=False) as url:
        yield url


def _app(url: str, tmp_path: Path) -> Flask:
    return create_app(Settings(url, instance_path=str(tmp_path / "instance")))


def _write_old_rows(app: Flask) -> dict[str, int]:
    """A community voting, two web ballots, a paper ballot confirmed and one waiting, written
    through the tables as that revision had them."""
    now = datetime(2026, 11, 20, 9, 0)
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            meta = MetaData()

            def add(table_name: str, /, **values: object) -> int:
                table = Table(table_name, meta, autoload_with=conn)
                row = conn.execute(table.insert().values(**values).returning(table.c.id)).one()
                return int(row[0])

            district = add("districts", name="美兰区", city="海口市")
            street = add("streets", district_id=district, name="和平南街道")
            community = add(
                "communities", street_id=street, name="振兴社区", slug="zhenxing",
                committee_name="振兴社区居务协商会",
            )  # fmt: skip
            people = {
                name: add(
                    "users",
                    username=name,
                    display_name=name,
                    password_hash="x",
                    is_admin=False,
                    must_change_password=False,
                    session_token=name,
                    created_at=now,
                )
                for name in ("chair", "voter1", "voter2", "paper1", "paper2")
            }
            residency = {
                name: add(
                    "residencies",
                    user_id=people[name],
                    community_id=community,
                    status="verified",
                    basis="work",
                    method="manual",
                    decided_at=now,
                    full_name=name,
                    address="1栋",
                    note="",
                    requested_at=now,
                    decision_note="",
                )
                for name in ("voter1", "voter2", "paper1", "paper2")
            }
            cycle = add(
                "cycles", community_id=community, title="2026 年振兴社区微实事", description="",
                budget_fen=100_000_00, categories=["设施维修"], checklist=[], min_age=0,
                allow_work=True, allow_study=True, comment_report_threshold=3,
                collecting_at=now - timedelta(days=30), screening_at=now - timedelta(days=20),
                voting_at=now - timedelta(days=1), publication_at=now + timedelta(days=10),
                implementation_at=now + timedelta(days=20), closed_at=now + timedelta(days=90),
                created_at=now, ballot_kind="approval", ballot_min=1, ballot_min_share_pct=0,
                points_total=10, rank_k=3, vote_unit="person", allow_revision=True,
                public_turnout=True, tally_rule="greedy", tie_break="submitted",
                tie_break_order=[], exclusive_groups=[], currency="CNY",
            )  # fmt: skip
            ballots = Table("ballots", meta, autoload_with=conn)
            participations = Table("participations", meta, autoload_with=conn)
            for i, receipt in enumerate(RECEIPTS):
                conn.execute(ballots.insert().values(
                    id=f"{i:032x}", cycle_id=cycle, choices=[str(7 + i)], points=None,
                    receipt_digest=hashlib.sha256(receipt.encode()).hexdigest(),
                ))  # fmt: skip
                name = f"voter{i + 1}"
                conn.execute(participations.insert().values(
                    cycle_id=cycle, voter_key=f"residency:{residency[name]}",
                    residency_id=residency[name], community_id=community, channel="web",
                    day=date(2026, 11, 20),
                ))  # fmt: skip
            decided = add(
                "paper_entries", cycle_id=cycle, residency_id=residency["paper1"], choices=null(),
                status="discarded", entered_by_id=people["chair"], entered_at=now,
                decided_at=now, note="作废",
            )  # fmt: skip
            waiting = add(
                "paper_entries", cycle_id=cycle, residency_id=residency["paper2"],
                choices={"ids": ["8"], "points": None}, status="pending",
                entered_by_id=people["chair"], entered_at=now, note="",
            )  # fmt: skip
        db.engine.dispose()
    return {"cycle": cycle, "decided": decided, "waiting": waiting, "chair": people["chair"]}


def test_an_upgrade_in_the_middle_of_a_vote_loses_nothing(old_database: str, tmp_path: Path):
    from microprojects.models import Ballot, Cycle, PaperEntry, PaperKeying, PublishedReceipt
    from microprojects.services import mixing, voting

    app = _app(old_database, tmp_path)
    ids = _write_old_rows(app)
    with app.app_context():
        upgrade()
        cycle = db.session.get(Cycle, ids["cycle"])
        # The ballots keep their choices; their receipts still say "counted".
        stored = sorted(choices for (choices,) in db.session.execute(select(Ballot.choices)))
        assert stored == [["7"], ["8"]]
        digests = set(db.session.scalars(select(PublishedReceipt.digest)))
        assert digests == {voting.receipt_digest(r) for r in RECEIPTS}
        assert [voting.receipt_status(cycle, r) for r in RECEIPTS] == ["counted", "counted"]
        # The waiting paper ballot is its first typing now, sealed, and nothing else holds it.
        waiting = db.session.get(PaperEntry, ids["waiting"])
        assert waiting.status == "pending" and len(waiting.keyings) == 1
        typing = waiting.keyings[0]
        assert typing.keyed_by_id == ids["chair"]
        assert mixing.open_sealed(typing.sealed).choices == ("8",)
        assert b'"8"' not in typing.sealed
        decided = db.session.get(PaperEntry, ids["decided"])
        assert decided.status == "discarded" and decided.note == "作废" and not decided.keyings
        # New rows take new ids after the copied ones.
        fresh = PaperKeying(entry_id=decided.id, keyed_by_id=None, keyed_at=datetime(2026, 11, 21))
        db.session.add(fresh)
        # An entry from before names its community, its voting unit and an identity check.
        assert waiting.community_id == cycle.community_id and waiting.identity_check == "other"
        assert waiting.voter_key == f"entry:{waiting.roster_entry_id}" or (
            waiting.roster_entry_id is None
            and waiting.voter_key == f"residency:{waiting.residency_id}"
        )
        entry = PaperEntry(
            cycle_id=cycle.id, community_id=cycle.community_id,
            residency_id=waiting.residency_id, voter_key="residency:0",
            identity_check="id_card", status="discarded",
            entered_at=datetime(2026, 11, 21), decided_at=datetime(2026, 11, 21), note="测试",
        )  # fmt: skip
        db.session.add(entry)
        db.session.commit()
        assert entry.id > ids["waiting"]
        db.session.remove()
        db.engine.dispose()


def test_the_migrated_database_has_every_check_the_models_declare(database_url: str):
    from sqlalchemy import create_engine, inspect

    engine = create_engine(database_url)
    inspector = inspect(engine)
    missing = {}
    try:
        for table in db.metadata.sorted_tables:
            declared = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            migrated = {c["name"] for c in inspector.get_check_constraints(table.name)}
            if declared - migrated:
                missing[table.name] = declared - migrated
    finally:
        engine.dispose()
    assert missing == {}


@pytest.mark.parametrize(
    ("table", "constraint"),
    [("cycles", "ck_cycles_tally_rule_known"), ("counts", "ck_counts_rule_known")],
)
def test_the_rule_checks_list_the_registry(database_url: str, table: str, constraint: str):
    """The migrations copy the rules' names, the models take them from the registry: a rule added
    there without a revision that widens the CHECKs fails here, not when a committee chooses it."""
    import re

    from sqlalchemy import create_engine, inspect

    from microprojects.domain.tally import STORED_RULES

    engine = create_engine(database_url)
    try:
        migrated = {c["name"]: c["sqltext"] for c in inspect(engine).get_check_constraints(table)}
    finally:
        engine.dispose()
    declared = {
        c.name: str(c.sqltext)
        for c in db.metadata.tables[table].constraints
        if isinstance(c, CheckConstraint)
    }
    for sql in (migrated[constraint], declared[constraint]):
        assert sorted(re.findall(r"'([^']*)'", sql)) == sorted(STORED_RULES)


def test_every_enum_column_is_checked_as_its_enum_lists(database_url: str):
    """A column typed with a domain enum holds what the enum lists, in the models' CHECK and in
    the migrated database's alike."""
    import re

    from sqlalchemy import Enum, create_engine, inspect

    from microprojects.models.base import enum_check

    engine = create_engine(database_url)
    inspector = inspect(engine)
    typed = 0
    try:
        for table in db.metadata.sorted_tables:
            migrated = {
                c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)
            }
            for column in table.columns:
                if not isinstance(column.type, Enum) or column.type.enum_class is None:
                    continue
                enum = column.type.enum_class
                sql = enum_check(column.name, enum)
                [declared] = [
                    c
                    for c in table.constraints
                    if isinstance(c, CheckConstraint) and sql in str(c.sqltext)
                ]
                names = re.findall(r"'([^']*)'", migrated[declared.name])
                assert sorted(names) == sorted(m.value for m in enum), (table.name, column.name)
                typed += 1
    finally:
        engine.dispose()
    assert typed >= 11


def _drift(database_url: str) -> list[tuple[str, str, list[str]]]:
    """What autogenerate would change to make the migrated database match the models, as
    (operation, table, columns)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    def describe(op: tuple) -> tuple[str, str, list[str]]:
        kind, what = op[0], op[1]
        if kind.endswith("_column") or kind.startswith("modify_"):  # (kind, schema, table, column…)
            column = op[3] if isinstance(op[3], str) else op[3].name
            return kind, op[2], [column]
        table = getattr(getattr(what, "table", None), "name", None) or getattr(what, "name", "")
        columns = [c.name for c in getattr(what, "columns", [])]
        return kind, str(table), columns

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            ops = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    flat = [item for op in ops for item in (op if isinstance(op, list) else [op])]
    return [describe(op) for op in flat]


def test_the_migrations_build_the_schema_the_models_declare(database_url: str):
    """Tables, columns, types, indexes, unique constraints and foreign keys of the migrated
    database are those of the models: a model changed without its revision fails here. SQLite
    rebuilds a table to change it and keeps no foreign key's name, so there a foreign key dropped
    and added again on the same columns is the same key under another name."""
    drift = _drift(database_url)
    if database_url.startswith("sqlite"):
        removed = {(t, tuple(c)) for k, t, c in drift if k == "remove_fk"}
        added = {(t, tuple(c)) for k, t, c in drift if k == "add_fk"}
        same = removed & added
        renamed = {"remove_fk", "add_fk"}
        drift = [d for d in drift if not (d[0] in renamed and (d[1], tuple(d[2])) in same)]
    assert drift == []
