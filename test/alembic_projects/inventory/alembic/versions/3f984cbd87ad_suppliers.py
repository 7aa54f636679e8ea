"""suppliers

Revision ID: 3f984cbd87ad
Revises: 5c907403e430
Create Date: 2022-02-07 16:51:13.020734

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session, declarative_base

# revision identifiers, used by Alembic.
revision = '3f984cbd87ad'
down_revision = '5c907403e430'
branch_labels = None
depends_on = None

Base = declarative_base()


class Supplier(Base):
    __tablename__ = 'suppliers'
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(120), nullable=False)
    email = sa.Column(sa.String(255))


class Product(Base):
    __tablename__ = 'products'
    id = sa.Column(sa.Integer, primary_key=True)
    supplier_id = sa.Column(sa.Integer, sa.ForeignKey('suppliers.id'))


def upgrade():
    op.create_table('suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suppliers'))
    )
    op.add_column('products', sa.Column('supplier_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_products_supplier_id_suppliers'), 'products', 'suppliers', ['supplier_id'], ['id'])

    session = Session(bind=op.get_bind())
    orphans = session.query(Product).filter(Product.supplier_id == None).all()  # noqa: E711
    if orphans:
        unknown = Supplier(name='Unknown supplier')
        session.add(unknown)
        session.flush()
        for product in orphans:
            product.supplier_id = unknown.id
    session.commit()


def downgrade():
    op.drop_constraint(op.f('fk_products_supplier_id_suppliers'), 'products', type_='foreignkey')
    op.drop_column('products', 'supplier_id')
    op.drop_table('suppliers')
