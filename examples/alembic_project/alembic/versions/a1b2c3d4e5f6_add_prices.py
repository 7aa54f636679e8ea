"""Add prices

Revision ID: a1b2c3d4e5f6
Revises: 4e55a8b046a1
Create Date: 2025-08-18 14:30:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = 'a1b2c3d4e5f6'
down_revision = '4e55a8b046a1'
branch_labels = ('prices',)
depends_on = None


def upgrade() -> None:
    op.create_table('prices',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('stock_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('close', sa.Numeric(12, 4), nullable=False),
        sa.ForeignKeyConstraint(['stock_id'], ['stocks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('stock_id', 'day', name='uq_prices_stock_day')
    )


def downgrade() -> None:
    op.drop_table('prices')
