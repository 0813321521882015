"""directory: an organisation's preferred name, for where proper case from the published name is wrong

The published (ODS) name stays in `name`, so imports still match it and exports give it back.

Revision ID: 0012_organisation_preferred_name
Revises: 0011_engagement_tier
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_organisation_preferred_name'
down_revision = '0011_engagement_tier'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_name', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('preferred_name')
