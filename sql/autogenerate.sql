--
-- Autogenerate: the guide's Stock story, with the desired schema as SQL.
--
\set VERBOSITY default
-- the ids are random: the upgrades' notices would name them
SET client_min_messages = warning;

-- the first model, from an empty database: nothing applied, nothing to do
\set stock_v1 'CREATE TABLE stocks (id integer PRIMARY KEY, name varchar, market varchar, ticker varchar); CREATE INDEX ix_stocks_id ON stocks (id);'
SELECT pim_migrate_check(:'stock_v1');
SELECT pim_migrate_autogenerate('Initial migration with Stock model', :'stock_v1') IS NOT NULL AS registered;
SELECT upgrade_sql, downgrade_sql FROM pim_migrate_show(
    (SELECT revision FROM pim_migrate_heads()));

-- not at head: Alembic's refusal
SELECT pim_migrate_autogenerate('too early', :'stock_v1');

SELECT count(*) FROM pim_migrate_upgrade('head');
SELECT pim_migrate_check(:'stock_v1');

-- nothing changed: a notice and no revision
SET client_min_messages = notice;
SELECT pim_migrate_autogenerate('nothing', :'stock_v1');
SELECT count(*) FROM pim_migrate_history();
SET client_min_messages = warning;

-- the model gains sector: review the diff, generate, upgrade, check
\set stock_v2 'CREATE TABLE stocks (id integer PRIMARY KEY, name varchar, market varchar, ticker varchar, sector varchar(40)); CREATE INDEX ix_stocks_id ON stocks (id);'
SELECT pim_migrate_check(:'stock_v2');
SELECT * FROM pim_migrate_diff(:'stock_v2');
SELECT pim_migrate_autogenerate('Add sector field to Stock model', :'stock_v2') IS NOT NULL AS registered;
SELECT message FROM pim_migrate_heads();
SELECT count(*) FROM pim_migrate_upgrade('head');
SELECT pim_migrate_check(:'stock_v2');
\d stocks

-- downgrade -1 takes sector away again
SELECT count(*) FROM pim_migrate_downgrade('-1');
SELECT pim_migrate_check(:'stock_v1'), pim_migrate_check(:'stock_v2');
SELECT count(*) FROM pim_migrate_upgrade('head');

-- bad desired schemas: an error naming the line, nothing left behind
SELECT * FROM pim_migrate_diff(E'CREATE TABLE a (x int);\nCREATE TABLE b (y nosuchtype);');
SELECT * FROM pim_migrate_diff(E'CREATE TABLE a (x int);\n\nCREATE TABLE oops (');
SELECT * FROM pim_migrate_diff('CREATE TABLE public.a (x int);');
SELECT * FROM pim_migrate_diff(E'CREATE TABLE a (x int);\nINSERT INTO a VALUES (1);');
SELECT * FROM pim_migrate_diff(E'CREATE TABLE a (x int);\nDROP TABLE stocks;');
SELECT * FROM pim_migrate_diff('CREATE TABLE a (x int);', 'nosuchschema');
SELECT * FROM pim_migrate_diff(NULL);
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pim_migrate_desired%';
SELECT pim_migrate_check(:'stock_v2');

-- an empty desired schema drops everything, with a warning per table
SELECT upgrade_sql FROM pim_migrate_diff('');

-- another schema
CREATE SCHEMA app;
SELECT upgrade_sql FROM pim_migrate_diff('CREATE TABLE t (a int);', 'app');

-- a column dropped and another of its type added: perhaps a rename, flagged
SELECT upgrade_sql FROM pim_migrate_diff('CREATE TABLE stocks (id integer PRIMARY KEY, title varchar, market varchar, ticker varchar, sector varchar(40)); CREATE INDEX ix_stocks_id ON stocks (id);');

-- an enum gains a value in the middle: ADD VALUE places it; the way back
-- cannot drop it, and says so
CREATE SCHEMA moods;
SELECT upgrade_sql FROM pim_migrate_diff($$CREATE TYPE mood AS ENUM ('sad', 'happy');$$, 'moods');
SET search_path = moods, public;
CREATE TYPE mood AS ENUM ('sad', 'happy');
RESET search_path;
SELECT * FROM pim_migrate_diff($$CREATE TYPE mood AS ENUM ('sad', 'ok, I guess', 'happy');$$, 'moods');

-- clean up
SELECT count(*) FROM pim_migrate_downgrade('base');
DROP SCHEMA app, moods CASCADE;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
