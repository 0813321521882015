"""links: short links, scans, awareness answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visitor_salt',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('salt', sa.String(length=64), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_visitor_salt'))
    )
    op.create_table('short_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('medium', sa.Enum('qr', 'link', name='medium', native_enum=False, length=20), nullable=False),
    sa.Column('message', sa.String(length=200), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('retired_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_short_link_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_short_link_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_short_link_service_id_service')),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_short_link_touchpoint_id_touchpoint'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_short_link')),
    sa.UniqueConstraint('code', name=op.f('uq_short_link_code'))
    )
    with op.batch_alter_table('short_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_short_link_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_short_link_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_short_link_touchpoint_id'), ['touchpoint_id'], unique=False)
    op.create_table('awareness_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('knew_before', sa.Boolean(), nullable=False),
    sa.Column('at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor_key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['short_link.id'], name=op.f('fk_awareness_answer_link_id_short_link'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_awareness_answer_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_awareness_answer_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awareness_answer')),
    sa.UniqueConstraint('service_id', 'day', 'visitor_key', name='uq_awareness_answer_visitor')
    )
    with op.batch_alter_table('awareness_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awareness_answer_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_awareness_answer_organisation_id'), ['organisation_id'], unique=False)
    op.create_table('scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('device', sa.Enum('mobile', 'desktop', 'bot', name='device', native_enum=False, length=20), nullable=False),
    sa.Column('visitor_key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['short_link.id'], name=op.f('fk_scan_link_id_short_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan'))
    )
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.create_index('ix_scan_day', ['day'], unique=False)
        batch_op.create_index('ix_scan_link_day', ['link_id', 'day'], unique=False)
    op.create_table('scan_miss',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Enum('unknown', 'retired', name='missreason', native_enum=False, length=20), nullable=False),
    sa.Column('at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('device', sa.Enum('mobile', 'desktop', 'bot', name='device', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['short_link.id'], name=op.f('fk_scan_miss_link_id_short_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_miss'))
    )
    with op.batch_alter_table('scan_miss', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_miss_code'), ['code'], unique=False)
        batch_op.create_index('ix_scan_miss_day', ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_scan_miss_link_id'), ['link_id'], unique=False)
    op.create_table('scan_visitor',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('visitor_key', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['short_link.id'], name=op.f('fk_scan_visitor_link_id_short_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('link_id', 'day', 'visitor_key', name=op.f('pk_scan_visitor'))
    )


def downgrade():
    op.drop_table('scan_visitor')
    with op.batch_alter_table('scan_miss', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_miss_link_id'))
        batch_op.drop_index('ix_scan_miss_day')
        batch_op.drop_index(batch_op.f('ix_scan_miss_code'))
    op.drop_table('scan_miss')
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_link_day')
        batch_op.drop_index('ix_scan_day')
    op.drop_table('scan')
    with op.batch_alter_table('awareness_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_awareness_answer_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_awareness_answer_link_id'))
    op.drop_table('awareness_answer')
    with op.batch_alter_table('short_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_short_link_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_short_link_service_id'))
        batch_op.drop_index(batch_op.f('ix_short_link_organisation_id'))
    op.drop_table('short_link')
    op.drop_table('visitor_salt')
