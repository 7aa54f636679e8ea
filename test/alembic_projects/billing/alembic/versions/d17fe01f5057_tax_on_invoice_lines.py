"""tax on invoice lines

Revision ID: d17fe01f5057
Revises: ca0292b1d3f2
Create Date: 2024-02-27 15:11:40.220519

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd17fe01f5057'
down_revision: Union[str, None] = 'ca0292b1d3f2'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('invoice_lines', sa.Column('tax_rate_id', sa.Integer(), nullable=True))
    op.create_foreign_key(op.f('fk_invoice_lines_tax_rate_id_tax_rates'), 'invoice_lines', 'tax_rates', ['tax_rate_id'], ['id'])


def downgrade() -> None:
    op.drop_constraint(op.f('fk_invoice_lines_tax_rate_id_tax_rates'), 'invoice_lines', type_='foreignkey')
    op.drop_column('invoice_lines', 'tax_rate_id')
