--
-- Tenants: one revision history applied to many schemas, each with its own
-- version rows; declared by name or by a LIKE pattern; migrated in one
-- transaction or committing per tenant and revision.
--
SELECT pim_migrate_revision('create item',
    'CREATE TABLE item (id int PRIMARY KEY);', 'DROP TABLE item;',
    revision => 't0001', down_revision => '{}');
SELECT pim_migrate_revision('add name',
    'ALTER TABLE item ADD COLUMN name text;', 'ALTER TABLE item DROP COLUMN name;',
    revision => 't0002');
-- a script that calls a function of the caller's search_path: the tenant
-- comes first on it, the caller's path after
CREATE FUNCTION public.regress_label(t text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'label ' || t $$;
SELECT pim_migrate_revision('add label',
    $$ALTER TABLE item ADD COLUMN label text;
      DO $d$ BEGIN
        EXECUTE format('COMMENT ON TABLE item IS %L', regress_label(current_schema()));
      END $d$;$$,
    'ALTER TABLE item DROP COLUMN label;',
    revision => 't0003');

CREATE SCHEMA tenant_a;
CREATE SCHEMA tenant_b;
CREATE SCHEMA "Tenant ""Q"" one";
CREATE SCHEMA other;

-- declaring: a schema by name, or a pattern (it holds a %); again: false
SELECT pim_migrate_add_tenant('tenant_%');
SELECT pim_migrate_add_tenant('Tenant "Q" one');
SELECT pim_migrate_add_tenant('tenant_%');
SELECT schema FROM pim_migrate.tenant ORDER BY schema;

-- what cannot be declared
SELECT pim_migrate_add_tenant('no_such_schema');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_add_tenant('pg_catalog');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_add_tenant('pim_migrate');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_add_tenant('');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_add_tenant(NULL);
\echo :LAST_ERROR_SQLSTATE

-- the tenants, each at base; "other" is not one, nor system schemas that
-- a pattern would match
SELECT pim_migrate_add_tenant('%_schema');
SELECT * FROM pim_migrate_tenants();
SELECT pim_migrate_remove_tenant('%_schema');

-- every tenant up to head, in name order, in this transaction: each
-- script runs with its tenant first on search_path, and the caller's
-- search_path is as it was afterwards
SHOW search_path;
SELECT * FROM pim_migrate_upgrade('head', schemas => '{%}');
SHOW search_path;
SELECT schemaname, tablename FROM pg_tables WHERE tablename = 'item' ORDER BY 1;
SELECT * FROM "Tenant ""Q"" one".item;
SELECT c.relnamespace::regnamespace AS schema, obj_description(c.oid, 'pg_class')
FROM pg_class c WHERE c.relname = 'item' ORDER BY 1;
SELECT schema, revision FROM pim_migrate.version ORDER BY schema, revision;
SELECT schema, revision, operation FROM pim_migrate.log ORDER BY id;
SELECT schema, current, pending, up_to_date, last_migrated_at IS NOT NULL AS migrated
FROM pim_migrate_tenants();

-- the ordinary case knows nothing of them
SELECT * FROM pim_migrate_current();
SELECT current, heads, pending, up_to_date FROM pim_migrate_status();
SELECT * FROM pim_migrate_upgrade('t0001');
SELECT * FROM pim_migrate_current();
SELECT count(*) AS tenant_rows FROM pim_migrate.version WHERE schema <> '';

-- nothing to do: no step, no log row
SELECT count(*) AS log_rows FROM pim_migrate.log \gset
SELECT * FROM pim_migrate_upgrade('head', schemas => '{%}');
SELECT count(*) = :log_rows AS log_unchanged FROM pim_migrate.log;

-- a new tenant catches up from base on the next run, alone
CREATE SCHEMA tenant_c;
SELECT schema, current, pending, up_to_date FROM pim_migrate_tenants();
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_%}');

