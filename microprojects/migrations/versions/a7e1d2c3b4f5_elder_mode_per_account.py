"""elder mode (长辈模式) kept with the account

Revision ID: a7e1d2c3b4f5
Revises: 59d0ffde87c7
Create Date: 2026-12-05 16:00:00

A plain boolean column, false for every existing account. Adding a column with a constant
default is an ALTER TABLE on SQLite too: no table is made anew.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7e1d2c3b4f5'
down_revision = '59d0ffde87c7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'users',
        sa.Column('elder_mode', sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('elder_mode')
