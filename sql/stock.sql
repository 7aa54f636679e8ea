--
-- The README's tutorial, step by step: the Stock story of the Alembic
-- guide, from an empty database to "add sector" and back.
--

-- 1. The first revision: the Stock model
SELECT pim_migrate_revision(
    message  => 'Initial migration with Stock model',
    revision => '1975ea83b712',
    upgrade  => $$
        CREATE TABLE stocks (
            id integer PRIMARY KEY,
            name varchar,
            market varchar,
            ticker varchar
        );
        CREATE INDEX ix_stocks_id ON stocks (id);
    $$,
    downgrade => $$
        DROP INDEX ix_stocks_id;
        DROP TABLE stocks;
    $$);

-- 2. Apply it, look around
SELECT * FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();
INSERT INTO stocks VALUES (1, 'Acme', 'NYSE', 'ACME');

-- 3. The model changes: a revision file adds the sector field
SELECT pim_migrate_load($file$-- Add sector field to Stock model
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
$file$);
SELECT * FROM pim_migrate_status();

-- 4. upgrade head, current, history
SELECT * FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();
SELECT revision, down_revisions, message, is_head, is_applied
FROM pim_migrate_history();
\d stocks

-- 5. downgrade -1: the sector goes, the data stays
SELECT * FROM pim_migrate_downgrade('-1');
SELECT * FROM pim_migrate_current();
SELECT * FROM stocks;

-- 6. what ran, when, by whom
SELECT revision, operation, applied_by = current_user AS by_me
FROM pim_migrate.log ORDER BY id;

-- clean up
SELECT revision FROM pim_migrate_downgrade('base');
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
