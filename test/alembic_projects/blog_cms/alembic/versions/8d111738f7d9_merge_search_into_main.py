"""merge search into main

Revision ID: 8d111738f7d9
Revises: 1600099950d8, 3d9c11e20b8f
Create Date: 2023-06-21 08:44:02.510337

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d111738f7d9'
down_revision = ('1600099950d8', '3d9c11e20b8f')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
