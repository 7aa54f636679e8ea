"""Drop legacy password hashes

Revision ID: 1a612e44158b
Revises: ae97d0eda82f
Create Date: 2023-01-09 08:12:55.930011

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '1a612e44158b'
down_revision = 'ae97d0eda82f'
branch_labels = None
depends_on = None


def upgrade():
    # agents sign in through SSO since 2.4
    op.drop_column('agents', 'legacy_password_hash')


def downgrade():
    raise NotImplementedError()
