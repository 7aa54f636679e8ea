"""discontinue OLD- skus

Revision ID: 57eee00902c7
Revises: 14f43e7d1bfb
Create Date: 2022-05-16 09:31:26.947120

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '57eee00902c7'
down_revision = '14f43e7d1bfb'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "UPDATE products SET discontinued = true, status = 'retired' "
        "WHERE sku LIKE 'OLD-%' OR name ILIKE '%(obsolete)%'"
    ))
    op.create_index('ix_products_active_sku', 'products', ['sku'], postgresql_where=sa.text('NOT discontinued'))


def downgrade():
    op.drop_index('ix_products_active_sku', table_name='products')
