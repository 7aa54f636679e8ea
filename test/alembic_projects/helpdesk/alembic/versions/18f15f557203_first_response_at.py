"""first_response_at

Revision ID: 18f15f557203
Revises: 3018a38fd547
Create Date: 2023-03-06 10:09:48.330906

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '18f15f557203'
down_revision = '3018a38fd547'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tickets', sa.Column('first_response_at', sa.DateTime(), nullable=True))
    conn = op.get_bind()
    result = conn.execute(sa.text(
        "SELECT ticket_id, min(created_at) FROM ticket_messages "
        "WHERE author_type = 'agent' AND NOT internal GROUP BY ticket_id"
    ))
    for ticket_id, first_reply in result.fetchall():
        conn.execute(
            sa.text("UPDATE tickets SET first_response_at = :ts WHERE id = :id"),
            {"ts": first_reply, "id": ticket_id},
        )
    op.create_index('ix_tickets_first_response_at', 'tickets', ['first_response_at'])


def downgrade():
    op.drop_index('ix_tickets_first_response_at', 'tickets')
    op.drop_column('tickets', 'first_response_at')
