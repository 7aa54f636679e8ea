"""zero invoices are paid

Revision ID: 13deab1031d0
Revises: f6460a097c97
Create Date: 2024-03-04 08:47:29.118054

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '13deab1031d0'
down_revision: Union[str, None] = 'f6460a097c97'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

invoices = sa.table(
    'invoices',
    sa.column('status', sa.String),
    sa.column('total_cents', sa.Integer),
    sa.column('meta', sa.Text),
)


def upgrade() -> None:
    op.execute(
        invoices.update()
        .where(invoices.c.total_cents == 0)
        .where(invoices.c.status == 'open')
        .values(status='paid')
    )
    op.add_column('invoices', sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE invoices SET paid_at = issued_at WHERE status = 'paid'"))


def downgrade() -> None:
    op.drop_column('invoices', 'paid_at')
