-- reorder levels
--
-- Revision ID: c7a2b2f14c94
-- Revises: 2e05cb5c7427
-- Create Date: 2022-04-04 13:38:50.162783

-- Written by hand: the Python revision reads the average quantity per
-- product and writes reorder_level back row by row (SAFETY_FACTOR 0.2).

-- +upgrade
ALTER TABLE stock_levels ADD COLUMN reorder_level INTEGER DEFAULT '0' NOT NULL;
UPDATE stock_levels s
   SET reorder_level = round(a.avg_qty * 0.2)::integer
  FROM (SELECT product_id, avg(quantity) AS avg_qty FROM stock_levels GROUP BY product_id) a
 WHERE s.product_id = a.product_id;

-- +downgrade
ALTER TABLE stock_levels DROP COLUMN reorder_level;
