"""number invoices

Revision ID: 8edec3baea9e
Revises: 13deab1031d0
Create Date: 2024-03-11 13:02:58.447710

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8edec3baea9e'
down_revision: Union[str, None] = '13deab1031d0'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT id, issued_at FROM invoices WHERE number IS NULL AND issued_at IS NOT NULL ORDER BY issued_at, id"
    )).fetchall()
    per_year = {}
    for invoice_id, issued_at in rows:
        per_year[issued_at.year] = per_year.get(issued_at.year, 0) + 1
        number = "INV-%d-%05d" % (issued_at.year, per_year[issued_at.year])
        conn.execute(sa.text("UPDATE invoices SET number = '%s' WHERE id = %d" % (number, invoice_id)))
    op.create_unique_constraint(op.f('uq_invoices_number'), 'invoices', ['number'])
    op.create_check_constraint(op.f('ck_invoices_number_format'), 'invoices', "number LIKE 'INV-%'")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_invoices_number_format'), 'invoices', type_='check')
    op.drop_constraint(op.f('uq_invoices_number'), 'invoices', type_='unique')
