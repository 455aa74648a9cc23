"""paper ballots of roster people without an account; polling stations

Revision ID: 5a7e10c0a11d
Revises: 5e7a1c0d9b31
Create Date: 2026-12-05 19:00:00

A paper entry names the person on the roster (``roster_entry_id``) beside a now optional
residency, carries its voting unit's key (one entry waiting per voting unit), its community,
how the person's identity was checked and, optionally, the polling station it was typed at.
Existing entries keep their residency; their key is the one their participation has or would
have, their identity check "other".

On SQLite the table is made anew (batch mode). Foreign keys are enforced there, so dropping
the old table would delete the typings that refer to it (ON DELETE CASCADE): they are kept
aside and put back.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "5a7e10c0a11d"
down_revision = '5e7a1c0d9b31'
branch_labels = None
depends_on = None

OPEN = "status IN ('pending', 'mismatch')"


def upgrade():
    op.create_table(
        "polling_stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=True),
        sa.Column("spoiled", sa.Integer(), nullable=True),
        sa.Column("blank", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(closed_at IS NULL AND received IS NULL AND spoiled IS NULL AND blank IS NULL)"
            " OR (closed_at IS NOT NULL AND received IS NOT NULL AND spoiled IS NOT NULL"
            " AND blank IS NOT NULL)",
            name=op.f("ck_polling_stations_reconciled_when_closed"),
        ),
        sa.CheckConstraint(
            "received IS NULL OR (received >= 0 AND spoiled >= 0 AND blank >= 0)",
            name=op.f("ck_polling_stations_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"], ["cycles.id"], name=op.f("fk_polling_stations_cycle_id_cycles"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"],
            name=op.f("fk_polling_stations_community_id_communities"), ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_polling_stations_opened_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_polling_stations_closed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polling_stations")),
        sa.UniqueConstraint(
            "cycle_id", "community_id", "name", name=op.f("uq_polling_stations_cycle_id")
        ),
    )

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("CREATE TABLE paper_keyings_kept AS SELECT * FROM paper_keyings")

    with op.batch_alter_table("paper_entries") as batch_op:
        batch_op.add_column(sa.Column("community_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("roster_entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("voter_key", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("identity_check", sa.String(length=16), nullable=True))

    op.execute(
        "UPDATE paper_entries SET"
        " community_id = (SELECT r.community_id FROM residencies r"
        " WHERE r.id = paper_entries.residency_id),"
        " roster_entry_id = (SELECT r.roster_entry_id FROM residencies r"
        " WHERE r.id = paper_entries.residency_id),"
        " identity_check = 'other'"
    )
    op.execute(
        "UPDATE paper_entries SET voter_key = CASE"
        " WHEN roster_entry_id IS NULL THEN 'residency:' || CAST(residency_id AS VARCHAR)"
        " WHEN (SELECT c.vote_unit FROM cycles c WHERE c.id = paper_entries.cycle_id)"
        " = 'household' THEN 'household:' || CAST((SELECT e.household_id FROM roster_entries e"
        " WHERE e.id = paper_entries.roster_entry_id) AS VARCHAR)"
        " ELSE 'entry:' || CAST(roster_entry_id AS VARCHAR) END"
    )

    with op.batch_alter_table("paper_entries") as batch_op:
        batch_op.drop_index("uq_paper_entries_open")
        batch_op.alter_column("residency_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("community_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("voter_key", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column(
            "identity_check", existing_type=sa.String(length=16), nullable=False
        )
        batch_op.create_foreign_key(
            op.f("fk_paper_entries_community_id_communities"), "communities",
            ["community_id"], ["id"], ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            op.f("fk_paper_entries_roster_entry_id_roster_entries"), "roster_entries",
            ["roster_entry_id"], ["id"], ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            op.f("fk_paper_entries_station_id_polling_stations"), "polling_stations",
            ["station_id"], ["id"], ondelete="RESTRICT",
        )
        batch_op.create_check_constraint(
            op.f("ck_paper_entries_voter_named"),
            "roster_entry_id IS NOT NULL OR residency_id IS NOT NULL",
        )
        batch_op.create_check_constraint(
            op.f("ck_paper_entries_identity_check_known"),
            "identity_check IN ('id_card', 'known_to_worker', 'household_code', 'other')",
        )
        batch_op.create_index(
            batch_op.f("ix_paper_entries_station_id"), ["station_id"], unique=False
        )
        batch_op.create_index(
            "uq_paper_entries_open", ["cycle_id", "voter_key"], unique=True,
            sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN),
        )

    if sqlite:
        op.execute("DELETE FROM paper_keyings")
        op.execute("INSERT INTO paper_keyings SELECT * FROM paper_keyings_kept")
        op.execute("DROP TABLE paper_keyings_kept")


def downgrade():
    raise NotImplementedError("paper entries of people without an account cannot be undone")
