"""Notifications due by time carry a key, so they are told once

Revision ID: 0011_notification_dedupe_key
Revises: 0010_user_handles
Create Date: 2026-12-02 02:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_notification_dedupe_key'
down_revision = '0010_user_handles'
branch_labels = None
depends_on = None


# In place (recreate='never'): a unique index, not a constraint, so SQLite needs no table rebuild.


def upgrade():
    with op.batch_alter_table('notification', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_notification_dedupe_key', ['dedupe_key'], unique=True)


def downgrade():
    with op.batch_alter_table('notification', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_notification_dedupe_key')
        batch_op.drop_column('dedupe_key')
