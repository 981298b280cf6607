"""A site admin can suspend an account: it leaves every cohort and cannot sign in until reinstated

Revision ID: 0018_suspended_accounts
Revises: 0017_audit_log
Create Date: 2026-12-02 19:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_suspended_accounts'
down_revision = '0017_audit_log'
branch_labels = None
depends_on = None


# A plain ADD COLUMN: rebuilding the user table on SQLite would take every row pointing at it along.
def upgrade():
    op.add_column('user', sa.Column('suspended_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('suspended_at')
