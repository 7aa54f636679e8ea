"""Tickets belong to a queue

Revision ID: 8f6d4ef8aa38
Revises: 92271e27a1c0
Create Date: 2022-10-03 11:58:13.064371

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8f6d4ef8aa38'
down_revision = '92271e27a1c0'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('tickets', sa.Column('queue_id', sa.Integer(), nullable=True))
    op.create_foreign_key('tickets_queue_id_fkey', 'tickets', 'queues', ['queue_id'], ['id'])
    # everything so far went to General
    op.execute(sa.text("UPDATE tickets SET queue_id = (SELECT id FROM queues WHERE name = 'General')"))
    op.alter_column('tickets', 'queue_id', nullable=False)


def downgrade():
    op.drop_constraint('tickets_queue_id_fkey', 'tickets', type_='foreignkey')
    op.drop_column('tickets', 'queue_id')
