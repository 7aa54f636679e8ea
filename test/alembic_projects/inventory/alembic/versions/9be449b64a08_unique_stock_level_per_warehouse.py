"""unique stock level per warehouse

Revision ID: 9be449b64a08
Revises: 72e6babced20
Create Date: 2022-06-08 18:44:55.102689

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9be449b64a08'
down_revision = '72e6babced20'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index('ux_stock_levels_product_warehouse', 'stock_levels',
                        ['product_id', 'warehouse_id'], unique=True,
                        postgresql_concurrently=True)
        op.create_index('ix_stock_levels_warehouse_id', 'stock_levels', ['warehouse_id'],
                        postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_stock_levels_warehouse_id', table_name='stock_levels', postgresql_concurrently=True)
        op.drop_index('ux_stock_levels_product_warehouse', table_name='stock_levels', postgresql_concurrently=True)
