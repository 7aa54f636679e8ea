"""index invoices by customer

Revision ID: 59a5b1fee08f
Revises: 57125051c1cc
Create Date: 2024-04-02 17:36:05.992143

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '59a5b1fee08f'
down_revision: Union[str, None] = '57125051c1cc'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(op.f('ix_invoices_customer_id_issued_at'), 'invoices', ['customer_id', 'issued_at'],
                        unique=False, postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index(op.f('ix_invoices_customer_id_issued_at'), table_name='invoices',
                      postgresql_concurrently=True)
