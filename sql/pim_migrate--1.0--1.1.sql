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
