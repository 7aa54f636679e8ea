"""add scheduled post status

Revision ID: 95315d9dc9f8
Revises: 1818892f902b
Create Date: 2023-05-08 08:59:30.771950

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '95315d9dc9f8'
down_revision = '1818892f902b'
branch_labels = None
depends_on = None


def upgrade():
    # ALTER TYPE ... ADD VALUE cannot run inside a transaction block on
    # older servers, and the new value cannot be used in the same one
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE post_status ADD VALUE IF NOT EXISTS 'scheduled' BEFORE 'published'")


def downgrade():
    # PostgreSQL cannot drop a value from an enum
    raise NotImplementedError("cannot remove 'scheduled' from post_status")
