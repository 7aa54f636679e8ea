"""Sector prices view

Revision ID: b7c8d9e0f1a2
Revises: a1b2c3d4e5f6
Create Date: 2025-08-21 16:45:00.000000
"""
from alembic import op

revision = 'b7c8d9e0f1a2'
down_revision = 'a1b2c3d4e5f6'
branch_labels = None
# the view reads stocks.sector, which the other branch adds
depends_on = '1975ea83b712'


def upgrade() -> None:
    op.execute("""
        CREATE VIEW sector_prices AS
        SELECT s.sector, p.day, avg(p.close) AS avg_close
        FROM prices p JOIN stocks s ON s.id = p.stock_id
        GROUP BY s.sector, p.day
    """)


def downgrade() -> None:
    op.execute("DROP VIEW sector_prices")
