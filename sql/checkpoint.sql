--
-- Checkpoints: a revision whose script builds the schema of every revision
-- below it (issue 17).  New databases run it instead of them, old ones
-- record it, and the files below it may be deleted.
--
CREATE SCHEMA ck;
SET search_path = ck, public;
SET client_min_messages = notice;

-- the revisions, as files: a table, a column and an index, a view
\set r1 '-- create stock\n--\n-- Revision ID: a0000001\n-- Revises:\n\n-- +upgrade\nCREATE TABLE stock (id int PRIMARY KEY, name text NOT NULL);\n\n-- +downgrade\nDROP TABLE stock;\n'
\set r2 '-- add price\n--\n-- Revision ID: a0000002\n-- Revises: a0000001\n\n-- +upgrade\nALTER TABLE stock ADD COLUMN price numeric(10,2);\nCREATE INDEX ix_stock_name ON stock (name);\n\n-- +downgrade\nDROP INDEX ix_stock_name;\nALTER TABLE stock DROP COLUMN price;\n'
\set r3 '-- cheap stocks\n--\n-- Revision ID: a0000003\n-- Revises: a0000002\n\n-- +upgrade\nCREATE VIEW cheap AS SELECT id, name FROM stock WHERE price < 10;\n\n-- +downgrade\nDROP VIEW cheap;\n'
\set r4 '-- add sector\n--\n-- Revision ID: a0000004\n-- Revises: c0000003\n\n-- +upgrade\nALTER TABLE stock ADD COLUMN sector text;\n\n-- +downgrade\nALTER TABLE stock DROP COLUMN sector;\n'
SELECT pim_migrate_load(replace(:'r1', '\n', E'\n'));
SELECT pim_migrate_load(replace(:'r2', '\n', E'\n'));
SELECT pim_migrate_load(replace(:'r3', '\n', E'\n'));

-- the header key: true or false, once, as Transactional
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000003\n-- Checkpoint: maybe\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000003\n-- Checkpoint: true\n-- checkpoint: true\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE

-- a checkpoint revises exactly one revision, has no downgrade, runs in a
-- transaction and depends on nothing
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises:\n-- Checkpoint: true\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000002, a0000003\n-- Checkpoint: true\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\nSELECT 1;\n\n-- +downgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000003\n-- Checkpoint: true\n-- Transactional: false\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- c\n--\n-- Revision ID: c1\n-- Revises: a0000003\n-- Depends On: a0000001\n-- Checkpoint: true\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE

-- pim_migrate_checkpoint_sql writes the schema after a revision from
-- nothing, by migrating there and rolling back: from base up to a0000003
SELECT pim_migrate_checkpoint_sql('a0000003') AS script \gset
\echo :script
SELECT * FROM pim_migrate_current();
SELECT count(*) AS log_rows FROM pim_migrate.log;
SELECT to_regclass('ck.stock') AS stock;

-- and from above it: down to a0000002 and back, rolled back too
SELECT revision FROM pim_migrate_upgrade('a0000003');
SELECT pim_migrate_checkpoint_sql('a0000002');
SELECT * FROM pim_migrate_current();
SELECT pg_get_viewdef('ck.cheap') IS NOT NULL AS cheap_kept;

-- what it cannot write: an unknown revision, a revision on the way that no
-- transaction may hold, a schema with objects the diff does not compare,
-- a definition with a line that a revision file reads as a section marker
SELECT pim_migrate_checkpoint_sql('nosuch');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(E'-- concurrently\n--\n-- Revision ID: n0000001\n-- Revises: a0000003\n-- Transactional: false\n\n-- +upgrade\nCREATE INDEX CONCURRENTLY ix_stock_price ON stock (price);\n\n-- +downgrade\nDROP INDEX CONCURRENTLY ix_stock_price;\n');
SELECT pim_migrate_checkpoint_sql('n0000001');
\echo :LAST_ERROR_SQLSTATE
CREATE TYPE pair AS (a int, b int);
SELECT pim_migrate_checkpoint_sql('a0000003');
\echo :LAST_ERROR_SQLSTATE
DROP TYPE pair;
COMMENT ON TABLE stock IS E'stocks\n-- +downgrade\nDROP TABLE stock;';
SELECT pim_migrate_checkpoint_sql('a0000003');
\echo :LAST_ERROR_SQLSTATE
COMMENT ON TABLE stock IS NULL;
DELETE FROM pim_migrate.revision WHERE revision = 'n0000001';

