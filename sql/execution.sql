--
-- Running scripts: many statements of every kind, the caller's
-- transaction, and a failing statement that leaves nothing applied but
-- says where it failed, keeping its own SQLSTATE.
--

-- A script with DDL and DML, comments of both kinds, a dollar-quoted
-- function body with semicolons inside, a DO block that raises a NOTICE,
-- and a SELECT whose rows go nowhere.
SELECT pim_migrate_load($file$-- Prices and their history
-- Revision ID: e0001
-- Revises:
-- +upgrade
/* the table */
CREATE TABLE prices (ticker text PRIMARY KEY, price numeric NOT NULL);
CREATE TABLE price_history (ticker text, price numeric, at timestamptz DEFAULT now());

-- keep every change; the body has semicolons of its own
CREATE FUNCTION keep_price() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO price_history (ticker, price) VALUES (NEW.ticker, NEW.price);
    RETURN NEW;
END;
$$;
CREATE TRIGGER prices_keep AFTER INSERT OR UPDATE ON prices
    FOR EACH ROW EXECUTE FUNCTION keep_price();
INSERT INTO prices VALUES ('ACME', 10), ('INIT', 20);
UPDATE prices SET price = price * 2 WHERE ticker = 'ACME';
DO $$ BEGIN RAISE NOTICE 'prices: % rows', (SELECT count(*) FROM prices); END $$;
SELECT * FROM prices
-- +downgrade
DROP TABLE prices;
DROP TABLE price_history;
DROP FUNCTION keep_price();
$file$);
SELECT * FROM pim_migrate_upgrade();
SELECT * FROM prices ORDER BY ticker;
SELECT ticker, price FROM price_history ORDER BY ticker, price;

-- A failing statement in the second of three revisions: the error keeps
-- its SQLSTATE (23505), gains a context line naming the revision, the
-- direction and the line in its script, and nothing of the call stays:
-- not the first revision's table, not the version rows, not the log.
SELECT pim_migrate_revision('add sectors', $$CREATE TABLE sectors (name text PRIMARY KEY);
INSERT INTO sectors VALUES ('tech');$$, 'DROP TABLE sectors;', revision => 'e0002');
SELECT pim_migrate_revision('seed sectors', $$INSERT INTO sectors VALUES ('energy');

-- this one is already there
INSERT INTO sectors VALUES ('tech');$$, 'DELETE FROM sectors;', revision => 'e0003');
SELECT pim_migrate_revision('after', 'CREATE TABLE after_all (id int);', 'DROP TABLE after_all;', revision => 'e0004');
SELECT count(*) AS log_rows FROM pim_migrate.log \gset
SELECT * FROM pim_migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();
SELECT to_regclass('sectors') AS sectors, to_regclass('after_all') AS after_all;
SELECT count(*) = :log_rows AS log_unchanged FROM pim_migrate.log;

-- An error with a position points into the statement, not the call
SELECT pim_migrate_revision('typo in a column', $$SELECT 1;
SELECT tickr
  FROM prices;$$, revision => 'e0005', down_revision => '{e0001}');
SELECT * FROM pim_migrate_upgrade('e0005');
\echo :LAST_ERROR_SQLSTATE

-- A failing downgrade says so, and also leaves everything as it was
SELECT pim_migrate_revision('bad downgrade', 'CREATE TABLE bd (id int);',
                            $$DROP TABLE bd;
DROP TABLE not_there;$$, revision => 'e0006', down_revision => '{e0001}');
SELECT * FROM pim_migrate_upgrade('e0006');
SELECT * FROM pim_migrate_downgrade('base');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_current();
SELECT to_regclass('bd') AS bd, to_regclass('prices') AS prices;

-- An error raised by the script itself keeps its SQLSTATE too
SELECT pim_migrate_revision('guard', $g$DO $$ BEGIN
  RAISE EXCEPTION 'refusing' USING ERRCODE = 'P0099';
END $$;$g$, revision => 'e0007', down_revision => '{e0006}');
SELECT * FROM pim_migrate_upgrade('e0007');
\echo :LAST_ERROR_SQLSTATE

-- A migration inside a caller's savepoint rolls back with it
SELECT pim_migrate_revision('in a savepoint', 'CREATE TABLE sp (id int);',
                            'DROP TABLE sp;', revision => 'e0008', down_revision => '{e0006}');
BEGIN;
SAVEPOINT s;
SELECT revision FROM pim_migrate_upgrade('e0008');
ROLLBACK TO SAVEPOINT s;
SELECT * FROM pim_migrate_current();
COMMIT;
SELECT to_regclass('sp') AS sp;

-- A script may look at the migration it is part of, but not start another
-- one or register revisions (55000)
CREATE TABLE seen (current text[], pending int);
SELECT pim_migrate_revision('looks', 'INSERT INTO seen SELECT current, pending FROM pim_migrate_status()',
                            'DELETE FROM seen', revision => 'e0009', down_revision => '{e0006}');
SELECT pim_migrate_revision('and after', 'INSERT INTO seen SELECT current, pending FROM pim_migrate_status()',
                            'DELETE FROM seen', revision => 'e0010', down_revision => '{e0009}');
SELECT revision FROM pim_migrate_upgrade('e0010');
SELECT * FROM seen;
SELECT pim_migrate_revision('recursive', 'SELECT * FROM pim_migrate_upgrade()',
                            revision => 'e0011', down_revision => '{e0010}');
SELECT revision FROM pim_migrate_upgrade('e0011');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('registers', $$SELECT pim_migrate_revision('inner', 'SELECT 1')$$,
                            revision => 'e0012', down_revision => '{e0010}');
SELECT revision FROM pim_migrate_upgrade('e0012');
\echo :LAST_ERROR_SQLSTATE
-- a script that catches the error of a read-only function it calls does
-- not disturb the migration around it
SELECT pim_migrate_revision('catches', $g$DO $$ BEGIN
  PERFORM * FROM pim_migrate_show('nosuch');
EXCEPTION WHEN undefined_object THEN RAISE NOTICE 'caught: %', SQLERRM;
END $$;$g$, 'SELECT 1', revision => 'e0013', down_revision => '{e0010}');
SELECT revision FROM pim_migrate_upgrade('e0013');
SELECT * FROM pim_migrate_current();
SELECT revision FROM pim_migrate_downgrade('e0010');
-- and the refusal leaves no trace: the next migration runs normally
SELECT revision FROM pim_migrate_downgrade('e0006');
SELECT * FROM pim_migrate_current();

-- clean up (e0006 cannot be taken back, by design)
DROP TABLE prices, price_history, bd, seen;
DROP FUNCTION keep_price();
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
