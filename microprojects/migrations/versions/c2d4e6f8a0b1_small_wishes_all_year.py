"""small wishes (点亮微心愿) all year, their answers, proposals made from them

Residents' needs sent all year, the committee's one answer to each, and the proposal made
from a taken wish.

Revision ID: c2d4e6f8a0b1
Revises: b8f2c4d6e1a3
Create Date: 2026-12-05 23:00:00

``proposals.wish_id`` is added in place (SQLite adds a column with its reference; making
``proposals`` anew, as a batch would, would drop the tables that refer to it).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c2d4e6f8a0b1'
down_revision = 'b8f2c4d6e1a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wishes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('place', sa.String(length=60), nullable=False),
    sa.Column('photo_filename', sa.String(length=80), nullable=True),
    sa.Column('photo_mime', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.Enum('open', 'taken', 'referred', 'declined', name='wishstatus', native_enum=False, length=10), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('referred_to', sa.String(length=40), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'taken', 'referred', 'declined')", name=op.f('ck_wishes_status_known')),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_wishes_has_text')),
    sa.CheckConstraint("(status = 'open') = (answered_at IS NULL)", name=op.f('ck_wishes_answered_when_not_open')),
    sa.CheckConstraint("status <> 'open' OR (answer = '' AND referred_to = '' AND answered_by_id IS NULL)", name=op.f('ck_wishes_open_has_no_answer')),
    sa.CheckConstraint("(status = 'referred') = (length(referred_to) > 0)", name=op.f('ck_wishes_referred_has_where')),
    sa.CheckConstraint("status NOT IN ('referred', 'declined') OR length(answer) > 0", name=op.f('ck_wishes_answer_has_text')),
    sa.CheckConstraint('(photo_filename IS NULL) = (photo_mime IS NULL)', name=op.f('ck_wishes_photo_has_mime')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_wishes_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_wishes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_wishes_community_id_communities'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wishes')),
    sa.UniqueConstraint('photo_filename', name=op.f('uq_wishes_photo_filename'))
    )
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wishes_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_wishes_community_id_status', ['community_id', 'status'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE proposals ADD COLUMN wish_id INTEGER '
            'CONSTRAINT fk_proposals_wish_id_wishes REFERENCES wishes (id) ON DELETE RESTRICT'
        )
    else:
        op.add_column('proposals', sa.Column('wish_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_proposals_wish_id_wishes'), 'proposals', 'wishes', ['wish_id'], ['id'],
            ondelete='RESTRICT',
        )
    op.create_index(op.f('ix_proposals_wish_id'), 'proposals', ['wish_id'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_proposals_wish_id'), table_name='proposals')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE proposals DROP COLUMN wish_id')
    else:
        op.drop_constraint(op.f('fk_proposals_wish_id_wishes'), 'proposals', type_='foreignkey')
        op.drop_column('proposals', 'wish_id')
    with op.batch_alter_table('wishes', schema=None) as batch_op:
        batch_op.drop_index('ix_wishes_community_id_status')
        batch_op.drop_index(batch_op.f('ix_wishes_author_id'))
    op.drop_table('wishes')
