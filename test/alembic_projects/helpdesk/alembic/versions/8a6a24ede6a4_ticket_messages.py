"""Ticket messages

Revision ID: 8a6a24ede6a4
Revises: 6b4c4a23d596
Create Date: 2022-09-14 16:02:57.771820

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8a6a24ede6a4'
down_revision = '6b4c4a23d596'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_messages',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id', ondelete='CASCADE'), nullable=False),
        sa.Column('author_type', sa.String(10), nullable=False),  # 'agent' or 'customer'
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('internal', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("author_type IN ('agent', 'customer')", name='ck_ticket_messages_author_type'),
    )
    op.create_index('ix_ticket_messages_ticket_id', 'ticket_messages', ['ticket_id'])


def downgrade():
    op.drop_index('ix_ticket_messages_ticket_id', 'ticket_messages')
    op.drop_table('ticket_messages')
