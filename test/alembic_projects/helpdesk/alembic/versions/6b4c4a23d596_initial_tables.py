"""Initial tables

Revision ID: 6b4c4a23d596
Revises: 
Create Date: 2022-09-12 10:41:03.312094

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '6b4c4a23d596'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agents',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('email', sa.String(255), nullable=False, unique=True),
        sa.Column('full_name', sa.String(120), nullable=False),
        sa.Column('legacy_password_hash', sa.String(255), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        'customers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('email', sa.String(255), nullable=False),
        sa.Column('name', sa.String(120)),
        sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        'tickets',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('public_id', postgresql.UUID(as_uuid=True), nullable=False,
                  server_default=sa.text('gen_random_uuid()')),
        sa.Column('subject', sa.String(200), nullable=False),
        sa.Column('status', sa.Enum('open', 'pending', 'solved', 'closed', name='ticket_status'),
                  nullable=False, server_default='open'),
        sa.Column('priority', sa.Enum('low', 'normal', 'high', 'urgent', name='ticket_priority'),
                  nullable=False, server_default='normal'),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customers.id'), nullable=False),
        sa.Column('assignee_id', sa.Integer(), sa.ForeignKey('agents.id', ondelete='SET NULL')),
        sa.Column('created_at', sa.DateTime(), nullable=False, server_default=sa.func.now()),
        sa.Column('updated_at', sa.DateTime(), nullable=False, server_default=sa.func.now()),
    )
    op.create_index('ix_tickets_public_id', 'tickets', ['public_id'], unique=True)
    op.create_index('ix_tickets_status', 'tickets', ['status'])


def downgrade():
    op.drop_index('ix_tickets_status', 'tickets')
    op.drop_index('ix_tickets_public_id', 'tickets')
    op.drop_table('tickets')
    op.drop_table('customers')
    op.drop_table('agents')
    op.execute('DROP TYPE ticket_priority')
    op.execute('DROP TYPE ticket_status')
