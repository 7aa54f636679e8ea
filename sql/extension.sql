--
-- The extension itself: its objects, what pg_dump carries, and who may do
-- what.  Every test file starts from a freshly created extension
-- (pg_regress --load-extension) and ends by recreating it.
--
SELECT extversion, extrelocatable FROM pg_extension WHERE extname = 'pim_migrate';

-- the catalog lives in schema pim_migrate
SELECT c.relname, c.relkind
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pim_migrate'
ORDER BY c.relname;

-- every catalog table has a primary key, so that logical replication can
-- publish what pim_migrate writes; the trigger that marks the kept heads
-- unknown fires in a subscriber's apply worker too
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'pim_migrate' AND c.relkind = 'r'
  AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary);
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'pim_migrate.revision'::regclass;

-- pg_dump carries the history and the log's sequence; the kept heads
-- (graph_state) are derived, and worked out again after a restore
SELECT unnest(extconfig)::regclass::text AS dumped
FROM pg_extension WHERE extname = 'pim_migrate'
ORDER BY 1;

-- the functions land in the extension's schema, all SECURITY INVOKER;
-- the ones that only look are STABLE
SELECT p.oid::regprocedure AS function, n.nspname, p.provolatile, p.prosecdef
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.proname LIKE 'pim_migrate%'
ORDER BY p.proname, p.oid::regprocedure::text;

-- PUBLIC can neither write the catalog nor run the mutating functions
CREATE ROLE regress_pm_nobody;
SELECT t AS "table",
       has_table_privilege('regress_pm_nobody', t,
                           'SELECT,INSERT,UPDATE,DELETE,TRUNCATE') AS any_privilege
FROM unnest(ARRAY['pim_migrate.revision', 'pim_migrate.version',
                  'pim_migrate.log']) t
ORDER BY 1;
SELECT p.proname,
       has_function_privilege('regress_pm_nobody', p.oid, 'EXECUTE') AS may_execute
FROM pg_proc p
WHERE p.proname LIKE 'pim_migrate%'
ORDER BY p.proname, p.oid::regprocedure::text;

SET ROLE regress_pm_nobody;
SELECT * FROM pim_migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1');
\echo :LAST_ERROR_SQLSTATE
DELETE FROM pim_migrate.version;
\echo :LAST_ERROR_SQLSTATE
-- but it may look: the read functions read the catalog as its owner
SELECT * FROM pim_migrate_status();
SELECT * FROM pim_migrate_current();
RESET ROLE;

-- A role granted the mutating functions migrates: the catalog is written
-- as the extension's owner, the scripts run with the role's privileges.
CREATE ROLE regress_pm_deployer;
CREATE SCHEMA regress_app AUTHORIZATION regress_pm_deployer;
GRANT EXECUTE ON FUNCTION
    pim_migrate_revision(text, text, text, text[], text, text[], text[]),
    pim_migrate_upgrade(text, boolean), pim_migrate_downgrade(text, boolean)
  TO regress_pm_deployer;
SET ROLE regress_pm_deployer;
SELECT pim_migrate_revision('create t', 'CREATE TABLE regress_app.t (id int);',
                            'DROP TABLE regress_app.t;', revision => 'a0001');
SELECT * FROM pim_migrate_upgrade('head');
SELECT tableowner FROM pg_tables WHERE schemaname = 'regress_app';
-- its scripts cannot do what it may not do, and nothing of that step stays
SELECT pim_migrate_revision('alter a catalog',
                            'CREATE TABLE regress_app.u (id int);
ALTER TABLE pg_catalog.pg_class ADD COLUMN x int;',
                            revision => 'a0002');
SELECT * FROM pim_migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();
SELECT count(*) AS u_tables FROM pg_tables WHERE tablename = 'u';
RESET ROLE;
SELECT revision, operation, applied_by FROM pim_migrate.log ORDER BY id;

-- clean up
DROP SCHEMA regress_app CASCADE;
DROP OWNED BY regress_pm_deployer;
DROP ROLE regress_pm_deployer;
DROP ROLE regress_pm_nobody;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
