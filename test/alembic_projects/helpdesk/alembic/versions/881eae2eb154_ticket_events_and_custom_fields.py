"""Ticket events and custom fields

Revision ID: 881eae2eb154
Revises: 7f1534b9b5df
Create Date: 2023-05-02 11:26:37.408815

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '881eae2eb154'
down_revision = '7f1534b9b5df'
branch_labels = None
depends_on = None

channel = sa.Enum('email', 'web', 'chat', 'phone', name='ticket_channel')


def upgrade():
    op.create_table(
        'ticket_events',
        sa.Column('id', postgresql.UUID(as_uuid=True), primary_key=True,
                  server_default=sa.text('gen_random_uuid()')),
        sa.Column('ticket_id', sa.Integer(), sa.ForeignKey('tickets.id', ondelete='CASCADE'), nullable=False),
        sa.Column('channel', channel, nullable=False, server_default='email'),
        sa.Column('payload', postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.text('now()')),
    )
    op.add_column('tickets', sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()),
                                       nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.alter_column('tickets', 'subject', existing_type=sa.String(200), type_=sa.Text(),
                    existing_nullable=False)
    op.alter_column('ticket_messages', 'created_at', existing_type=sa.DateTime(),
                    type_=sa.DateTime(timezone=True),
                    postgresql_using="created_at AT TIME ZONE 'UTC'",
                    existing_server_default=sa.func.now())


def downgrade():
    op.alter_column('ticket_messages', 'created_at', existing_type=sa.DateTime(timezone=True),
                    type_=sa.DateTime(),
                    postgresql_using="created_at AT TIME ZONE 'UTC'",
                    existing_server_default=sa.func.now())
    op.alter_column('tickets', 'subject', existing_type=sa.Text(), type_=sa.String(200),
                    existing_nullable=False)
    op.drop_column('tickets', 'custom_fields')
    op.drop_table('ticket_events')
    channel.drop(op.get_bind(), checkfirst=False)
