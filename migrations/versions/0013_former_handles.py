"""A handle someone changed stays theirs, so older text that mentions it still means them

Revision ID: 0013_former_handles
Revises: 0012_session_follows
Create Date: 2026-12-02 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_former_handles'
down_revision = '0012_session_follows'
branch_labels = None
depends_on = None


# A new table only: no existing table is altered, so SQLite rebuilds nothing. Handles changed before
# this revision were not recorded anywhere, so it starts empty.


def upgrade():
    op.create_table('former_handle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_former_handle_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_former_handle'))
    )
    with op.batch_alter_table('former_handle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_former_handle_handle'), ['handle'], unique=True)
        batch_op.create_index(batch_op.f('ix_former_handle_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('former_handle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_former_handle_user_id'))
        batch_op.drop_index(batch_op.f('ix_former_handle_handle'))

    op.drop_table('former_handle')