-- relative targets are each tenant's own; a tenant by name
SELECT * FROM pim_migrate_downgrade('-1', schemas => '{tenant_a}');
SELECT * FROM pim_migrate_downgrade('t0001', schemas => '{tenant_%}');
SELECT * FROM pim_migrate_current(schemas => '{%}');
SELECT * FROM pim_migrate_status(schemas => '{tenant_a,tenant_b}');
SELECT * FROM pim_migrate_upgrade('+1', schemas => '{tenant_a}');
SELECT * FROM pim_migrate_upgrade('+2', schemas => '{tenant_a}');
\echo :LAST_ERROR_SQLSTATE

-- a dry run runs every tenant's steps and rolls them all back
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_a,tenant_b}', dry_run => true);
SELECT * FROM pim_migrate_current(schemas => '{tenant_a,tenant_b}');

-- stamp: each tenant's rows, without running scripts; one row per tenant
SELECT * FROM pim_migrate_stamp('base', schemas => '{tenant_c}');
SELECT count(*) AS item_tables FROM pg_tables WHERE schemaname = 'tenant_c';
SELECT * FROM pim_migrate_stamp('head', schemas => '{tenant_c}');
SELECT * FROM pim_migrate_stamp('t0002', schemas => '{tenant_c}', purge => true);
SELECT * FROM pim_migrate_stamp('head', schemas => '{tenant_c}');

-- naming what is not a tenant
SELECT * FROM pim_migrate_upgrade('head', schemas => '{other}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade('head', schemas => '{gone}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade('head', schemas => '{information_schema}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade('head', schemas => NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_status(schemas => ARRAY['tenant_a', NULL]);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current(schemas => '{""}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade('nope', schemas => '{tenant_a}');
\echo :LAST_ERROR_SQLSTATE
-- no element, or a pattern that matches no tenant: nothing to do
SELECT * FROM pim_migrate_upgrade('head', schemas => '{}');
SELECT * FROM pim_migrate_current(schemas => '{nothing_%}');

-- stamp moved tenant_c's rows only: put them back to what its schema holds
SELECT * FROM pim_migrate_stamp('t0001', schemas => '{tenant_c}', purge => true);

-- in one transaction, a failure in any tenant is the call's: the context
-- names the tenant, and no tenant keeps a step
SELECT * FROM pim_migrate_downgrade('t0001', schemas => '{%}');
ALTER TABLE tenant_b.item ADD COLUMN name text;
SELECT * FROM pim_migrate_upgrade('head', schemas => '{%}');
\echo :LAST_ERROR_SQLSTATE
SELECT schema, current FROM pim_migrate_tenants();

-- _each: the failed tenant stops at its last committed revision, the
-- others go on, and the call fails naming it, with its SQLSTATE
CALL pim_migrate_upgrade_each('head', schemas => '{%}');
\echo :LAST_ERROR_SQLSTATE
SELECT schema, current, up_to_date FROM pim_migrate_tenants();
-- once fixed, a new call resumes it where it stands
ALTER TABLE tenant_b.item DROP COLUMN name;
CALL pim_migrate_upgrade_each('head', schemas => '{%}');
SELECT schema, current, up_to_date FROM pim_migrate_tenants();
CALL pim_migrate_downgrade_each('t0002', schemas => '{tenant_b,tenant_c}');
SELECT * FROM pim_migrate_current(schemas => '{tenant_b,tenant_c}');
-- a tenant whose plan fails is a failed tenant too: t0003 is above
-- tenant_b, and tenant_a has nothing to do
CALL pim_migrate_downgrade_each('t0003', schemas => '{tenant_a,tenant_b}');
\echo :LAST_ERROR_SQLSTATE
BEGIN;
CALL pim_migrate_upgrade_each('head', schemas => '{%}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- the calls of the 1.0 signatures resolve as they did, tenants or not
SELECT * FROM pim_migrate_upgrade('head', true);
SELECT * FROM pim_migrate_upgrade('head', dry_run => true);
SELECT * FROM pim_migrate_upgrade(target => 't0002', dry_run => false);
SELECT * FROM pim_migrate_downgrade('-1', false);
SELECT * FROM pim_migrate_stamp('t0002');
SELECT * FROM pim_migrate_stamp('t0002', true);
SELECT * FROM pim_migrate_stamp(target => 't0002', purge => true);
CALL pim_migrate_upgrade_each();
CALL pim_migrate_downgrade_each(target => 't0002');
SELECT * FROM pim_migrate_current();
SELECT current, pending FROM pim_migrate_status();
-- an untyped second argument (a NULL, a quoted literal, a parameter sent
-- without a type) and a target of type text, varchar or name too
SELECT * FROM pim_migrate_upgrade('head', NULL);
SELECT * FROM pim_migrate_stamp('t0002', 'false');
PREPARE regress_untyped AS SELECT * FROM pim_migrate_stamp($1, $2);
EXECUTE regress_untyped('t0002', NULL);
DEALLOCATE regress_untyped;
SELECT u.* FROM (VALUES ('t0001'::varchar(32), 't0001'::name)) v(a, b),
     pim_migrate_stamp(v.a) s, pim_migrate_upgrade(v.b, true) u;
-- a target of type character is the one call that goes to the new
-- signature, and is told to name the tenants
SELECT * FROM pim_migrate_upgrade('head'::bpchar);
\echo :LAST_ERROR_SQLSTATE

-- a checkpoint: a new tenant, with nothing applied, runs it alone
SELECT pim_migrate_load($$-- everything so far
--
-- Revision ID: t0004
-- Revises: t0003
-- Checkpoint: true

-- +upgrade
CREATE TABLE item (id int PRIMARY KEY, name text, label text DEFAULT regress_label(current_schema()));
$$);
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_a}');
CREATE SCHEMA tenant_d;
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_d}');
SELECT column_name FROM information_schema.columns
WHERE table_schema = 'tenant_d' AND table_name = 'item' ORDER BY ordinal_position;

-- pim_migrate_verify() reads each tenant's version rows too; a run over a
-- tenant whose rows name an unknown revision fails, naming the tenant
INSERT INTO pim_migrate.version (schema, revision) VALUES ('tenant_a', 'ghost'), ('tenant_b', 't0001');
SELECT * FROM pim_migrate_verify();
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_a}');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM pim_migrate.version WHERE revision = 'ghost' OR (schema, revision) = ('tenant_b', 't0001');
SELECT * FROM pim_migrate_verify();

