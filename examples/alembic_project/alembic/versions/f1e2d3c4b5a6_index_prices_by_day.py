"""Index prices by day

Revision ID: f1e2d3c4b5a6
Revises: e9f0a1b2c3d4
Create Date: 2025-08-25 11:20:00.000000
"""
from alembic import op

revision = 'f1e2d3c4b5a6'
down_revision = 'e9f0a1b2c3d4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # prices is large and written all day: build the index without
    # blocking writers, which no transaction can hold
    with op.get_context().autocommit_block():
        op.create_index('ix_prices_day', 'prices', ['day'],
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_prices_day', table_name='prices',
                      postgresql_concurrently=True)
