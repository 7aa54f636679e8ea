--
-- pim_migrate_test: each pending revision upgraded, downgraded, compared
-- with the schema before it and upgraded again, all rolled back; a row
-- per problem, each with its revision.
--
SET client_min_messages = warning;
CREATE SCHEMA trial;
SET search_path = trial, public;
SELECT pim_migrate_revision('items', 'CREATE TABLE items (id int PRIMARY KEY, name text); CREATE INDEX items_name ON items (name)',
	'DROP TABLE items', revision => 't0000001', down_revision => '{}');
-- the downgrade drops the wrong index
SELECT pim_migrate_revision('by name and id', 'CREATE INDEX items_name_id ON items (name, id)',
	'DROP INDEX items_name', revision => 't0000002');
-- the downgrade leaves a column behind
SELECT pim_migrate_revision('price and qty', 'ALTER TABLE items ADD COLUMN price numeric, ADD COLUMN qty int',
	'ALTER TABLE items DROP COLUMN price', revision => 't0000003');
-- the upgrade seeds a row its downgrade keeps: not repeatable
SELECT pim_migrate_revision('seed', $$INSERT INTO items (id, name) VALUES (1, 'seed')$$,
	'SELECT 1', revision => 't0000004');
-- the downgrade fails
SELECT pim_migrate_revision('audit', 'CREATE TABLE audit (at timestamptz)',
	'DROP TABLE audit_log', revision => 't0000005');
-- no downgrade at all
SELECT pim_migrate_revision('backfill', 'UPDATE items SET qty = 0', NULL, revision => 't0000006');
-- a good one after all that: the run goes on to it
SELECT pim_migrate_revision('notes', 'CREATE TABLE notes (body text)', 'DROP TABLE notes',
	revision => 't0000007');

SELECT * FROM pim_migrate_test();

-- nothing stays: schema, data, version rows, log
SELECT to_regclass('trial.items') AS items,
	(SELECT count(*) FROM pim_migrate_current()) AS current_rows,
	(SELECT count(*) FROM pim_migrate.version) AS version_rows,
	(SELECT count(*) FROM pim_migrate.log) AS log_rows;

-- the target bounds the run; revisions already applied are not tested
SELECT revision, step, problem FROM pim_migrate_test('t0000003');
SELECT revision FROM pim_migrate_upgrade('t0000002');
SELECT revision, step, problem FROM pim_migrate_test('t0000004');
SELECT pim_migrate_current();
SELECT * FROM pim_migrate_test('t0000002');

-- the target grammar's errors, as upgrade's
SELECT * FROM pim_migrate_test('nosuch');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_test('');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_test(NULL);
\echo :LAST_ERROR_SQLSTATE

-- an upgrade that fails ends the run there, as it would end a real one
SELECT pim_migrate_revision('broken', 'ALTER TABLE nosuch ADD COLUMN x int', 'SELECT 1',
	revision => 't0000008');
SELECT pim_migrate_revision('after broken', 'CREATE TABLE later (x int)', 'DROP TABLE later',
	revision => 't0000009');
SELECT revision, step, problem, detail FROM pim_migrate_test() WHERE revision >= 't0000007';

-- a longer history of good revisions: no row, whatever its length
SELECT revision FROM pim_migrate_downgrade('base');
DELETE FROM pim_migrate.revision;
DO $$
BEGIN
	FOR i IN 1..30 LOOP
		PERFORM pim_migrate_revision('long ' || i,
			format('CREATE TABLE long_%s (id int PRIMARY KEY, v text); CREATE INDEX ON long_%s (v)', i, i),
			format('DROP TABLE long_%s', i), revision => format('l%s', lpad(i::text, 7, '0')),
			down_revision => CASE WHEN i = 1 THEN '{}'::text[]
				ELSE ARRAY[format('l%s', lpad((i - 1)::text, 7, '0'))] END);
	END LOOP;
END $$;
SELECT count(*) AS problems FROM pim_migrate_test();

-- it runs the scripts: granted as upgrade is
CREATE ROLE regress_trial_nobody;
SET ROLE regress_trial_nobody;
SELECT * FROM pim_migrate_test();
RESET ROLE;
DROP ROLE regress_trial_nobody;

SELECT revision FROM pim_migrate_downgrade('base');
DROP SCHEMA trial CASCADE;
RESET search_path;
DELETE FROM pim_migrate.log;
DELETE FROM pim_migrate.revision;
DELETE FROM pim_migrate.fingerprint;
DELETE FROM pim_migrate.schema_object;
