#!/usr/bin/python3
"""Write the W1 chain (CREATE TABLE t_i / DROP TABLE t_i, i = 1..N) as the
projects of three tools, for bench/migrate.sh's end-to-end rows:

  DIR/versions/          pim_migrate revision files
  DIR/alembic.ini, DIR/alembic/
                         an Alembic project with the guide's alembic.ini and
                         env.py (examples/alembic_project: the database
                         comes from DATABASE_URL), one op.execute revision
                         per table
  DIR/sqitch/            a Sqitch project: sqitch.plan, deploy/, revert/

Usage: make_projects.py N DIR
"""
import os
import shutil
import sys

GUIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     '..', 'examples', 'alembic_project')


def rev(i):
    # 12 hex digits, as the tools' own ids look
    return '%012x' % (0xb0000000 + i)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


def main():
    n, top = int(sys.argv[1]), sys.argv[2]
    plan = ['%syntax-version=1.0.0', '%project=bench', '']
    for i in range(1, n + 1):
        up = 'CREATE TABLE t_%d (id int PRIMARY KEY, v text)' % i
        down = 'DROP TABLE t_%d' % i
        parent = rev(i - 1) if i > 1 else ''
        write('%s/versions/%s_create_t_%d.sql' % (top, rev(i), i),
              '-- create t_%d\n--\n-- Revision ID: %s\n-- Revises: %s\n\n'
              '-- +upgrade\n%s;\n\n-- +downgrade\n%s;\n'
              % (i, rev(i), parent, up, down))
        write('%s/alembic/versions/%s_create_t_%d.py' % (top, rev(i), i),
              '"""create t_%d"""\nfrom alembic import op\n\n'
              'revision = %r\ndown_revision = %r\nbranch_labels = None\n'
              'depends_on = None\n\n\ndef upgrade():\n    op.execute(%r)\n\n\n'
              'def downgrade():\n    op.execute(%r)\n'
              % (i, rev(i), rev(i - 1) if i > 1 else None, up, down))
        write('%s/sqitch/deploy/t_%d.sql' % (top, i), 'BEGIN;\n%s;\nCOMMIT;\n' % up)
        write('%s/sqitch/revert/t_%d.sql' % (top, i), 'BEGIN;\n%s;\nCOMMIT;\n' % down)
        plan.append('t_%d 2026-01-01T00:00:00Z bench <bench@example.com> # create t_%d'
                    % (i, i))
    shutil.copy(os.path.join(GUIDE, 'alembic.ini'), top + '/alembic.ini')
    shutil.copy(os.path.join(GUIDE, 'alembic', 'env.py'), top + '/alembic/env.py')
    write(top + '/sqitch/sqitch.plan', '\n'.join(plan) + '\n')
    write(top + '/sqitch/sqitch.conf', '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n'
          '\ttop_dir = .\n')


main()
