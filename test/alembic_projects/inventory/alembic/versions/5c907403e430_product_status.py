"""product status

Revision ID: 5c907403e430
Revises: ec6695e761d1
Create Date: 2022-01-10 11:02:48.372105

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5c907403e430'
down_revision = 'ec6695e761d1'
branch_labels = None
depends_on = None

product_status = postgresql.ENUM('active', 'draft', 'retired', name='product_status')

products = sa.table(
    'products',
    sa.column('status', sa.String),
    sa.column('discontinued', sa.Boolean),
)


def upgrade():
    product_status.create(op.get_bind())
    op.add_column('products', sa.Column('status', product_status, nullable=True))
    op.execute(products.update().values(status='active'))
    op.execute(products.update().where(products.c.discontinued == sa.true()).values(status='retired'))
    op.alter_column('products', 'status', nullable=False, server_default='draft')


def downgrade():
    op.drop_column('products', 'status')
    product_status.drop(op.get_bind())
