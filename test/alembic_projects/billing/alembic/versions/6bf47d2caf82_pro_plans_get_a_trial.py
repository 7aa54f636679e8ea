"""pro plans get a trial

Revision ID: 6bf47d2caf82
Revises: eeea26e87555
Create Date: 2024-02-05 11:18:44.330276

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '6bf47d2caf82'
down_revision: Union[str, None] = 'eeea26e87555'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIAL_DAYS = 14


def upgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text("UPDATE plans SET trial_days = :days WHERE code LIKE 'pro%' AND trial_days = 0"),
        {"days": TRIAL_DAYS},
    )
    op.create_check_constraint(op.f('ck_plans_trial_days_range'), 'plans', 'trial_days BETWEEN 0 AND 90')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_plans_trial_days_range'), 'plans', type_='check')
    op.execute("UPDATE plans SET trial_days = 0 WHERE code LIKE 'pro%'")
