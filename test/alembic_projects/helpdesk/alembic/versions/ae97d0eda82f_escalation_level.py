"""Escalation level

Revision ID: ae97d0eda82f
Revises: 8f6d4ef8aa38
Create Date: 2022-11-21 14:33:26.502218

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'ae97d0eda82f'
down_revision = '8f6d4ef8aa38'
branch_labels = None
depends_on = None

URGENT_LEVEL = 1


def upgrade():
    op.add_column('tickets', sa.Column('escalation_level', sa.SmallInteger(), nullable=False, server_default='0'))
    connection = op.get_bind()
    connection.execute(
        sa.text("UPDATE tickets SET escalation_level = :level WHERE priority = 'urgent' AND status <> 'closed'"),
        {"level": URGENT_LEVEL},
    )


def downgrade():
    op.drop_column('tickets', 'escalation_level')
