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
-- Drift: the DDL that runs outside migrations, recorded by an opt-in event
-- trigger (pim_migrate_watch_ddl), and the fingerprint of each migrated
-- schema as its last migration left it.  All three tables are dumped
-- with the rest.
--
CREATE TABLE pim_migrate.ddl_event (
	id bigserial PRIMARY KEY,
	at timestamptz NOT NULL,
	by name NOT NULL,
	command_tag text NOT NULL,
	object_type text,
	schema_name text,
	object_identity text
);
COMMENT ON TABLE pim_migrate.ddl_event
	IS 'DDL run outside pim_migrate migrations, recorded while pim_migrate_watch_ddl is on';

CREATE TABLE pim_migrate.fingerprint (
	schema name PRIMARY KEY,
	taken_at timestamptz NOT NULL
);
COMMENT ON TABLE pim_migrate.fingerprint
	IS 'when the last migration of each schema left it as pim_migrate.schema_object describes it';

CREATE TABLE pim_migrate.schema_object (
	schema name NOT NULL,
	kind text NOT NULL,
	parent text NOT NULL,
	name text NOT NULL,
	def text,
	extra text,
	not_null boolean NOT NULL,
	atomic boolean NOT NULL,
	clause text,
	opts text,
	PRIMARY KEY (schema, kind, parent, name)
);
COMMENT ON TABLE pim_migrate.schema_object
	IS 'the fingerprint of a migrated schema: its objects as the autogenerate comparison describes them';

SELECT pg_catalog.pg_extension_config_dump('pim_migrate.ddl_event', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.ddl_event_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.fingerprint', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.schema_object', '');

CREATE FUNCTION pim_migrate.ddl_watch()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'pim_migrate_ddl_watch'
LANGUAGE C;
COMMENT ON FUNCTION pim_migrate.ddl_watch()
	IS 'the event trigger function of pim_migrate_watch_ddl: records DDL run outside migrations';

CREATE FUNCTION pim_migrate_watch_ddl("on" boolean)
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_watch_ddl'
LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION pim_migrate_watch_ddl(boolean)
	IS 'turn on or off the event triggers that record DDL run outside migrations; returns whether they were on';
REVOKE ALL ON FUNCTION pim_migrate_watch_ddl(boolean) FROM PUBLIC;

