/* sql/pim_migrate--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pim_migrate UPDATE TO '1.1'" to load this file. \quit

--
-- pim_migrate_adopt_alembic gains force: without it, adopting refuses to
-- set back a database that pim_migrate has migrated since.  The C entry
-- point reads force only when it is passed, so the 1.0 signature works
-- with this library until the update runs.  Dropping the function drops
-- what its owner granted on it: grant it again after the update.
--
DROP FUNCTION pim_migrate_adopt_alembic(regclass);

CREATE FUNCTION pim_migrate_adopt_alembic(
	version_table regclass DEFAULT 'alembic_version'::text::regclass,
	force boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pim_migrate_adopt_alembic'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_adopt_alembic(regclass, boolean)
	IS 'set the version rows from an Alembic version table (left untouched); refuses, unless force, once pim_migrate has migrated past it; returns the new current';

REVOKE ALL ON FUNCTION pim_migrate_adopt_alembic(regclass, boolean) FROM PUBLIC;

--
-- The autogenerate functions gain include and exclude: LIKE patterns of
-- the tables, views, sequences and types to compare, and to leave out
-- (Alembic's include_object / include_name).  The C entry points read
-- them only when they are passed.
--
DROP FUNCTION pim_migrate_diff(text, name);

CREATE FUNCTION pim_migrate_diff(
	desired text, schema name DEFAULT 'public',
	include text[] DEFAULT NULL, exclude text[] DEFAULT NULL,
	OUT upgrade_sql text, OUT downgrade_sql text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_diff'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_diff(text, name, text[], text[])
	IS 'the scripts that turn the live schema into the desired one, and back';

DROP FUNCTION pim_migrate_check(text, name);

CREATE FUNCTION pim_migrate_check(desired text, schema name DEFAULT 'public',
	include text[] DEFAULT NULL, exclude text[] DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_check'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_check(text, name, text[], text[])
	IS 'true when the live schema is the desired one (nothing to autogenerate)';

DROP FUNCTION pim_migrate_autogenerate(text, text, name);

CREATE FUNCTION pim_migrate_autogenerate(
	message text, desired text, schema name DEFAULT 'public',
	include text[] DEFAULT NULL, exclude text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_autogenerate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_autogenerate(text, text, name, text[], text[])
	IS 'register the diff to the desired schema as a new revision on the head; returns its id, or NULL when nothing changed';

REVOKE ALL ON FUNCTION pim_migrate_autogenerate(text, text, name, text[], text[]) FROM PUBLIC;

--
-- A no-op deploy sends the checksums of its files, and the texts of the
-- others only (known_files.c): known_file holds the sha256 of each file
-- text loaded, with the revision it became, known_file_set that of the
-- last list found all known.  Changing or removing a revision row (a
-- replacement, a hand-written UPDATE) forgets them all.
-- Derived data: not dumped.
--
CREATE TABLE pim_migrate.known_file (
	checksum text COLLATE "C" PRIMARY KEY,
	revision text COLLATE "C" NOT NULL
);
COMMENT ON TABLE pim_migrate.known_file IS 'the sha256 of each revision file text known to load as a no-op, and its revision';
-- one row: the sha256 of the last list of checksums found all known
CREATE TABLE pim_migrate.known_file_set (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	checksum text NOT NULL
);
COMMENT ON TABLE pim_migrate.known_file_set IS 'one row: the sha256 of the last list of file checksums that were all known';

CREATE FUNCTION pim_migrate.known_files_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'pim_migrate_known_files_changed'
LANGUAGE C;
CREATE TRIGGER known_files_changed
	AFTER UPDATE OR DELETE OR TRUNCATE ON pim_migrate.revision
	FOR EACH STATEMENT EXECUTE FUNCTION pim_migrate.known_files_changed();
-- also for a logical replication subscriber's apply worker
ALTER TABLE pim_migrate.revision ENABLE ALWAYS TRIGGER known_files_changed;

CREATE FUNCTION pim_migrate_unknown_files(checksums text[])
RETURNS integer[]
AS 'MODULE_PATHNAME', 'pim_migrate_unknown_files'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_unknown_files(text[])
	IS 'under the migration lock, the positions of the file checksums (sha256 of the whole text) not known to load as a no-op: the files to send to pim_migrate_load_files';

REVOKE ALL ON FUNCTION pim_migrate_unknown_files(text[]) FROM PUBLIC;
