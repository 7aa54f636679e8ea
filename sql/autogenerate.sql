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
SELECT * FROM pim_migrate_diff('CREATE TABLE elsewhere.a (x int);');
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
-- cannot drop a value: it makes the type anew, with a warning
CREATE SCHEMA moods;
SELECT upgrade_sql FROM pim_migrate_diff($$CREATE TYPE mood AS ENUM ('sad', 'happy');$$, 'moods');
SET search_path = moods, public;
CREATE TYPE mood AS ENUM ('sad', 'happy');
RESET search_path;
SELECT * FROM pim_migrate_diff($$CREATE TYPE mood AS ENUM ('sad', 'ok, I guess', 'happy');$$, 'moods');

-- a name qualified with exactly the target schema is accepted (pg_dump
-- writes them so); exclude leaves stocks out of the comparison
SELECT * FROM pim_migrate_diff('CREATE TABLE public.a (x int);', exclude => '{stocks}');

-- include and exclude: LIKE patterns of the tables (views, sequences,
-- types) compared; what belongs to a table left out (its columns,
-- indexes, constraints, triggers, policies, grants, comments) is left out
-- with it, on both sides
CREATE SCHEMA inc;
SET search_path = inc, public;
CREATE TABLE app_user (id serial PRIMARY KEY, name text);
CREATE TABLE celery_taskmeta (id int PRIMARY KEY, status text);
CREATE INDEX celery_status_idx ON celery_taskmeta (status);
CREATE TABLE spatial_ref_sys (srid int PRIMARY KEY);
COMMENT ON TABLE spatial_ref_sys IS 'from an extension''s installer';
RESET search_path;
\set inc_desired 'CREATE TABLE app_user (id serial PRIMARY KEY, name text, email text);'
SELECT upgrade_sql FROM pim_migrate_diff(:'inc_desired', 'inc');
SELECT upgrade_sql, downgrade_sql FROM pim_migrate_diff(:'inc_desired', 'inc',
    exclude => '{celery%,spatial_ref_sys}');
SELECT upgrade_sql, downgrade_sql FROM pim_migrate_diff(:'inc_desired', 'inc',
    include => '{app\_%}');
-- include and exclude together: included, then not excluded
SELECT upgrade_sql FROM pim_migrate_diff(:'inc_desired', 'inc',
    include => '{app%,celery%}', exclude => '{celery%}');
SELECT pim_migrate_check('CREATE TABLE app_user (id serial PRIMARY KEY, name text);', 'inc',
    exclude => '{celery%,spatial_ref_sys}');
SELECT pim_migrate_check('CREATE TABLE app_user (id serial PRIMARY KEY, name text);', 'inc');
-- an excluded table of the desired schema is left out too
SELECT pim_migrate_check('CREATE TABLE app_user (id serial PRIMARY KEY, name text); CREATE TABLE celery_new (x int);',
    'inc', exclude => '{celery%,spatial_ref_sys}');
-- an empty include compares nothing
SELECT pim_migrate_check('', 'inc', include => '{}');
SELECT * FROM pim_migrate_diff('', 'inc', include => ARRAY[NULL]);
\echo :LAST_ERROR_SQLSTATE
-- autogenerate takes them too
SELECT pim_migrate_autogenerate('Add email', :'inc_desired', 'inc',
    exclude => '{celery%,spatial_ref_sys}') IS NOT NULL AS registered;
SELECT upgrade_sql FROM pim_migrate_show((SELECT revision FROM pim_migrate_heads()));
-- the scripts run with the schema first on the search_path
SET search_path = inc, public;
SELECT count(*) FROM pim_migrate_upgrade('head');
SELECT pim_migrate_check(:'inc_desired', 'inc', exclude => '{celery%,spatial_ref_sys}');
SELECT count(*) FROM pim_migrate_downgrade('-1');
RESET search_path;

