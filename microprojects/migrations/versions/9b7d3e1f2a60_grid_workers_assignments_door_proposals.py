"""grid workers: assignments to grids, proposals entered at the door, paper ballots at a station

Revision ID: 9b7d3e1f2a60
Revises: c7a9e5d1b3f0
Create Date: 2026-12-05 18:40:00

Proposals typed in at the office so far say so (``entry_channel = 'office'``). A cycle lets
grid workers type paper ballots only once its committee says so.

Columns are added in place. SQLite cannot add a CHECK, and making ``proposals`` or ``cycles``
anew (as a batch would) would drop tables that others refer to: the proposals' CHECKs are
written into the table's definition in place, as revision 59d0ffde87c7 does.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "9b7d3e1f2a60"
down_revision = "c7a9e5d1b3f0"
branch_labels = None
depends_on = None

LIVE = "ended_at IS NULL"
CHECKS = (
    (
        "proposals",
        "ck_proposals_channel_known",
        "entry_channel IS NULL OR entry_channel IN ('office', 'door')",
    ),
    (
        "proposals",
        "ck_proposals_door_has_consent",
        "entry_channel IS NULL OR entry_channel <> 'door' OR consent_at IS NOT NULL",
    ),
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
    op.create_table(
        "grid_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("given_by_id", sa.Integer(), nullable=True),
        sa.Column("given_at", sa.DateTime(), nullable=False),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "ended_by_id IS NULL OR ended_at IS NOT NULL", name=op.f("ck_grid_assignments_end_dated")
        ),
        sa.CheckConstraint(
            "ended_at IS NULL OR ended_at >= given_at",
            name=op.f("ck_grid_assignments_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"],
            name=op.f("fk_grid_assignments_ended_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["given_by_id"], ["users.id"],
            name=op.f("fk_grid_assignments_given_by_id_users"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"],
            name=op.f("fk_grid_assignments_grid_id_grids"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_grid_assignments_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_assignments")),
    )
    with op.batch_alter_table("grid_assignments") as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_assignments_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_assignments_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_grid_assignments_live", ["user_id", "grid_id"], unique=True,
            sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE),
        )
    op.add_column(
        "cycles",
        sa.Column(
            "grid_workers_enter_paper", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("proposals", sa.Column("entry_channel", sa.String(length=6), nullable=True))
    op.add_column("proposals", sa.Column("consent_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE proposals SET entry_channel = 'office' "
        "WHERE entered_by_id IS NOT NULL OR on_behalf_of <> ''"
    )
    for table, constraint, check in CHECKS:
        _set_check(table, constraint, check)


def downgrade():
    for table, constraint, _check in CHECKS:
        _set_check(table, constraint, None)
    op.drop_column("proposals", "consent_at")
    op.drop_column("proposals", "entry_channel")
    op.drop_column("cycles", "grid_workers_enter_paper")
    with op.batch_alter_table("grid_assignments") as batch_op:
        batch_op.drop_index(
            "uq_grid_assignments_live", sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE)
        )
        batch_op.drop_index(batch_op.f("ix_grid_assignments_user_id"))
        batch_op.drop_index(batch_op.f("ix_grid_assignments_grid_id"))
    op.drop_table("grid_assignments")
