"""tax rates

Revision ID: ca0292b1d3f2
Revises: 
Create Date: 2024-02-26 10:30:12.903341

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'ca0292b1d3f2'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = ('tax',)
depends_on: Union[str, Sequence[str], None] = '5790c1d3fcff'


def upgrade() -> None:
    tax_rates = op.create_table('tax_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.CHAR(length=2), nullable=False),
    sa.Column('rate', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('label', sa.String(length=40), server_default='VAT %', nullable=False),
    sa.CheckConstraint('rate >= 0 AND rate <= 100', name=op.f('ck_tax_rates_rate_percent')),
    sa.CheckConstraint("label LIKE '%\\%%' ESCAPE '\\'", name=op.f('ck_tax_rates_label_has_percent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rates')),
    sa.UniqueConstraint('country', 'rate', name='uq_tax_rates_country_rate')
    )
    op.bulk_insert(tax_rates, [
        {'id': 1, 'country': 'DE', 'rate': 19, 'label': 'MwSt. 19%'},
        {'id': 2, 'country': 'FR', 'rate': 20, 'label': 'TVA 20%'},
        {'id': 3, 'country': 'NL', 'rate': 21, 'label': 'BTW 21%'},
    ])


def downgrade() -> None:
    op.drop_table('tax_rates')
