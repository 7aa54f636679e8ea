--
-- The revision file format: pim_migrate_load() of good files and of
-- malformed ones, and the rules of reloading.
--

-- A file with every header; keys are case-insensitive, the first comment
-- line is the message, blank lines around the scripts are not kept.
SELECT pim_migrate_load($file$-- Create accounts
--
-- Revision ID: f0001
-- Revises:
-- Branch Labels: core, accounts
-- Create Date: 2025-08-16 08:26:13.620580
-- transactional: TRUE

-- +upgrade

CREATE TABLE accounts (id int PRIMARY KEY);

-- +downgrade
DROP TABLE accounts;

$file$);
SELECT revision, down_revisions, branch_labels, depends_on, message,
       upgrade_sql, downgrade_sql, transactional, created_at
FROM pim_migrate_show('f0001');

-- Revises with a list (a merge needs two parents, so a second base first),
-- Depends On, no downgrade section (irreversible), CRLF line ends
SELECT pim_migrate_load(E'-- Create ledger\r\n-- Revision ID: f0002\r\n-- Revises:\r\n-- +upgrade\r\nCREATE TABLE ledger (id int);\r\n');
SELECT pim_migrate_load($file$-- Join them
-- REVISION id: f0003
-- revises: f0001 , f0002
-- Depends On: accounts
-- Transactional: false
-- +UPGRADE
-- +downgrade
$file$);
SELECT revision, down_revisions, branch_labels, depends_on, message,
       upgrade_sql, downgrade_sql, transactional
FROM pim_migrate_show('f0003');
SELECT revision, upgrade_sql, downgrade_sql IS NULL AS irreversible
FROM pim_migrate_show('f0002');

-- The checksum is the hex sha256 of the scripts; an empty downgrade and
-- none at all differ
SELECT revision, length(checksum) AS len, checksum ~ '^[0-9a-f]{64}$' AS hex
FROM pim_migrate.revision ORDER BY revision;
SELECT count(DISTINCT checksum) AS distinct_checksums FROM pim_migrate.revision;

-- Loading the same content again changes nothing
SELECT checksum AS before FROM pim_migrate.revision WHERE revision = 'f0001' \gset
SELECT pim_migrate_load($file$-- Create accounts
--
-- Revision ID: f0001
-- Revises:
-- Branch Labels: core, accounts
-- Create Date: 2025-08-16 08:26:13.620580
-- transactional: TRUE

-- +upgrade

CREATE TABLE accounts (id int PRIMARY KEY);

-- +downgrade
DROP TABLE accounts;

$file$);
SELECT count(*) AS revisions, bool_and(checksum = :'before' OR revision <> 'f0001') AS unchanged
FROM pim_migrate.revision;

-- Other content under the id of a revision that is not applied replaces it
SELECT pim_migrate_load($file$-- Create ledger, with an amount
-- Revision ID: f0002
-- Revises:
-- +upgrade
CREATE TABLE ledger (id int, amount numeric);
-- +downgrade
DROP TABLE ledger;
$file$);
SELECT message, upgrade_sql, downgrade_sql FROM pim_migrate_show('f0002');

-- ... and under the id of an applied revision it is an error
SELECT revision FROM pim_migrate_upgrade('f0001');
SELECT pim_migrate_load($file$-- Create accounts, differently
-- Revision ID: f0001
-- Revises:
-- Branch Labels: core, accounts
-- +upgrade
CREATE TABLE accounts (id bigint PRIMARY KEY);
-- +downgrade
DROP TABLE accounts;
$file$);
\echo :LAST_ERROR_SQLSTATE
SELECT upgrade_sql FROM pim_migrate_show('f0001');

-- A parent must be registered first
SELECT pim_migrate_load($file$-- Orphan
-- Revision ID: f0009
-- Revises: nothere
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE

--
-- Malformed files: 22023, with the line of the file where it shows
--
-- no "-- +upgrade"
SELECT pim_migrate_load($file$-- Nothing
-- Revision ID: m0001
-- Revises:
$file$);
\echo :LAST_ERROR_SQLSTATE
-- no Revision ID
SELECT pim_migrate_load($file$-- No id
-- Revises:
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- no Revises
SELECT pim_migrate_load($file$-- No parent line
-- Revision ID: m0001
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- SQL before the upgrade section
SELECT pim_migrate_load($file$-- Early SQL
-- Revision ID: m0001
-- Revises:
CREATE TABLE early (id int);
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- a header twice
SELECT pim_migrate_load($file$-- Twice
-- Revision ID: m0001
-- Revises:
-- Revises: f0001
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- Transactional that is not a boolean
SELECT pim_migrate_load($file$-- Bad flag
-- Revision ID: m0001
-- Revises:
-- Transactional: sometimes
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- a Create Date that is not a date
SELECT pim_migrate_load($file$-- Bad date
-- Revision ID: m0001
-- Revises:
-- Create Date: yesterday-ish
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- sections out of order, or twice
SELECT pim_migrate_load($file$-- Downgrade first
-- Revision ID: m0001
-- Revises:
-- +downgrade
SELECT 1;
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load($file$-- Two upgrades
-- Revision ID: m0001
-- Revises:
-- +upgrade
SELECT 1;
-- +upgrade
SELECT 2;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- ids the target grammar could not name
SELECT pim_migrate_load($file$-- Dash
-- Revision ID: m-0001
-- Revises:
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load($file$-- Reserved
-- Revision ID: head
-- Revises:
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- an empty item in a list
SELECT pim_migrate_load($file$-- Empty item
-- Revision ID: m0001
-- Revises: f0001,,f0002
-- +upgrade
SELECT 1;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- empty and NULL input
SELECT pim_migrate_load('');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load(NULL);
\echo :LAST_ERROR_SQLSTATE

--
-- The scripts are parsed by the server when the file is loaded: a syntax
-- error keeps its SQLSTATE (42601) and says where it is in the script
--
SELECT pim_migrate_load($file$-- Typo
-- Revision ID: m0002
-- Revises: f0001
-- +upgrade
CREATE TABLE fine (id int);
CREATE TABLEE oops (id int);
-- +downgrade
DROP TABLE fine;
$file$);
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_load($file$-- Typo in the downgrade
-- Revision ID: m0002
-- Revises: f0001
-- +upgrade
CREATE TABLE fine (id int);
-- +downgrade

DROP TABLE fine
DROP TABLE fine2;
$file$);
\echo :LAST_ERROR_SQLSTATE
-- transaction control has no place in a revision
SELECT pim_migrate_load($file$-- Commits
-- Revision ID: m0003
-- Revises: f0001
-- +upgrade
CREATE TABLE fine (id int);
COMMIT;
$file$);
\echo :LAST_ERROR_SQLSTATE

-- nor has COPY to or from the client (0A000): the client is not listening
SELECT pim_migrate_load($file$-- Copies
-- Revision ID: m0004
-- Revises: f0001
-- +upgrade
COPY (SELECT 1) TO STDOUT;
$file$);
\echo :LAST_ERROR_SQLSTATE

-- nothing of the failed loads was registered
SELECT revision FROM pim_migrate.revision ORDER BY revision;

-- clean up
SELECT revision FROM pim_migrate_downgrade('base');
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
