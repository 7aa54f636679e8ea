"""populate search vectors

Revision ID: 3d9c11e20b8f
Revises: 6b0d6f03675a
Create Date: 2023-05-23 09:15:27.942106

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d9c11e20b8f'
down_revision = '6b0d6f03675a'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(sa.text(
        "UPDATE posts SET search_vector = "
        "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
        "setweight(to_tsvector('english', coalesce(body, '')), 'B')"
    ))
    op.execute("""
        CREATE FUNCTION posts_search_vector_trigger() RETURNS trigger AS $$
        BEGIN
            NEW.search_vector :=
                setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
                setweight(to_tsvector('english', coalesce(NEW.body, '')), 'B');
            RETURN NEW;
        END
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER posts_search_vector_update
        BEFORE INSERT OR UPDATE OF title, body ON posts
        FOR EACH ROW EXECUTE FUNCTION posts_search_vector_trigger()
    """)


def downgrade():
    op.execute("DROP TRIGGER posts_search_vector_update ON posts")
    op.execute("DROP FUNCTION posts_search_vector_trigger()")
    op.execute("UPDATE posts SET search_vector = NULL")
