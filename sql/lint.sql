--
-- pim_migrate_lint(): the findings for every revision an upgrade would
-- run, in order, as the catalog sees the tables now.  The corpus and the
-- differential test against Squawk are in test/t/012_lint.pl.
--
CREATE TABLE accounts (id int PRIMARY KEY, email varchar(32), score int);
INSERT INTO accounts SELECT g, 'a' || g || '@x', g FROM generate_series(1, 30000) g;
CREATE TABLE audit (id int PRIMARY KEY, what text);
ANALYZE accounts, audit;

SELECT pim_migrate_revision('one', E'CREATE TABLE events (id int PRIMARY KEY, account_id int);\nCREATE INDEX accounts_score_idx ON accounts (score);',
                            'SELECT 1;', revision => 'ln1', down_revision => '{}');
-- an index on a table an earlier revision of the same upgrade creates
SELECT pim_migrate_revision('two', E'SET lock_timeout = \'1s\';\nCREATE INDEX events_account_idx ON events (account_id);\n-- pim_migrate:ignore require-concurrent-index-creation\nCREATE INDEX accounts_email_idx ON accounts (email);\nALTER TABLE audit ADD CONSTRAINT audit_what CHECK (what <> \'\');\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(64);\nALTER TABLE accounts ALTER COLUMN score TYPE bigint;',
                            'SELECT 1;', revision => 'ln2');

SELECT revision, line, rule, severity, message FROM pim_migrate_lint();
SELECT revision, line, statement, hint FROM pim_migrate_lint() WHERE rule = 'changing-column-type';
-- a target: only what reaching it runs
SELECT revision, line, rule FROM pim_migrate_lint('ln1');

-- severity follows size: below the warning size a notice, from the error
-- size an error
SET pim_migrate.lint_warning_size = '10MB';
SELECT revision, line, rule, severity FROM pim_migrate_lint('ln1');
SET pim_migrate.lint_error_size = '100kB';
SELECT revision, line, rule, severity FROM pim_migrate_lint('ln1');
RESET pim_migrate.lint_warning_size;
RESET pim_migrate.lint_error_size;

-- pim_migrate.lock_timeout covers every statement of a migration
SET pim_migrate.lock_timeout = '2s';
SELECT count(*) FROM pim_migrate_lint() WHERE rule = 'require-lock-timeout';
RESET pim_migrate.lock_timeout;

-- applied revisions are not linted
SELECT count(*) FROM pim_migrate_upgrade('ln1');
SELECT DISTINCT revision FROM pim_migrate_lint();

-- a revision outside a transaction builds its index concurrently: nothing
-- to say; the same statement in a transactional revision is an error
SELECT pim_migrate_load(E'-- concurrently\n-- Revision ID: ln3\n-- Revises: ln2\n-- Transactional: false\n-- +upgrade\nCREATE INDEX CONCURRENTLY accounts_id_email_idx ON accounts (id, email);\n');
SELECT revision, line, rule FROM pim_migrate_lint() WHERE revision = 'ln3';
SELECT line, rule, severity FROM pim_migrate_lint_script('CREATE INDEX CONCURRENTLY accounts_id_email_idx ON accounts (id, email);');

-- one script, lines from first_line; a syntax error is an error
SELECT line, rule, severity FROM pim_migrate_lint_script(E'\n\nDROP TABLE audit;', first_line => 7);
SELECT * FROM pim_migrate_lint_script('CREATE INDEX ON;');
SELECT * FROM pim_migrate_lint_script(NULL);

-- clean up
DROP TABLE accounts, audit, events;
TRUNCATE pim_migrate.version, pim_migrate.revision, pim_migrate.log;
