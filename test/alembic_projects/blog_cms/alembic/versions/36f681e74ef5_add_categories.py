"""add categories

Revision ID: 36f681e74ef5
Revises: e8e20ed90475
Create Date: 2023-06-01 10:12:33.480925

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.ext.declarative import declarative_base


# revision identifiers, used by Alembic.
revision = '36f681e74ef5'
down_revision = 'e8e20ed90475'
branch_labels = None
depends_on = None

Base = declarative_base()


class Category(Base):
    __tablename__ = 'categories'

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(80), nullable=False)
    slug = sa.Column(sa.String(80), nullable=False)


class Post(Base):
    __tablename__ = 'posts'

    id = sa.Column(sa.Integer, primary_key=True)
    category_id = sa.Column(sa.Integer)


def upgrade():
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug', name='uq_categories_slug')
    )
    op.add_column('posts', sa.Column('category_id', sa.Integer(), nullable=True))
    op.create_foreign_key('fk_posts_category_id_categories', 'posts', 'categories', ['category_id'], ['id'], ondelete='SET NULL')

    # every existing post goes to "Uncategorized"
    bind = op.get_bind()
    session = orm.Session(bind=bind)
    default = Category(name='Uncategorized', slug='uncategorized')
    session.add(default)
    session.flush()
    for post in session.query(Post).filter(Post.category_id.is_(None)):
        post.category_id = default.id
    session.commit()


def downgrade():
    op.drop_constraint('fk_posts_category_id_categories', 'posts', type_='foreignkey')
    op.drop_column('posts', 'category_id')
    op.drop_table('categories')
