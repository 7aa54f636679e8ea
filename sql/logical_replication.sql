--
-- Logical replication does not carry DDL.  The lint's rules
-- altering-published-table (a revision changes a table a publication
-- publishes, or creates one it will publish: its subscribers need the same
-- change first) and altering-subscribed-table (a revision changes a table
-- this database's subscription fills), and pim_migrate_plan's replication
-- column.  CREATE PUBLICATION works at any wal_level (it warns; hidden
-- here); a subscription made with connect = false has no publisher.
-- test/t/020_logical_replication.pl shows the breakage itself.
--
SET client_min_messages = error;
CREATE TABLE accounts (id int PRIMARY KEY, email text, score int);
CREATE TABLE audit (id int PRIMARY KEY, what text, at date);
CREATE TABLE "odd""tab" (id int PRIMARY KEY);
CREATE TABLE quiet (id int PRIMARY KEY, v text);
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id int PRIMARY KEY, amount int);
CREATE TABLE events (id int, at date, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE logs (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE logs_2025 PARTITION OF logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE logs_2026 (id int, at date);
CREATE PUBLICATION pub_accounts FOR TABLE accounts (id, email);
CREATE PUBLICATION "pub
""audit""" FOR TABLE audit, "odd""tab";
CREATE PUBLICATION pub_sales FOR TABLES IN SCHEMA sales;
CREATE PUBLICATION pub_events FOR TABLE events WITH (publish_via_partition_root = true);
CREATE PUBLICATION pub_logs FOR TABLE logs;
CREATE PUBLICATION pub_truncate FOR TABLE quiet WITH (publish = 'truncate');
RESET client_min_messages;

-- FOR TABLE: what subscribers that lack the change cannot apply (a column
-- added, its type changed, renamed; the table renamed or moved), and what
-- they can (a column dropped or made NOT NULL: they keep theirs).  Names
-- are quoted, a line end in one is a space.
SELECT line, rule, message, hint FROM pim_migrate_lint_script($$
ALTER TABLE audit ADD COLUMN who text;
ALTER TABLE audit DROP COLUMN at;
ALTER TABLE audit ALTER COLUMN what SET NOT NULL;
ALTER TABLE audit ALTER COLUMN what TYPE varchar(200);
ALTER TABLE audit RENAME COLUMN what TO action;
ALTER TABLE "odd""tab" RENAME TO odd;
ALTER TABLE "odd""tab" SET SCHEMA sales;
DROP TABLE "odd""tab";
$$) WHERE rule LIKE 'altering-%' ORDER BY line, rule;

-- a column list: a new column is not published, nor a column outside it;
-- one in it is
SELECT line, message FROM pim_migrate_lint_script($$
ALTER TABLE accounts ADD COLUMN age int;
ALTER TABLE accounts ALTER COLUMN score TYPE bigint;
ALTER TABLE accounts ALTER COLUMN email TYPE varchar(320);
$$) WHERE rule LIKE 'altering-%' ORDER BY line;

-- FOR TABLES IN SCHEMA: its tables, and the tables created in it (not
-- temporary or unlogged ones, nor those of another schema); a publication
-- of TRUNCATE alone carries no rows
SELECT line, message, hint FROM pim_migrate_lint_script($$
ALTER TABLE sales.orders ADD COLUMN note text;
CREATE TABLE sales.refunds (id int PRIMARY KEY);
CREATE TABLE IF NOT EXISTS sales.orders (id int);
CREATE UNLOGGED TABLE sales.scratch (id int);
CREATE TEMP TABLE tmp (id int);
CREATE TABLE elsewhere (id int);
CREATE TABLE sales.totals AS SELECT 1 AS n;
ALTER TABLE quiet ADD COLUMN w int;
$$) WHERE rule LIKE 'altering-%' ORDER BY line;

-- partitions: with publish_via_partition_root their rows go out under the
-- root's name, so a new partition or a renamed one changes nothing for
-- the subscribers, while a column of the tree does; without it each
-- partition is published under its own name, attached or created
SELECT line, message FROM pim_migrate_lint_script($$
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE events_2025 RENAME TO events_y2025;
ALTER TABLE events ADD COLUMN source text;
ALTER TABLE events ALTER COLUMN kind TYPE varchar(20);
CREATE TABLE logs_2027 PARTITION OF logs FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
ALTER TABLE logs ATTACH PARTITION logs_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE logs_2025 RENAME TO logs_y2025;
$$) WHERE rule LIKE 'altering-%' ORDER BY line;

-- silenced by an ignore comment; a table created earlier in the migration
-- is found by the CREATE's finding only
SELECT line, rule FROM pim_migrate_lint_script($$
-- pim_migrate:ignore altering-published-table
ALTER TABLE audit ADD COLUMN who text;
CREATE TABLE sales.fresh (id int);
ALTER TABLE sales.fresh ADD COLUMN v text;
$$) WHERE rule LIKE 'altering-%' ORDER BY line;

-- FOR ALL TABLES: every table, every new one
SET client_min_messages = error;
CREATE PUBLICATION pub_all FOR ALL TABLES;
RESET client_min_messages;
SELECT line, message FROM pim_migrate_lint_script($$
ALTER TABLE quiet ADD COLUMN w int;
CREATE TABLE sales.refunds (id int PRIMARY KEY);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
$$) WHERE rule LIKE 'altering-%' ORDER BY line;
DROP PUBLICATION pub_all;

-- A subscriber: a subscription with no publisher subscribes no table until
-- ALTER SUBSCRIPTION ... REFRESH PUBLICATION asks the publisher for its
-- tables; nothing to say then.
SET client_min_messages = error;
CREATE SUBSCRIPTION sub_crm CONNECTION 'dbname=crm' PUBLICATION crm_out, "crm
all" WITH (connect = false, slot_name = NONE);
RESET client_min_messages;
SELECT count(*) FROM pim_migrate_lint_script('ALTER TABLE accounts DROP COLUMN score;')
WHERE rule = 'altering-subscribed-table';
-- the rows a refresh records, for accounts and the events tree
INSERT INTO pg_subscription_rel (srsubid, srrelid, srsubstate, srsublsn)
SELECT oid, rel, 'r', NULL FROM pg_subscription, unnest(ARRAY['accounts'::regclass, 'events'::regclass]) rel
WHERE subname = 'sub_crm';
-- what the publisher's rows no longer fit: a column dropped, renamed, of
-- another type or made NOT NULL, a required column added, the table renamed
-- or dropped; a column it may lack is fine
SELECT line, rule, message, hint FROM pim_migrate_lint_script($$
ALTER TABLE accounts ADD COLUMN age int;
ALTER TABLE accounts ADD COLUMN tier int NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN region text NOT NULL;
ALTER TABLE accounts DROP COLUMN score;
ALTER TABLE accounts ALTER COLUMN score TYPE bigint;
ALTER TABLE accounts ALTER COLUMN score SET NOT NULL;
ALTER TABLE accounts RENAME TO customers;
ALTER TABLE events_2025 DROP COLUMN kind;
DROP TABLE accounts;
$$) WHERE rule = 'altering-subscribed-table' ORDER BY line;

-- pim_migrate_lint and pim_migrate_plan: the plan asks before each
-- statement, on the catalog as the migration left it, and so sees a
-- table the migration itself publishes
SELECT pim_migrate_revision('publish notes', $$CREATE TABLE notes (id int PRIMARY KEY);
ALTER TABLE audit ADD COLUMN who text;
ALTER PUBLICATION pub_accounts ADD TABLE notes;
ALTER TABLE notes ADD COLUMN body text;
ALTER TABLE accounts DROP COLUMN score;$$, 'SELECT 1;', revision => 'lr1', down_revision => '{}');
SELECT revision, line, rule FROM pim_migrate_lint() WHERE rule LIKE 'altering-%' ORDER BY line, rule;
SELECT line, statement, replication FROM pim_migrate_plan();
-- nothing of the dry run stays
SELECT to_regclass('notes'), (SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pub_accounts') AS published;

-- clean up
DROP SUBSCRIPTION sub_crm;
DROP PUBLICATION pub_accounts, "pub
""audit""", pub_sales, pub_events, pub_logs, pub_truncate;
DROP TABLE accounts, audit, "odd""tab", quiet, events, logs, logs_2026;
DROP SCHEMA sales CASCADE;
TRUNCATE pim_migrate.version, pim_migrate.revision, pim_migrate.log;
