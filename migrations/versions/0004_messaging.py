"""messaging: outbox, mailbox, suppression, email events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'withdrawn', 'suppressed', name='outboxstatus', native_enum=False, length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('template', sa.String(length=80), nullable=False),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('send_after', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('claimed_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_token', sa.String(length=40), nullable=True),
    sa.Column('sent_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=120), nullable=True),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_outbox_message_campaign_id_campaign'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_outbox_message_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_outbox_message_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_outbox_message_touchpoint_id_touchpoint'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_outbox_message_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_message_idempotency_key'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_message_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_provider_message_id'), ['provider_message_id'], unique=False)
        batch_op.create_index('ix_outbox_message_status_send_after', ['status', 'send_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_touchpoint_id'), ['touchpoint_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_status', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('event_at', engage.database.UTCDateTime(timezone=True), nullable=True))

    op.create_table('mailbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('from_email', sa.String(length=254), nullable=False),
    sa.Column('to_email', sa.String(length=254), nullable=False),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('attachments', sa.JSON(), nullable=False),
    sa.Column('received_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_mailbox_message_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailbox_message'))
    )
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailbox_message_outbox_message_id'), ['outbox_message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailbox_message_received_at'), ['received_at'], unique=False)

    op.create_table('email_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sg_event_id', sa.String(length=100), nullable=True),
    sa.Column('event', sa.String(length=30), nullable=False),
    sa.Column('occurred_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outbox_message_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('sg_message_id', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=300), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_email_event_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_message_id'], ['outbox_message.id'], name=op.f('fk_email_event_outbox_message_id_outbox_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_event')),
    sa.UniqueConstraint('sg_event_id', name=op.f('uq_email_event_sg_event_id'))
    )
    with op.batch_alter_table('email_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_event_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_event_outbox_message_id'), ['outbox_message_id'], unique=False)

    op.create_table('delivery_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('backend', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('paused_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resumed_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resumed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['resumed_by_id'], ['user_account.id'], name=op.f('fk_delivery_pause_resumed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_pause'))
    )

    op.create_table('suppression',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Enum('unsubscribed', 'hard_bounce', 'spam_report', 'dropped', 'invalid', name='suppressionreason', native_enum=False, length=30), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppression')),
    sa.UniqueConstraint('email', name=op.f('uq_suppression_email'))
    )

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lawful_basis', sa.Enum('legitimate_interest', 'consent', 'public_task', 'contract', name='lawfulbasis', native_enum=False, length=30), server_default='legitimate_interest', nullable=False))
        batch_op.add_column(sa.Column('suppressed_at', engage.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suppression_reason', sa.Enum('unsubscribed', 'hard_bounce', 'spam_report', 'dropped', 'invalid', name='suppressionreason', native_enum=False, length=30), nullable=True))



def downgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('suppression_reason')
        batch_op.drop_column('suppressed_at')
        batch_op.drop_column('lawful_basis')

    op.drop_table('suppression')
    op.drop_table('delivery_pause')
    with op.batch_alter_table('email_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_event_outbox_message_id'))
        batch_op.drop_index(batch_op.f('ix_email_event_contact_id'))
    op.drop_table('email_event')
    with op.batch_alter_table('mailbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailbox_message_received_at'))
        batch_op.drop_index(batch_op.f('ix_mailbox_message_outbox_message_id'))
    op.drop_table('mailbox_message')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_touchpoint_id'))
        batch_op.drop_index('ix_outbox_message_status_send_after')
        batch_op.drop_index(batch_op.f('ix_outbox_message_provider_message_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_contact_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_message_campaign_id'))

    op.drop_table('outbox_message')
