--
-- Every version of the extension, oldest first, walked through its
-- updates: the library serves each version's SQL signatures, and an
-- updated extension has the objects of a fresh one.
--
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'pim_migrate';
SELECT oid::regprocedure FROM pg_proc WHERE proname = 'pim_migrate_adopt_alembic';

-- 1.0's adopt has no force argument; the library reads it only when passed
SELECT pim_migrate_revision('one', 'SELECT 1', 'SELECT 1', revision => 'a0000001', down_revision => '{}');
SELECT pim_migrate_revision('two', 'SELECT 2', 'SELECT 2', revision => 'a0000002');

-- 1.0's plan has no replication column; the library fills it only when the
-- signature has it
SELECT pg_get_function_arguments('pim_migrate_plan(text)'::regprocedure);
SELECT revision, line, statement, locks, rewritten FROM pim_migrate_plan('head');

CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('a0000001');
SELECT * FROM pim_migrate_adopt_alembic();
SELECT revision FROM pim_migrate_upgrade('head');
SELECT * FROM pim_migrate_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE

-- 1.0's autogenerate functions have no include or exclude; the library
-- reads them only when passed
SELECT oid::regprocedure FROM pg_proc
WHERE proname IN ('pim_migrate_diff', 'pim_migrate_check', 'pim_migrate_autogenerate')
ORDER BY oid::regprocedure::text;
CREATE SCHEMA oldext;
SELECT * FROM pim_migrate_diff('CREATE TABLE kept (a int);', 'oldext');
SELECT pim_migrate_check('', 'oldext');

-- 1.1: adopt gains force, and is still not granted to PUBLIC
ALTER EXTENSION pim_migrate UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'pim_migrate';
SELECT oid::regprocedure FROM pg_proc WHERE proname = 'pim_migrate_adopt_alembic';
CREATE ROLE regress_pm_adopter;
SELECT has_function_privilege('regress_pm_adopter',
       'pim_migrate_adopt_alembic(regclass, boolean)', 'EXECUTE') AS may_execute;
SELECT * FROM pim_migrate_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_adopt_alembic(force => true);
SELECT * FROM pim_migrate_current();
SELECT revision, operation FROM pim_migrate.log ORDER BY id;

-- 1.1: the autogenerate functions gain include and exclude;
-- autogenerate is still not granted to PUBLIC
SELECT oid::regprocedure FROM pg_proc
WHERE proname IN ('pim_migrate_diff', 'pim_migrate_check', 'pim_migrate_autogenerate')
ORDER BY oid::regprocedure::text;
SELECT has_function_privilege('regress_pm_adopter',
       'pim_migrate_autogenerate(text, text, name, text[], text[])', 'EXECUTE') AS may_execute;
SET search_path = oldext, public;
CREATE TABLE kept (a int);
CREATE TABLE skipped (a int);
RESET search_path;
SELECT * FROM pim_migrate_diff('CREATE TABLE kept (a int, b int);', 'oldext', exclude => '{skip%}');
SELECT pim_migrate_check('CREATE TABLE kept (a int);', 'oldext', include => '{kept}');
SELECT pim_migrate_check('CREATE TABLE kept (a int);', 'oldext');
DROP SCHEMA oldext CASCADE;

-- 1.1: plan gains replication, and is still not granted to PUBLIC
SELECT pg_get_function_arguments('pim_migrate_plan(text)'::regprocedure);
SELECT has_function_privilege('regress_pm_adopter', 'pim_migrate_plan(text)',
       'EXECUTE') AS may_execute;

-- 1.1: revision gains checkpoint, false for what 1.0 registered
SELECT revision, checkpoint FROM pim_migrate.revision ORDER BY revision;

-- 1.1: the version rows and the log gain their schema; what 1.0 wrote
-- is the ordinary case's, which goes on as it was beside tenants
SELECT schema = '' AS ordinary, revision FROM pim_migrate.version ORDER BY revision;
SELECT schema = '' AS ordinary, count(*) FROM pim_migrate.log GROUP BY 1;
CREATE SCHEMA oldext_tenant;
SELECT pim_migrate_add_tenant('oldext_%');
SELECT schema, step, revision FROM pim_migrate_upgrade('head', schemas => '{%}');
SELECT schema, current, up_to_date FROM pim_migrate_tenants();
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_downgrade('-1');
SELECT * FROM pim_migrate_current(schemas => '{oldext_tenant}');
SELECT * FROM pim_migrate_upgrade('head');
DROP SCHEMA oldext_tenant;

-- the updated extension has the functions of a fresh one: signatures,
-- defaults, strictness, volatility, privileges and comments
CREATE TEMP VIEW extension_functions AS
SELECT p.oid::regprocedure::text AS function,
       pg_get_function_arguments(p.oid) AS arguments,
       p.proisstrict, p.provolatile, p.proacl::text AS acl,
       obj_description(p.oid, 'pg_proc') AS description
FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid
WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pim_migrate');
CREATE TABLE updated_functions AS SELECT * FROM extension_functions;
DROP TABLE alembic_version;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
SELECT extversion FROM pg_extension WHERE extname = 'pim_migrate';
CREATE TABLE fresh_functions AS SELECT * FROM extension_functions;
(SELECT 'updated only' AS side, * FROM updated_functions
 EXCEPT SELECT 'updated only', * FROM fresh_functions)
UNION ALL
(SELECT 'fresh only', * FROM fresh_functions
 EXCEPT SELECT 'fresh only', * FROM updated_functions)
ORDER BY 1, 2;
SELECT count(*) > 0 AS compared FROM fresh_functions;

-- clean up
DROP VIEW extension_functions;
DROP TABLE updated_functions, fresh_functions;
DROP ROLE regress_pm_adopter;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
