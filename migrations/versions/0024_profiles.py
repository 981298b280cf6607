"""Members say which country they work in, and may add a photo, for their profile in each cohort

Revision ID: 0024_profiles
Revises: 0023_search_advice_column
Create Date: 2026-12-04 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_profiles'
down_revision = '0023_search_advice_column'
branch_labels = None
depends_on = None


# In place (recreate='never'), as in 0008: rebuilding the user table on SQLite with foreign keys on
# would delete every membership with it.


def upgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('photo_token', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('photo_token')
        batch_op.drop_column('country')
