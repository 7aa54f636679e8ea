--
-- Drift: DDL recorded as it runs outside migrations, and the live schema
-- compared with the fingerprint its last migration left.
--
SET client_min_messages = warning;
-- the schemas earlier tests migrated and left
DELETE FROM pim_migrate.fingerprint;
DELETE FROM pim_migrate.schema_object;
CREATE SCHEMA drift;
SET search_path = drift, public;
SELECT pim_migrate_revision('stocks', 'CREATE TABLE stocks (id int PRIMARY KEY, symbol text)',
	'DROP TABLE stocks', revision => 'd0000001', down_revision => '{}');
SELECT pim_migrate_revision('index', 'CREATE INDEX stocks_symbol ON stocks (symbol)',
	'DROP INDEX stocks_symbol', revision => 'd0000002');
SELECT revision FROM pim_migrate_upgrade('d0000001');

-- a migration leaves a fingerprint of the schema it ran in, and no drift
-- (PostgreSQL 18 also keeps each NOT NULL's name, as a row of its own)
SELECT kind, parent, name, def, not_null FROM pim_migrate.schema_object
WHERE schema = 'drift' AND kind <> 'not null' ORDER BY kind, parent, name;
SELECT * FROM pim_migrate_drift('drift');

-- the watch is for superusers; a role that may not is told why
CREATE ROLE regress_drift_app;
GRANT USAGE, CREATE ON SCHEMA drift TO regress_drift_app;
ALTER TABLE stocks OWNER TO regress_drift_app;
SET ROLE regress_drift_app;
SELECT pim_migrate_watch_ddl(true);
RESET ROLE;
GRANT EXECUTE ON FUNCTION pim_migrate_watch_ddl(boolean) TO regress_drift_app;
SET ROLE regress_drift_app;
SELECT pim_migrate_watch_ddl(true);
RESET ROLE;
SELECT pim_migrate_watch_ddl(true);
SELECT pim_migrate_watch_ddl(true);
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger ORDER BY evtname;

-- DDL by hand is recorded with the role that ran it; temporary objects are not
SET ROLE regress_drift_app;
ALTER TABLE stocks ADD COLUMN sector text;
ALTER TABLE stocks ALTER COLUMN symbol SET NOT NULL;
CREATE TEMP TABLE scratch (x int);
CREATE TABLE notes (x int);
DROP TABLE notes;
DROP TABLE scratch;
RESET ROLE;
SELECT source, by, what, detail FROM pim_migrate_drift('drift');
SELECT up_to_date, drifted FROM pim_migrate_status();

-- a migration is never recorded, and takes a new fingerprint
SELECT revision FROM pim_migrate_upgrade('head');
SELECT source, by, what, detail FROM pim_migrate_drift('drift');
SELECT up_to_date, drifted FROM pim_migrate_status();
SELECT by, command_tag, object_type, object_identity FROM pim_migrate.ddl_event ORDER BY id;

-- the fingerprint finds what the trigger did not see
SELECT pim_migrate_watch_ddl(false);
ALTER TABLE stocks ALTER COLUMN sector SET DEFAULT 'none';
DROP INDEX stocks_symbol;
CREATE VIEW symbols AS SELECT symbol FROM stocks;
SELECT source, by, what, detail FROM pim_migrate_drift();

-- a failure inside the watch never fails the user's DDL
SELECT pim_migrate_watch_ddl(true);
ALTER TABLE pim_migrate.ddl_event ADD CONSTRAINT regress_no_rows CHECK (false) NOT VALID;
CREATE TABLE kept (x int);
SELECT to_regclass('kept') IS NOT NULL AS kept_exists;
ALTER TABLE pim_migrate.ddl_event DROP CONSTRAINT regress_no_rows;
SELECT pim_migrate.ddl_watch();

-- DROP EXTENSION takes the triggers along
SELECT pim_migrate_watch_ddl(false);
SELECT pim_migrate_watch_ddl(true);
DROP SCHEMA drift CASCADE;
REVOKE EXECUTE ON FUNCTION pim_migrate_watch_ddl(boolean) FROM regress_drift_app;
DROP ROLE regress_drift_app;
RESET search_path;
DELETE FROM pim_migrate.version;
DELETE FROM pim_migrate.log;
DELETE FROM pim_migrate.revision;
DELETE FROM pim_migrate.ddl_event;
DELETE FROM pim_migrate.fingerprint;
DELETE FROM pim_migrate.schema_object;
DROP EXTENSION pim_migrate;
SELECT count(*) AS triggers_left FROM pg_event_trigger;
CREATE EXTENSION pim_migrate;
