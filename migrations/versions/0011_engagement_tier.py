"""campaigns: each ledger row's tier (contacted or engaged); each target's tier and measure

With a partial index over live engaged rows by campaign (first engaged, as the live one gives
first contacted) and the tier added to the live touchpoint index (engaged and contacted counts
from the index alone).

Existing rows are classified from their kind (phone calls and "other" as contacted, rows that
never counted as contacted); existing targets count engaged organisations, as a number.

Revision ID: 0011_engagement_tier
Revises: 0010_login_throttle
Create Date: 2026-12-05 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_engagement_tier'
down_revision = '0010_login_throttle'
branch_labels = None
depends_on = None

# Frozen copy of engage.campaigns.models.KIND_TIERS as it stood for this revision: a migration
# must keep meaning what it meant when it ran, whatever the code says later.
ENGAGED_KINDS = ('attended', 'visited', 'scanned', 'opened', 'clicked')


def upgrade():
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.Enum('contacted', 'engaged', name='engagementtier', native_enum=False, length=30), nullable=False, server_default='contacted'))
    with op.batch_alter_table('campaign_target', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tier', sa.Enum('contacted', 'engaged', name='engagementtier', native_enum=False, length=30), nullable=False, server_default='engaged'))
        batch_op.add_column(sa.Column('measure', sa.Enum('count', 'percent', name='targetmeasure', native_enum=False, length=30), nullable=False, server_default='count'))

    engagement = sa.table('engagement', sa.column('tier', sa.String), sa.column('kind', sa.String),
                          sa.column('counted', sa.Boolean))
    op.execute(engagement.update()
               .where(engagement.c.kind.in_(ENGAGED_KINDS), engagement.c.counted == sa.true())
               .values(tier='engaged'))

    # The defaults were only there to fill existing rows; the application always says.
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.alter_column('tier', server_default=None)
        batch_op.drop_index('ix_engagement_live_touchpoint', sqlite_where=sa.text('counted = 1 AND voided_at IS NULL'), postgresql_where=sa.text('counted AND voided_at IS NULL'))
        batch_op.create_index('ix_engagement_live_touchpoint', ['touchpoint_id', 'organisation_id', 'tier'], unique=False, sqlite_where=sa.text('counted = 1 AND voided_at IS NULL'), postgresql_where=sa.text('counted AND voided_at IS NULL'))
        batch_op.create_index('ix_engagement_engaged_campaign', ['campaign_id', 'organisation_id', 'occurred_at'], unique=False, sqlite_where=sa.text("counted = 1 AND voided_at IS NULL AND tier = 'engaged'"), postgresql_where=sa.text("counted AND voided_at IS NULL AND tier = 'engaged'"))
    with op.batch_alter_table('campaign_target', schema=None) as batch_op:
        batch_op.alter_column('tier', server_default=None)
        batch_op.alter_column('measure', server_default=None)


def downgrade():
    with op.batch_alter_table('campaign_target', schema=None) as batch_op:
        batch_op.drop_column('measure')
        batch_op.drop_column('tier')
    with op.batch_alter_table('engagement', schema=None) as batch_op:
        batch_op.drop_index('ix_engagement_engaged_campaign', sqlite_where=sa.text("counted = 1 AND voided_at IS NULL AND tier = 'engaged'"), postgresql_where=sa.text("counted AND voided_at IS NULL AND tier = 'engaged'"))
        batch_op.drop_index('ix_engagement_live_touchpoint', sqlite_where=sa.text('counted = 1 AND voided_at IS NULL'), postgresql_where=sa.text('counted AND voided_at IS NULL'))
        batch_op.create_index('ix_engagement_live_touchpoint', ['touchpoint_id', 'organisation_id'], unique=False, sqlite_where=sa.text('counted = 1 AND voided_at IS NULL'), postgresql_where=sa.text('counted AND voided_at IS NULL'))
        batch_op.drop_column('tier')