-- the checkpoint revision, and one above it
SELECT pim_migrate_load(format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script'));
SELECT pim_migrate_load(replace(:'r4', '\n', E'\n'));
SELECT revision, checkpoint FROM pim_migrate.revision ORDER BY revision;
-- loading it again is a no-op
SELECT pim_migrate_load(format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script'));

-- an old database, at a0000003: the checkpoint is bookkeeping only
SELECT * FROM pim_migrate_steps('head');
SELECT * FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();
SELECT revision, operation FROM pim_migrate.log ORDER BY id;

-- a downgrade below the checkpoint is refused; down to it is not
SELECT * FROM pim_migrate_downgrade('a0000003');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_downgrade_sql('-2');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_downgrade('c0000003');
SELECT * FROM pim_migrate_current();

-- a new database (nothing applied, the schema empty): the plan starts at
-- the checkpoint, everywhere it is shown or run
DROP SCHEMA ck CASCADE;
CREATE SCHEMA ck;
DELETE FROM pim_migrate.version;
SELECT * FROM pim_migrate_steps('head');
SELECT * FROM pim_migrate_steps('a0000002');
SELECT pim_migrate_upgrade_sql('head');
SELECT * FROM pim_migrate_upgrade('c0000003');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_history();
SELECT * FROM pim_migrate_status();
SELECT * FROM pim_migrate_upgrade('head');
\d stock

-- the same with upgrade_each, which commits the checkpoint on its own
DROP SCHEMA ck CASCADE;
CREATE SCHEMA ck;
DELETE FROM pim_migrate.version;
CALL pim_migrate_upgrade_each('head');
SELECT * FROM pim_migrate_current();

-- the files below the checkpoint deleted, in a new database: its
-- down_revision is unknown, and it stands as a root
DROP SCHEMA ck CASCADE;
CREATE SCHEMA ck;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate SCHEMA public;
SELECT pim_migrate_load(format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script'));
SELECT pim_migrate_load(replace(:'r4', '\n', E'\n'));
SELECT * FROM pim_migrate_verify();
SELECT * FROM pim_migrate_heads();
SELECT * FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
-- only a checkpoint may stand on an unknown revision
SELECT pim_migrate_load(E'-- orphan\n--\n-- Revision ID: o0000001\n-- Revises: a0000003\n\n-- +upgrade\nSELECT 1;\n');
\echo :LAST_ERROR_SQLSTATE
-- a second root checkpoint cannot be recorded where revisions are
-- applied: what it stands for is not there
SELECT pim_migrate_load(format(E'-- second checkpoint\n--\n-- Revision ID: c0000009\n-- Revises: x0000009\n-- Checkpoint: true\n\n-- +upgrade\nSELECT 1;\n'));
SELECT * FROM pim_migrate_upgrade('c0000009');
\echo :LAST_ERROR_SQLSTATE

-- a database still at 1.0: everything works, no checkpoint can be stored
DROP SCHEMA ck CASCADE;
CREATE SCHEMA ck;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate SCHEMA public VERSION '1.0';
SELECT pim_migrate_load(replace(:'r1', '\n', E'\n'));
SELECT pim_migrate_load(replace(:'r2', '\n', E'\n'));
SELECT pim_migrate_load(replace(:'r3', '\n', E'\n'));
SELECT pim_migrate_load(format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script'));
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load_files(ARRAY[format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script')]);
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_downgrade('base');
-- updated, with nothing applied: the checkpoint is stored, and used
ALTER EXTENSION pim_migrate UPDATE TO '1.1';
SELECT pim_migrate_load_files(ARRAY[format(E'-- checkpoint at a0000003\n--\n-- Revision ID: c0000003\n-- Revises: a0000003\n-- Checkpoint: true\n\n-- +upgrade\n%s\n', :'script'), replace(:'r4', '\n', E'\n')]);
SELECT revision, checkpoint FROM pim_migrate.revision ORDER BY revision;
SELECT revision FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_current();

-- clean up
DROP SCHEMA ck CASCADE;
RESET search_path;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
