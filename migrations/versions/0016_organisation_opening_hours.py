"""directory: an organisation's opening hours, as the national pharmacy list gives them

A text per day, kept as JSON; empty for organisations whose hours no list gives.

Revision ID: 0016_organisation_opening_hours
Revises: 0015_import_matching
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_organisation_opening_hours'
down_revision = '0015_import_matching'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_hours', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('opening_hours')
