"""An account deleted by its owner keeps its row, without anything personal, for the words that stay

Revision ID: 0016_deleted_accounts
Revises: 0015_sign_in_attempts
Create Date: 2026-12-02 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_deleted_accounts'
down_revision = '0015_sign_in_attempts'
branch_labels = None
depends_on = None


# A plain ADD COLUMN: rebuilding the user table on SQLite would take every row pointing at it along.
def upgrade():
    op.add_column('user', sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('deleted_at')
