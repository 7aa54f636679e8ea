"""Add queues

Revision ID: 92271e27a1c0
Revises: 8a6a24ede6a4
Create Date: 2022-10-03 09:27:40.118463

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '92271e27a1c0'
down_revision = '8a6a24ede6a4'
branch_labels = None
depends_on = None


def upgrade():
    queues = op.create_table(
        'queues',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(64), nullable=False, unique=True),
        sa.Column('email_alias', sa.String(255)),
        sa.Column('sla_hours', sa.Integer(), nullable=False, server_default='24'),
    )
    op.bulk_insert(queues, [
        {'name': 'General', 'email_alias': 'support@example.com', 'sla_hours': 24},
        {'name': 'Billing', 'email_alias': 'billing@example.com', 'sla_hours': 48},
        {'name': 'Outages', 'email_alias': None, 'sla_hours': 1},
    ])


def downgrade():
    op.drop_table('queues')
