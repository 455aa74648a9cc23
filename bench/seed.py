"""The benchmark's data, made through the services as real use would make it.

A city with two communities: 振兴社区 (slug ``bench-vote``) holds a cycle in its voting phase with
five approved projects and as many verified residents as the casting benchmark needs (each from
the roster, with a household code they claimed); 白龙社区 (slug ``bench-count``) holds a counted
cycle of 100,000 ballots imported from a synthetic Pabulib file. Plus the bench-only table that
baseline B writes to (see :mod:`bench.benchapp`).

Run in the benchmark's own process, on its own database; nothing here touches the product.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Column, Integer, MetaData, String, Table

from microprojects import create_app

PASSWORD = "bench-horse-9"
# Only for the accounts made here: login is not measured, and scrypt would make the setup slow.
SEED_HASH = "pbkdf2:sha256:1000"

bench_metadata = MetaData()
bench_writes = Table(
    "bench_writes",
    bench_metadata,
    Column("id", Integer, primary_key=True),
    Column("note", String(40), nullable=False),
)


@dataclass(frozen=True)
class Seeded:
    vote_cycle: int
    vote_projects: list[int]
    cast_cycles: list[tuple[int, list[int]]]  # (cycle, its projects), one per round
    voters: list[str]
    results_cycle: int
    results_ballots: int
    funded_proposal: int
    seconds: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "vote_cycle": self.vote_cycle,
            "vote_projects": self.vote_projects,
            "cast_cycles": [c for c, _ in self.cast_cycles],
            "voters": len(self.voters),
            "results_cycle": self.results_cycle,
            "results_ballots": self.results_ballots,
            "funded_proposal": self.funded_proposal,
            "seconds": self.seconds,
        }


def setup_app(database_url: str, **config: Any) -> Flask:
    """The app as the benchmark's own process uses it to build data."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "bench-setup",
            "PASSWORD_HASH_METHOD": SEED_HASH,
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


def migrate(app: Flask) -> None:
    from flask_migrate import upgrade

    from microprojects.extensions import db

    with app.app_context():
        upgrade()
        bench_metadata.create_all(db.engine)


