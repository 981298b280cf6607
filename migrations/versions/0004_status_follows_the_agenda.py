"""A challenge's "on a session agenda" follows its accepted agenda items instead of being stored

Revision ID: 0004_status_follows_agenda
Revises: a6a67aa85f68
Create Date: 2026-12-01 21:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004_status_follows_agenda'
down_revision = 'a6a67aa85f68'
branch_labels = None
depends_on = None


def upgrade():
    # The agenda now says whether an open challenge is on it; a stored "on_agenda" is an open one.
    op.execute("UPDATE post SET status = 'open' WHERE status = 'on_agenda'")


def downgrade():
    # Nothing to undo: the older code reads these challenges as open, which they are.
    pass
