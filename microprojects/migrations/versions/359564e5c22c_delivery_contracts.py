"""delivery contracts, payments against them, supplier updates awaiting approval

Revision ID: 359564e5c22c
Revises: d8c692c32462
Create Date: 2026-12-06 01:20:01

The delivery contract (合同) of a funded project, one per implementation; the spending entries
paid against it; and a review status on progress updates (a supplier's update waits for the
committee's approval). Existing updates were all the committee's: they stay published.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '359564e5c22c'
down_revision = "d8c692c32462"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('implementation_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('company_name', sa.String(length=120), nullable=True),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('deliverables', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(organization_id IS NOT NULL AND company_name IS NULL) OR (organization_id IS NULL AND company_name IS NOT NULL AND length(company_name) > 0)', name=op.f('ck_delivery_contracts_one_supplier')),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_delivery_contracts_amount_positive')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_delivery_contracts_ends_after_start')),
    sa.CheckConstraint('length(deliverables) > 0', name=op.f('ck_delivery_contracts_has_deliverables')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_delivery_contracts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['implementation_id'], ['implementations.id'], name=op.f('fk_delivery_contracts_implementation_id_implementations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_delivery_contracts_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_contracts')),
    sa.UniqueConstraint('implementation_id', name=op.f('uq_delivery_contracts_implementation_id'))
    )
    with op.batch_alter_table('delivery_contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_contracts_organization_id'), ['organization_id'], unique=False)

    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_status', sa.Enum('published', 'pending', 'returned', name='updatereview', native_enum=False, length=10), server_default='published', nullable=False))
        batch_op.add_column(sa.Column('organization_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_progress_updates_organization_id'), ['organization_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_progress_updates_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_progress_updates_organization_id_organizations'), 'organizations', ['organization_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_progress_updates_review_known'), "review_status IN ('published', 'pending', 'returned')")
        batch_op.create_check_constraint(batch_op.f('ck_progress_updates_only_orgs_wait'), "review_status = 'published' OR organization_id IS NOT NULL")
        batch_op.create_check_constraint(batch_op.f('ck_progress_updates_returned_has_reason'), "review_status <> 'returned' OR length(return_reason) > 0")

    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contract_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_spending_contract_id'), ['contract_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_spending_contract_id_delivery_contracts'), 'delivery_contracts', ['contract_id'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('spending', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_spending_contract_id_delivery_contracts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_spending_contract_id'))
        batch_op.drop_column('contract_id')

    with op.batch_alter_table('progress_updates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_progress_updates_returned_has_reason'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_progress_updates_only_orgs_wait'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_progress_updates_review_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_progress_updates_organization_id_organizations'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_progress_updates_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_progress_updates_organization_id'))
        batch_op.drop_column('return_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('organization_id')
        batch_op.drop_column('review_status')

    with op.batch_alter_table('delivery_contracts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_contracts_organization_id'))

    op.drop_table('delivery_contracts')
