"""cycles: screening by the committee's decision or by resolution (四议两公开)

Revision ID: 3f6a2c8d1e47
Revises: 7d3e1b4a9c20
Create Date: 2026-12-05 21:50:00

Every cycle so far is screened by its committee's decision (``committee``). The column is added
in place with that default; SQLite cannot add a CHECK, and making ``cycles`` anew would drop a
table others refer to, so the CHECK is written into the table's definition in place, as revision
9b7d3e1f2a60 does.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "3f6a2c8d1e47"
down_revision = "7d3e1b4a9c20"
branch_labels = None
depends_on = None

CHECK = ("cycles", "ck_cycles_screening_mode_known", "screening_mode IN ('committee', 'resolution')")


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
    op.add_column(
        "cycles",
        sa.Column(
            "screening_mode",
            sa.Enum("committee", "resolution", name="screeningmode", native_enum=False, length=10),
            nullable=False,
            server_default="committee",
        ),
    )
    _set_check(*CHECK)


def downgrade():
    _set_check(CHECK[0], CHECK[1], None)
    op.drop_column("cycles", "screening_mode")
