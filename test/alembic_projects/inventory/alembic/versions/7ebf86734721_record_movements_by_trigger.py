"""record movements by trigger

Revision ID: 7ebf86734721
Revises: 4cdd930d6eaf
Create Date: 2022-03-29 10:48:07.581336

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '7ebf86734721'
down_revision = '4cdd930d6eaf'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
    CREATE OR REPLACE FUNCTION record_stock_movement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        d integer;
    BEGIN
        d := NEW.quantity - OLD.quantity;
        IF d <> 0 THEN
            INSERT INTO stock_movements (stock_level_id, kind, delta, meta)
            VALUES (NEW.id, 'adjustment', d, jsonb_build_object('by', current_user));
            RAISE NOTICE 'stock level % changed by %', NEW.id, d;
        END IF;
        RETURN NEW;
    END;
    $$;
    """)
    op.execute(
        "CREATE TRIGGER stock_levels_movement AFTER UPDATE OF quantity ON stock_levels "
        "FOR EACH ROW EXECUTE PROCEDURE record_stock_movement()"
    )


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS stock_levels_movement ON stock_levels")
    op.execute("DROP FUNCTION IF EXISTS record_stock_movement()")
