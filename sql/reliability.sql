--
-- Reliability: a dry run that executes and rolls back, migrations that
-- commit after each revision, guards on the scripts' statements, and
-- applied revisions that may not change.
--
CREATE TABLE regress_accounts (id int PRIMARY KEY, balance numeric);
INSERT INTO regress_accounts VALUES (1, 10), (2, 20);
SELECT pim_migrate_revision('add currency', 'ALTER TABLE regress_accounts ADD COLUMN currency text',
                            'ALTER TABLE regress_accounts DROP COLUMN currency',
                            revision => 'd0001', down_revision => '{}');
SELECT pim_migrate_revision('fill currency', $$UPDATE regress_accounts SET currency = 'EUR'$$,
                            $$UPDATE regress_accounts SET currency = NULL$$, revision => 'd0002');
SELECT pim_migrate_revision('require currency',
                            'ALTER TABLE regress_accounts ALTER COLUMN currency SET NOT NULL',
                            'ALTER TABLE regress_accounts ALTER COLUMN currency DROP NOT NULL',
                            revision => 'd0003');

-- A dry run really runs every step (the NOTICEs, the rows), then rolls
-- everything back: schema, data, version rows and log are as before
SELECT count(*) AS log_rows FROM pim_migrate.log \gset
SELECT * FROM pim_migrate_upgrade('head', dry_run => true);
SELECT * FROM pim_migrate_current();
SELECT count(*) = :log_rows AS log_unchanged FROM pim_migrate.log;
SELECT attname FROM pg_attribute
WHERE attrelid = 'regress_accounts'::regclass AND attnum > 0 ORDER BY attnum;
-- ... and it finds what the real run would find, raised as the real run
-- raises it: a revision that cannot apply to this data
INSERT INTO regress_accounts VALUES (3, 30);
SELECT pim_migrate_revision('one account per currency',
                            'CREATE UNIQUE INDEX ON regress_accounts (currency)',
                            'SELECT 1', revision => 'd0004');
SELECT * FROM pim_migrate_upgrade('head', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();
SELECT count(*) = :log_rows AS log_unchanged FROM pim_migrate.log;

-- the real run, up to d0003; a dry downgrade reports and changes nothing
SELECT revision FROM pim_migrate_upgrade('d0003');
SELECT * FROM pim_migrate_downgrade('base', dry_run => true);
SELECT * FROM pim_migrate_current();
SELECT currency FROM regress_accounts ORDER BY id;

-- _each commits after every revision; it refuses to run where it could
-- not commit (55000)
BEGIN;
CALL pim_migrate_downgrade_each('base');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
CREATE FUNCTION regress_each() RETURNS void LANGUAGE plpgsql
AS $$ BEGIN CALL pim_migrate_upgrade_each(); END $$;
SELECT regress_each();
\echo :LAST_ERROR_SQLSTATE
DROP FUNCTION regress_each();
CALL pim_migrate_downgrade_each('base');
SELECT * FROM pim_migrate_current();
-- a failure in the 4th revision leaves the first three applied and
-- recorded; after the data is fixed, a new call resumes at the 4th
CALL pim_migrate_upgrade_each();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();
SELECT revision, operation FROM pim_migrate.log WHERE id > :log_rows ORDER BY id;
DELETE FROM regress_accounts WHERE id > 1;
CALL pim_migrate_upgrade_each();
SELECT * FROM pim_migrate_current();

-- pim_migrate.statement_timeout guards each statement of the scripts, and
-- only those: the error names the revision
SELECT pim_migrate_revision('slow', 'SELECT pg_sleep(0.5)', 'SELECT 1', revision => 'd0005');
SET pim_migrate.statement_timeout = '50ms';
SELECT * FROM pim_migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
RESET pim_migrate.statement_timeout;
SHOW statement_timeout;
-- pim_migrate.lock_timeout is set for the scripts only (a script can show it)
SELECT pim_migrate_revision('shows', $q$DO $x$ BEGIN RAISE NOTICE 'lock_timeout in the script: %', current_setting('lock_timeout'); END $x$$q$,
                            'SELECT 1', revision => 'd0006', down_revision => '{d0004}');
SET pim_migrate.lock_timeout = '2s';
SELECT revision FROM pim_migrate_upgrade('d0006');
SHOW lock_timeout;
RESET pim_migrate.lock_timeout;
-- the settings are ours: a typo in the prefix is refused
SET pim_migrate.lock_timeot = '1s';
\echo :LAST_ERROR_SQLSTATE

-- Applied revisions are immutable: a script changed behind pim_migrate's
-- back stops every migration (55000), until it is put back
UPDATE pim_migrate.revision SET upgrade_sql = 'ALTER TABLE regress_accounts ADD COLUMN currency varchar'
WHERE revision = 'd0001';
SELECT revision FROM pim_migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
UPDATE pim_migrate.revision SET upgrade_sql = 'ALTER TABLE regress_accounts ADD COLUMN currency text'
WHERE revision = 'd0001';
SELECT revision FROM pim_migrate_downgrade('-1');

-- clean up
DROP TABLE regress_accounts;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
