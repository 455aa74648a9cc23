"""roster entries: standing (active, moved away, deceased) and the ID number's last digits

Revision ID: d1e2f3a4b5c6
Revises: a7e1d2c3b4f5
Create Date: 2026-12-05 18:30:00

Every existing entry is active. The CHECKs need the table made anew on SQLite (batch mode).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d1e2f3a4b5c6"
down_revision = "a7e1d2c3b4f5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("roster_entries") as batch_op:
        batch_op.add_column(sa.Column("id_tail", sa.String(length=6), nullable=True))
        batch_op.add_column(
            sa.Column("standing", sa.String(length=10), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("standing_changed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("standing_note", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.create_check_constraint(
            op.f("ck_roster_entries_standing_known"), "standing IN ('active', 'moved', 'deceased')"
        )
        batch_op.create_check_constraint(
            op.f("ck_roster_entries_standing_dated"),
            "standing = 'active' OR standing_changed_at IS NOT NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_roster_entries_id_tail_short"),
            "id_tail IS NULL OR length(id_tail) BETWEEN 4 AND 6",
        )


def downgrade():
    with op.batch_alter_table("roster_entries") as batch_op:
        batch_op.drop_constraint(op.f("ck_roster_entries_id_tail_short"), type_="check")
        batch_op.drop_constraint(op.f("ck_roster_entries_standing_dated"), type_="check")
        batch_op.drop_constraint(op.f("ck_roster_entries_standing_known"), type_="check")
        batch_op.drop_column("standing_note")
        batch_op.drop_column("standing_changed_at")
        batch_op.drop_column("standing")
        batch_op.drop_column("id_tail")
