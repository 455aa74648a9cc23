"""notices that reach people: channels chosen, phone codes, the outbox, announcements

Revision ID: 5e7a1c0d9b31
Revises: 9b7d3e1f2a60
Create Date: 2026-12-05 18:20:40

A notice that must reach a person once (an announcement, a project's outcome) carries a key,
unique per person.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e7a1c0d9b31'
down_revision = "9b7d3e1f2a60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email_on', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('sms_on', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('sms_phone', sa.String(length=11), nullable=True),
    sa.Column('sms_confirmed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('NOT sms_on OR (sms_phone IS NOT NULL AND sms_confirmed_at IS NOT NULL)', name=op.f('ck_notice_settings_sms_needs_confirmed_phone')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notice_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_settings'))
    )
    op.create_table('phone_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=11), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_phone_codes_attempts_positive')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_phone_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone_codes'))
    )
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phone_codes_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_phone_codes_user_id'), ['user_id'], unique=False)

    op.create_table('outgoing_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('once_key', sa.String(length=80), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('provider_id', sa.String(length=64), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_outgoing_messages_sent_dated')),
    sa.CheckConstraint("channel IN ('sms', 'email')", name=op.f('ck_outgoing_messages_channel_known')),
    sa.CheckConstraint("status IN ('queued', 'failed', 'sent', 'given_up')", name=op.f('ck_outgoing_messages_status_known')),
    sa.CheckConstraint("status NOT IN ('queued', 'failed') OR next_attempt_at IS NOT NULL", name=op.f('ck_outgoing_messages_waiting_has_next_attempt')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outgoing_messages_attempts_positive')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_outgoing_messages_community_id_communities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outgoing_messages_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_messages')),
    sa.UniqueConstraint('user_id', 'channel', 'once_key', name=op.f('uq_outgoing_messages_user_id_channel_once_key'))
    )
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_messages_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_outgoing_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outgoing_messages_user_id'), ['user_id'], unique=False)

    op.create_table('announcements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('reached', sa.JSON(), nullable=False),
    sa.CheckConstraint("kind IN ('voting_open', 'results_published')", name=op.f('ck_announcements_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_announcements_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_announcements_cycle_id_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcements')),
    sa.UniqueConstraint('cycle_id', 'kind', name=op.f('uq_announcements_cycle_id_kind'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('once_key', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_notifications_user_id_once_key'), ['user_id', 'once_key'])



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notifications_user_id_once_key'), type_='unique')
        batch_op.drop_column('once_key')

    op.drop_table('announcements')
    with op.batch_alter_table('outgoing_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outgoing_messages_user_id'))
        batch_op.drop_index('ix_outgoing_messages_due')
        batch_op.drop_index(batch_op.f('ix_outgoing_messages_community_id'))

    op.drop_table('outgoing_messages')
    with op.batch_alter_table('phone_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phone_codes_user_id'))
        batch_op.drop_index(batch_op.f('ix_phone_codes_phone'))

    op.drop_table('phone_codes')
    op.drop_table('notice_settings')
