"""rule names checked as the registry lists them: a count names a registered rule, as a cycle does; a cycle's ballot kind and vote unit checked, as the models declared

Revision ID: 59d0ffde87c7
Revises: c4d5e6f7a8b9
Create Date: 2026-12-05 13:00:00

The CHECKs on ``cycles.tally_rule`` and ``counts.rule`` list the names of
``microprojects.domain.tally.RULES``. They are copied here as they are today, because a revision
must do tomorrow what it did today; a test compares the migrated database's CHECKs with the
registry, so a rule added or renamed there asks for a revision like this one (change ``RULES``
below, keep the rest).

The models declared CHECKs on ``cycles.ballot_kind`` and ``cycles.vote_unit`` that no revision
made; they are made here, with the values the models list.

SQLite cannot alter a constraint, and making ``cycles`` or ``counts`` anew (as a batch would)
would drop a table that proposals, counts and outcomes refer to: with foreign keys on, its
rows would be deleted first, through ON DELETE RESTRICT or CASCADE. A CHECK changes nothing
stored, so on SQLite the table's definition is rewritten in place, the way SQLite's manual
describes for such changes, once every row is known to pass the new CHECK.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '59d0ffde87c7'
down_revision = 'c4d5e6f7a8b9'
branch_labels = None
depends_on = None

RULES = ('greedy', 'greedy-no-skip', 'equal-shares', 'equal-shares-comparison')
BALLOT_KINDS = ('approval', 'budget', 'choose_one', 'points', 'ranking')
VOTE_UNITS = ('person', 'household')


def _in(column, values):
    listed = ', '.join(f"'{value}'" for value in values)
    return f'{column} IN ({listed})'


# (table, constraint, CHECK); the first was there already, with the same names.
CHECKS = (
    ('cycles', 'ck_cycles_tally_rule_known', _in('tally_rule', RULES)),
    ('counts', 'ck_counts_rule_known', _in('rule', RULES)),
    ('cycles', 'ck_cycles_ballot_kind_known', _in('ballot_kind', BALLOT_KINDS)),
    ('cycles', 'ck_cycles_vote_unit_known', _in('vote_unit', VOTE_UNITS)),
)


def _clause_end(sql, start):
    """Where the parenthesis opened at ``sql[start]`` closes; quoted text is skipped."""
    depth = 0
    quoted = False
    for i in range(start, len(sql)):
        c = sql[i]
        if c == "'":
            quoted = not quoted
        elif not quoted and c == '(':
            depth += 1
        elif not quoted and c == ')':
            depth -= 1
            if depth == 0:
                return i + 1
    raise RuntimeError(f'unbalanced CHECK in {sql!r}')


def _sqlite_set_check(table, constraint, check):
    """The table's CREATE TABLE with ``constraint`` removed, then added as ``check`` (unless
    None), written back to sqlite_master."""
    bind = op.get_bind()
    if check is not None:
        bad = bind.scalar(sa.text(f'SELECT count(*) FROM {table} WHERE NOT ({check})'))
        if bad:
            raise RuntimeError(f'{bad} rows of {table} fail {check}')
    create = bind.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {'name': table},
    )
    head = f'CONSTRAINT {constraint} CHECK '
    start = create.find(head)
    if start >= 0:
        end = _clause_end(create, start + len(head))
        before = create[:start].rstrip()
        assert before.endswith(','), create
        create = before[:-1] + create[end:]
    if check is not None:
        body = create.rstrip()
        assert body.endswith(')'), create
        create = f'{body[:-1].rstrip()}, \n\t{head}({check})\n)'
    version = bind.scalar(sa.text('PRAGMA schema_version'))
    bind.execute(sa.text('PRAGMA writable_schema = ON'))
    bind.execute(
        sa.text("UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = :name"),
        {'sql': create, 'name': table},
    )
    # A new schema version makes every connection read the definition again.
    bind.execute(sa.text(f'PRAGMA schema_version = {int(version) + 1}'))
    bind.execute(sa.text('PRAGMA writable_schema = OFF'))
    problems = bind.execute(sa.text('PRAGMA integrity_check')).scalars().all()
    if problems != ['ok']:
        raise RuntimeError(f'{table}: {problems}')


def _set_check(table, constraint, check):
    """``constraint`` on ``table`` is ``check`` (None: there is none)."""
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_set_check(table, constraint, check)
        return
    op.execute(f'ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}')
    if check is not None:
        op.create_check_constraint(op.f(constraint), table, check)


def upgrade():
    for table, constraint, check in CHECKS:
        _set_check(table, constraint, check)


def downgrade():
    # The revision before had the cycles' rule CHECK, with the same names, and none of the others.
    for table, constraint, _check in CHECKS[1:]:
        _set_check(table, constraint, None)
