"""acceptance inspections, their documents and paper surveys

Revision ID: 1794997eebb6
Revises: c2d4e6f8a0b1
Create Date: 2026-12-05 22:53:22

Each inspection (验收) of a funded project with its inspectors and documents; at most one per
project accepts it outright. The paper survey's answers, batch by batch.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1794997eebb6'
down_revision = 'c2d4e6f8a0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('implementation_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('result', sa.Enum('accepted', 'accepted_with_fixes', 'not_accepted', name='result', native_enum=False, length=20), nullable=False),
    sa.Column('fixes', sa.Text(), nullable=False),
    sa.Column('fixes_due', sa.Date(), nullable=True),
    sa.Column('redo', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("result <> 'accepted_with_fixes' OR (length(fixes) > 0 AND fixes_due IS NOT NULL)", name=op.f('ck_acceptances_fixes_named')),
    sa.CheckConstraint("result <> 'not_accepted' OR length(redo) > 0", name=op.f('ck_acceptances_redo_named')),
    sa.CheckConstraint("result IN ('accepted', 'accepted_with_fixes', 'not_accepted')", name=op.f('ck_acceptances_result_known')),
    sa.CheckConstraint('length(findings) > 0', name=op.f('ck_acceptances_has_findings')),
    sa.CheckConstraint('round >= 1', name=op.f('ck_acceptances_round_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_acceptances_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['implementation_id'], ['implementations.id'], name=op.f('fk_acceptances_implementation_id_implementations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptances')),
    sa.UniqueConstraint('implementation_id', 'round', name='uq_acceptances_round')
    )
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptances_implementation_id'), ['implementation_id'], unique=False)
        batch_op.create_index('uq_acceptances_accepted', ['implementation_id'], unique=True, postgresql_where=sa.text("result = 'accepted'"), sqlite_where=sa.text("result = 'accepted'"))

    op.create_table('paper_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('implementation_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('satisfied', sa.Integer(), nullable=False),
    sa.Column('basically', sa.Integer(), nullable=False),
    sa.Column('dissatisfied', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('satisfied + basically + dissatisfied > 0', name=op.f('ck_paper_surveys_has_answers')),
    sa.CheckConstraint('satisfied >= 0 AND basically >= 0 AND dissatisfied >= 0', name=op.f('ck_paper_surveys_counts_positive')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_paper_surveys_entered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['implementation_id'], ['implementations.id'], name=op.f('fk_paper_surveys_implementation_id_implementations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper_surveys')),
    sa.UniqueConstraint('implementation_id', 'token', name='uq_paper_surveys_token')
    )
    with op.batch_alter_table('paper_surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_surveys_implementation_id'), ['implementation_id'], unique=False)

    op.create_table('acceptance_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acceptance_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('mime', sa.String(length=20), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.CheckConstraint("mime IN ('application/pdf', 'image/jpeg', 'image/png', 'image/webp')", name=op.f('ck_acceptance_documents_mime_known')),
    sa.CheckConstraint('size > 0', name=op.f('ck_acceptance_documents_size_positive')),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'], name=op.f('fk_acceptance_documents_acceptance_id_acceptances'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptance_documents')),
    sa.UniqueConstraint('filename', name=op.f('uq_acceptance_documents_filename'))
    )
    with op.batch_alter_table('acceptance_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_acceptance_documents_acceptance_id'), ['acceptance_id'], unique=False)

    op.create_table('acceptance_inspectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('acceptance_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('role', sa.Enum('committee', 'resident', 'supplier', name='inspectorrole', native_enum=False, length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('committee', 'resident', 'supplier')", name=op.f('ck_acceptance_inspectors_role_known')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_acceptance_inspectors_has_name')),
    sa.ForeignKeyConstraint(['acceptance_id'], ['acceptances.id'], name=op.f('fk_acceptance_inspectors_acceptance_id_acceptances'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_acceptance_inspectors_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acceptance_inspectors')),
    sa.UniqueConstraint('acceptance_id', 'position', name=op.f('uq_acceptance_inspectors_acceptance_id_position'))
    )


def downgrade():
    op.drop_table('acceptance_inspectors')
    with op.batch_alter_table('acceptance_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_acceptance_documents_acceptance_id'))

    op.drop_table('acceptance_documents')
    with op.batch_alter_table('paper_surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_surveys_implementation_id'))

    op.drop_table('paper_surveys')
    with op.batch_alter_table('acceptances', schema=None) as batch_op:
        batch_op.drop_index('uq_acceptances_accepted', postgresql_where=sa.text("result = 'accepted'"), sqlite_where=sa.text("result = 'accepted'"))
        batch_op.drop_index(batch_op.f('ix_acceptances_implementation_id'))

    op.drop_table('acceptances')
