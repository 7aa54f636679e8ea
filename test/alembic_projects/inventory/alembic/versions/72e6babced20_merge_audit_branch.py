"""merge audit branch

Revision ID: 72e6babced20
Revises: 57eee00902c7, 7ebf86734721
Create Date: 2022-05-16 14:02:11.558204

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '72e6babced20'
down_revision = ('57eee00902c7', '7ebf86734721')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
