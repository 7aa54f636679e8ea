"""seed plans

Revision ID: eeea26e87555
Revises: 5790c1d3fcff
Create Date: 2024-01-23 09:40:17.015533

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'eeea26e87555'
down_revision: Union[str, None] = '5790c1d3fcff'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

plans = sa.table(
    'plans',
    sa.column('code', sa.String),
    sa.column('name', sa.String),
    sa.column('price_cents', sa.Integer),
    sa.column('currency', sa.String),
)


def upgrade() -> None:
    op.add_column('plans', sa.Column('trial_days', sa.Integer(), server_default='0', nullable=False))
    op.bulk_insert(plans, [
        {'code': 'free', 'name': 'Free', 'price_cents': 0, 'currency': 'EUR'},
        {'code': 'pro-monthly', 'name': 'Pro (monthly)', 'price_cents': 1900, 'currency': 'EUR'},
        {'code': 'pro-yearly', 'name': 'Pro (yearly, -20%)', 'price_cents': 18240, 'currency': 'EUR'},
        {'code': 'team', 'name': "Team: 10 seats, 'fair use'", 'price_cents': 9900, 'currency': 'USD'},
    ])


def downgrade() -> None:
    op.execute("DELETE FROM plans WHERE code IN ('free', 'pro-monthly', 'pro-yearly', 'team')")
    op.drop_column('plans', 'trial_days')
