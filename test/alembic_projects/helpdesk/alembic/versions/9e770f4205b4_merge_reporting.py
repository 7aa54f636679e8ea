"""merge reporting

Revision ID: 9e770f4205b4
Revises: 18f15f557203, 907a1012f037
Create Date: 2023-03-07 13:14:59.602833

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e770f4205b4'
down_revision = ('18f15f557203', '907a1012f037')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
