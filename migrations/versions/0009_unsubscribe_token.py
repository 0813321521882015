"""messaging: opaque unsubscribe tokens (a random id per address, not the address)

Revision ID: 0009_unsubscribe_token
Revises: 0008_scan_miss_cap
Create Date: 2026-12-05 18:50:00

"""
from alembic import op
import sqlalchemy as sa

import engage.database


# revision identifiers, used by Alembic.
revision = '0009_unsubscribe_token'
down_revision = '0008_scan_miss_cap'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('unsubscribe_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', engage.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unsubscribe_token')),
    sa.UniqueConstraint('email', name=op.f('uq_unsubscribe_token_email')),
    sa.UniqueConstraint('token', name=op.f('uq_unsubscribe_token_token'))
    )


def downgrade():
    op.drop_table('unsubscribe_token')
