--
-- The kept heads (pim_migrate.graph_state): a migration or a status with nothing
-- to do reads them instead of the whole history.  They must never say
-- "nothing to do" when there is something to do, whatever changed the
-- catalog.
--
SET client_min_messages = notice;

SELECT count(*) FROM pim_migrate_revision('a', 'CREATE TABLE kh_a (id int)', 'DROP TABLE kh_a', revision => 'kh01');
SELECT count(*) FROM pim_migrate_revision('b', 'SELECT 1', 'SELECT 1', revision => 'kh02');
-- registering makes them unknown; the migration that reads the graph
-- keeps its heads
SELECT heads_known FROM pim_migrate.graph_state;
SELECT step, revision FROM pim_migrate_upgrade('head');
SELECT heads FROM pim_migrate.graph_state;
SELECT heads_known FROM pim_migrate.graph_state;
-- at head: nothing to do, from the kept heads alone
SELECT step, revision FROM pim_migrate_upgrade('head');
SELECT step, revision FROM pim_migrate_upgrade('heads');
SELECT step, revision FROM pim_migrate_upgrade('head', dry_run => true);
SELECT * FROM pim_migrate_status();
SELECT * FROM pim_migrate_steps('head');

-- a revision written into the catalog by hand: the trigger makes the kept
-- heads unknown, and the upgrade runs it
INSERT INTO pim_migrate.revision (revision, down_revisions, message, upgrade_sql, downgrade_sql, checksum)
SELECT 'kh03', '{kh02}', 'by hand', upgrade_sql, downgrade_sql, checksum
FROM pim_migrate.revision WHERE revision = 'kh02';
SELECT heads_known FROM pim_migrate.graph_state;
SELECT current, heads, pending, up_to_date FROM pim_migrate_status();
SELECT step, revision FROM pim_migrate_upgrade('head');
-- the migration worked them out again
SELECT heads FROM pim_migrate.graph_state;
SELECT heads_known FROM pim_migrate.graph_state;
SELECT * FROM pim_migrate_status();

-- a script changed by hand stops even a migration with nothing to do
UPDATE pim_migrate.revision SET upgrade_sql = 'SELECT 2' WHERE revision = 'kh03';
SELECT step, revision FROM pim_migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
UPDATE pim_migrate.revision SET upgrade_sql = 'SELECT 1' WHERE revision = 'kh03';
SELECT step, revision FROM pim_migrate_upgrade('head');

-- a revision script that writes the catalog is caught as well
SELECT count(*) FROM pim_migrate_revision('d',
	$$INSERT INTO pim_migrate.revision (revision, down_revisions, message, upgrade_sql, downgrade_sql, checksum)
	  SELECT 'kh05', '{kh04}', 'by a script', upgrade_sql, downgrade_sql, checksum
	  FROM pim_migrate.revision WHERE revision = 'kh02'$$,
	'DELETE FROM pim_migrate.revision WHERE revision = ''kh05''', revision => 'kh04');
SELECT step, revision FROM pim_migrate_upgrade('head');
SELECT heads_known FROM pim_migrate.graph_state;
SELECT step, revision FROM pim_migrate_upgrade('head');
SELECT heads FROM pim_migrate.graph_state;

-- replacing a revision that is not applied (here: its parent) forgets them
-- too
SELECT count(*) FROM pim_migrate_revision('e', 'SELECT 1', NULL, revision => 'kh06', down_revision => '{kh05}');
SELECT count(*) FROM pim_migrate_revision('e', 'SELECT 1', NULL, revision => 'kh06', down_revision => '{kh04}');
SELECT heads_known FROM pim_migrate.graph_state;
SELECT current, heads, pending FROM pim_migrate_status();
SELECT step, revision FROM pim_migrate_upgrade('heads');
SELECT heads FROM pim_migrate.graph_state;

-- kept heads damaged by hand: verify says so, and the next migration that
-- reads the graph mends them
UPDATE pim_migrate.graph_state SET heads = '{kh01,kh05,kh06}';
SELECT * FROM pim_migrate_verify();
SELECT step, revision FROM pim_migrate_upgrade('heads');
SELECT * FROM pim_migrate_verify();
SELECT heads FROM pim_migrate.graph_state;

-- a restore: the revision rows come back after CREATE EXTENSION made an
-- empty graph, so its kept heads are unknown
CREATE TEMP TABLE saved AS SELECT * FROM pim_migrate.revision;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
INSERT INTO pim_migrate.revision SELECT * FROM saved;
SELECT heads_known FROM pim_migrate.graph_state;
SELECT pending FROM pim_migrate_status();
-- a deploy that loads nothing new (after a restore, a stamp) runs no
-- migration: loading keeps the heads, so the next no-op reads one row
SELECT pim_migrate_load_files('{}');
SELECT heads_known, heads FROM pim_migrate.graph_state;
-- a load that registers something leaves them to the migration that
-- follows
SELECT pim_migrate_load_files(ARRAY[E'-- Revision ID: kh07\n-- Revises: kh06\n-- +upgrade\nSELECT 1;\n']);
SELECT heads_known FROM pim_migrate.graph_state;

-- clean up
DROP TABLE kh_a;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
