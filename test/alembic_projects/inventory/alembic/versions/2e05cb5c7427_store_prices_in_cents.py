"""store prices in cents

Revision ID: 2e05cb5c7427
Revises: 3f984cbd87ad
Create Date: 2022-03-21 10:27:35.411948

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '2e05cb5c7427'
down_revision = '3f984cbd87ad'
branch_labels = None
depends_on = None


def upgrade():
    op.alter_column('products', 'price',
                    existing_type=sa.Numeric(precision=10, scale=2),
                    type_=sa.Integer(),
                    existing_nullable=False,
                    postgresql_using='round(price * 100)::integer',
                    new_column_name='price_cents')
    op.create_check_constraint(op.f('ck_products_price_cents_non_negative'), 'products', 'price_cents >= 0')


def downgrade():
    op.drop_constraint(op.f('ck_products_price_cents_non_negative'), 'products', type_='check')
    op.alter_column('products', 'price_cents',
                    existing_type=sa.Integer(),
                    type_=sa.Numeric(precision=10, scale=2),
                    existing_nullable=False,
                    postgresql_using='price_cents / 100.0',
                    new_column_name='price')
