"""reorder levels

Revision ID: c7a2b2f14c94
Revises: 2e05cb5c7427
Create Date: 2022-04-04 13:38:50.162783

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c7a2b2f14c94'
down_revision = '2e05cb5c7427'
branch_labels = None
depends_on = None

SAFETY_FACTOR = 0.2


def upgrade():
    op.add_column('stock_levels', sa.Column('reorder_level', sa.Integer(), server_default='0', nullable=False))
    bind = op.get_bind()
    averages = bind.execute(sa.text(
        "SELECT product_id, avg(quantity) AS avg_qty FROM stock_levels GROUP BY product_id"
    )).mappings().all()
    for row in averages:
        level = int(round(float(row['avg_qty']) * SAFETY_FACTOR))
        bind.execute(
            sa.text("UPDATE stock_levels SET reorder_level = %d WHERE product_id = %d" % (level, row['product_id']))
        )


def downgrade():
    op.drop_column('stock_levels', 'reorder_level')
