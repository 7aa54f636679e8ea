"""reading time as integer

Revision ID: 90c1d3ac94af
Revises: 0f216cad4a26
Create Date: 2023-07-18 12:01:36.274590

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '90c1d3ac94af'
down_revision = '0f216cad4a26'
branch_labels = None
depends_on = None


def upgrade():
    # "4 min" -> 4
    op.alter_column('posts', 'reading_time',
               existing_type=sa.String(length=10),
               type_=sa.Integer(),
               existing_nullable=True,
               postgresql_using="nullif(regexp_replace(reading_time, '[^0-9]', '', 'g'), '')::integer")
    op.alter_column('posts', 'reading_time', new_column_name='reading_minutes')


def downgrade():
    op.alter_column('posts', 'reading_minutes', new_column_name='reading_time')
    op.alter_column('posts', 'reading_time',
               existing_type=sa.Integer(),
               type_=sa.String(length=10),
               existing_nullable=True,
               postgresql_using="reading_time || ' min'")
