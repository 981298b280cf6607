"""Every account has a handle, made from its name, by which peers mention it

Revision ID: 0010_user_handles
Revises: 0009_announcements
Create Date: 2026-12-02 10:00:00

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_user_handles'
down_revision = '0009_announcements'
branch_labels = None
depends_on = None


# The column is added NOT NULL with an empty default, filled, then made unique, all in place: SQLite
# can only make a column NOT NULL by rebuilding the table, and rebuilding the user table with foreign
# keys on would delete every membership with it. PostgreSQL then drops the default; SQLite keeps it,
# which the app never relies on (every account is saved with a handle).

# A copy of cohort/handles.py as it was when this migration was written: migrations never import the app.
SPELLED_OUT = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
    "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ı": "i",
})
HANDLE = re.compile(r"[a-z](?:[a-z0-9_-]{0,28}[a-z0-9])?")


def handle_from_name(name):
    text = unicodedata.normalize("NFKD", (name or "").translate(SPELLED_OUT))
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    text = re.sub(r"['’ʼ`]", "", text)
    text = re.sub(r"[^a-z0-9]+", "-", text)
    text = re.sub(r"^[^a-z]+", "", text).rstrip("-")
    if len(text) > 30:
        head = text[:31]
        cut = head.rsplit("-", 1)[0] if "-" in head else ""
        text = cut if len(cut) > 15 else text[:30].rstrip("-")
    return text if len(text) >= 2 and HANDLE.fullmatch(text) else "member"


def numbered(base, number):
    if number == 1:
        return base
    suffix = f"-{number}"
    return base[: 30 - len(suffix)].rstrip("-_") + suffix


def upgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('handle', sa.String(length=30), nullable=False, server_default=''))
    connection = op.get_bind()
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('handle', sa.String))
    taken = set()
    # The oldest accounts keep the plain handle; later namesakes are numbered.
    for user_id, name in connection.execute(sa.select(user.c.id, user.c.name).order_by(user.c.id)).all():
        base, number = handle_from_name(name), 1
        while numbered(base, number) in taken:
            number += 1
        handle = numbered(base, number)
        taken.add(handle)
        connection.execute(sa.update(user).where(user.c.id == user_id).values(handle=handle))
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_user_handle', ['handle'], unique=True)
    if connection.dialect.name != 'sqlite':
        op.alter_column('user', 'handle', server_default=None)


def downgrade():
    with op.batch_alter_table('user', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_user_handle')
        batch_op.drop_column('handle')
