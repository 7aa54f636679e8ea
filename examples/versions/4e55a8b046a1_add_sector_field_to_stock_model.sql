-- Add sector field to Stock model
--
-- Revision ID: 4e55a8b046a1
-- Revises: 1975ea83b712
-- Create Date: 2025-08-23 10:02:41.118204

-- +upgrade
ALTER TABLE stocks ADD COLUMN sector varchar;
CREATE INDEX ix_stocks_sector ON stocks (sector);

-- +downgrade
DROP INDEX ix_stocks_sector;
ALTER TABLE stocks DROP COLUMN sector;
