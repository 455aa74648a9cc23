"""the shortlist's 公示 before voting: days per cycle, its publication and objections

Revision ID: b8f2c4d6e1a3
Revises: 9777e73f73ed
Create Date: 2026-12-05 22:00:00

``cycles.shortlist_days`` (0 for every existing cycle: no shortlist 公示), one publication per
cycle, and the residents' objections to the shortlist with the committee's answers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8f2c4d6e1a3'
down_revision = '9777e73f73ed'
branch_labels = None
depends_on = None


DAYS_CHECK = 'shortlist_days >= 0 AND shortlist_days <= 30'


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite adds a column with its own CHECK in place; copying the table (a batch) would
        # drop it under the rows that point to it.
        op.execute(
            "ALTER TABLE cycles ADD COLUMN shortlist_days INTEGER DEFAULT '0' NOT NULL "
            f'CONSTRAINT ck_cycles_shortlist_days_range CHECK ({DAYS_CHECK})'
        )
    else:
        op.add_column(
            'cycles',
            sa.Column('shortlist_days', sa.Integer(), server_default='0', nullable=False),
        )
        op.create_check_constraint(op.f('ck_cycles_shortlist_days_range'), 'cycles', DAYS_CHECK)

    op.create_table('shortlist_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('days > 0', name=op.f('ck_shortlist_publications_days_positive')),
    sa.CheckConstraint('ends_at > published_at', name=op.f('ck_shortlist_publications_ends_after_start')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_shortlist_publications_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_shortlist_publications_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_publications')),
    sa.UniqueConstraint('cycle_id', name=op.f('uq_shortlist_publications_cycle_id'))
    )
    op.create_table('shortlist_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('open', 'upheld', 'dismissed', name='objectionstatus', native_enum=False, length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'upheld', 'dismissed')", name=op.f('ck_shortlist_objections_status_known')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_shortlist_objections_has_reason')),
    sa.CheckConstraint("status = 'open' OR (length(answer) > 0 AND answered_at IS NOT NULL)", name=op.f('ck_shortlist_objections_answered_has_answer')),
    sa.CheckConstraint("reopened_at IS NULL OR (status = 'upheld' AND proposal_id IS NOT NULL)", name=op.f('ck_shortlist_objections_reopened_when_upheld')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_shortlist_objections_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_shortlist_objections_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_shortlist_objections_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_shortlist_objections_proposal_id_proposals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_objections'))
    )
    with op.batch_alter_table('shortlist_objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_objections_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shortlist_objections_proposal_id'), ['proposal_id'], unique=False)


def downgrade():
    with op.batch_alter_table('shortlist_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_objections_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_shortlist_objections_cycle_id'))
    op.drop_table('shortlist_objections')
    op.drop_table('shortlist_publications')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cycles DROP COLUMN shortlist_days')
    else:
        op.drop_constraint(op.f('ck_cycles_shortlist_days_range'), 'cycles', type_='check')
        op.drop_column('cycles', 'shortlist_days')
