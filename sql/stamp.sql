--
-- pim_migrate_stamp(), pim_migrate_merge() and pim_migrate_branches():
-- changing the version rows and the graph without running scripts.
--
--   s0001 -> s0002 -> s0003 (label trunk)
--        \-> t0001 -> t0002 (label side)
--   n0001 (a second base, label net)
--
CREATE TABLE regress_ran (revision text);
SELECT pim_migrate_revision('one', $$INSERT INTO regress_ran VALUES ('s0001')$$, 'SELECT 1',
                            revision => 's0001', down_revision => '{}');
SELECT pim_migrate_revision('two', $$INSERT INTO regress_ran VALUES ('s0002')$$, 'SELECT 1',
                            revision => 's0002');
SELECT pim_migrate_revision('three', $$INSERT INTO regress_ran VALUES ('s0003')$$, 'SELECT 1',
                            revision => 's0003', branch_labels => '{trunk}');
SELECT pim_migrate_revision('side one', $$INSERT INTO regress_ran VALUES ('t0001')$$, 'SELECT 1',
                            revision => 't0001', down_revision => '{s0001}');
SELECT pim_migrate_revision('side two', $$INSERT INTO regress_ran VALUES ('t0002')$$, 'SELECT 1',
                            revision => 't0002', down_revision => '{t0001}', branch_labels => '{side}');
SELECT pim_migrate_revision('net', $$INSERT INTO regress_ran VALUES ('n0001')$$, 'SELECT 1',
                            revision => 'n0001', down_revision => '{}', branch_labels => '{net}');

-- branches: s0001 leads to s0002 and t0001
SELECT * FROM pim_migrate_branches();

-- stamping an existing database runs nothing and records a stamp
SELECT * FROM pim_migrate_stamp('s0002');
SELECT count(*) AS scripts_run FROM regress_ran;
SELECT revision, operation FROM pim_migrate.log ORDER BY id;
-- the next upgrade starts from there
SELECT revision FROM pim_migrate_upgrade('trunk@head');
-- stamping another branch adds a head; a label stands for its branch
SELECT * FROM pim_migrate_stamp('side@head');
-- several heads at once (comma-separated), on top of what is unrelated
SELECT * FROM pim_migrate_stamp('base');
SELECT * FROM pim_migrate_stamp('s0003,t0002');
SELECT * FROM pim_migrate_stamp('net');
-- stamping down replaces the rows of that lineage
SELECT * FROM pim_migrate_stamp('s0001');
SELECT * FROM pim_migrate_stamp('heads');
-- purge: the target replaces every row
SELECT * FROM pim_migrate_stamp('s0002', purge => true);
SELECT * FROM pim_migrate_status();
-- base clears the version table
SELECT * FROM pim_migrate_stamp('base');
SELECT * FROM pim_migrate_current();
SELECT count(*) AS scripts_run FROM regress_ran;
SELECT revision, operation FROM pim_migrate.log ORDER BY id;
-- errors: unknown (42704), malformed (22023), several heads for head (21000)
SELECT * FROM pim_migrate_stamp('nosuch');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_stamp('s0001,,s0002');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_stamp('', purge => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_stamp('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_stamp(NULL);
\echo :LAST_ERROR_SQLSTATE

-- merge: the heads by default, with Alembic's --rev-id and --branch-label
SELECT pim_migrate_merge(message => 'join all', revision => 'm0001',
                         branch_labels => '{joined}');
SELECT revision, down_revisions, branch_labels, message, upgrade_sql, downgrade_sql
FROM pim_migrate_show('m0001');
SELECT revision, branch_labels FROM pim_migrate_heads();
-- errors: a revision twice (22023), one standing on another (22023),
-- nothing to merge (42704), an unknown one (42704)
SELECT pim_migrate_merge('{s0003,s0003}', revision => 'm0002');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_merge('{s0002,s0003}', revision => 'm0002');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_merge('{base}', revision => 'm0002');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_merge('{nosuch}', revision => 'm0002');
\echo :LAST_ERROR_SQLSTATE
-- the merge runs like any revision: upgrading through it runs the rest
SELECT revision FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();
SELECT revision FROM regress_ran ORDER BY revision;

-- clean up
DROP TABLE regress_ran;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
