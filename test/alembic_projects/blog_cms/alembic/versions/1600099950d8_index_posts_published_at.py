"""index posts published_at

Revision ID: 1600099950d8
Revises: 36f681e74ef5
Create Date: 2023-06-20 13:05:58.066241

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1600099950d8'
down_revision = '36f681e74ef5'
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index(
            'ix_posts_published_at',
            'posts',
            ['published_at'],
            unique=False,
            postgresql_concurrently=True,
            postgresql_where=sa.text("status = 'published'"),
        )


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_posts_published_at', table_name='posts', postgresql_concurrently=True)
