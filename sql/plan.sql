--
-- pim_migrate_plan(): the upgrade run as a dry run, watched statement by
-- statement: its time, the relation locks it took, what it rewrote; and
-- nothing of it survives.
--
CREATE TABLE quotes (id int PRIMARY KEY, sym varchar(16), n int);
INSERT INTO quotes SELECT g, 's' || g, g FROM generate_series(1, 100000) g;
CREATE TABLE notes (id int PRIMARY KEY, body text);

SELECT pim_migrate_revision('widen', 'ALTER TABLE quotes ALTER COLUMN sym TYPE varchar(64);',
                            'SELECT 1;', revision => 'pl1', down_revision => '{}');
SELECT pim_migrate_revision('bigint', 'ALTER TABLE quotes ALTER COLUMN n TYPE bigint;',
                            'SELECT 1;', revision => 'pl2');
SELECT pim_migrate_revision('index', E'CREATE INDEX notes_body_idx ON notes (body);\nINSERT INTO notes VALUES (1, \'x\');\nCREATE TABLE fresh (id int);',
                            'SELECT 1;', revision => 'pl3');

SELECT pg_relation_filenode('quotes') AS filenode \gset
SELECT revision, line, statement, duration >= '0' AS timed, locks, rewritten
FROM pim_migrate_plan();

-- per relation, the strongest lock held while the statement ran, marked
-- when an earlier statement took it; a rewrite shows in the second (its
-- index is rebuilt too); an index build takes SHARE on its table.
-- Nothing survives:
SELECT * FROM pim_migrate_current();
SELECT count(*) AS log_rows FROM pim_migrate.log;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'quotes'::regclass AND attname IN ('sym', 'n') ORDER BY attnum;
SELECT pg_relation_filenode('quotes') = :filenode AS same_file;
SELECT count(*) AS notes FROM notes;
SELECT to_regclass('notes_body_idx') AS idx, to_regclass('fresh') AS fresh;

-- each revision alone: the ALTER TYPE to bigint is a rewrite under
-- ACCESS EXCLUSIVE, the widening is not a rewrite
SELECT revision, locks, rewritten FROM pim_migrate_plan('pl1');
SELECT pim_migrate_upgrade('pl1') IS NOT NULL AS upgraded;
SELECT revision, locks, rewritten FROM pim_migrate_plan('pl2');
SELECT pim_migrate_upgrade('pl2') IS NOT NULL AS upgraded;
SELECT revision, locks, rewritten FROM pim_migrate_plan('pl3');

-- up to date: no rows
SELECT pim_migrate_upgrade('head') IS NOT NULL AS upgraded;
SELECT count(*) FROM pim_migrate_plan();

-- a dropped table's lock is named; a statement that runs a script in turn
-- (pim_migrate_diff) is watched as one statement
SELECT pim_migrate_revision('drop and diff', E'DROP TABLE notes;\nSELECT count(*) FROM pim_migrate_diff(\'CREATE TABLE nd (id int);\');',
                            'SELECT 1;', revision => 'pl3b');
SELECT revision, line, locks, rewritten FROM pim_migrate_plan();
SELECT to_regclass('notes') IS NOT NULL AS notes_kept;
DELETE FROM pim_migrate.revision WHERE revision = 'pl3b';

-- a statement that changes more relations than are followed one by one
-- (here 300 new tables) is checked against every relation
SELECT pim_migrate_revision('many', E'DO $$BEGIN\n  FOR i IN 1..300 LOOP\n    EXECUTE format(\'CREATE TABLE many_%s (id int)\', i);\n  END LOOP;\n  ALTER TABLE notes ALTER COLUMN id TYPE bigint;\nEND$$;',
                            'SELECT 1;', revision => 'pl3c');
SELECT revision, line, rewritten FROM pim_migrate_plan();
SELECT to_regclass('many_1') IS NULL AS rolled_back;
DELETE FROM pim_migrate.revision WHERE revision = 'pl3c';

-- an error in a statement is the migration's error, and nothing stays
SELECT pim_migrate_revision('bad', 'CREATE TABLE t_ok (id int); SELECT 1/0;',
                            'SELECT 1;', revision => 'pl4');
SELECT * FROM pim_migrate_plan();
SELECT to_regclass('t_ok');
SELECT * FROM pim_migrate_current();

-- clean up
DROP TABLE quotes, notes, fresh;
TRUNCATE pim_migrate.version, pim_migrate.revision, pim_migrate.log;