def synthetic_pb(path: Path, *, voters: int, projects: int = 40, seed: int = 2026) -> Path:
    """An approval election of ``voters`` ballots (1 to 5 projects each, some projects far more
    popular than others), counted by greedy: the shape of a large city's real ballots."""
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(projects)]
    ids = [f"P{i + 1:03d}" for i in range(projects)]
    lines = [
        "META",
        "key;value",
        "description;Synthetic election for the benchmark",
        "country;China",
        "unit;Bench",
        "instance;2025",
        f"num_projects;{projects}",
        f"num_votes;{voters}",
        "budget;1000000",
        "vote_type;approval",
        "rule;greedy",
        "date_begin;2025-03-01",
        "date_end;2025-03-20",
        "max_length;5",
        "currency;CNY",
        "PROJECTS",
        "project_id;cost;name",
    ]
    lines += [f"{pid};{rng.randrange(20, 300) * 1000};项目 {i + 1}" for i, pid in enumerate(ids)]
    lines += ["VOTES", "voter_id;vote"]
    for voter in range(1, voters + 1):
        chosen: list[str] = []
        for pid in rng.choices(ids, weights=weights, k=rng.randint(1, 5)):
            if pid not in chosen:
                chosen.append(pid)
        lines.append(f"{voter};{','.join(chosen)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed(app: Flask, *, voters: int, ballots: int, workdir: Path, cast_rounds: int = 3) -> Seeded:
    """Build everything the HTTP benchmark reads and writes."""
    import time

    from microprojects.domain.pabulib import read_pb
    from microprojects.extensions import db
    from microprojects.models import Community, Cycle, Proposal, utcnow
    from microprojects.services import accounts, counting, places, proposals, residency
    from microprojects.services.cycles import CycleInput, create_cycle

    seconds: dict[str, float] = {}
    with app.app_context():
        now = utcnow()
        started = time.perf_counter()
        voting_place = places.ensure_community(
            city="海口市", district="美兰区", street="和平南街道", community="振兴社区",
            slug="bench-vote", grids=["第一网格", "第二网格"],
        )  # fmt: skip
        count_place = places.ensure_community(
            city="海口市", district="美兰区", street="白龙街道", community="白龙社区",
            slug="bench-count", grids=["第一网格"],
        )  # fmt: skip
        admin = _user(accounts, "benchadmin", now)
        accounts.bootstrap_admin(admin, now=now)
        committee = _user(accounts, "benchcommittee", now)
        accounts.add_committee_member(admin, committee, voting_place, title="主任", now=now)

        # The voting cycles: one for casting through the pages, one per round for the cast
        # request alone (each resident votes once in each), all with five approved projects.
        cycles = []
        for n in range(1 + cast_rounds):
            values = CycleInput(  # type: ignore[arg-type]
                title=f"2026 年振兴社区微实事（基准 {n}）",
                budget_fen=300_000_00,
                **_dates_around(now),
            )
            cycles.append(create_cycle(committee, values, community=voting_place, now=now))
        cycle_ids, committee_name = [c.id for c in cycles], committee.username
        count_place_id = count_place.id
        people = _residents(
            residency, accounts, committee, voting_place, voters + 1, now=cycles[0].collecting_at
        )
        # The residents were made one by one in a session kept small (see _residents): what is
        # used from here on is read again.
        committee, cycles = (
            _user_named(committee_name),
            [db.session.get(Cycle, c) for c in cycle_ids],
        )
        author, voter_names = _user_named(people[0]), people[1:]
        count_place = db.session.get(Community, count_place_id)
        projects = [_approved_projects(proposals, committee, author, c) for c in cycles]
        seconds["voting cycle and residents"] = time.perf_counter() - started

        started = time.perf_counter()
        pb = synthetic_pb(workdir / f"synthetic_{ballots}.pb", voters=ballots)
        election = read_pb(pb, group=True)
        counted = counting.import_election(
            election, community=count_place, title="基准：10 万张选票", now=utcnow()
        )
        count = counting.run_count(None, counted, now=utcnow())
        funded = next(o.proposal_id for o in count.outcomes if o.funded)
        seconds[f"import + count of {ballots:,} ballots"] = time.perf_counter() - started
        assert db.session.get(Proposal, funded) is not None
        seeded = Seeded(
            vote_cycle=cycles[0].id,
            vote_projects=projects[0],
            cast_cycles=[(c.id, p) for c, p in zip(cycles[1:], projects[1:], strict=True)],
            voters=voter_names,
            results_cycle=counted.id,
            results_ballots=count.num_ballots,
            funded_proposal=funded,
            seconds=seconds,
        )
        db.session.remove()
        db.engine.dispose()
    return seeded


def _dates_around(now: Any) -> dict[str, Any]:
    """A cycle's phases, ten days each, the voting phase around ``now``."""
    start = now - timedelta(days=21)
    phases = ["collecting", "screening", "voting", "publication", "implementation", "closed"]
    return {f"{name}_at": start + timedelta(days=10) * i for i, name in enumerate(phases)}


TITLES = ["报刊亭旁放两张石凳", "幸福巷安装路灯", "老年人智能手机课堂", "修缮篮球场", "垃圾分类亭"]


def _approved_projects(proposals: Any, committee: Any, author: Any, cycle: Any) -> list[int]:
    """Five projects proposed during collection and approved during screening."""
    from microprojects.domain.cycles import Feasibility, ProjectType
    from microprojects.services.proposals import ProposalInput

    made = []
    for i, title in enumerate(TITLES):
        p = proposals.create_proposal(
            author,
            cycle,
            ProposalInput(
                title=title,
                description="居民反映多次，急需解决。",
                category=cycle.categories[0],
                project_type=ProjectType.GOODS,
                estimated_cost_fen=(i + 1) * 5_000_00,
                location="振兴路",
            ),
            submit=True,
            now=cycle.collecting_at + timedelta(hours=i + 1),
        )
        when = cycle.screening_at + timedelta(hours=1)
        proposals.assess(committee, p, answers=dict.fromkeys(cycle.checklist, True),
                         feasibility=Feasibility.FEASIBLE, note="", now=when)  # fmt: skip
        proposals.approve(committee, p, note="经评估可行，列入投票。", now=when)
        made.append(p.id)
    return made


def _user(accounts: Any, username: str, now: Any) -> Any:
    return accounts.register_user(
        username=username, password=PASSWORD, display_name=username, phone=None, now=now
    )


def _user_named(username: str) -> Any:
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import User

    return db.session.scalars(select(User).filter_by(username=username)).one()


def _residents(
    residency: Any, accounts: Any, committee: Any, place: Any, n: int, *, now: Any
) -> list[str]:
    """``n`` verified residents, by username: the committee imports them in one roster and issues
    codes (through the services); the first registers and claims their code through the services
    too, as on the claim page, and the others are written in bulk as copies of what that claim
    wrote (their account, their code and roster entry claimed, their residency, the audit row),
    each with its own name, roster entry and code: one by one, the services took most of the
    seeding's minutes on PostgreSQL."""
    header = "网格,地址,姓名,手机号,出生日期,类别\n"
    rows = "".join(
        f"第一网格,{i // 4 + 1}栋{i % 4 + 1}01,居民{i:05d},,1980-01-01,居住\n" for i in range(n)
    )
    report = residency.import_roster(
        committee, place, (header + rows).encode("utf-8"), now=now, max_rows=n + 1
    )
    assert report.ok, report.problems[:3]
    from microprojects.extensions import db
    from microprojects.models import Community

    codes = [c.code for c in residency.issue_codes(committee, place, now=now)]
    place_id = place.id
    first = _user(accounts, "bv00000", now)
    residency.claim_code(first, db.session.get(Community, place_id), codes[0], now=now)
    people = [first.username]
    if n > 1:
        people += _copy_residents(first.id, place_id, codes[1:n], now)
    db.session.expunge_all()
    return people


def _copy_residents(model_id: int, place_id: int, codes: list[str], now: Any) -> list[str]:
    """Residents ``bv00001``... claiming ``codes``, written as copies of the rows the claim of
    the account ``model_id`` wrote."""
    from sqlalchemy import bindparam, insert, select, update

    from microprojects.extensions import db
    from microprojects.models import (
        AuditEntry,
        Household,
        HouseholdCode,
        Residency,
        RosterEntry,
        User,
    )
    from microprojects.models.accounts import new_session_token

    def row(model: Any, where: Any) -> dict[str, Any]:
        table = model.__table__
        found = db.session.execute(select(table).where(where)).mappings().one()
        return {k: v for k, v in found.items() if k != "id"}

    user = row(User, User.id == model_id)
    resident = row(Residency, Residency.user_id == model_id)
    audit = row(
        AuditEntry,
        (AuditEntry.actor_id == model_id) & (AuditEntry.action == "residency.claim_code"),
    )
    # (code, roster entry, name, phone, birth date, address), in the order of ``codes``.
    claims = db.session.execute(
        select(HouseholdCode.code, HouseholdCode.id, RosterEntry.id, RosterEntry.full_name,
               RosterEntry.phone, RosterEntry.birth_date, Household.address)
        .join(RosterEntry, HouseholdCode.roster_entry_id == RosterEntry.id)
        .join(Household, RosterEntry.household_id == Household.id)
        .where(HouseholdCode.code.in_(codes))
    ).all()  # fmt: skip
    order = {c: i for i, c in enumerate(codes)}
    claims.sort(key=lambda c: order[c[0]])
    claims = [c[1:] for c in claims]
    names = [f"bv{i + 1:05d}" for i in range(len(codes))]
    db.session.execute(
        insert(User.__table__),
        [user | {"username": u, "display_name": u, "session_token": new_session_token()}
         for u in names],
    )  # fmt: skip
    ids = dict(
        db.session.execute(select(User.username, User.id).where(User.username.in_(names))).all()
    )
    user_ids = [ids[u] for u in names]
    codes_table, entries = HouseholdCode.__table__, RosterEntry.__table__
    db.session.execute(
        update(codes_table).where(codes_table.c.id == bindparam("b_id"))
        .values(claimed_at=now, claimed_by_id=bindparam("b_user")),
        [{"b_id": c[0], "b_user": u} for c, u in zip(claims, user_ids, strict=True)],
    )  # fmt: skip
    db.session.execute(
        update(entries).where(entries.c.id == bindparam("b_id"))
        .values(claimed_at=now, claimed_by_id=bindparam("b_user")),
        [{"b_id": c[1], "b_user": u} for c, u in zip(claims, user_ids, strict=True)],
    )  # fmt: skip
    db.session.execute(
        insert(Residency.__table__),
        [resident | {"user_id": u, "roster_entry_id": c[1], "full_name": c[2], "phone": c[3],
                     "birth_date": c[4], "address": c[5]}
         for c, u in zip(claims, user_ids, strict=True)],
    )  # fmt: skip
    made = dict(
        db.session.execute(
            select(Residency.user_id, Residency.id).where(Residency.user_id.in_(user_ids))
        ).all()
    )
    db.session.execute(
        insert(AuditEntry.__table__),
        [audit | {"actor_id": u, "subject_id": str(made[u]),
                  "after": {"roster_entry": c[1], "household": c[5]}}
         for c, u in zip(claims, user_ids, strict=True)],
    )  # fmt: skip
    db.session.commit()
    return names


def session_cookies(app: Flask, usernames: list[str], *, model: str) -> list[str]:
    """Each resident's session cookie as the login form sets it (``start_session``), signed with
    the servers' key (:data:`bench.load.SECRET_KEY`) in this process: logging thousands in
    through the form, not measured, took a minute and more. ``model``: the cookie of a login
    through the form, whose session's keys and client identifier these must share."""
    from flask import session
    from sqlalchemy import select

    from microprojects.extensions import db
    from microprojects.models import User
    from microprojects.web.auth import start_session

    from .load import HOST, SECRET_KEY

    app.config["SECRET_KEY"] = SECRET_KEY
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    name = app.config["SESSION_COOKIE_NAME"]
    expected = serializer.loads(model.split("=", 1)[1])
    cookies = []
    with app.app_context():
        users = {
            u.username: u
            for u in db.session.scalars(select(User).where(User.username.in_(usernames)))
        }
        with app.test_request_context("/login", method="POST", environ_base={"REMOTE_ADDR": HOST}):
            for username in usernames:
                session.clear()
                start_session(users[username])
                made = dict(session)
                assert made.keys() == expected.keys() and made["_id"] == expected["_id"], made
                cookies.append(f"{name}={serializer.dumps(made)}")
        db.session.remove()
    return cookies
