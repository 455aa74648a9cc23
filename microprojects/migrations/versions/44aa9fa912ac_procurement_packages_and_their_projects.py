"""procurement packages and their projects

Revision ID: 44aa9fa912ac
Revises: 359564e5c22c
Create Date: 2026-12-06 01:19:58.906416

A cycle's funded projects bundled into procurement packages (采购包), each bought from one
supplier; a project is in one package at most, of its own cycle (composite keys on the cycle).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '44aa9fa912ac'
down_revision = "359564e5c22c"
branch_labels = None
depends_on = None


def upgrade():
    # The target of the items' (implementation, cycle) key, made before the key.
    with op.batch_alter_table('implementations', schema=None) as batch_op:
        batch_op.create_index('uq_implementations_id_cycle', ['id', 'cycle_id'], unique=True)

    op.create_table('procurement_packages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('kind', sa.Enum('engineering', 'goods', 'services', name='kind', native_enum=False, length=12), nullable=False),
    sa.Column('method', sa.Enum('inquiry', 'consultation', 'open_tender', 'single_source', 'other', name='method', native_enum=False, length=16), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('supplier_name', sa.String(length=120), nullable=False),
    sa.Column('awarded_fen', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('engineering', 'goods', 'services')", name=op.f('ck_procurement_packages_kind_known')),
    sa.CheckConstraint("method IS NULL OR method IN ('inquiry', 'consultation', 'open_tender', 'single_source', 'other')", name=op.f('ck_procurement_packages_method_known')),
    sa.CheckConstraint('(awarded_fen IS NULL) = (organization_id IS NULL AND length(supplier_name) = 0)', name=op.f('ck_procurement_packages_amount_with_supplier')),
    sa.CheckConstraint('awarded_fen IS NULL OR awarded_fen > 0', name=op.f('ck_procurement_packages_amount_positive')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_procurement_packages_has_name')),
    sa.CheckConstraint('organization_id IS NULL OR length(supplier_name) = 0', name=op.f('ck_procurement_packages_one_supplier')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_procurement_packages_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_procurement_packages_cycle_id_cycles'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_procurement_packages_organization_id_organizations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_packages')),
    sa.UniqueConstraint('cycle_id', 'name', name='uq_procurement_packages_name')
    )
    with op.batch_alter_table('procurement_packages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_packages_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index('uq_procurement_packages_id_cycle', ['id', 'cycle_id'], unique=True)

    op.create_table('package_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('package_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('implementation_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_package_items_added_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['implementation_id', 'cycle_id'], ['implementations.id', 'implementations.cycle_id'], name='fk_package_items_implementation_cycle', ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['package_id', 'cycle_id'], ['procurement_packages.id', 'procurement_packages.cycle_id'], name='fk_package_items_package_cycle', ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_package_items')),
    sa.UniqueConstraint('implementation_id', name=op.f('uq_package_items_implementation_id'))
    )
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_package_items_package_id'), ['package_id'], unique=False)


def downgrade():
    with op.batch_alter_table('package_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_package_items_package_id'))

    op.drop_table('package_items')
    with op.batch_alter_table('procurement_packages', schema=None) as batch_op:
        batch_op.drop_index('uq_procurement_packages_id_cycle')
        batch_op.drop_index(batch_op.f('ix_procurement_packages_cycle_id'))

    op.drop_table('procurement_packages')
    with op.batch_alter_table('implementations', schema=None) as batch_op:
        batch_op.drop_index('uq_implementations_id_cycle')
