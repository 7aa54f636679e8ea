"""add post slugs

Revision ID: 0c5ca6a3a450
Revises: 6513269e0d37
Create Date: 2023-03-02 14:48:05.117093

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0c5ca6a3a450'
down_revision = '6513269e0d37'
branch_labels = None
depends_on = None


def slugify(value):
    value = unicodedata.normalize('NFKD', value).encode('ascii', 'ignore').decode('ascii')
    value = re.sub(r'[^a-z0-9]+', '-', value.lower()).strip('-')
    return value or 'post'


def upgrade():
    op.add_column('posts', sa.Column('slug', sa.String(length=220), nullable=True))

    # backfill: every existing post gets "<slug of title>-<id>", unique by construction
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, title FROM posts")).fetchall()
    for post_id, title in rows:
        conn.execute(
            sa.text("UPDATE posts SET slug = :slug WHERE id = :id"),
            {"slug": "%s-%d" % (slugify(title), post_id), "id": post_id},
        )

    op.alter_column('posts', 'slug', existing_type=sa.String(length=220), nullable=False)
    op.create_unique_constraint('uq_posts_slug', 'posts', ['slug'])


def downgrade():
    op.drop_constraint('uq_posts_slug', 'posts', type_='unique')
    op.drop_column('posts', 'slug')
