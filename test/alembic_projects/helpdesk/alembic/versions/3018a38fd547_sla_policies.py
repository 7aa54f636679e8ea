"""SLA policies

Revision ID: 3018a38fd547
Revises: 923a94e3bf91
Create Date: 2023-02-14 12:20:31.874452

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '3018a38fd547'
down_revision = '923a94e3bf91'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sla_policies',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('queue_id', sa.Integer(), sa.ForeignKey('queues.id', ondelete='CASCADE'), nullable=False),
        sa.Column('first_response_minutes', sa.Integer(), nullable=False, server_default='240'),
        # rendered with python %-formatting by the notifier
        sa.Column('reminder_template', sa.Text(), nullable=False,
                  server_default='Ticket %(id)s is waiting for you (%d%% of SLA used)'),
        sa.CheckConstraint('first_response_minutes > 0', name='ck_sla_policies_first_response_positive'),
    )
    # spam-filter placeholders are created as "private ::<id>"; keep them out of the queues
    op.create_check_constraint('ck_tickets_subject_not_private', 'tickets', "subject NOT LIKE 'private ::%'")


def downgrade():
    op.drop_constraint('ck_tickets_subject_not_private', 'tickets', type_='check')
    op.drop_table('sla_policies')
