"""stock movements

Revision ID: 4cdd930d6eaf
Revises: 
Create Date: 2022-03-28 17:12:44.209815

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '4cdd930d6eaf'
down_revision = None
branch_labels = ('audit',)
depends_on = '7731506bf2ef'


def upgrade():
    op.create_table('stock_movements',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('stock_level_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('receipt', 'shipment', 'adjustment', name='movement_kind'), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['stock_level_id'], ['stock_levels.id'], name=op.f('fk_stock_movements_stock_level_id_stock_levels'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    op.create_index(op.f('ix_stock_movements_stock_level_id'), 'stock_movements', ['stock_level_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_stock_movements_stock_level_id'), table_name='stock_movements')
    op.drop_table('stock_movements')
    sa.Enum(name='movement_kind').drop(op.get_bind(), checkfirst=False)
