"""Index open tickets concurrently

Revision ID: 7f1534b9b5df
Revises: 9e770f4205b4
Create Date: 2023-04-11 19:03:44.915286

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7f1534b9b5df'
down_revision = '9e770f4205b4'
branch_labels = None
depends_on = None


def upgrade():
    # tickets is hot: do not lock it
    with op.get_context().autocommit_block():
        op.create_index('ix_tickets_queue_status_updated', 'tickets',
                        ['queue_id', 'status', 'updated_at'],
                        postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index('ix_tickets_queue_status_updated', table_name='tickets',
                      postgresql_concurrently=True)
