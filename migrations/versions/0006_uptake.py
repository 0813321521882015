"""uptake: referral imports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=120), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_alias_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_alias')),
    sa.UniqueConstraint('alias', name=op.f('uq_service_alias_alias'))
    )
    op.create_table('uptake_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=False),
    sa.Column('imported_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('replaced', sa.Integer(), nullable=False),
    sa.Column('replace_months', sa.Boolean(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('rolled_back_at', engage.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rolled_back_by', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_uptake_batch_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uptake_batch'))
    )
    with op.batch_alter_table('uptake_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uptake_batch_sha256'), ['sha256'], unique=False)

    op.create_table('uptake_pending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('sheet', sa.String(length=100), nullable=True),
    sa.Column('date_order', sa.String(length=5), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('preview', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_uptake_pending_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uptake_pending')),
    sa.UniqueConstraint('token', name=op.f('uq_uptake_pending_token'))
    )
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('precision', sa.String(length=5), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=80), nullable=True),
    sa.Column('route', sa.String(length=40), nullable=True),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('staff_group', sa.String(length=60), nullable=True),
    sa.Column('age_band', sa.String(length=30), nullable=True),
    sa.Column('sex', sa.String(length=30), nullable=True),
    sa.Column('ethnicity', sa.String(length=60), nullable=True),
    sa.Column('disability', sa.String(length=30), nullable=True),
    sa.Column('superseded_by_batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['uptake_batch.id'], name=op.f('fk_referral_batch_id_uptake_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_referral_organisation_id_organisation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_referral_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['superseded_by_batch_id'], ['uptake_batch.id'], name=op.f('fk_referral_superseded_by_batch_id_uptake_batch'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_reference'), ['reference'], unique=False)
        batch_op.create_index('ix_referral_service_date', ['service_id', 'referred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_superseded_by_batch_id'), ['superseded_by_batch_id'], unique=False)



def downgrade():
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_superseded_by_batch_id'))
        batch_op.drop_index('ix_referral_service_date')
        batch_op.drop_index(batch_op.f('ix_referral_reference'))
        batch_op.drop_index(batch_op.f('ix_referral_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_referral_batch_id'))

    op.drop_table('referral')
    op.drop_table('uptake_pending')
    with op.batch_alter_table('uptake_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uptake_batch_sha256'))

    op.drop_table('uptake_batch')
    op.drop_table('service_alias')
