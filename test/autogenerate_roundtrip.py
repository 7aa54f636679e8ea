#!/usr/bin/python3
"""Round-trip test of autogenerate (pim_migrate_diff).

For each pair of the pair files given (test/autogenerate/*.sql: old
schema, new schema):
build old in schema rt_live and new directly in schema rt_want; ask
pim_migrate_diff(new, 'rt_live') for the scripts; run upgrade_sql in
rt_live and compare pg_dump --schema-only of rt_live with rt_want's; ask
pim_migrate_check(new), which must be true; run downgrade_sql and compare
with the dump of old taken before; pim_migrate_check(old) must be true.
Dumps are normalised only by dropping comments, SET lines and blank lines
and by writing the schema name as S.

Extensions a pair uses (hstore, citext, pg_trgm) live in schema rt_ext,
which is on the search_path after the schema, as an application's
extensions schema would be; roles rt_reader and rt_writer exist for
grants and policies.

Usage: autogenerate_roundtrip.py PAIRS_FILE... PG_DUMP  (libpq environment
variables name the database, which has the extension).  Prints one line per
failure and a summary "pairs: N, failed: M".
"""
import os
import re
import subprocess
import sys

import psycopg2


def read_pairs(path):
    pairs = []
    name = None
    old, new, side = [], [], None
    for line in open(path):
        m = re.match(r'-- pair: (.*)', line)
        if m:
            if name:
                pairs.append((name, ''.join(old), ''.join(new)))
            name, old, new = m.group(1).strip(), [], []
            side = old
            continue
        if name is None:
            continue
        if line.startswith('-- becomes'):
            side = new
            continue
        side.append(line)
    if name:
        pairs.append((name, ''.join(old), ''.join(new)))
    return pairs


def dump(pg_dump, schema):
    out = subprocess.run([pg_dump, '--schema-only', '--no-owner',
                          '--no-privileges', '-n', schema],
                         check=True, capture_output=True, text=True).stdout
    lines = []
    for line in out.splitlines():
        if not line.strip() or line.startswith('--') or line.startswith('SET ') \
                or 'pg_catalog.set_config' in line \
                or line.startswith('\\restrict') or line.startswith('\\unrestrict'):
            continue
        lines.append(line.replace(schema + '.', 'S.').replace(
            'SCHEMA ' + schema, 'SCHEMA S'))
    return '\n'.join(lines)


SETUP = """
CREATE SCHEMA IF NOT EXISTS rt_ext;
CREATE EXTENSION IF NOT EXISTS hstore SCHEMA rt_ext;
CREATE EXTENSION IF NOT EXISTS citext SCHEMA rt_ext;
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA rt_ext;
DO $$BEGIN CREATE ROLE rt_reader; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
DO $$BEGIN CREATE ROLE rt_writer; EXCEPTION WHEN duplicate_object THEN NULL; END$$;
"""


def build(cur, schema, sql):
    cur.execute('DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s' % (schema, schema))
    cur.execute('SET search_path = %s, rt_ext' % schema)
    if sql.strip():
        cur.execute(sql)
    cur.execute('RESET search_path')


def run_in(cur, schema, sql):
    cur.execute('SET search_path = %s, rt_ext' % schema)
    cur.execute(sql)
    cur.execute('RESET search_path')


def first_difference(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for i in range(max(len(al), len(bl))):
        x = al[i] if i < len(al) else '<end>'
        y = bl[i] if i < len(bl) else '<end>'
        if x != y:
            return 'line %d: got %r, want %r' % (i + 1, x, y)
    return 'none'


def round_trip(conn, pg_dump, name, old, new):
    cur = conn.cursor()
    build(cur, 'rt_want', new)
    build(cur, 'rt_live', old)
    want_new = dump(pg_dump, 'rt_want')
    want_old = dump(pg_dump, 'rt_live')
    cur.execute('SELECT upgrade_sql, downgrade_sql FROM pim_migrate_diff(%s, %s)',
                (new, 'rt_live'))
    up, down = cur.fetchone()
    if want_new != want_old and (up is None or down is None):
        return 'no script generated'
    for step, script, want, desired in (('upgrade', up, want_new, new),
                                        ('downgrade', down, want_old, old)):
        if script:
            run_in(cur, 'rt_live', script)
        got = dump(pg_dump, 'rt_live')
        if got != want:
            return '%s: %s\n--- %s_sql:\n%s' % (
                step, first_difference(got, want), step, script)
        cur.execute('SELECT pim_migrate_check(%s, %s)', (desired, 'rt_live'))
        if not cur.fetchone()[0]:
            return 'check after %s is false' % step
    return None


def main():
    pairs = []
    for path in sys.argv[1:-1]:
        pairs += read_pairs(path)
    pg_dump = sys.argv[-1]
    conn = psycopg2.connect('')
    conn.autocommit = True
    conn.cursor().execute(SETUP)
    failed = 0
    for name, old, new in pairs:
        try:
            problem = round_trip(conn, pg_dump, name, old, new)
        except Exception as e:  # an error is a failure of this pair
            problem = 'error: %s' % str(e).strip()
        if problem:
            failed += 1
            print('FAIL %s: %s' % (name, problem))
    cur = conn.cursor()
    cur.execute('DROP SCHEMA IF EXISTS rt_live CASCADE; DROP SCHEMA IF EXISTS rt_want CASCADE;'
                'DROP SCHEMA rt_ext CASCADE; DROP ROLE rt_reader; DROP ROLE rt_writer')
    print('pairs: %d, failed: %d' % (len(pairs), failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
