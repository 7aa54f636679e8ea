--
-- Adopting a database that Alembic migrated: pim_migrate's version rows
-- from alembic_version, which stays as it is.
--
SELECT pim_migrate_revision('Initial migration with Stock model', 'CREATE TABLE stocks (id int PRIMARY KEY)', 'DROP TABLE stocks', revision => '1975ea83b712', down_revision => '{}');
SELECT pim_migrate_revision('Add sector field to Stock model', 'ALTER TABLE stocks ADD COLUMN sector varchar', 'ALTER TABLE stocks DROP COLUMN sector', revision => '4e55a8b046a1');
SELECT pim_migrate_revision('side branch', 'CREATE TABLE side (id int)', 'DROP TABLE side', revision => 'side0001', down_revision => '{}', branch_labels => '{side}');

-- no version table yet
SELECT * FROM pim_migrate_adopt_alembic();

-- Alembic ran the first revision (the table exists; pim_migrate never ran it)
CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
CREATE TABLE stocks (id int PRIMARY KEY);
INSERT INTO alembic_version VALUES ('1975ea83b712');
SELECT * FROM pim_migrate_adopt_alembic();
SELECT revision, operation, applied_by = current_user AS by_me FROM pim_migrate.log ORDER BY id;
-- the rest is pim_migrate's: exactly the remaining revision runs
SELECT * FROM pim_migrate_upgrade('4e55a8b046a1');
SELECT * FROM alembic_version;

-- adopting again once pim_migrate has migrated past Alembic's rows would
-- set the database back without a downgrade: refused (55000), nothing
-- changes
SELECT * FROM pim_migrate_adopt_alembic();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();

-- several heads, in a version table of another name and schema; force
-- replaces pim_migrate's rows all the same
CREATE SCHEMA legacy;
CREATE TABLE legacy.versions (version_num varchar(32) NOT NULL);
INSERT INTO legacy.versions VALUES ('4e55a8b046a1'), ('side0001');
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions', force => true);
SELECT * FROM pim_migrate_current() ORDER BY 1;

-- adopting again with the same rows is a no-op: no log row
SELECT count(*) AS log_rows FROM pim_migrate.log;
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions');
SELECT count(*) AS log_rows FROM pim_migrate.log;

-- an empty version table: Alembic's base
TRUNCATE legacy.versions;
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions', true);
SELECT count(*) FROM pim_migrate_current();

-- errors: nothing changes
SELECT pim_migrate_stamp('1975ea83b712');
INSERT INTO legacy.versions VALUES ('0123456789ab');
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions');
TRUNCATE legacy.versions;
INSERT INTO legacy.versions VALUES ('');
SELECT * FROM pim_migrate_adopt_alembic('legacy.versions');
SELECT * FROM pim_migrate_adopt_alembic('pg_class');
SELECT * FROM pim_migrate_adopt_alembic(NULL);
SELECT * FROM pim_migrate_current();

-- clean up
DROP SCHEMA legacy CASCADE;
DROP TABLE alembic_version, stocks;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
