"""Merge sectors and prices

Revision ID: e9f0a1b2c3d4
Revises: c3d4e5f60718, b7c8d9e0f1a2
Create Date: 2025-08-22 08:00:00.000000
"""

revision = 'e9f0a1b2c3d4'
down_revision = ('c3d4e5f60718', 'b7c8d9e0f1a2')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
