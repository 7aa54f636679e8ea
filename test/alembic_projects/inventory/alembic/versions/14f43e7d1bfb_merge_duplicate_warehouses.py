"""merge duplicate warehouses

Revision ID: 14f43e7d1bfb
Revises: c7a2b2f14c94
Create Date: 2022-04-12 08:05:19.733026

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '14f43e7d1bfb'
down_revision = 'c7a2b2f14c94'
branch_labels = None
depends_on = None


def upgrade():
    # the old importer created "MAIN" and "main": keep the lowest id per lower(code)
    op.execute("""
        UPDATE stock_levels s SET warehouse_id = k.keep_id
          FROM (SELECT id, min(id) OVER (PARTITION BY lower(code)) AS keep_id FROM warehouses) k
         WHERE s.warehouse_id = k.id AND k.id <> k.keep_id
    """)
    op.execute("""
        DELETE FROM warehouses w
         USING (SELECT id, min(id) OVER (PARTITION BY lower(code)) AS keep_id FROM warehouses) k
         WHERE w.id = k.id AND k.id <> k.keep_id
    """)
    op.execute("UPDATE warehouses SET code = upper(code)")
    op.create_index('ux_warehouses_code_lower', 'warehouses', [sa.text('lower(code)')], unique=True)


def downgrade():
    raise RuntimeError("merge duplicate warehouses is irreversible: the duplicates were deleted")
