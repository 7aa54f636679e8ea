"""flag link spam comments

Revision ID: e8e20ed90475
Revises: 95315d9dc9f8
Create Date: 2023-05-15 16:20:44.208731

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8e20ed90475'
down_revision = '95315d9dc9f8'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('comments', sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE comments SET is_spam = true, flagged_at = now() "
        "WHERE body LIKE '%http://%' OR body ILIKE '%casino%'"
    )


def downgrade():
    op.drop_column('comments', 'flagged_at')
