"""cycles: where and when paper ballots are cast, printed on the paper ballot

Revision ID: c7a9e5d1b3f0
Revises: d1e2f3a4b5c6
Create Date: 2026-12-05 18:40:00

A nullable text column: nothing to fill in for existing cycles, and an ALTER TABLE on SQLite too.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a9e5d1b3f0'
down_revision = 'd1e2f3a4b5c6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cycles', sa.Column('paper_where', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('cycles') as batch_op:
        batch_op.drop_column('paper_where')
