--
-- Upgrade and downgrade on a linear history, then on a small DAG; the
-- version rows, the log, and the functions that look at them.
--
CREATE TABLE regress_trail (step serial, note text);

SELECT pim_migrate_revision('one', $$INSERT INTO regress_trail (note) VALUES ('up 1')$$,
                            $$INSERT INTO regress_trail (note) VALUES ('down 1')$$,
                            revision => 'aaaa0001', down_revision => '{}');
SELECT pim_migrate_revision('two', $$INSERT INTO regress_trail (note) VALUES ('up 2')$$,
                            $$INSERT INTO regress_trail (note) VALUES ('down 2')$$,
                            revision => 'aaaa0002');
SELECT pim_migrate_revision('three', $$INSERT INTO regress_trail (note) VALUES ('up 3')$$,
                            $$INSERT INTO regress_trail (note) VALUES ('down 3')$$,
                            revision => 'aaaa0003');
SELECT pim_migrate_revision('four', $$INSERT INTO regress_trail (note) VALUES ('up 4')$$,
                            $$INSERT INTO regress_trail (note) VALUES ('down 4')$$,
                            revision => 'aaaa0004');

-- at base: nothing current, everything pending
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_status();
SELECT * FROM pim_migrate_heads();

-- one step, then to a named revision: parents first, one row per step
SELECT * FROM pim_migrate_upgrade('+1');
SELECT * FROM pim_migrate_upgrade('aaaa0003');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_status();

-- to head; again is a no-op that returns no row
SELECT * FROM pim_migrate_upgrade();
SELECT * FROM pim_migrate_upgrade('head');
-- an upgrade to something already applied is a no-op too
SELECT * FROM pim_migrate_upgrade('aaaa0002');
SELECT * FROM pim_migrate.version;

-- history, newest first, and its ranges (both ends included)
SELECT revision, down_revisions, message, is_head, is_applied FROM pim_migrate_history();
SELECT revision FROM pim_migrate_history('aaaa0002:aaaa0003');
SELECT revision FROM pim_migrate_history(':aaaa0002');
SELECT revision FROM pim_migrate_history('aaaa0003:');
SELECT revision FROM pim_migrate_history('current:');
SELECT revision FROM pim_migrate_history('base:current');
-- a relative end counts from the other end
SELECT revision FROM pim_migrate_history('-2:current');
SELECT revision FROM pim_migrate_history('aaaa0001:+1');
-- the start must stand below the end (22023)
SELECT revision FROM pim_migrate_history('aaaa0003:aaaa0001');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_history('aaaa0002');
\echo :LAST_ERROR_SQLSTATE

-- downgrade one step, then to a named revision, then to base
SELECT * FROM pim_migrate_downgrade('-1');
SELECT * FROM pim_migrate_downgrade('aaaa0001');
SELECT * FROM pim_migrate_current();
-- a revision that is not applied is no downgrade target (55000)
SELECT * FROM pim_migrate_downgrade('aaaa0003');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_downgrade('base');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_downgrade('base');
SELECT note FROM regress_trail ORDER BY step;

-- the log: one row per step, with the checksum that ran and who ran it
SELECT l.revision, l.operation, l.applied_by = current_user AS by_me,
       l.duration >= '0'::interval AS timed, l.checksum = r.checksum AS same_checksum
FROM pim_migrate.log l JOIN pim_migrate.revision r USING (revision)
ORDER BY l.id;

-- a revision without a downgrade script stops a downgrade before anything
-- runs (55000)
SELECT pim_migrate_revision('five, for good',
                            $$INSERT INTO regress_trail (note) VALUES ('up 5')$$,
                            revision => 'aaaa0005');
SELECT revision FROM pim_migrate_upgrade('heads');
TRUNCATE regress_trail;
SELECT * FROM pim_migrate_downgrade('aaaa0003');
\echo :LAST_ERROR_SQLSTATE
SELECT note FROM regress_trail;
SELECT * FROM pim_migrate_current();
-- above it, downgrading works
SELECT pim_migrate_revision('six', 'SELECT 6', 'SELECT 6', revision => 'aaaa0006');
SELECT revision FROM pim_migrate_upgrade();
SELECT * FROM pim_migrate_downgrade('-1');

-- the whole call is in the caller's transaction
BEGIN;
SELECT revision FROM pim_migrate_upgrade();
SELECT * FROM pim_migrate_current();
ROLLBACK;
SELECT * FROM pim_migrate_current();

--
-- A small DAG: a second base, a dependency and a merge.  Version rows stay
-- the minimal set of applied heads: never a parent nor a dependency of
-- another row.
--
--   aaaa0001 .. aaaa0006          (chain; aaaa0005 irreversible)
--   bbbb0001 -> bbbb0002          (second base, label "side")
--   dddd0001 on bbbb0001, depends on aaaa0006
--   cccc0001 merges aaaa0006 and bbbb0002
--
SELECT pim_migrate_revision('side base', 'SELECT 1', 'SELECT 1', revision => 'bbbb0001',
                            down_revision => '{}', branch_labels => '{side}');
SELECT pim_migrate_revision('side two', 'SELECT 1', 'SELECT 1', revision => 'bbbb0002',
                            down_revision => '{bbbb0001}');
SELECT pim_migrate_revision('needs six', 'SELECT 1', 'SELECT 1', revision => 'dddd0001',
                            down_revision => '{bbbb0001}', depends_on => '{aaaa0006}');
SELECT revision, branch_labels FROM pim_migrate_heads();
-- several heads: "head" is ambiguous (21000), "heads" is not
SELECT * FROM pim_migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_upgrade('bbbb0002');
SELECT * FROM pim_migrate_current();
-- a dependency is applied first, and then is no row of its own
SELECT * FROM pim_migrate_upgrade('heads');
SELECT * FROM pim_migrate_current();
-- the merge collapses its parents' rows into one
SELECT pim_migrate_revision('merge', '', '', revision => 'cccc0001',
                            down_revision => '{aaaa0006,bbbb0002}');
SELECT * FROM pim_migrate_upgrade('cccc0001');
SELECT * FROM pim_migrate_current();
SELECT revision, is_head, is_branch_point, is_merge, is_applied FROM pim_migrate_history();
-- a relative step across the merge is ambiguous (21000), as is -1 from
-- several current heads
SELECT * FROM pim_migrate_downgrade('cccc0001-1');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM pim_migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
-- taking the merge back gives its parent bbbb0002 its row again; aaaa0006
-- stays without one, since dddd0001 depends on it
SELECT * FROM pim_migrate_downgrade('bbbb0002');
SELECT * FROM pim_migrate_current();
-- downgrading to aaaa0005 takes back what stands on it, dependents
-- included, newest first, and leaves the side branch alone
SELECT * FROM pim_migrate_downgrade('aaaa0005');
SELECT * FROM pim_migrate_current();
SELECT * FROM pim_migrate_status();
-- LABEL@base takes back a whole branch, down to and with its base
SELECT * FROM pim_migrate_downgrade('side@base');
SELECT * FROM pim_migrate_current();

-- clean up
DROP TABLE regress_trail;
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
