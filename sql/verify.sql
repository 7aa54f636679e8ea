--
-- pim_migrate_verify(): every problem of the stored graph and history, as
-- rows, without stopping at the first.  The catalog is damaged here by
-- hand, as a superuser could; the functions must report it, not crash.
--
SELECT pim_migrate_revision('one', 'CREATE TABLE v1 (id int)', 'DROP TABLE v1',
                            revision => 'v0001', down_revision => '{}', branch_labels => '{vee}');
SELECT pim_migrate_revision('two', 'CREATE TABLE v2 (id int)', 'DROP TABLE v2',
                            revision => 'v0002');
SELECT pim_migrate_revision('three', 'CREATE TABLE v3 (id int)', 'DROP TABLE v3',
                            revision => 'v0003');
SELECT revision FROM pim_migrate_upgrade('v0002');

-- healthy: no row
SELECT * FROM pim_migrate_verify();

-- the checksum is the sha256 of the upgrade script, a zero byte, and, if
-- there is a downgrade script, a one byte and the downgrade script
CREATE FUNCTION regress_checksum(up text, down text) RETURNS text
LANGUAGE sql AS $$
  SELECT encode(sha256(convert_to(up, 'UTF8') || '\x00'::bytea ||
                       CASE WHEN down IS NULL THEN ''::bytea
                            ELSE '\x01'::bytea || convert_to(down, 'UTF8') END), 'hex')
$$;
SELECT revision, checksum = regress_checksum(upgrade_sql, downgrade_sql) AS reproducible
FROM pim_migrate.revision ORDER BY revision;

-- a checksum that no longer matches its scripts, and an applied script
-- edited along with its checksum (the log remembers what ran)
UPDATE pim_migrate.revision SET checksum = repeat('0', 64) WHERE revision = 'v0003';
UPDATE pim_migrate.revision SET upgrade_sql = 'CREATE TABLE v2 (id bigint)',
       checksum = regress_checksum('CREATE TABLE v2 (id bigint)', downgrade_sql)
WHERE revision = 'v0002';
-- a dangling down_revision and dependency, a label declared twice and one
-- that is also an id, a version row naming nothing and one standing below
-- another
INSERT INTO pim_migrate.revision (revision, down_revisions, depends_on, branch_labels,
                                  upgrade_sql, checksum)
VALUES ('v0009', '{gone}', '{vanished}', '{vee,v0001}', '', regress_checksum('', NULL));
INSERT INTO pim_migrate.version VALUES ('ghost'), ('v0001');
SELECT * FROM pim_migrate_verify();

-- the other functions refuse the damaged graph with a clear error
SELECT * FROM pim_migrate_status();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE

-- a cycle, made by hand (registration refuses one)
DELETE FROM pim_migrate.version;
DELETE FROM pim_migrate.revision WHERE revision = 'v0009';
UPDATE pim_migrate.revision SET down_revisions = '{v0003}' WHERE revision = 'v0001';
SELECT * FROM pim_migrate_verify();
SELECT * FROM pim_migrate_heads();
\echo :LAST_ERROR_SQLSTATE

-- clean up
DROP FUNCTION regress_checksum(text, text);
DROP TABLE v1, v2;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
