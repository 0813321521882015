"""links: unknown-code misses stored up to a cap per UK day, the rest counted per day

Revision ID: 0008_scan_miss_cap
Revises: 0007
Create Date: 2026-12-05 18:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_scan_miss_cap'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scan_miss_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('stored', sa.Integer(), nullable=False),
    sa.Column('overflow', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_scan_miss_day'))
    )


def downgrade():
    op.drop_table('scan_miss_day')
