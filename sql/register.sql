--
-- pim_migrate_revision(): ids, parents, labels and their errors.
--

-- No id given: 12 random hex digits.  No down_revision and no revision
-- yet: a base.
SELECT pim_migrate_revision('first', 'CREATE TABLE r1 (id int);',
                            'DROP TABLE r1;') AS id \gset
SELECT length(:'id') AS len, :'id' ~ '^[0-9a-f]{12}$' AS hex;
SELECT down_revisions, message, upgrade_sql, downgrade_sql, transactional
FROM pim_migrate_show(:'id');

-- No down_revision: the single head
SELECT pim_migrate_revision('second', 'CREATE TABLE r2 (id int);',
                            'DROP TABLE r2;', revision => 'r0002');
SELECT down_revisions = ARRAY[:'id'] AS on_the_head
FROM pim_migrate_show('r0002');

-- '{}' starts a new base; with two heads a parent must be named (21000)
SELECT pim_migrate_revision('other base', 'SELECT 1;', down_revision => '{}',
                            revision => 'o0001', branch_labels => '{other}');
SELECT revision FROM pim_migrate_heads() ORDER BY revision;
SELECT pim_migrate_revision('where?', 'SELECT 1;', revision => 'r0003');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('here', 'SELECT 1;', down_revision => '{r0002}',
                            revision => 'r0003', depends_on => '{other}');
SELECT revision, down_revisions, depends_on FROM pim_migrate_show('r0003');

-- The same content again is a no-op; other content replaces it while it
-- is not applied
SELECT pim_migrate_revision('here', 'SELECT 1;', down_revision => '{r0002}',
                            revision => 'r0003', depends_on => '{other}');
SELECT pim_migrate_revision('here, better', 'SELECT 2;',
                            down_revision => '{r0002}', revision => 'r0003');
SELECT message, upgrade_sql, depends_on FROM pim_migrate_show('r0003');
SELECT count(*) FROM pim_migrate.revision;

-- A replacement may not make a revision descend from itself (42P17)
SELECT pim_migrate_revision('loop', 'SELECT 1;', down_revision => '{r0003}',
                            revision => 'r0002');
\echo :LAST_ERROR_SQLSTATE

-- Errors of the graph (42P17): unknown parent or dependency, itself as
-- parent, a label declared twice
SELECT pim_migrate_revision('x', 'SELECT 1;', down_revision => '{nothere}',
                            revision => 'x0001');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', down_revision => '{r0003}',
                            depends_on => '{nothere}', revision => 'x0001');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', down_revision => '{x0001}',
                            revision => 'x0001');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', down_revision => '{r0003}',
                            revision => 'x0001', branch_labels => '{other}');
\echo :LAST_ERROR_SQLSTATE

-- Errors of input (22023, 22004): bad ids, repeated parents, NULLs
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'has space');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'a@b');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'a+1');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'base');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => '');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => repeat('a', 129));
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'x0001',
                            down_revision => '{r0003,r0003}');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'x0001',
                            down_revision => '{r0003}', branch_labels => '{bad-label}');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision(NULL, 'SELECT 1;');
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT pim_migrate_revision('x', 'SELECT 1;', down_revision => '{NULL}');
\echo :LAST_ERROR_SQLSTATE
-- ids like base1, merge, b_2 are ordinary
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'base1',
                            down_revision => '{}');
SELECT pim_migrate_revision('x', 'SELECT 1;', revision => 'b_2',
                            down_revision => '{base1}');

-- a prefix that names a parent given in full too is the same parent twice
SELECT pim_migrate_revision('x', 'SELECT 1', revision => 'x0002',
                            down_revision => '{o0001,o000}');
\echo :LAST_ERROR_SQLSTATE
-- a label that a dependency names cannot be dropped by a replacement
-- (42P17): the dependency would dangle, or a cycle could follow
SELECT pim_migrate_revision('needs other', 'SELECT 1', revision => 'y0001',
                            down_revision => '{}', depends_on => '{other}');
SELECT pim_migrate_revision('other base, relabelled', 'SELECT 1', down_revision => '{}',
                            revision => 'o0001');
\echo :LAST_ERROR_SQLSTATE
SELECT branch_labels FROM pim_migrate_show('o0001');

SELECT revision, array_replace(down_revisions, :'id', 'FIRST') AS down_revisions,
       branch_labels, depends_on, message
FROM pim_migrate_history() WHERE revision <> :'id' ORDER BY revision;

-- clean up
DROP EXTENSION pim_migrate;
CREATE EXTENSION pim_migrate;
