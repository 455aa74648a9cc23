"""secret ballot: sealed ballots, mixed ballots, a receipt list apart, participation commitments

Revision ID: b3c1d2e4f5a6
Revises: e70758e71152
Create Date: 2026-12-05 10:00:00

Ballots cast from now on are sealed at the cast and written in the clear only by the mixer.
The ballots already stored keep their choices; their receipt digests move to the new
``receipts`` list (they were SHA-256 of the code, which is what the list holds), so their
voters can still check them. They get no revision tag: a ballot cast before this revision
cannot be revised.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c1d2e4f5a6'
down_revision = 'e70758e71152'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_commitment', sa.String(length=64), nullable=True))

    op.create_table('sealed_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_sealed_ballots_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sealed_ballots')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('sealed_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sealed_ballots_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('receipts',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_receipts_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_receipts')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_cycle_id'), ['cycle_id'], unique=False)
    op.execute('INSERT INTO receipts (digest, cycle_id) SELECT receipt_digest, cycle_id FROM ballots ORDER BY receipt_digest')

    # The ballots table is made anew (SQLite keeps it without a rowid), without the receipt
    # digest and with a revision tag; the ballots wait in a plain table meanwhile.
    op.create_table('ballots_kept',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=True),
    )
    op.execute('INSERT INTO ballots_kept (id, cycle_id, choices, points) SELECT id, cycle_id, choices, points FROM ballots')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballots_cycle_id'))
    op.drop_table('ballots')
    op.create_table('ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('points', sa.JSON(), nullable=True),
    sa.Column('revision_tag', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_ballots_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballots')),
    sa.UniqueConstraint('revision_tag', name=op.f('uq_ballots_revision_tag')),
    sqlite_with_rowid=False
    )
    op.execute('INSERT INTO ballots (id, cycle_id, choices, points) SELECT id, cycle_id, choices, points FROM ballots_kept ORDER BY id')
    op.drop_table('ballots_kept')
    with op.batch_alter_table('ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballots_cycle_id'), ['cycle_id'], unique=False)


def downgrade():
    raise NotImplementedError('the secret ballot cannot be undone: restore a backup instead')
