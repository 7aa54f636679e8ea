--
-- pim_migrate_load_files(): a directory of files in one call.  New files
-- are checked in memory and inserted in batches; every case where the
-- catalog must decide (a prefix, a name taken, a replacement, an id given
-- twice) gives the same result and the same error as loading the files
-- one by one with pim_migrate_load.
--

-- a revision file: id, parents, labels, dependencies, upgrade script
CREATE FUNCTION rev_file(id text, revises text, labels text DEFAULT NULL,
                         deps text DEFAULT NULL,
                         up text DEFAULT 'SELECT 1;') RETURNS text
LANGUAGE sql AS $$
SELECT format(E'-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n', id, id, revises)
    || CASE WHEN labels IS NULL THEN '' ELSE format(E'-- Branch Labels: %s\n', labels) END
    || CASE WHEN deps IS NULL THEN '' ELSE format(E'-- Depends On: %s\n', deps) END
    || format(E'\n-- +upgrade\n%s\n\n-- +downgrade\nSELECT 2;\n', up)
$$;

CREATE FUNCTION graph() RETURNS TABLE (revision text, down_revisions text[],
                                       branch_labels text[], depends_on text[])
LANGUAGE sql AS $$
SELECT revision, down_revisions, branch_labels, depends_on
FROM pim_migrate.revision ORDER BY revision COLLATE "C"
$$;

CREATE VIEW chain AS
SELECT i, rev_file(format('c%s', lpad(i::text, 4, '0')),
                   CASE WHEN i > 1 THEN format('c%s', lpad((i - 1)::text, 4, '0')) ELSE '' END,
                   CASE WHEN i = 10 THEN 'ten' END,
                   CASE WHEN i = 2400 THEN 'ten, c1500' END) AS f
FROM generate_series(1, 2500) i;

-- A chain of 2,500 (three batches), a label, a dependency on a label and
-- on a revision of an earlier batch: all stored, in one statement each
SELECT pim_migrate_load_files(array_agg(f ORDER BY i)) FROM chain;
SELECT count(*), count(*) FILTER (WHERE branch_labels <> '{}') AS labelled,
       min(revision), max(revision)
FROM pim_migrate.revision;
SELECT * FROM graph() WHERE revision IN ('c0001', 'c0010', 'c2400');
SELECT * FROM pim_migrate_heads();
-- the same files again: nothing changes
SELECT pim_migrate_load_files(array_agg(f ORDER BY i)) FROM chain;
SET client_min_messages = warning;
SELECT count(*) AS applied FROM pim_migrate_upgrade('head');
RESET client_min_messages;
TRUNCATE pim_migrate.version;
TRUNCATE pim_migrate.revision;

-- New files naming each other: labels and dependencies declared by a
-- file earlier in the same call
SELECT pim_migrate_load_files(ARRAY[
    rev_file('a1', ''),
    rev_file('b1', '', 'side'),
    rev_file('a2', 'a1', NULL, 'side'),
    rev_file('m1', 'a2, b1', 'main')]);
SELECT * FROM graph();

-- A prefix of four characters or more is resolved as Alembic's command
-- line does, for a parent of this call too
SELECT pim_migrate_load_files(ARRAY[
    rev_file('p0123456', 'm1'),
    rev_file('p9', 'p012', NULL, 'b1')]);
SELECT * FROM graph() WHERE revision LIKE 'p%';

-- A replacement among new files: the files after it see its new labels,
-- and not the one it dropped (an unknown dependency, 42P17, naming the
-- file; nothing of the call is stored)
SELECT pim_migrate_load_files(ARRAY[rev_file('r1', 'p9', 'rl')]);
SELECT pim_migrate_load_files(ARRAY[rev_file('r1', 'p9', 'rl2'),
                                    rev_file('r2', 'r1', NULL, 'rl')],
                              ARRAY['r1.sql', 'r2.sql']);
SELECT * FROM graph() WHERE revision LIKE 'r%';
SELECT pim_migrate_load_files(ARRAY[rev_file('r1', 'p9', 'rl2'),
                                    rev_file('r2', 'r1', NULL, 'rl2'),
                                    rev_file('r3', 'r2', 'rl')]);
SELECT * FROM graph() WHERE revision LIKE 'r%';

-- One id in two files of one call: the second replaces the first, as one
-- by one, and the label the first declared is gone
SELECT pim_migrate_load_files(ARRAY[rev_file('d1', 'r3', 'dup'),
                                    rev_file('d1', 'r3', 'dup2'),
                                    rev_file('d2', 'd1', NULL, 'dup')],
                              ARRAY['d1.sql', 'd1_again.sql', 'd2.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('d1', 'r3', 'dup'),
                                    rev_file('d1', 'r3', 'dup2'),
                                    rev_file('d2', 'd1', 'dup'),
                                    rev_file('d3', 'd2', NULL, 'dup2')]);
SELECT * FROM graph() WHERE revision LIKE 'd%';

-- Names taken or unknown: each an error naming its file, nothing stored
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3', 'main')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3', 'e2'), rev_file('e2', 'e1')],
                              ARRAY['e1.sql', 'e2.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3'), rev_file('e2', 'e1', 'e1')],
                              ARRAY['e1.sql', 'e2.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3', 'e1')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3', 'd2')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'main')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'nope')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3', NULL, 'nope')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'e1')], ARRAY['e1.sql']);
