"""document tables

Revision ID: f28c1fb17c23
Revises: 90c1d3ac94af
Create Date: 2023-08-02 15:33:10.850176

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f28c1fb17c23'
down_revision = '90c1d3ac94af'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table_comment('posts', "Blog posts; body is Markdown", existing_comment=None)
    op.alter_column('posts', 'reading_minutes',
               existing_type=sa.Integer(),
               comment="estimated, 200 words a minute",
               existing_nullable=True)
    op.create_table_comment('site_settings', "key/value settings, 'title_template' uses %s")


def downgrade():
    op.drop_table_comment('site_settings', existing_comment="key/value settings, 'title_template' uses %s")
    op.alter_column('posts', 'reading_minutes',
               existing_type=sa.Integer(),
               comment=None,
               existing_comment="estimated, 200 words a minute",
               existing_nullable=True)
    op.drop_table_comment('posts', existing_comment="Blog posts; body is Markdown")
