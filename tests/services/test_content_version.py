"""The content version: every committed write of what a public page shows raises it, in the same
transaction, however it is written (a flush, a Core statement, plain SQL); what no public page
shows (votes before the count, logins, notices, the roster) leaves it alone, so that voting
never invalidates a kept page nor waits on its row."""

from __future__ import annotations

from datetime import timedelta

import factories as f
import helpers
from sqlalchemy import text, update

from microprojects.domain.ballots import Choice
from microprojects.domain.cycles import Stance
from microprojects.extensions import db
from microprojects.models import Proposal, User, utcnow
from microprojects.services import accounts, browsing, comments, mixing, proposals, voting


def _version() -> int:
    db.session.rollback()  # a fresh read, whatever the test's session saw before
    found = browsing.read_content_version()
    assert found is not None
    return found


def _changes(write) -> int:
    """By how much ``write()`` (which commits or not) raised the version."""
    before = _version()
    write()
    return _version() - before


def test_public_writes_raise_the_version_once_per_transaction(ctx):
    w = f.world()
    cycle = f.cycle(w.a, w.committee_a)
    moment = cycle.collecting_at + timedelta(hours=1)
    made: list[Proposal] = []

    def propose() -> None:
        made.append(
            proposals.create_proposal(
                w.resident_a, cycle, f.proposal_input(), submit=True, now=moment
            )
        )

    assert _changes(propose) == 1
    proposal = made[0]
    neighbour = f.verified_resident("neighbour", w.a, w.committee_a, "李华", "3栋1单元301")
    assert _changes(lambda: proposals.support(neighbour, proposal, now=moment)) == 1
    assert (
        _changes(
            lambda: comments.post_comment(
                w.resident_a, proposal, body="好主意", stance=Stance.SUPPORT, now=moment
            )
        )
        == 1
    )

    def rename() -> None:
        db.session.get(User, w.resident_a.id).display_name = "王秀英（改）"
        db.session.commit()

    assert _changes(rename) == 1

    def by_core_statement() -> None:
        db.session.execute(
            update(Proposal).where(Proposal.id == proposal.id).values(location="振兴路口")
        )
        db.session.commit()

    assert _changes(by_core_statement) == 1

    def by_plain_sql() -> None:
        db.session.execute(
            text("UPDATE proposals SET location = 'x' WHERE id = :id"), {"id": proposal.id}
        )
        db.session.commit()

    assert _changes(by_plain_sql) == 1


def test_what_no_public_page_shows_leaves_the_version_alone(ctx):
    w = f.world()
    cycle, projects = f.voting_cycle(w.a, w.committee_a)
    moment = utcnow()
    # A login, a new account, a changed password, a cast and the mixer's work.
    assert _changes(lambda: accounts.authenticate("resident_a", "correct-horse-9", now=moment)) == 0
    assert _changes(lambda: f.user("newcomer")) == 0
    assert (
        _changes(
            lambda: accounts.change_password(
                db.session.get(User, w.resident_a.id),
                current="correct-horse-9",
                new="another-horse-7",
                now=moment,
            )
        )
        == 0
    )
    ballot = [Choice(str(projects[0].id))]
    assert _changes(lambda: voting.cast_ballot(w.resident_a, cycle, ballot, now=moment)) == 0
    assert _changes(lambda: mixing.mix(cycle.id, final=True)) == 0


def test_a_rolled_back_write_leaves_the_version_alone(ctx):
    w = f.world()
    cycle = f.cycle(w.a, w.committee_a)

    def abandoned() -> None:
        db.session.get(User, w.resident_a.id).display_name = "不算数"
        db.session.flush()
        db.session.rollback()
        db.session.commit()  # nothing left to commit: no change, and no raise

    assert _changes(abandoned) == 0
    assert cycle.id


def test_writers_at_once_each_raise_it(app, database_url):
    """Two transactions that change public pages at the same moment: both commit, and the
    version rises by two (the row is locked last, so neither waits in a cycle of locks)."""
    with app.app_context():
        w = f.world()
        cycle = f.cycle(w.a, w.committee_a)
        moment = cycle.collecting_at + timedelta(hours=1)
        made = proposals.create_proposal(
            w.resident_a, cycle, f.proposal_input(), submit=True, now=moment
        )
        proposal_id, authors = made.id, [w.resident_a.id, w.committee_a.id]
        before = _version()

    def comment(i: int) -> None:
        user = db.session.get(User, authors[i])
        proposal = db.session.get(Proposal, proposal_id)
        comments.post_comment(user, proposal, body=f"第{i}条", stance=Stance.SUPPORT, now=moment)

    assert helpers.at_once(app, comment) == ["ok", "ok"]
    with app.app_context():
        assert _version() == before + 2


def test_without_its_row_nothing_is_kept(ctx):
    db.session.execute(text("DELETE FROM content_versions"))
    db.session.commit()
    try:
        assert browsing.read_content_version() is None
    finally:
        db.session.execute(text("INSERT INTO content_versions (id, version) VALUES (1, 0)"))
        db.session.commit()
