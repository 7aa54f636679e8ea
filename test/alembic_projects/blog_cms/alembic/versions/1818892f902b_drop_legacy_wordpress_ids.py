"""drop legacy wordpress ids

Revision ID: 1818892f902b
Revises: d23f128b2f33
Create Date: 2023-04-27 11:36:09.004417

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1818892f902b'
down_revision = 'd23f128b2f33'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_column('posts', 'legacy_wp_id')


def downgrade():
    raise RuntimeError(
        "drop legacy wordpress ids is irreversible: the WordPress ids are gone"
    )