SELECT pim_migrate_load_files(ARRAY[rev_file('e1', 'd3, d3')], ARRAY['e1.sql']);
-- a script that does not parse, in the second batch of a long call
SELECT pim_migrate_load_files(array_agg(f ORDER BY i), array_agg(format('f%s.sql', i) ORDER BY i))
FROM (SELECT i, rev_file(format('f%s', i), CASE WHEN i > 1 THEN format('f%s', i - 1) ELSE 'd3' END,
                         up => CASE WHEN i = 1500 THEN 'CREATE TABLE (;' ELSE 'SELECT 1;' END) AS f
      FROM generate_series(1, 2000) i) s;
SELECT count(*) FROM pim_migrate.revision WHERE revision LIKE 'e%' OR revision LIKE 'f%';
SELECT * FROM pim_migrate_heads();

-- Files in any order: the server registers parents first, reading the
-- header as it always does ("Revises :" with a space before the colon, a
-- dependency on a label of a later file, a merge of two later files)
SELECT pim_migrate_load_files(ARRAY[
    E'-- child\n--\n-- Revision ID: o3\n-- Revises : o2\n-- Depends On: olabel\n\n-- +upgrade\nSELECT 3;\n',
    E'-- merge\n--\n-- Revision ID: o4\n-- Revises: o3, o5\n\n-- +upgrade\nSELECT 4;\n',
    E'-- parent\n--\n-- Revision ID: o2\n-- Revises: o1\n\n-- +upgrade\nSELECT 2;\n',
    E'-- side\n--\n-- Revision ID: o5\n-- Revises: o1\n-- Branch Labels: olabel\n\n-- +upgrade\nSELECT 5;\n',
    E'-- root\n--\n-- Revision ID: o1\n-- Revises:\n\n-- +upgrade\nSELECT 1;\n'],
  ARRAY['a_o3.sql', 'b_o4.sql', 'c_o2.sql', 'd_o5.sql', 'e_o1.sql']);
SELECT revision, down_revisions, depends_on FROM pim_migrate_history() WHERE revision LIKE 'o%';
-- a cycle among them is still named
SELECT pim_migrate_load_files(ARRAY[
    E'-- x\n--\n-- Revision ID: p1\n-- Revises: p2\n\n-- +upgrade\nSELECT 1;\n',
    E'-- y\n--\n-- Revision ID: p2\n-- Revises: p1\n\n-- +upgrade\nSELECT 2;\n'],
  ARRAY['p1.sql', 'p2.sql']);

-- The texts loaded are known by their sha256: a deploy sends the
-- checksums first (pim_migrate_unknown_files) and only the texts the
-- server does not know to load as a no-op
CREATE FUNCTION text_sum(t text) RETURNS text
LANGUAGE sql AS $$ SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') $$;
SELECT pim_migrate_load_files(ARRAY[rev_file('k1', ''), rev_file('k2', 'k1')]);
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1', up => 'SELECT 22;')),
                                       text_sum(rev_file('k2', 'k1'))]);
-- a replacement (here of k2, not applied) forgets every known text, and
-- the next load of the old text replaces it again
SELECT pim_migrate_load_files(ARRAY[rev_file('k2', 'k1', up => 'SELECT 22;')]);
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1'))]);
SELECT pim_migrate_load_files(ARRAY[rev_file('k1', ''), rev_file('k2', 'k1')]);
SELECT upgrade_sql FROM pim_migrate.revision WHERE revision = 'k2';
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1'))]);
-- so does a hand-written change of a revision row
UPDATE pim_migrate.revision SET message = 'by hand' WHERE revision = 'k1';
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', ''))]);
SELECT pim_migrate_unknown_files(NULL);
\echo :LAST_ERROR_SQLSTATE

-- The command's digest of its files' stat keys is remembered with a list
-- found all known: the same digest then answers without any checksum.
SELECT pim_migrate_load_files(ARRAY[rev_file('k1', ''), rev_file('k2', 'k1')]);
SELECT pim_migrate_files_unchanged('stats-1');
-- not while any is unknown
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k3', 'k2'))], 'stats-1');
SELECT pim_migrate_files_unchanged('stats-1');
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1'))], 'stats-1');
SELECT pim_migrate_files_unchanged('stats-1'), pim_migrate_files_unchanged('stats-2');
-- the same list with other stat keys (another checkout) takes their place;
-- without any (files changed too recently) it keeps the last
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1'))], 'stats-2');
SELECT pim_migrate_unknown_files(ARRAY[text_sum(rev_file('k1', '')),
                                       text_sum(rev_file('k2', 'k1'))]);
SELECT pim_migrate_files_unchanged('stats-1'), pim_migrate_files_unchanged('stats-2');
-- a changed revision row forgets them with the texts
UPDATE pim_migrate.revision SET message = 'by hand' WHERE revision = 'k1';
SELECT pim_migrate_files_unchanged('stats-2');
SELECT pim_migrate_files_unchanged(NULL) IS NULL AS strict;

-- clean up
TRUNCATE pim_migrate.version, pim_migrate.revision, pim_migrate.log;
