"""Add sector field to Stock model

Revision ID: 1975ea83b712
Revises: 4e55a8b046a1
Create Date: 2025-08-17 10:02:44.118230
"""
from alembic import op
import sqlalchemy as sa

revision = '1975ea83b712'
down_revision = '4e55a8b046a1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('stocks', sa.Column('sector', sa.String(), nullable=True))
    op.create_index(op.f('ix_stocks_sector'), 'stocks', ['sector'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stocks_sector'), table_name='stocks')
    op.drop_column('stocks', 'sector')
