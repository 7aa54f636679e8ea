"""merge tax branch

Revision ID: 57125051c1cc
Revises: 8edec3baea9e, d17fe01f5057
Create Date: 2024-03-12 09:00:21.574186

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '57125051c1cc'
down_revision: Union[str, None] = ('8edec3baea9e', 'd17fe01f5057')
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
