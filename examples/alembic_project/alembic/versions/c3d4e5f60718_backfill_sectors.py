"""Backfill sectors

Revision ID: c3d4e5f60718
Revises: 1975ea83b712
Create Date: 2025-08-20 09:15:00.000000
"""
from alembic import op

revision = 'c3d4e5f60718'
down_revision = '1975ea83b712'
branch_labels = None
# needs nothing newer than the table itself: a dependency on an ancestor,
# which Alembic allows
depends_on = '4e55a8b046a1'


def upgrade() -> None:
    # a data migration
    op.execute("UPDATE stocks SET sector = 'unknown' WHERE sector IS NULL")
    op.alter_column('stocks', 'sector', server_default='unknown')


def downgrade() -> None:
    op.alter_column('stocks', 'sector', server_default=None)
