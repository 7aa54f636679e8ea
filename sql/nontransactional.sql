--
-- Revisions that no transaction may hold ("Transactional: false"): refused
-- in-server before anything runs; written between transactions offline.
--
SELECT pim_migrate_revision('stocks', 'CREATE TABLE stocks (id int PRIMARY KEY, ticker text)', 'DROP TABLE stocks', revision => 'a1', down_revision => '{}');
SELECT pim_migrate_load($file$-- Index tickers without blocking writers
--
-- Revision ID: a2
-- Revises: a1
-- Transactional: false

-- +upgrade
CREATE INDEX CONCURRENTLY ix_stocks_ticker ON stocks (ticker);

-- +downgrade
DROP INDEX CONCURRENTLY ix_stocks_ticker;
$file$);
SELECT revision, transactional FROM pim_migrate_show('a2');

-- in-server: refused before anything runs, a1 included
\set VERBOSITY default
SELECT * FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_upgrade('head', dry_run => true);
SELECT count(*) FROM pim_migrate_current();
-- what stands before it runs as usual
SELECT revision FROM pim_migrate_upgrade('a1');

-- offline: the revision runs between transactions
SELECT pim_migrate_upgrade_sql('head');

-- clean up
SELECT revision FROM pim_migrate_downgrade('base');
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
