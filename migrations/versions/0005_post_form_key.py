"""Posts remember the form they were shared from

Revision ID: 12fd6d8e223d
Revises: 0004_status_follows_agenda
Create Date: 2026-12-01 21:05:10.659461

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '12fd6d8e223d'
down_revision = '0004_status_follows_agenda'
branch_labels = None
depends_on = None


# Both ways alter the post table in place (recreate='never'): SQLite rebuilds a table by dropping
# it, and with foreign keys on that would delete every reply, tag and result along with it.


def upgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('form_key', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_post_author_form_key', ['author_id', 'form_key'], unique=True)


def downgrade():
    with op.batch_alter_table('post', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_post_author_form_key')
        batch_op.drop_column('form_key')
