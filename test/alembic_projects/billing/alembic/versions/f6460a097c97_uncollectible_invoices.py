"""uncollectible invoices

Revision ID: f6460a097c97
Revises: 6bf47d2caf82
Create Date: 2024-02-19 16:55:03.661927

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'f6460a097c97'
down_revision: Union[str, None] = '6bf47d2caf82'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.execute("ALTER TYPE invoice_status ADD VALUE 'uncollectible' AFTER 'void'")


def downgrade() -> None:
    raise NotImplementedError("enum values cannot be removed; restore from backup")
