"""Daily ticket counts

Revision ID: 907a1012f037
Revises: b64c8c38fb29
Create Date: 2023-02-22 09:51:06.127580

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '907a1012f037'
down_revision = 'b64c8c38fb29'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'daily_ticket_counts',
        sa.Column('day', sa.Date(), primary_key=True),
        sa.Column('opened', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('solved', sa.Integer(), nullable=False, server_default='0'),
        schema='reporting',
    )
    op.execute(
        "INSERT INTO reporting.daily_ticket_counts (day, opened) "
        "SELECT created_at::date, count(*) FROM tickets GROUP BY 1"
    )


def downgrade():
    op.drop_table('daily_ticket_counts', schema='reporting')
