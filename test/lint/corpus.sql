-- The lint corpus (test/t/012_lint.pl): migration statements, alone and in
-- realistic revisions, against test/lint/fixture.sql (big: 100,000 rows;
-- small: 2 rows; empty: none).  Each case lists the rules pim_migrate must
-- report ("expect"), and each rule Squawk reports but pim_migrate does not
-- ("squawk-only"), with the reason the server knows better.  Cases run as
-- transactional revisions (Squawk: --assume-in-transaction).
--
-- case: index on a big table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX big_v_idx ON big (v);
-- case: index on a small table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX small_v_idx ON small (v);
-- case: index on an empty table
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-creation: empty table
CREATE INDEX empty_n_idx ON empty (n);
-- case: unique index on a big table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE UNIQUE INDEX big_v_uidx ON big (v);
-- case: partial index on a big table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX big_recent_idx ON big (created) WHERE n > 50000;
-- case: expression index on a big table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX big_lower_t_idx ON big (lower(t));
-- case: index if not exists
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX IF NOT EXISTS big_t_idx ON big (t);
-- case: index with a schema-qualified table
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX big_code_idx ON public.big (code);
-- case: concurrent index in a transactional revision
-- expect: ban-concurrent-index-creation-in-transaction
-- squawk-only: require-lock-timeout: fails in a transaction
CREATE INDEX CONCURRENTLY big_v_cidx ON big (v);
-- case: index on a table created in the same revision
-- expect: none
-- squawk-only: require-lock-timeout: created in the same revision
CREATE TABLE fresh (id int PRIMARY KEY, v text);
CREATE INDEX fresh_v_idx ON fresh (v);
-- case: index on a table created by CREATE TABLE AS in the same revision
-- expect: none
-- squawk-only: require-concurrent-index-creation: created in the same revision
-- squawk-only: require-lock-timeout: created in the same revision
CREATE TABLE fresh_copy AS SELECT id, v FROM small;
CREATE INDEX fresh_copy_v_idx ON fresh_copy (v);
-- case: drop index
-- expect: require-lock-timeout, require-concurrent-index-deletion
DROP INDEX big_n_idx;
-- case: drop index if exists
-- expect: require-lock-timeout, require-concurrent-index-deletion
DROP INDEX IF EXISTS big_n_idx;
-- case: drop index on an empty table
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-deletion: empty table
DROP INDEX empty_v_idx;
-- case: drop index of a small table
-- expect: require-lock-timeout, require-concurrent-index-deletion
DROP INDEX small_name_idx;
-- case: add column, no default
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN note text;
-- case: add column with a constant default
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN flag boolean DEFAULT false;
-- case: add column with a stable default
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN seen timestamptz DEFAULT now();
-- case: add column with a volatile default
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN r float8 DEFAULT random();
-- case: add column with gen_random_uuid()
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN uid uuid DEFAULT gen_random_uuid();
-- case: add column with clock_timestamp()
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN at timestamptz DEFAULT clock_timestamp();
-- case: add column with a cast constant default
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN k jsonb DEFAULT '{}'::jsonb;
-- case: add column with an expression of constants
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN m int DEFAULT 1 + 2;
-- case: add a serial column
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN seq bigserial;
-- case: add an identity column
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY;
-- case: add a stored generated column
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN double_n int GENERATED ALWAYS AS (n * 2) STORED;
-- case: add a volatile default on an empty table
-- expect: require-lock-timeout
-- squawk-only: adding-field-with-default: empty table
ALTER TABLE empty ADD COLUMN r float8 DEFAULT random();
-- case: add a NOT NULL column without default
-- expect: require-lock-timeout, adding-required-field
ALTER TABLE big ADD COLUMN req int NOT NULL;
-- case: add a NOT NULL column with default
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN req int NOT NULL DEFAULT 0;
-- case: add a NOT NULL column to an empty table
-- expect: require-lock-timeout
-- squawk-only: adding-required-field: empty table
ALTER TABLE empty ADD COLUMN req int NOT NULL;
-- case: add a NOT NULL column to a small table
-- expect: require-lock-timeout, adding-required-field
ALTER TABLE small ADD COLUMN req int NOT NULL;
-- case: add a column with a foreign key
-- expect: require-lock-timeout, adding-foreign-key-constraint
ALTER TABLE small ADD COLUMN other_id int REFERENCES big (id);
-- case: add a unique column
-- expect: require-lock-timeout, disallowed-unique-constraint
ALTER TABLE big ADD COLUMN email text UNIQUE;
-- case: add a serial primary key column
-- expect: require-lock-timeout, adding-field-with-default, adding-serial-primary-key-field
ALTER TABLE small DROP CONSTRAINT small_pkey, ADD COLUMN new_id serial PRIMARY KEY;
-- case: widen a varchar
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN v TYPE varchar(64);
-- case: varchar to text
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN v TYPE text;
-- case: varchar to unbounded varchar
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN v TYPE varchar;
-- case: narrow a varchar
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN v TYPE varchar(8);
-- case: text to varchar
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN t TYPE varchar(32);
-- case: int to bigint
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN n TYPE bigint;
-- case: int to bigint with USING
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN n TYPE bigint USING n::bigint;
-- case: numeric precision up
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN price TYPE numeric(12,2);
-- case: numeric scale change
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN price TYPE numeric(12,4);
-- case: char to text
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN code TYPE text;
-- case: type change on an empty table
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: empty table
ALTER TABLE empty ALTER COLUMN n TYPE bigint;
-- case: type change to a domain with a check
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN n TYPE positive;
-- case: timestamp to timestamptz
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE big ALTER COLUMN created TYPE timestamptz;
-- case: set not null on a big table
-- expect: require-lock-timeout, adding-not-nullable-field
ALTER TABLE big ALTER COLUMN n SET NOT NULL;
-- case: set not null on an empty table
-- expect: require-lock-timeout
-- squawk-only: adding-not-nullable-field: empty table
ALTER TABLE empty ALTER COLUMN n SET NOT NULL;
-- case: drop not null
-- expect: require-lock-timeout, ban-drop-not-null
ALTER TABLE big ALTER COLUMN t DROP NOT NULL;
-- case: check constraint
-- expect: require-lock-timeout, constraint-missing-not-valid
ALTER TABLE big ADD CONSTRAINT big_n_positive CHECK (n > 0);
-- case: check constraint not valid
-- expect: require-lock-timeout
ALTER TABLE big ADD CONSTRAINT big_n_positive CHECK (n > 0) NOT VALID;
-- case: validate a constraint
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TABLE big VALIDATE CONSTRAINT big_n_positive;
-- case: autovacuum off for a big table
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TABLE big SET (autovacuum_enabled = off);
-- case: a weak command beside a strong one: the strongest lock counts
-- expect: require-lock-timeout
ALTER TABLE big SET (autovacuum_enabled = off), ALTER COLUMN t SET STORAGE EXTERNAL;
-- case: check constraint on an empty table
-- expect: require-lock-timeout
-- squawk-only: constraint-missing-not-valid: empty table
ALTER TABLE empty ADD CONSTRAINT empty_n_positive CHECK (n > 0);
-- case: check constraint on a small table
-- expect: require-lock-timeout, constraint-missing-not-valid
ALTER TABLE small ADD CONSTRAINT small_id_positive CHECK (id > 0);
-- case: foreign key
-- expect: require-lock-timeout, constraint-missing-not-valid, adding-foreign-key-constraint
ALTER TABLE small ADD CONSTRAINT small_big_fk FOREIGN KEY (big_id) REFERENCES big (id);
-- case: foreign key not valid
-- expect: require-lock-timeout
ALTER TABLE small ADD CONSTRAINT small_big_fk FOREIGN KEY (big_id) REFERENCES big (id) NOT VALID;
-- case: foreign key on a big table
-- expect: require-lock-timeout, constraint-missing-not-valid, adding-foreign-key-constraint
ALTER TABLE big ADD CONSTRAINT big_small_fk FOREIGN KEY (n) REFERENCES small (id);
-- case: foreign key from an empty table
-- expect: require-lock-timeout
-- squawk-only: adding-foreign-key-constraint: empty table
-- squawk-only: constraint-missing-not-valid: empty table
ALTER TABLE empty ADD CONSTRAINT empty_big_fk FOREIGN KEY (n) REFERENCES big (id);
-- case: unique constraint
-- expect: require-lock-timeout, disallowed-unique-constraint
-- squawk-only: constraint-missing-not-valid: cannot be NOT VALID
ALTER TABLE big ADD CONSTRAINT big_v_key UNIQUE (v);
-- case: unique constraint using an index
-- expect: require-lock-timeout
ALTER TABLE big ADD CONSTRAINT big_n_key UNIQUE USING INDEX big_n_idx;
-- case: unique constraint on an empty table
-- expect: require-lock-timeout
-- squawk-only: disallowed-unique-constraint: empty table
-- squawk-only: constraint-missing-not-valid: cannot be NOT VALID
ALTER TABLE empty ADD CONSTRAINT empty_v_key UNIQUE (v);
-- case: primary key
-- expect: require-lock-timeout, adding-serial-primary-key-field
-- squawk-only: constraint-missing-not-valid: cannot be NOT VALID
ALTER TABLE small DROP CONSTRAINT small_pkey, ADD PRIMARY KEY (id);
-- case: primary key using an index
-- expect: require-lock-timeout
ALTER TABLE big ADD CONSTRAINT big_pk2 PRIMARY KEY USING INDEX big_n_idx;
-- case: exclusion constraint
-- expect: require-lock-timeout, disallowed-unique-constraint
-- squawk-only: constraint-missing-not-valid: cannot be NOT VALID
ALTER TABLE big ADD CONSTRAINT big_n_excl EXCLUDE USING btree (n WITH =);
-- case: drop column
-- expect: require-lock-timeout, ban-drop-column
ALTER TABLE big DROP COLUMN t;
-- case: drop column if exists
-- expect: require-lock-timeout, ban-drop-column
ALTER TABLE big DROP COLUMN IF EXISTS t;
-- case: drop column of an empty table
-- expect: require-lock-timeout, ban-drop-column
ALTER TABLE empty DROP COLUMN v;
-- case: drop two columns
-- expect: require-lock-timeout, ban-drop-column, ban-drop-column
ALTER TABLE big DROP COLUMN t, DROP COLUMN code;
-- case: rename column
-- expect: require-lock-timeout, renaming-column
ALTER TABLE big RENAME COLUMN t TO body;
-- case: rename table
-- expect: require-lock-timeout, renaming-table
ALTER TABLE big RENAME TO huge;
-- case: rename a table created in the same revision
-- expect: none
-- squawk-only: renaming-table: created in the same revision
-- squawk-only: require-lock-timeout: created in the same revision
CREATE TABLE draft (id int);
ALTER TABLE draft RENAME TO final;
-- case: drop table
-- expect: require-lock-timeout, ban-drop-table
DROP TABLE small;
-- case: drop table if exists
-- expect: require-lock-timeout, ban-drop-table
DROP TABLE IF EXISTS small;
-- case: drop empty table
-- expect: require-lock-timeout, ban-drop-table
DROP TABLE empty;
-- case: drop two tables
-- expect: require-lock-timeout, ban-drop-table, ban-drop-table
DROP TABLE small, empty;
-- case: drop a table created in the same revision
-- expect: none
-- squawk-only: ban-drop-table: created in the same revision
-- squawk-only: require-lock-timeout: created in the same revision
CREATE TABLE scratch (id int);
DROP TABLE scratch;
-- case: drop database
-- expect: ban-drop-database
-- squawk-only: require-lock-timeout: fails in a transaction
DROP DATABASE other;
-- case: enum value at the end
-- expect: require-enum-value-ordering
-- squawk-only: require-lock-timeout: blocks no query
ALTER TYPE mood ADD VALUE 'meh';
-- case: enum value placed
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad';
-- case: enum value placed before
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ecstatic' BEFORE 'happy';
-- case: begin in a revision
-- expect: transaction-nesting
BEGIN;
-- case: commit in a revision
-- expect: transaction-nesting
COMMIT;
-- case: reindex
-- expect: require-lock-timeout, require-concurrent-reindex
REINDEX TABLE big;
-- case: reindex concurrently
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
REINDEX TABLE CONCURRENTLY big;
-- case: reindex an index
-- expect: require-lock-timeout, require-concurrent-reindex
REINDEX INDEX big_n_idx;
-- case: truncate cascade
-- expect: require-lock-timeout, ban-truncate-cascade
TRUNCATE small CASCADE;
-- case: truncate
-- expect: require-lock-timeout
TRUNCATE small;
-- case: lock timeout set first
-- expect: require-concurrent-index-creation
SET lock_timeout = '2s';
CREATE INDEX big_v_idx ON big (v);
-- case: lock timeout set locally
-- expect: require-concurrent-index-creation
SET LOCAL lock_timeout = '2s';
CREATE INDEX big_v_idx ON big (v);
-- case: ignore comment
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-creation: silenced by pim_migrate:ignore
-- pim_migrate:ignore require-concurrent-index-creation
CREATE INDEX big_v_idx ON big (v);
-- case: ignore comment for two rules
-- expect: none
-- squawk-only: require-lock-timeout: silenced by pim_migrate:ignore
-- squawk-only: require-concurrent-index-creation: silenced by pim_migrate:ignore
-- pim_migrate:ignore require-lock-timeout, require-concurrent-index-creation
CREATE INDEX big_v_idx ON big (v);
-- case: ignore in a block comment
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-creation: silenced by pim_migrate:ignore
/* pim_migrate:ignore require-concurrent-index-creation */
CREATE INDEX big_v_idx ON big (v);
-- case: ignore comment applies to the next statement only
-- expect: require-concurrent-index-creation
-- squawk-only: require-concurrent-index-creation: silenced by pim_migrate:ignore
SET lock_timeout = '1s';
-- pim_migrate:ignore require-concurrent-index-creation
CREATE INDEX big_v_idx ON big (v);
CREATE INDEX big_t_idx ON big (t);
-- case: create table
-- expect: none
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE);
-- case: create view
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
CREATE VIEW big_names AS SELECT id, v FROM big;
-- case: create function
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 2';
-- case: insert data
-- expect: none
INSERT INTO small (id, name) VALUES (3, 'c');
-- case: update data
-- expect: none
UPDATE small SET name = upper(name);
-- case: delete data
-- expect: none
DELETE FROM small WHERE id = 2;
-- case: comment on
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
COMMENT ON TABLE big IS 'the big one';
-- case: grant
-- expect: none
GRANT SELECT ON big TO PUBLIC;
-- case: create schema
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
CREATE SCHEMA reporting;
-- case: create sequence
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
CREATE SEQUENCE order_no;
-- case: create type
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
CREATE TYPE size AS ENUM ('s', 'm', 'l');
-- case: alter table set default
-- expect: require-lock-timeout
ALTER TABLE big ALTER COLUMN n SET DEFAULT 0;
-- case: alter table drop default
-- expect: require-lock-timeout
ALTER TABLE big ALTER COLUMN n DROP DEFAULT;
-- case: drop a constraint
-- expect: require-lock-timeout
ALTER TABLE big DROP CONSTRAINT big_pkey;
-- case: set statistics
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TABLE big ALTER COLUMN n SET STATISTICS 500;
-- case: create table, then add everything to it
-- expect: require-lock-timeout
-- squawk-only: adding-not-nullable-field: created in the same revision
-- squawk-only: adding-field-with-default: created in the same revision
CREATE TABLE orders (id bigint PRIMARY KEY, small_id int, total numeric);
ALTER TABLE orders ADD CONSTRAINT orders_small_fk FOREIGN KEY (small_id) REFERENCES small (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
ALTER TABLE orders ALTER COLUMN total SET NOT NULL;
ALTER TABLE orders ADD COLUMN placed timestamptz DEFAULT clock_timestamp();
CREATE INDEX orders_small_idx ON orders (small_id);
-- case: realistic revision: a new table and an index on an old one
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE TABLE tags (id int PRIMARY KEY, big_id int NOT NULL REFERENCES big (id), tag text NOT NULL);
CREATE INDEX tags_big_idx ON tags (big_id);
CREATE INDEX big_created_idx ON big (created);
-- case: realistic revision: NOT VALID then VALIDATE in one revision
-- expect: constraint-missing-not-valid
SET lock_timeout = '2s';
ALTER TABLE small ADD CONSTRAINT small_big_fk FOREIGN KEY (big_id) REFERENCES big (id) NOT VALID;
ALTER TABLE small VALIDATE CONSTRAINT small_big_fk;
-- case: realistic revision: the safe way to set not null
-- expect: none
SET lock_timeout = '2s';
ALTER TABLE big ADD CONSTRAINT big_n_not_null CHECK (n IS NOT NULL) NOT VALID;
-- case: realistic revision: the unsafe way to set not null
-- expect: adding-not-nullable-field
SET lock_timeout = '2s';
ALTER TABLE big ALTER COLUMN n SET NOT NULL;
-- case: realistic revision: rename by copy
-- expect: require-lock-timeout
ALTER TABLE big ADD COLUMN body text;
UPDATE big SET body = t WHERE id < 1000;
-- case: realistic revision: backfill with a volatile default, then index
-- expect: require-lock-timeout, adding-field-with-default, require-concurrent-index-creation
ALTER TABLE big ADD COLUMN token uuid DEFAULT gen_random_uuid();
CREATE INDEX big_token_idx ON big (token);
-- case: realistic revision: drop a column and its index
-- expect: require-lock-timeout, require-concurrent-index-deletion, ban-drop-column
DROP INDEX big_n_idx;
ALTER TABLE big DROP COLUMN n;
-- case: realistic revision: narrow and constrain
-- expect: require-lock-timeout, changing-column-type, constraint-missing-not-valid
ALTER TABLE small ALTER COLUMN name TYPE varchar(10);
ALTER TABLE small ADD CONSTRAINT small_name_len CHECK (length(name) > 0);
-- case: realistic revision: enum and a column of it
-- expect: require-enum-value-ordering, require-lock-timeout
ALTER TYPE mood ADD VALUE 'calm';
ALTER TABLE small ADD COLUMN feeling mood;
-- case: realistic revision: widen two columns
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN v TYPE varchar(100);
ALTER TABLE small ALTER COLUMN v TYPE text;
-- case: realistic revision: everything on an empty table
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-creation: empty table
-- squawk-only: constraint-missing-not-valid: empty table
-- squawk-only: adding-not-nullable-field: empty table
-- squawk-only: changing-column-type: empty table
ALTER TABLE empty ALTER COLUMN n TYPE bigint;
ALTER TABLE empty ALTER COLUMN n SET NOT NULL;
ALTER TABLE empty ADD CONSTRAINT empty_n_check CHECK (n > 0);
CREATE INDEX empty_n2_idx ON empty (n);
-- case: index on a partitioned table: the partitions' size
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE INDEX events_id_idx ON events (id);
-- case: index on the partitioned table only: no rows are read
-- expect: require-lock-timeout
-- squawk-only: require-concurrent-index-creation: empty table
CREATE INDEX events_at_idx ON ONLY events (at);
-- case: type change on a partitioned table
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE events ALTER COLUMN id TYPE bigint;
-- case: widening a column of another collation rebuilds its indexes
-- expect: require-lock-timeout, changing-column-type
ALTER TABLE events ALTER COLUMN kind TYPE varchar(64);
-- case: widening it and keeping its collation
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE events ALTER COLUMN kind TYPE varchar(64) COLLATE "C";
-- case: create table if not exists of a table that exists
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE TABLE IF NOT EXISTS big (id int);
CREATE INDEX big_v_idx ON big (v);
-- case: a table of the same name in another schema
-- expect: require-lock-timeout, require-concurrent-index-creation
CREATE TABLE archive.big (LIKE big);
CREATE INDEX big_v_idx ON big (v);
-- case: a column of a domain with a check
-- expect: require-lock-timeout, adding-field-with-default
ALTER TABLE big ADD COLUMN p positive;
-- case: a silenced lock timeout does not silence the next one
-- expect: require-lock-timeout
-- pim_migrate:ignore require-lock-timeout
ALTER TABLE small ADD COLUMN note text;
ALTER TABLE big ADD COLUMN note text;
-- case: lock table
-- expect: require-lock-timeout
LOCK TABLE big IN ACCESS EXCLUSIVE MODE;
-- case: lock timeout set to zero is none
-- expect: require-lock-timeout, require-concurrent-index-creation
SET lock_timeout = 0;
CREATE INDEX big_v_idx ON big (v);
-- case: cluster
-- expect: require-lock-timeout
CLUSTER big USING big_pkey;
-- case: rename an enum value
-- expect: none
-- squawk-only: require-lock-timeout: blocks no query
ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
-- case: a collation change on a column no index covers
-- expect: require-lock-timeout
-- squawk-only: changing-column-type: binary-coercible
ALTER TABLE big ALTER COLUMN t TYPE text COLLATE "C";
