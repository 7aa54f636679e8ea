"""full text search

Revision ID: 6b0d6f03675a
Revises: 
Create Date: 2023-05-22 19:41:12.339578

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '6b0d6f03675a'
down_revision = None
branch_labels = ('search',)
depends_on = '0c5ca6a3a450'


def upgrade():
    op.add_column('posts', sa.Column('search_vector', postgresql.TSVECTOR(), nullable=True))
    op.create_index('ix_posts_search_vector', 'posts', ['search_vector'], unique=False, postgresql_using='gin')


def downgrade():
    op.drop_index('ix_posts_search_vector', table_name='posts', postgresql_using='gin')
    op.drop_column('posts', 'search_vector')
