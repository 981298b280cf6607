"""Recovery codes are hashed as passwords are (Argon2id, salted), whose hashes are longer

Revision ID: 0022_recovery_code_hashes
Revises: 0021_lists
Create Date: 2026-12-03 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_recovery_code_hashes'
down_revision = '0021_lists'
branch_labels = None
depends_on = None


# Codes made before keep their SHA-256 hashes, which still verify (cohort/auth/codes.py). No table
# refers to this one, so SQLite may rebuild it.


def upgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=64), type_=sa.String(length=128))


def downgrade():
    # Argon2id hashes do not fit the old column: those codes are dropped, as turning it on again
    # would replace them.
    op.execute("DELETE FROM recovery_code WHERE length(code_hash) > 64")
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.alter_column('code_hash', existing_type=sa.String(length=128), type_=sa.String(length=64))
