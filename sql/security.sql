--
-- Who may do what, and what a hostile user cannot change: objects
-- planted on the caller's search_path, ahead of pg_catalog, that shadow
-- what the extension's own catalog statements use.
--
CREATE ROLE regress_pm_nobody;
SET ROLE regress_pm_nobody;
-- no mutating function, no procedure, no catalog table (42501)
SELECT pim_migrate_stamp('base');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_merge();
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load('x');
\echo :LAST_ERROR_SQLSTATE
CALL pim_migrate_upgrade_each();
\echo :LAST_ERROR_SQLSTATE
CALL pim_migrate_downgrade_each('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate.revision;
\echo :LAST_ERROR_SQLSTATE
INSERT INTO pim_migrate.log (revision, operation) VALUES ('x', 'stamp');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- The hostile user owns a schema that callers put first on search_path,
-- and plants look-alikes there: tables named like the catalog, functions
-- and operators the catalog statements use.  Each one, if ever called,
-- raises an error, so a clean run below proves none was.
CREATE ROLE regress_pm_hostile;
CREATE SCHEMA regress_trap AUTHORIZATION regress_pm_hostile;
SET ROLE regress_pm_hostile;
CREATE TABLE regress_trap.version (revision text);
CREATE TABLE regress_trap.revision (revision text);
CREATE TABLE regress_trap.log (id int);
CREATE FUNCTION regress_trap.trap_text(text, text) RETURNS bool
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: text operator'; END $$;
CREATE OPERATOR regress_trap.= (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_trap.trap_text);
CREATE OPERATOR regress_trap.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = regress_trap.trap_text);
CREATE FUNCTION regress_trap.trap_arr(text[], text[]) RETURNS bool
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: array operator'; END $$;
CREATE OPERATOR regress_trap.@> (LEFTARG = text[], RIGHTARG = text[], FUNCTION = regress_trap.trap_arr);
CREATE FUNCTION regress_trap.unnest(text[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: unnest'; END $$;
CREATE FUNCTION regress_trap.clock_timestamp() RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: clock_timestamp'; END $$;
CREATE FUNCTION regress_trap.now() RETURNS timestamptz
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: now'; END $$;
CREATE FUNCTION regress_trap.starts_with(text, text) RETURNS bool
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: starts_with'; END $$;
CREATE FUNCTION regress_trap.sha256(bytea) RETURNS bytea
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: sha256'; END $$;
CREATE FUNCTION regress_trap.array_append(text[], text) RETURNS text[]
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'hijacked: array_append'; END $$;
RESET ROLE;
GRANT USAGE ON SCHEMA regress_trap TO PUBLIC;

-- the extension's owner migrates with the trap first on its path
SET search_path = regress_trap, public, pg_catalog;
SELECT pim_migrate_revision('one', 'CREATE TABLE public.regress_sec (id int)',
                            'DROP TABLE public.regress_sec', revision => 'x0001',
                            down_revision => '{}', branch_labels => '{sec}');
SELECT pim_migrate_load($file$-- two
-- Revision ID: x0002
-- Revises: x000
-- +upgrade
ALTER TABLE public.regress_sec ADD COLUMN v text;
-- +downgrade
ALTER TABLE public.regress_sec DROP COLUMN v;
$file$);
SELECT * FROM pim_migrate_upgrade('sec@head', dry_run => true);
SELECT * FROM pim_migrate_upgrade('sec@head');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_status();
SELECT revision, is_head FROM pim_migrate_history();
SELECT * FROM pim_migrate_stamp('x0001');
SELECT * FROM pim_migrate_stamp('heads');
SELECT pim_migrate_merge('{x0002}', revision => 'x0003');
SELECT * FROM pim_migrate_verify();
CALL pim_migrate_downgrade_each('base');
SELECT count(*) FROM regress_trap.version;
RESET search_path;

-- A message is written into comment lines of generated scripts: a line
-- end in it would end the comment and run the rest.  Refused, with where.
SELECT pim_migrate_revision(E'innocent\nDROP TABLE victim; --', 'SELECT 1',
       revision => 'inj1', down_revision => '{}');
SELECT pim_migrate_revision(E'tab\there', 'SELECT 1', revision => 'inj2',
       down_revision => '{}');
SELECT pim_migrate_load(E'-- ünïcode, then a carriage return:\rDROP TABLE victim; --\n--\n'
       '-- Revision ID: inj3\n-- Revises:\n\n-- +upgrade\nSELECT 1;\n');
SELECT count(*) FROM pim_migrate.revision WHERE revision LIKE 'inj%';

-- clean up
DROP SCHEMA regress_trap CASCADE;
DROP ROLE regress_pm_hostile;
DROP ROLE regress_pm_nobody;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
