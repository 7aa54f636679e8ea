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

-- the plan, made once, and what a client does with it: the steps before
-- a2 in one transaction, a2's statements one by one, then a2's bookkeeping
SELECT * FROM pim_migrate_steps('head');
SELECT * FROM pim_migrate_steps('base', 'downgrade');
SELECT * FROM pim_migrate_steps('head', 'sideways');
SELECT * FROM pim_migrate_statements('a2');
SELECT * FROM pim_migrate_statements('a2', 'downgrade');
-- each statement with the line of its first token: blank lines, comments
-- (nested block comments too) and statements over several lines
SELECT pim_migrate_load($file$-- Maintenance
--
-- Revision ID: a3
-- Revises: a2
-- Transactional: false

-- +upgrade

/* a /* nested */ comment */ CREATE INDEX CONCURRENTLY ix_a3
    ON stocks (id, ticker);
-- between
VACUUM (ANALYZE)
  stocks;   SELECT 1;

REINDEX (CONCURRENTLY false) INDEX ix_a3;
$file$);
SELECT * FROM pim_migrate_statements('a3');

-- a2 may not run in a transaction, a1 may not be recorded only
SELECT * FROM pim_migrate_apply('{a2}');
SELECT * FROM pim_migrate_apply('{a1}', record_only => true);
CREATE INDEX CONCURRENTLY ix_stocks_ticker ON stocks (ticker);
-- only what the graph allows next, in the order given
SELECT * FROM pim_migrate_apply('{a2}', 'downgrade', true);
SELECT * FROM pim_migrate_apply('{a2}', record_only => true);
SELECT operation, revision FROM pim_migrate.log ORDER BY id DESC LIMIT 1;
SELECT * FROM pim_migrate_apply('{a2}', record_only => true);
SELECT * FROM pim_migrate_verify();
-- down again: a2 by the client, a1 as usual
SELECT * FROM pim_migrate_steps('base', 'downgrade');
DROP INDEX CONCURRENTLY ix_stocks_ticker;
SELECT * FROM pim_migrate_apply('{a2}', 'downgrade', record_only => true);
SELECT * FROM pim_migrate_apply('{a1}', 'downgrade');
SELECT * FROM pim_migrate_apply('{a1,a1}');
SELECT * FROM pim_migrate_apply('{a2}', record_only => true);
SELECT count(*) FROM pim_migrate_current();

-- a transactional revision cannot hold what no transaction may hold: said
-- at registration, with the line, not when the upgrade reaches it
SELECT pim_migrate_revision('index', E'SELECT 1;\nCREATE INDEX CONCURRENTLY ix ON stocks (ticker);', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('vacuum', 'VACUUM stocks', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('reindex', 'REINDEX (CONCURRENTLY) TABLE stocks', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('system', 'ALTER SYSTEM SET work_mem = 8192', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('drop', 'SELECT 1', 'DROP INDEX CONCURRENTLY ix', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('schema', 'REINDEX SCHEMA public', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('move', 'ALTER DATABASE postgres SET TABLESPACE pg_default', revision => 'b1', down_revision => '{}');
-- what a transaction may hold passes
SELECT pim_migrate_revision('fine', 'ANALYZE stocks; CREATE INDEX ix ON stocks (ticker); REINDEX (CONCURRENTLY false) TABLE stocks', 'DROP INDEX ix', revision => 'b1', down_revision => '{}');

-- the session lock: other sessions' migrations fail at once while it is
-- held (see the isolation spec); taking it twice is a no-op, letting go
-- says if it held
SELECT pim_migrate_lock();
SELECT pim_migrate_lock();
SELECT locktype, mode, objsubid FROM pg_locks
WHERE classid = 'pim_migrate.version'::regclass AND pid = pg_backend_pid();
SELECT count(*) FROM pim_migrate_upgrade('a1');
-- an error in the holder's transaction does not let it go
SELECT 1 / 0;
SELECT count(*) FROM pg_locks
WHERE classid = 'pim_migrate.version'::regclass AND pid = pg_backend_pid();
SELECT pim_migrate_unlock();
SELECT pim_migrate_unlock();
SELECT count(*) FROM pg_locks
WHERE classid = 'pim_migrate.version'::regclass AND pid = pg_backend_pid();

-- clean up
SELECT revision FROM pim_migrate_downgrade('base');
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
