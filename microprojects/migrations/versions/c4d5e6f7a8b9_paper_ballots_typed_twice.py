"""paper ballots typed twice: sealed typings, a dispute state, a second typist named by the cycle

Revision ID: c4d5e6f7a8b9
Revises: b3c1d2e4f5a6
Create Date: 2026-12-05 11:00:00

A paper entry now counts once two people have typed it alike. The choices of an entry waiting
for its second typing become its first typing, sealed to the ballot key of the app that runs
this migration (BALLOT_KEY), so that the database no longer holds them in the clear.
"""
import base64
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b3c1d2e4f5a6'
branch_labels = None
depends_on = None


def _seal(choices):
    """The pending entry's choices as the app seals a typing (domain.secrecy's text)."""
    from flask import current_app
    from nacl.public import PrivateKey, SealedBox

    from microprojects.domain import secrecy

    box = SealedBox(PrivateKey(base64.b64decode(current_app.config["BALLOT_KEY"])))
    stored = choices if isinstance(choices, dict) else json.loads(choices)
    points = stored.get("points")
    content = secrecy.SealedContent(
        choices=tuple(str(c) for c in stored.get("ids", [])),
        points=None if points is None else tuple(int(p) for p in points),
    )
    return box.encrypt(secrecy.encode(content))


def upgrade():
    bind = op.get_bind()
    # SQLite adds a column with its reference in place; making the cycles table anew (as a
    # batch would) would have to drop a table that every proposal refers to.
    if bind.dialect.name == 'sqlite':
        op.execute('ALTER TABLE cycles ADD COLUMN paper_keyer_id INTEGER CONSTRAINT fk_cycles_paper_keyer_id_users REFERENCES users (id) ON DELETE SET NULL')
    else:
        op.add_column('cycles', sa.Column('paper_keyer_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_cycles_paper_keyer_id_users', 'cycles', 'users', ['paper_keyer_id'], ['id'], ondelete='SET NULL')

    # The entries wait in a plain table while theirs is made anew without the choices.
    entries = sa.table(
        'paper_entries_kept',
        sa.column('id', sa.Integer), sa.column('cycle_id', sa.Integer),
        sa.column('residency_id', sa.Integer), sa.column('choices', sa.JSON),
        sa.column('status', sa.String), sa.column('entered_by_id', sa.Integer),
        sa.column('entered_at', sa.DateTime), sa.column('decided_by_id', sa.Integer),
        sa.column('decided_at', sa.DateTime), sa.column('note', sa.String),
    )
    op.create_table('paper_entries_kept',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('residency_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    )
    op.execute('INSERT INTO paper_entries_kept SELECT id, cycle_id, residency_id, choices, status, entered_by_id, entered_at, decided_by_id, decided_at, note FROM paper_entries')
    op.drop_index('uq_paper_entries_pending', table_name='paper_entries')
    op.drop_table('paper_entries')
    op.create_table('paper_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('residency_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'mismatch', 'confirmed', 'discarded')", name=op.f('ck_paper_entries_status_known')),
    sa.CheckConstraint("(status IN ('pending', 'mismatch') AND decided_at IS NULL) OR (status IN ('confirmed', 'discarded') AND decided_at IS NOT NULL)", name=op.f('ck_paper_entries_decided_when_closed')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_paper_entries_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_paper_entries_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_paper_entries_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['residency_id'], ['residencies.id'], name=op.f('fk_paper_entries_residency_id_residencies'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_entries'))
    )
    op.execute('INSERT INTO paper_entries (id, cycle_id, residency_id, status, entered_by_id, entered_at, decided_by_id, decided_at, note) SELECT id, cycle_id, residency_id, status, entered_by_id, entered_at, decided_by_id, decided_at, note FROM paper_entries_kept')
    if bind.dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('paper_entries', 'id'), coalesce((SELECT max(id) FROM paper_entries), 0) + 1, false)")
    op.create_index('uq_paper_entries_open', 'paper_entries', ['cycle_id', 'residency_id'], unique=True, sqlite_where=sa.text("status IN ('pending', 'mismatch')"), postgresql_where=sa.text("status IN ('pending', 'mismatch')"))

    op.create_table('paper_keyings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('keyed_by_id', sa.Integer(), nullable=True),
    sa.Column('keyed_at', sa.DateTime(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['paper_entries.id'], name=op.f('fk_paper_keyings_entry_id_paper_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['keyed_by_id'], ['users.id'], name=op.f('fk_paper_keyings_keyed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_keyings')),
    sa.UniqueConstraint('entry_id', 'keyed_by_id', name=op.f('uq_paper_keyings_entry_id'))
    )
    with op.batch_alter_table('paper_keyings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_keyings_entry_id'), ['entry_id'], unique=False)

    pending = bind.execute(
        sa.select(entries.c.id, entries.c.choices, entries.c.entered_by_id, entries.c.entered_at)
        .where(entries.c.status == 'pending', entries.c.choices.isnot(None))
    ).all()
    keyings = sa.table(
        'paper_keyings', sa.column('entry_id', sa.Integer), sa.column('keyed_by_id', sa.Integer),
        sa.column('keyed_at', sa.DateTime), sa.column('sealed', sa.LargeBinary),
    )
    for entry_id, choices, keyed_by, keyed_at in pending:
        bind.execute(keyings.insert().values(
            entry_id=entry_id, keyed_by_id=keyed_by, keyed_at=keyed_at, sealed=_seal(choices)
        ))
    op.drop_table('paper_entries_kept')


def downgrade():
    raise NotImplementedError('paper typings cannot be undone: restore a backup instead')
