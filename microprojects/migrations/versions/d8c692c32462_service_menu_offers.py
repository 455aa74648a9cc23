"""the service menu (服务菜单): organizations' offers, vetted, and proposals made from them

Revision ID: d8c692c32462
Revises: 1794997eebb6
Create Date: 2026-12-06 01:20:38

Offers of services by registered organizations, in the city's library or one street's, vetted
by the administrator, with their photos. ``proposals.offer_id`` (with the price and quantity
ordered) is added in place, as ``wish_id`` was: SQLite adds a column with its reference, while
making ``proposals`` anew, as a batch would, would drop the tables that refer to it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8c692c32462'
down_revision = '1794997eebb6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=6), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('project_type', sa.Enum('engineering', 'service', 'goods', name='projecttype', native_enum=False, length=12), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'pending', 'approved', 'refused', 'withdrawn', name='offerstatus', native_enum=False, length=10), nullable=False),
    sa.Column('refusal_reason', sa.Text(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(scope = 'street') = (street_id IS NOT NULL)", name=op.f('ck_service_offers_one_scope')),
    sa.CheckConstraint("project_type IN ('engineering', 'service', 'goods')", name=op.f('ck_service_offers_type_known')),
    sa.CheckConstraint("scope IN ('city', 'street')", name=op.f('ck_service_offers_scope_known')),
    sa.CheckConstraint("status <> 'pending' OR submitted_at IS NOT NULL", name=op.f('ck_service_offers_pending_dated')),
    sa.CheckConstraint("status <> 'refused' OR length(refusal_reason) > 0", name=op.f('ck_service_offers_refused_has_reason')),
    sa.CheckConstraint("status IN ('draft', 'pending', 'approved', 'refused', 'withdrawn')", name=op.f('ck_service_offers_status_known')),
    sa.CheckConstraint("status NOT IN ('approved', 'refused') OR reviewed_at IS NOT NULL", name=op.f('ck_service_offers_decided_dated')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_service_offers_capacity_positive')),
    sa.CheckConstraint('length(title) > 0', name=op.f('ck_service_offers_has_title')),
    sa.CheckConstraint('length(unit) > 0', name=op.f('ck_service_offers_has_unit')),
    sa.CheckConstraint('price_fen > 0', name=op.f('ck_service_offers_price_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_service_offers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_service_offers_organization_id_organizations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_service_offers_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_service_offers_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_offers'))
    )
    with op.batch_alter_table('service_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_offers_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_service_offers_status', ['status'], unique=False)

    op.create_table('offer_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=80), nullable=False),
    sa.Column('mime', sa.String(length=20), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['service_offers.id'], name=op.f('fk_offer_photos_offer_id_service_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_photos')),
    sa.UniqueConstraint('filename', name=op.f('uq_offer_photos_filename'))
    )
    with op.batch_alter_table('offer_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_photos_offer_id'), ['offer_id'], unique=False)

    if op.get_bind().dialect.name == 'sqlite':
        op.execute(
            'ALTER TABLE proposals ADD COLUMN offer_id INTEGER CONSTRAINT '
            'fk_proposals_offer_id_service_offers REFERENCES service_offers (id) ON DELETE RESTRICT'
        )
    else:
        op.add_column('proposals', sa.Column('offer_id', sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f('fk_proposals_offer_id_service_offers'), 'proposals', 'service_offers',
            ['offer_id'], ['id'], ondelete='RESTRICT',
        )
    op.add_column('proposals', sa.Column('offer_price_fen', sa.BigInteger(), nullable=True))
    op.add_column('proposals', sa.Column('offer_quantity', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_proposals_offer_id'), 'proposals', ['offer_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_proposals_offer_id'), table_name='proposals')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE proposals DROP COLUMN offer_quantity')
        op.execute('ALTER TABLE proposals DROP COLUMN offer_price_fen')
        op.execute('ALTER TABLE proposals DROP COLUMN offer_id')
    else:
        op.drop_constraint(
            op.f('fk_proposals_offer_id_service_offers'), 'proposals', type_='foreignkey'
        )
        op.drop_column('proposals', 'offer_quantity')
        op.drop_column('proposals', 'offer_price_fen')
        op.drop_column('proposals', 'offer_id')
    with op.batch_alter_table('offer_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_photos_offer_id'))

    op.drop_table('offer_photos')
    with op.batch_alter_table('service_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_service_offers_status')
        batch_op.drop_index(batch_op.f('ix_service_offers_organization_id'))

    op.drop_table('service_offers')
