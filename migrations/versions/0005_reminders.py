"""reminders: reminder rules, bulletins and scheduler state

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CHANNELS = ('webinar', 'newsletter', 'email_bulletin', 'poster', 'practice_visit', 'training',
            'quality_meeting', 'pm_update', 'presentation', 'facebook', 'gateway', 'phone_call',
            'other')


def upgrade():
    op.create_table('reminder_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('reminder', 'follow_up_attended', 'follow_up_absent', 'nudge', name='rulekind', native_enum=False, length=30), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('offset_amount', sa.Integer(), nullable=False),
    sa.Column('offset_unit', sa.Enum('hours', 'days', name='offsetunit', native_enum=False, length=30), nullable=False),
    sa.Column('quiet_days', sa.Integer(), nullable=True),
    sa.Column('period_days', sa.Integer(), nullable=True),
    sa.Column('business_hours', sa.Boolean(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_reminder_rule_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_reminder_rule_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_reminder_rule_touchpoint_id_touchpoint'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_rule'))
    )
    with op.batch_alter_table('reminder_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_rule_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminder_rule_touchpoint_id'), ['touchpoint_id'], unique=False)

    op.create_table('bulletin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum(*CHANNELS, name='channel', native_enum=False, length=30), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('send_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('draft', 'scheduled', 'sending', 'sent', 'cancelled', name='bulletinstatus', native_enum=False, length=30), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('organisations', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_bulletin_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_bulletin_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_bulletin_touchpoint_id_touchpoint'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin'))
    )
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulletin_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index('ix_bulletin_status_send_at', ['status', 'send_at'], unique=False)

    op.create_table('scheduler_run',
    sa.Column('job_id', sa.String(length=40), nullable=False),
    sa.Column('started_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('result', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_scheduler_run'))
    )


def downgrade():
    op.drop_table('scheduler_run')
    with op.batch_alter_table('bulletin', schema=None) as batch_op:
        batch_op.drop_index('ix_bulletin_status_send_at')
        batch_op.drop_index(batch_op.f('ix_bulletin_campaign_id'))
    op.drop_table('bulletin')
    with op.batch_alter_table('reminder_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_rule_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_reminder_rule_campaign_id'))
    op.drop_table('reminder_rule')
