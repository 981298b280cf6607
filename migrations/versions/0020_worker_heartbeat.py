"""When each background worker last finished a run, for /metrics

Revision ID: 0020_worker_heartbeat
Revises: 0019_two_factor
Create Date: 2026-12-03 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_worker_heartbeat'
down_revision = '0019_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeat',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_heartbeat')),
    )


def downgrade():
    op.drop_table('worker_heartbeat')