-- removing a declaration: a schema that still exists keeps its rows
-- (declared again, it goes on where it was); one that is gone loses them
SELECT pim_migrate_remove_tenant('Tenant "Q" one');
SELECT schema FROM pim_migrate_tenants();
DROP SCHEMA tenant_d CASCADE;
SELECT pim_migrate_remove_tenant('tenant_d');
SELECT pim_migrate_remove_tenant('tenant_d');
SELECT DISTINCT schema FROM pim_migrate.version ORDER BY 1;

-- PUBLIC may look, not migrate or declare
CREATE ROLE regress_pm_tenant_nobody;
SET ROLE regress_pm_tenant_nobody;
SELECT schema, up_to_date FROM pim_migrate_tenants();
SELECT * FROM pim_migrate_upgrade('head', schemas => '{%}');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_add_tenant('other');
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
DROP ROLE regress_pm_tenant_nobody;

-- a revision that cannot run in a transaction cannot run per tenant
SELECT pim_migrate_load($$-- concurrently
--
-- Revision ID: t0005
-- Revises: t0004
-- Transactional: false

-- +upgrade
CREATE INDEX CONCURRENTLY item_name ON item (name);
$$);
SELECT * FROM pim_migrate_upgrade('head', schemas => '{tenant_a}');
\echo :LAST_ERROR_SQLSTATE

-- clean up
DROP SCHEMA tenant_a, tenant_b, tenant_c, "Tenant ""Q"" one", other CASCADE;
DROP TABLE public.item;
DROP FUNCTION public.regress_label(text);
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
