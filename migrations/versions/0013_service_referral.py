"""catalogue: how a manager refers someone, and whether a service is published

The referral form's address, what to have ready and what happens next (one item a line).

Existing services stay published, as they were public before; any of them without a phone,
email, website or referral form is shown as a draft until one is added, and
`flask catalogue check` names them.

Revision ID: 0013_service_referral
Revises: 0012_organisation_preferred_name
Create Date: 2026-12-06 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_service_referral'
down_revision = '0012_organisation_preferred_name'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_form_url', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('what_to_have_ready', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('what_happens_next', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('published', sa.Boolean(), nullable=False, server_default=sa.true()))

    # The defaults were only there to fill existing rows; the application always says.
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.alter_column('referral_form_url', server_default=None)
        batch_op.alter_column('what_to_have_ready', server_default=None)
        batch_op.alter_column('what_happens_next', server_default=None)
        batch_op.alter_column('published', server_default=None)


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('published')
        batch_op.drop_column('what_happens_next')
        batch_op.drop_column('what_to_have_ready')
        batch_op.drop_column('referral_form_url')
