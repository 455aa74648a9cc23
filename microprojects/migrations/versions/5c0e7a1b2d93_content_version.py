"""the content version, raised by every write of something a public page shows

Revision ID: 5c0e7a1b2d93
Revises: 44aa9fa912ac
Create Date: 2026-12-06 04:40:00.000000

One row, one number: pages kept for visitors are kept under it, and a write that changes what
they show raises it in the same transaction (see models/versions.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5c0e7a1b2d93"
down_revision = "44aa9fa912ac"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_content_versions_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_versions")),
    )
    op.execute("INSERT INTO content_versions (id, version) VALUES (1, 0)")


def downgrade():
    op.drop_table("content_versions")
