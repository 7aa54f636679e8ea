#!/usr/bin/python3
"""Write the W1 chain (CREATE TABLE t_i / DROP TABLE t_i, i = 1..N) as the
projects of three tools, for bench/migrate.sh's end-to-end rows:

  DIR/versions/          pim_migrate revision files
  DIR/alembic.ini, DIR/alembic/
                         an Alembic project whose env.py reads DATABASE_URL
                         (the guide's), one op.execute revision per table
  DIR/sqitch/            a Sqitch project: sqitch.plan, deploy/, revert/

Usage: make_projects.py N DIR
"""
import os
import sys

ENV_PY = '''import os
from alembic import context
from sqlalchemy import create_engine, pool

database_url = os.environ["DATABASE_URL"]


def run_migrations_offline():
    context.configure(url=database_url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = create_engine(database_url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

ALEMBIC_INI = '''[alembic]
script_location = alembic

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console

[handler_console]
class = logging.StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
'''

MAKO = '''"""${message}"""
from alembic import op
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''


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
    write(top + '/alembic.ini', ALEMBIC_INI)
    write(top + '/alembic/env.py', ENV_PY)
    write(top + '/alembic/script.py.mako', MAKO)
    write(top + '/sqitch/sqitch.plan', '\n'.join(plan) + '\n')
    write(top + '/sqitch/sqitch.conf', '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n'
          '\ttop_dir = .\n')


main()
