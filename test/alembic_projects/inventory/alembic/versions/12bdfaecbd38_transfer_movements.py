"""transfer movements

Revision ID: 12bdfaecbd38
Revises: 9be449b64a08
Create Date: 2022-07-01 12:19:38.660442

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '12bdfaecbd38'
down_revision = '9be449b64a08'
branch_labels = None
depends_on = None


def upgrade():
    # IF NOT EXISTS: a downgrade leaves the value behind
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE movement_kind ADD VALUE IF NOT EXISTS 'transfer'")
    op.add_column('stock_movements', sa.Column('counterpart_id', sa.BigInteger(), nullable=True))


def downgrade():
    op.drop_column('stock_movements', 'counterpart_id')
    # the enum value stays: PostgreSQL cannot remove it
