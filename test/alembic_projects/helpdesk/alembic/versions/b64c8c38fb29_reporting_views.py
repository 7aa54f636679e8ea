"""Reporting views

Revision ID: b64c8c38fb29
Revises: 
Create Date: 2023-02-20 15:37:22.690114

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'b64c8c38fb29'
down_revision = None
branch_labels = ('reporting',)
depends_on = '8a6a24ede6a4'


def upgrade():
    op.execute("CREATE SCHEMA reporting")
    op.execute("""
        CREATE VIEW reporting.ticket_stats AS
        SELECT t.id AS ticket_id,
               t.status,
               count(m.id) AS messages,
               count(m.id) FILTER (WHERE m.author_type = 'agent') AS agent_messages,
               to_char(t.created_at, 'YYYY-MM') AS month
          FROM tickets t
          LEFT JOIN ticket_messages m ON m.ticket_id = t.id
         GROUP BY t.id, t.status, t.created_at
    """)


def downgrade():
    op.execute("DROP VIEW reporting.ticket_stats")
    op.execute("DROP SCHEMA reporting")