CREATE FUNCTION pim_migrate_drift(schema name DEFAULT NULL,
	OUT source text, OUT at timestamptz, OUT by name, OUT what text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_drift'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_drift(name)
	IS 'what changed in the migrated schemas since their last migration: recorded DDL, and differences from the fingerprint';

--
-- pim_migrate_test: each pending revision up to target upgraded,
-- downgraded, compared and upgraded again on the live database, all of it
-- rolled back.  It runs the scripts, so it is granted as upgrade is.
--
CREATE FUNCTION pim_migrate_test(target text DEFAULT 'head',
	OUT revision text, OUT step text, OUT problem text, OUT detail text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_test'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_test(text)
	IS 'test that each pending revision up to target goes down and up again; rolled back; no row: every one does';
REVOKE ALL ON FUNCTION pim_migrate_test(text) FROM PUBLIC;

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
-- one row: the sha256 of the last list of checksums found all known, and
-- the command's digest of those files' names and stat keys (inode, size,
-- times) when it sent one: a later deploy whose files have the same stat
-- keys need not read them at all (pim_migrate_files_unchanged)
CREATE TABLE pim_migrate.known_file_set (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	checksum text NOT NULL,
	file_stats text
);
COMMENT ON TABLE pim_migrate.known_file_set IS 'one row: the sha256 of the last list of file checksums that were all known, and the digest of those files'' stat keys';

CREATE FUNCTION pim_migrate.known_files_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'pim_migrate_known_files_changed'
LANGUAGE C;
CREATE TRIGGER known_files_changed
	AFTER UPDATE OR DELETE OR TRUNCATE ON pim_migrate.revision
	FOR EACH STATEMENT EXECUTE FUNCTION pim_migrate.known_files_changed();
-- also for a logical replication subscriber's apply worker
ALTER TABLE pim_migrate.revision ENABLE ALWAYS TRIGGER known_files_changed;

CREATE FUNCTION pim_migrate_unknown_files(checksums text[],
										  file_stats text DEFAULT NULL)
RETURNS integer[]
AS 'MODULE_PATHNAME', 'pim_migrate_unknown_files'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_unknown_files(text[], text)
	IS 'under the migration lock, the positions of the file checksums (sha256 of the whole text) not known to load as a no-op: the files to send to pim_migrate_load_files; when none, file_stats is remembered with them';
REVOKE ALL ON FUNCTION pim_migrate_unknown_files(text[], text) FROM PUBLIC;

CREATE FUNCTION pim_migrate_files_unchanged(file_stats text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_files_unchanged'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION pim_migrate_files_unchanged(text)
	IS 'under the migration lock, whether file_stats is the digest of the stat keys of the last files found all known: loading the same files again is a no-op';
REVOKE ALL ON FUNCTION pim_migrate_files_unchanged(text) FROM PUBLIC;

--
-- pim_migrate_status gains drifted: whether the schema migrations run in
-- changed since its last migration (pim_migrate_drift), NULL when there is
-- no fingerprint of it.  The C entry point fills it only when the
-- signature has it.
--
DROP FUNCTION pim_migrate_status();

CREATE FUNCTION pim_migrate_status(
	OUT current text[], OUT heads text[], OUT pending integer,
	OUT up_to_date boolean, OUT drifted boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_status'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_status()
	IS 'current heads, graph heads, revisions pending, whether up to date, whether the schema drifted';
-- Checkpoints (issue 17): a revision whose file says "Checkpoint: true"
-- builds in one script the schema of every revision below it.  A
-- database with nothing applied runs it instead of them; one that
-- applied them records it without running it.  Its down_revision may be
-- unregistered (the files below it deleted).  pim_migrate_checkpoint_sql
-- writes its script by migrating to the revision and rolling back, so it
-- is granted as upgrade is.
--
ALTER TABLE pim_migrate.revision
	ADD COLUMN checkpoint boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN pim_migrate.revision.checkpoint
	IS 'true: its upgrade builds the schema of every revision below it (a checkpoint)';

CREATE FUNCTION pim_migrate_checkpoint_sql(revision text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_checkpoint_sql'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_checkpoint_sql(text)
	IS 'the upgrade script of a checkpoint of revision: its schema from nothing, written by migrating to it and rolling back';
REVOKE ALL ON FUNCTION pim_migrate_checkpoint_sql(text) FROM PUBLIC;

--
-- pim_migrate_plan gains replication (issue 18): per statement, the
-- findings of the lint's logical replication rules on the catalog as the
-- migration left it when the statement began (a table a publication
-- publishes, or a subscription fills, that the statement changes).  The
-- C entry point fills it only when the signature has it.  Dropped and
-- created again: its owner grants it again.
--
DROP FUNCTION pim_migrate_plan(text);

CREATE FUNCTION pim_migrate_plan(
	target text DEFAULT 'head',
	OUT revision text, OUT line integer, OUT statement text,
	OUT duration interval, OUT locks text[], OUT rewritten text[],
	OUT replication text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_plan'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_plan(text)
	IS 'the upgrade to target run as a dry run (all rolled back): per statement, its time on the real data, the relation locks it took, the relations it rewrote, and what logical replication will not carry';
REVOKE ALL ON FUNCTION pim_migrate_plan(text) FROM PUBLIC;

--
-- Tenants (issue 18): one revision history applied to many schemas of
-- the database, each with its own version rows.  The version table and
-- the log gain the schema they are about: '' (no schema can have that
-- name) is the ordinary case, the schema of the caller's search_path, as
-- in 1.0; any other value is a tenant, whose scripts run with it first on
-- search_path.  The key of the version rows becomes (schema, revision).
--
ALTER TABLE pim_migrate.version
	ADD COLUMN schema name NOT NULL DEFAULT '';
ALTER TABLE pim_migrate.version DROP CONSTRAINT version_pkey;
ALTER TABLE pim_migrate.version ADD PRIMARY KEY (schema, revision);
COMMENT ON COLUMN pim_migrate.version.schema
	IS 'the tenant schema whose applied head this is; '''' for the ordinary case (the caller''s search_path)';

ALTER TABLE pim_migrate.log
	ADD COLUMN schema name NOT NULL DEFAULT '';
-- when each tenant last migrated, without reading the whole log
CREATE INDEX log_schema ON pim_migrate.log (schema, id);
COMMENT ON COLUMN pim_migrate.log.schema
	IS 'the tenant schema the step was about; '''' for the ordinary case';

-- The declared tenants: a schema name, or, when it holds a %, a LIKE
-- pattern of schema names (tenant_%), which also takes in the schemas
-- created later.  Dumped with the rest.
CREATE TABLE pim_migrate.tenant (
	schema text COLLATE "C" PRIMARY KEY,
	added_at timestamptz NOT NULL DEFAULT now(),
	added_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE pim_migrate.tenant
	IS 'declared tenants: a schema name, or (holding %) a LIKE pattern of schema names';
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.tenant', '');

CREATE FUNCTION pim_migrate_add_tenant(schema text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_add_tenant'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_add_tenant(text)
	IS 'declare a tenant: a schema, or (holding %) a LIKE pattern of schemas; false if it was declared already';

CREATE FUNCTION pim_migrate_remove_tenant(schema text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_remove_tenant'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_remove_tenant(text)
	IS 'remove a tenant declaration (the version rows of a schema that no longer exists go with it); false if there was none';

CREATE FUNCTION pim_migrate_tenants(
	OUT schema name, OUT current text[], OUT pending integer,
	OUT up_to_date boolean, OUT last_migrated_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_tenants'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_tenants()
	IS 'every tenant schema: its current heads, revisions pending, whether up to date, when it last migrated';

-- The migrating functions gain schemas: each element a tenant schema, or
-- (holding %) a LIKE pattern of tenants ('{%}': all of them).  They are
-- new signatures beside the 1.0 ones, which keep their grants, and return
-- the schema of each row.  Every call that resolved to a 1.0 signature
-- still does: the new ones take what the 1.0 ones take, in the same
-- places, plus schemas, named (pim_migrate_upgrade('head', schemas =>
-- ...)); their target is a character string (bpchar), which loses to the
-- 1.0 signatures' text for an untyped literal, NULL or parameter, and for
-- text, varchar and name, while their second argument is the same
-- boolean.  (With text, or schemas second, pim_migrate_upgrade('head',
-- NULL) and pim_migrate_stamp($1, $2) would be ambiguous.)
CREATE FUNCTION pim_migrate_upgrade(
	target bpchar, dry_run boolean DEFAULT false, schemas text[] DEFAULT NULL,
	OUT schema name, OUT step integer, OUT revision text, OUT operation text,
	OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_upgrade_tenants'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_upgrade(bpchar, boolean, text[])
	IS 'upgrade each tenant of schemas to target, in this transaction; dry_run: run it all, then roll it back';

CREATE FUNCTION pim_migrate_downgrade(
	target bpchar, dry_run boolean DEFAULT false, schemas text[] DEFAULT NULL,
	OUT schema name, OUT step integer, OUT revision text, OUT operation text,
	OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_downgrade_tenants'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_downgrade(bpchar, boolean, text[])
	IS 'downgrade each tenant of schemas to target, in this transaction; dry_run: run it, then roll back';

CREATE PROCEDURE pim_migrate_upgrade_each(target text, schemas text[])
AS 'MODULE_PATHNAME', 'pim_migrate_upgrade_each_tenants'
LANGUAGE C;
COMMENT ON PROCEDURE pim_migrate_upgrade_each(text, text[])
	IS 'upgrade each tenant of schemas, committing per tenant and revision; a failed tenant stops, the others go on; not inside a transaction block';

CREATE PROCEDURE pim_migrate_downgrade_each(target text, schemas text[])
AS 'MODULE_PATHNAME', 'pim_migrate_downgrade_each_tenants'
LANGUAGE C;
COMMENT ON PROCEDURE pim_migrate_downgrade_each(text, text[])
	IS 'downgrade each tenant of schemas, committing per tenant and revision; a failed tenant stops, the others go on; not inside a transaction block';

CREATE FUNCTION pim_migrate_stamp(target bpchar, purge boolean DEFAULT false,
	schemas text[] DEFAULT NULL, OUT schema name, OUT current text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_stamp_tenants'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_stamp(bpchar, boolean, text[])
	IS 'set the applied heads of each tenant of schemas to target without running scripts; returns each one''s new current';

CREATE FUNCTION pim_migrate_current(schemas text[],
	OUT schema name, OUT revision text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_current_tenants'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_current(text[])
	IS 'the applied heads of each tenant of schemas; none for one at base';

CREATE FUNCTION pim_migrate_status(schemas text[],
	OUT schema name, OUT current text[], OUT heads text[], OUT pending integer,
	OUT up_to_date boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_status_tenants'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_status(text[])
	IS 'current heads, graph heads, revisions pending and whether up to date, for each tenant of schemas';

REVOKE ALL ON FUNCTION pim_migrate_add_tenant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_remove_tenant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_upgrade(bpchar, boolean, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_downgrade(bpchar, boolean, text[]) FROM PUBLIC;
REVOKE ALL ON PROCEDURE pim_migrate_upgrade_each(text, text[]) FROM PUBLIC;
REVOKE ALL ON PROCEDURE pim_migrate_downgrade_each(text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_stamp(bpchar, boolean, text[]) FROM PUBLIC;
