"""The outbox: every message is written in the transaction of the change that caused it

Revision ID: 0006_outbox
Revises: 12fd6d8e223d
Create Date: 2026-12-02 01:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0006_outbox'
down_revision = '12fd6d8e223d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=True),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('post_id', sa.Integer(), nullable=True),
        sa.Column('reply_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'withdrawn', name='message_status',
                                    native_enum=False, length=20), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohort.id'], name=op.f('fk_outbox_message_cohort_id_cohort'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_outbox_message_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_outbox_message_post_id_post'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reply_id'], ['reply.id'], name=op.f('fk_outbox_message_reply_id_reply'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_outbox_message_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_message')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_message_dedupe_key')),
    )
    op.create_index('ix_outbox_message_due', 'outbox_message', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_message_user_id'), 'outbox_message', ['user_id'], unique=False)
    op.create_index(op.f('ix_outbox_message_cohort_id'), 'outbox_message', ['cohort_id'], unique=False)


def downgrade():
    op.drop_table('outbox_message')
