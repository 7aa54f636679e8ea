/* sql/pim_migrate--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pim_migrate" to load this file. \quit

--
-- The catalog.  Owned by the extension's owner; nothing is granted on it.
-- The functions below read and write it as its owner and run revision
-- scripts as their caller.
--
CREATE SCHEMA pim_migrate;
COMMENT ON SCHEMA pim_migrate IS 'catalog of pim_migrate: revisions, applied heads, log';

CREATE TABLE pim_migrate.revision (
	revision text COLLATE "C" PRIMARY KEY,
	down_revisions text[] NOT NULL DEFAULT '{}',
	branch_labels text[] NOT NULL DEFAULT '{}',
	depends_on text[] NOT NULL DEFAULT '{}',
	message text NOT NULL DEFAULT '',
	upgrade_sql text NOT NULL,
	downgrade_sql text,
	transactional boolean NOT NULL DEFAULT true,
	checksum text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now()
);
-- labels are looked up at every registration (labels and ids share a
-- namespace); no pending list, whose scan would grow with the history
CREATE INDEX revision_branch_labels ON pim_migrate.revision USING gin (branch_labels)
	WITH (fastupdate = off);
CREATE INDEX revision_depends_on ON pim_migrate.revision USING gin (depends_on)
	WITH (fastupdate = off);
COMMENT ON TABLE pim_migrate.revision IS 'registered revisions; down_revisions empty for a base, downgrade_sql NULL when irreversible';

CREATE TABLE pim_migrate.version (
	revision text COLLATE "C" PRIMARY KEY
);
COMMENT ON TABLE pim_migrate.version IS 'applied heads, as alembic_version: none at base, several when branches are applied independently';

CREATE TABLE pim_migrate.log (
	id bigserial PRIMARY KEY,
	revision text NOT NULL,
	operation text NOT NULL
		CHECK (operation IN ('upgrade', 'downgrade', 'stamp', 'adopt')),
	applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
	applied_by name NOT NULL DEFAULT current_user,
	duration interval,
	checksum text
);
COMMENT ON TABLE pim_migrate.log IS 'every step ever run, with who ran it, how long it took and the checksum of the scripts it ran';

-- The heads of the graph (revisions no other names as a down_revision),
-- kept by the last migration that read the whole graph, so that a
-- migration or a status with nothing to do reads one row instead of the
-- whole history.  Any change to pim_migrate.revision (a registration, a
-- script, a restore, a hand-written UPDATE) clears heads_known, and the
-- next migration works the heads out again.  Derived data: not dumped.
-- (one row, with a key so that logical replication can publish its updates)
CREATE TABLE pim_migrate.graph_state (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	heads_known boolean NOT NULL,
	heads text[] COLLATE "C" NOT NULL
);
INSERT INTO pim_migrate.graph_state (heads_known, heads) VALUES (true, '{}');
COMMENT ON TABLE pim_migrate.graph_state IS 'one row: the heads of the revision graph (in id order), and whether they are up to date';

CREATE FUNCTION pim_migrate.revision_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'pim_migrate_revision_changed'
LANGUAGE C;
CREATE TRIGGER revision_changed
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pim_migrate.revision
	FOR EACH STATEMENT EXECUTE FUNCTION pim_migrate.revision_changed();
-- also for a logical replication subscriber's apply worker
ALTER TABLE pim_migrate.revision ENABLE ALWAYS TRIGGER revision_changed;

-- pg_dump carries the history
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.revision', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('pim_migrate.log_id_seq', '');

--
-- Registering revisions
--
CREATE FUNCTION pim_migrate_revision(
	message text,
	upgrade text,
	downgrade text DEFAULT NULL,
	down_revision text[] DEFAULT NULL,
	revision text DEFAULT NULL,
	branch_labels text[] DEFAULT NULL,
	depends_on text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_revision'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_revision(text, text, text, text[], text, text[], text[])
	IS 'register a revision; returns its id';

CREATE FUNCTION pim_migrate_load(script text)
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_load'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_load(text)
	IS 'register a revision from the text of a revision file; the same content again is a no-op';

CREATE FUNCTION pim_migrate_load_files(scripts text[], names text[] DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'pim_migrate_load_files'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_load_files(text[], text[])
	IS 'pim_migrate_load for many files in order, parents first, named by names in errors; returns how many registered or replaced a revision';

--
-- Migrating
--
CREATE FUNCTION pim_migrate_upgrade(
	target text DEFAULT 'head',
	dry_run boolean DEFAULT false,
	OUT step integer, OUT revision text, OUT operation text, OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_upgrade'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_upgrade(text, boolean)
	IS 'apply every revision needed to reach target, in this transaction; dry_run: run it all, then roll it back';

CREATE FUNCTION pim_migrate_downgrade(
	target text,
	dry_run boolean DEFAULT false,
	OUT step integer, OUT revision text, OUT operation text, OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_downgrade'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_downgrade(text, boolean)
	IS 'run the downgrade scripts of the applied revisions above target, newest first; dry_run: run them, then roll back';

CREATE FUNCTION pim_migrate_upgrade_sql(target text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_upgrade_sql'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_upgrade_sql(text)
	IS 'offline mode: the psql script, one transaction, that would upgrade to target; nothing is run';

CREATE FUNCTION pim_migrate_downgrade_sql(target text)
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_downgrade_sql'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_downgrade_sql(text)
	IS 'offline mode: the psql script, one transaction, that would downgrade to target; nothing is run';

CREATE PROCEDURE pim_migrate_upgrade_each(target text DEFAULT 'head')
AS 'MODULE_PATHNAME', 'pim_migrate_upgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE pim_migrate_upgrade_each(text)
	IS 'pim_migrate_upgrade committing after each revision; not inside a transaction block';

CREATE PROCEDURE pim_migrate_downgrade_each(target text)
AS 'MODULE_PATHNAME', 'pim_migrate_downgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE pim_migrate_downgrade_each(text)
	IS 'pim_migrate_downgrade committing after each revision; not inside a transaction block';

--
-- Running Transactional: false revisions from a client: the pim_migrate
-- command holds the lock for its session, asks for the plan, applies the
-- transactional steps in one transaction between two such revisions, runs
-- each such revision's statements one by one as top-level commands, and
-- then records it.
--
CREATE FUNCTION pim_migrate_steps(
	target text DEFAULT 'head',
	operation text DEFAULT 'upgrade',
	OUT step integer, OUT revision text, OUT operation text, OUT message text,
	OUT down_revisions text[], OUT transactional boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_steps'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_steps(text, text)
	IS 'the steps an upgrade (or downgrade) to target would run, in order; nothing is run';

CREATE FUNCTION pim_migrate_statements(
	revision text,
	operation text DEFAULT 'upgrade',
	OUT line integer, OUT statement text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_statements'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_statements(text, text)
	IS 'the statements of a revision script as the server parses them, with their line in the script';

--
-- Safe migrations: what each statement will lock, rewrite and cost, before
-- production.  pim_migrate_lint reads the scripts and the live catalog;
-- pim_migrate_plan runs the upgrade as a dry run and watches it.
--
-- one finding of the lint; revision is NULL for a script not registered
CREATE TYPE pim_migrate.finding AS (
	revision text, line integer, statement text, rule text, severity text,
	message text, hint text);

CREATE FUNCTION pim_migrate_lint(target text DEFAULT 'head')
RETURNS SETOF pim_migrate.finding
AS 'MODULE_PATHNAME', 'pim_migrate_lint'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_lint(text)
	IS 'findings (locks, rewrites, breaking changes) for each statement an upgrade to target would run; nothing is run';

CREATE FUNCTION pim_migrate_lint_script(
	script text,
	transactional boolean DEFAULT true,
	first_line integer DEFAULT 1)
RETURNS SETOF pim_migrate.finding
AS 'MODULE_PATHNAME', 'pim_migrate_lint_script'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_lint_script(text, boolean, integer)
	IS 'the findings of pim_migrate_lint for one script, lines counted from first_line';

CREATE FUNCTION pim_migrate_lint_file(file text)
RETURNS SETOF pim_migrate.finding
AS 'MODULE_PATHNAME', 'pim_migrate_lint_file'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_lint_file(text)
	IS 'the findings of pim_migrate_lint for the upgrade script of a revision file that is not loaded, lines of the file';

CREATE FUNCTION pim_migrate_plan(
	target text DEFAULT 'head',
	OUT revision text, OUT line integer, OUT statement text,
	OUT duration interval, OUT locks text[], OUT rewritten text[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_plan'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_plan(text)
	IS 'the upgrade to target run as a dry run (all rolled back): per statement, its time on the real data, the relation locks it took and the relations it rewrote';

CREATE FUNCTION pim_migrate_apply(
	revisions text[],
	operation text DEFAULT 'upgrade',
	record_only boolean DEFAULT false,
	OUT step integer, OUT revision text, OUT operation text, OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_apply'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_apply(text[], text, boolean)
	IS 'run exactly these steps, in this order, each one the graph allows next; record_only: the bookkeeping of Transactional: false revisions the caller ran itself';

CREATE FUNCTION pim_migrate_lock()
RETURNS void
AS 'MODULE_PATHNAME', 'pim_migrate_lock'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_lock()
	IS 'take the migration lock for the rest of the session, across transactions';

CREATE FUNCTION pim_migrate_unlock()
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_unlock'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_unlock()
	IS 'release the session''s migration lock; false if it did not hold it';

--
-- Looking
--
CREATE FUNCTION pim_migrate_current()
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pim_migrate_current'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_current()
	IS 'the applied heads; none at base';

CREATE FUNCTION pim_migrate_heads(
	OUT revision text, OUT branch_labels text[], OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_heads'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_heads()
	IS 'the heads of the revision graph';

CREATE FUNCTION pim_migrate_history(
	range text DEFAULT NULL,
	OUT revision text, OUT down_revisions text[], OUT branch_labels text[],
	OUT depends_on text[], OUT message text, OUT is_head boolean,
	OUT is_branch_point boolean, OUT is_merge boolean, OUT is_applied boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_history'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_history(text)
	IS 'the revision graph, newest first; range as Alembic''s -r, start:end';

CREATE FUNCTION pim_migrate_show(
	revision text,
	OUT revision text, OUT down_revisions text[], OUT branch_labels text[],
	OUT depends_on text[], OUT message text, OUT upgrade_sql text,
	OUT downgrade_sql text, OUT transactional boolean, OUT checksum text,
	OUT created_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_show'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_show(text)
	IS 'one revision, named by any target that resolves to exactly one';

CREATE FUNCTION pim_migrate_status(
	OUT current text[], OUT heads text[], OUT pending integer,
	OUT up_to_date boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_status'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_status()
	IS 'current heads, graph heads, revisions pending, whether up to date';

CREATE FUNCTION pim_migrate_branches(
	OUT revision text, OUT next_revisions text[], OUT message text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_branches'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_branches()
	IS 'the branch points of the revision graph and the revisions that follow each';

CREATE FUNCTION pim_migrate_verify(OUT revision text, OUT problem text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_verify'
LANGUAGE C STABLE;
COMMENT ON FUNCTION pim_migrate_verify()
	IS 'problems of the stored graph and history; no row when healthy';

--
-- Changing the version rows and the graph without running scripts
--
CREATE FUNCTION pim_migrate_stamp(target text, purge boolean DEFAULT false)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pim_migrate_stamp'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_stamp(text, boolean)
	IS 'set the applied heads to target (several targets separated by commas) without running scripts; returns the new current';

CREATE FUNCTION pim_migrate_merge(
	revisions text[] DEFAULT '{heads}',
	message text DEFAULT 'merge',
	revision text DEFAULT NULL,
	branch_labels text[] DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_merge'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_merge(text[], text, text, text[])
	IS 'register an empty revision whose down_revisions are the given revisions (default: the heads); returns its id';

-- Autogenerate: the desired schema is a file of CREATE statements with
-- unqualified names; PostgreSQL builds it in a scratch schema that is
-- rolled back, and the catalogs are compared.
CREATE FUNCTION pim_migrate_diff(
	desired text, schema name DEFAULT 'public',
	OUT upgrade_sql text, OUT downgrade_sql text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pim_migrate_diff'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_diff(text, name)
	IS 'the scripts that turn the live schema into the desired one, and back';

CREATE FUNCTION pim_migrate_check(desired text, schema name DEFAULT 'public')
RETURNS boolean
AS 'MODULE_PATHNAME', 'pim_migrate_check'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_check(text, name)
	IS 'true when the live schema is the desired one (nothing to autogenerate)';

CREATE FUNCTION pim_migrate_autogenerate(
	message text, desired text, schema name DEFAULT 'public')
RETURNS text
AS 'MODULE_PATHNAME', 'pim_migrate_autogenerate'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_autogenerate(text, text, name)
	IS 'register the diff to the desired schema as a new revision on the head; returns its id, or NULL when nothing changed';

CREATE FUNCTION pim_migrate_adopt_alembic(
	version_table regclass DEFAULT 'alembic_version'::text::regclass)
RETURNS SETOF text
AS 'MODULE_PATHNAME', 'pim_migrate_adopt_alembic'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION pim_migrate_adopt_alembic(regclass)
	IS 'set the version rows from an Alembic version table (left untouched); returns the new current';

-- The extension owner grants these to the roles that may migrate.
REVOKE ALL ON FUNCTION pim_migrate_revision(text, text, text, text[], text, text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_load(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_load_files(text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_upgrade(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_downgrade(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_apply(text[], text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_plan(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_lock() FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_unlock() FROM PUBLIC;
REVOKE ALL ON PROCEDURE pim_migrate_upgrade_each(text) FROM PUBLIC;
REVOKE ALL ON PROCEDURE pim_migrate_downgrade_each(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_stamp(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_merge(text[], text, text, text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_autogenerate(text, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION pim_migrate_adopt_alembic(regclass) FROM PUBLIC;
