--
-- The target grammar: every form, resolved by pim_migrate_show() (one
-- revision) and by upgrade/downgrade (relative to the current revision),
-- and every way a target can be wrong.
--
--   1975ea83b712 -> 1975ab000002 -> 2a00 -> 2a01 (head, label "tip")
--
SELECT pim_migrate_revision('one', 'SELECT 1', 'SELECT 1', revision => '1975ea83b712', down_revision => '{}');
SELECT pim_migrate_revision('two', 'SELECT 2', 'SELECT 2', revision => '1975ab000002');
SELECT pim_migrate_revision('three', 'SELECT 3', 'SELECT 3', revision => '2a00');
SELECT pim_migrate_revision('four', 'SELECT 4', 'SELECT 4', revision => '2a01', branch_labels => '{tip}');

-- head, a full id, a label, a unique prefix
SELECT revision FROM pim_migrate_show('head');
SELECT revision FROM pim_migrate_show('2a00');
SELECT revision FROM pim_migrate_show('tip');
SELECT revision FROM pim_migrate_show('1975e');
SELECT revision FROM pim_migrate_show('1975ab');
-- a prefix of any length counts: 2a0 is a prefix of 2a00 and 2a01 (22023)
SELECT revision FROM pim_migrate_show('2a0');
\echo :LAST_ERROR_SQLSTATE
-- an ambiguous prefix lists the candidates (22023)
SELECT revision FROM pim_migrate_show('1975');
\echo :LAST_ERROR_SQLSTATE
-- unknown (42704)
SELECT revision FROM pim_migrate_show('ffff');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('zz');
\echo :LAST_ERROR_SQLSTATE
-- base and heads are targets but not one revision
SELECT revision FROM pim_migrate_show('base');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('heads');

-- REV+N and REV-N walk from a revision
SELECT revision FROM pim_migrate_show('1975ea83b712+2');
SELECT revision FROM pim_migrate_show('2a01-3');
SELECT revision FROM pim_migrate_show('tip-1');
SELECT revision FROM pim_migrate_show('1975e+1');
-- ... and never past a head or below base: an error, not a clamp (22023)
SELECT revision FROM pim_migrate_show('2a00+2');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('2a00-4');
\echo :LAST_ERROR_SQLSTATE
-- one step below the first revision is base
SELECT revision FROM pim_migrate_show('1975ea83b712-1');
\echo :LAST_ERROR_SQLSTATE

-- +N and -N walk from the current revision
SELECT revision FROM pim_migrate_upgrade('+2');
SELECT revision FROM pim_migrate_upgrade('+1');
SELECT revision FROM pim_migrate_downgrade('-2');
SELECT * FROM pim_migrate_current();
SELECT revision FROM pim_migrate_upgrade('+5');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_downgrade('-2');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_downgrade('-1');
SELECT revision FROM pim_migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_upgrade('base');
SELECT revision FROM pim_migrate_upgrade('1975e+3');
SELECT revision FROM pim_migrate_downgrade('tip-3');
SELECT revision FROM pim_migrate_downgrade('base');

-- relative steps where the walk is ambiguous (21000): a branch point, and
-- +1 from base with two bases
SELECT pim_migrate_revision('fork', 'SELECT 5', 'SELECT 5', revision => '2b00', down_revision => '{1975ab000002}');
SELECT revision FROM pim_migrate_show('1975ab000002+1');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('island', 'SELECT 6', 'SELECT 6', revision => 'c000', down_revision => '{}');
SELECT revision FROM pim_migrate_upgrade('+1');
\echo :LAST_ERROR_SQLSTATE
-- an exact id wins over a prefix: c000 is also a prefix of c0001
SELECT pim_migrate_revision('island two', 'SELECT 7', 'SELECT 7', revision => 'c0001', down_revision => '{c000}');
SELECT revision FROM pim_migrate_show('c000');
SELECT revision FROM pim_migrate_show('c0001');

-- malformed targets (22023)
SELECT revision FROM pim_migrate_show('');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('+x!');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('a@@b');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('2a00 ');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('+0');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('2a00+');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('+99999999999');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_upgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
-- branch targets: LABEL@head, LABEL@REV (the revision must be on the
-- branch), LABEL@-N; an unknown branch or a revision off the branch is
-- 42704 (c000 is on another base)
SELECT revision FROM pim_migrate_show('tip@head');
SELECT revision FROM pim_migrate_show('tip@2a00');
SELECT revision FROM pim_migrate_show('tip@-2');
SELECT revision FROM pim_migrate_show('tip@c000');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('nosuch@head');
\echo :LAST_ERROR_SQLSTATE

-- a prefix matches only ids of four characters or more, as Alembic's
-- _revision_for_ident: 27c finds 27c6a30d7c24; ae1 matches two ids
-- (22023); b matches no such id, so b1 and b2 do not count (42704), and
-- they are found by their full ids.  A label wins over a prefix: ae10
-- names b2, not ae1027a6acf0 or ae10ff0a1b2c.
SELECT pim_migrate_revision('p one', 'SELECT 1', 'SELECT 1', revision => '27c6a30d7c24', down_revision => '{}');
SELECT pim_migrate_revision('p two', 'SELECT 1', 'SELECT 1', revision => 'ae1027a6acf0', down_revision => '{}');
SELECT pim_migrate_revision('p three', 'SELECT 1', 'SELECT 1', revision => 'ae10ff0a1b2c', down_revision => '{}');
SELECT pim_migrate_revision('p four', 'SELECT 1', 'SELECT 1', revision => 'b1', down_revision => '{}');
SELECT pim_migrate_revision('p five', 'SELECT 1', 'SELECT 1', revision => 'b2', down_revision => '{}', branch_labels => '{ae10}');
SELECT revision FROM pim_migrate_show('27c');
SELECT revision FROM pim_migrate_show('ae1');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('b');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM pim_migrate_show('b1');
SELECT revision FROM pim_migrate_show('ae10');

-- clean up
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
