"""discount labels

Revision ID: 830e1e398f10
Revises: 12bdfaecbd38
Create Date: 2022-08-23 15:57:02.317790

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '830e1e398f10'
down_revision = '12bdfaecbd38'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('products', sa.Column('discount_label', sa.String(length=16), server_default='0%', nullable=False,
                                        comment='shown on the shelf label, e.g. "-15%"'))
    op.add_column('products', sa.Column('discount_pct', sa.Numeric(5, 2), server_default='0', nullable=False))
    op.create_check_constraint('ck_products_discount_pct_range', 'products', 'discount_pct BETWEEN 0 AND 100')
    op.create_table_comment('stock_levels', 'one row per (product, warehouse); quantity in units')


def downgrade():
    op.drop_table_comment('stock_levels', existing_comment='one row per (product, warehouse); quantity in units')
    op.drop_constraint('ck_products_discount_pct_range', 'products', type_='check')
    op.drop_column('products', 'discount_pct')
    op.drop_column('products', 'discount_label')