-- an extension in the target schema: its types, functions and operators
-- resolve in the desired schema as in the live one
CREATE SCHEMA withext;
CREATE EXTENSION citext SCHEMA withext;
SELECT upgrade_sql FROM pim_migrate_diff('CREATE TABLE person (email citext UNIQUE, CHECK (email ~ ''@''));', 'withext');

-- but a name of the desired schema never resolves to a live table
SET search_path = withext, public;
CREATE TABLE country (code text PRIMARY KEY);
RESET search_path;
SELECT * FROM pim_migrate_diff('CREATE TABLE person (country text REFERENCES country);', 'withext');
\echo :LAST_ERROR_SQLSTATE
-- nor does a statement that names one change it
SELECT * FROM pim_migrate_diff('CREATE INDEX ON country (code);', 'withext');
SELECT * FROM pim_migrate_diff('ALTER TABLE country ADD COLUMN name text;', 'withext');
\echo :LAST_ERROR_SQLSTATE

-- a file pg_dump --schema-only made is taken as it is: its SET lines,
-- owners, the schema's CREATE SCHEMA and CREATE EXTENSION are left out,
-- names qualified with the target schema accepted
CREATE ROLE regress_pm_reader;
SELECT upgrade_sql FROM pim_migrate_diff($$
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
CREATE SCHEMA withext;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA withext;
COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';
CREATE TABLE withext.country (
    code text NOT NULL
);
ALTER TABLE withext.country OWNER TO CURRENT_USER;
CREATE TABLE withext.person (
    id integer NOT NULL,
    email withext.citext,
    country text
);
ALTER TABLE withext.person OWNER TO CURRENT_USER;
CREATE SEQUENCE withext.person_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER SEQUENCE withext.person_id_seq OWNED BY withext.person.id;
ALTER TABLE ONLY withext.person ALTER COLUMN id SET DEFAULT nextval('withext.person_id_seq'::regclass);
ALTER TABLE ONLY withext.country
    ADD CONSTRAINT country_pkey PRIMARY KEY (code);
ALTER TABLE ONLY withext.person
    ADD CONSTRAINT person_country_fkey FOREIGN KEY (country) REFERENCES withext.country(code);
CREATE POLICY person_visible ON withext.person FOR SELECT TO regress_pm_reader USING ((email OPERATOR(withext.~~) '%@%'::withext.citext));
ALTER TABLE withext.person ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON TABLE withext.person TO regress_pm_reader;
GRANT SELECT(code) ON TABLE withext.country TO regress_pm_reader;
REVOKE USAGE ON SCHEMA withext FROM PUBLIC;
$$, 'withext');

-- a desired schema that needs an extension the database does not have
SELECT * FROM pim_migrate_diff('CREATE EXTENSION IF NOT EXISTS no_such_extension; CREATE TABLE t (a int);', 'withext');
\echo :LAST_ERROR_SQLSTATE

-- kinds the diff does not compare: refused in the desired schema,
-- reported in the live one, never passed over in silence
SELECT * FROM pim_migrate_diff('CREATE TYPE pair AS (a int, b int);', 'withext');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_diff('CREATE TABLE t (r int); CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;', 'withext');
\echo :LAST_ERROR_SQLSTATE
SET search_path = withext, public;
CREATE TYPE pair AS (a int, b int);
RESET search_path;
SELECT pim_migrate_check('CREATE TABLE country (code text PRIMARY KEY);', 'withext');

-- names with control characters stay inside quotes, and out of the
-- comment lines of the script
SET search_path = inc, public;
CREATE TABLE "a
DROP TABLE country; --" (x int);
RESET search_path;
SELECT * FROM pim_migrate_diff('', 'inc', include => '{a_DROP%}');

-- clean up
SELECT count(*) FROM pim_migrate_downgrade('base');
DROP SCHEMA app, moods, inc, withext CASCADE;
DROP ROLE regress_pm_reader;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
