#!/usr/bin/python3
"""Write, for bench/autogenerate.sh's models section, a project whose
SQLAlchemy models hold N tables, as both tools read it:

  DIR/shop_models.py     the models: each table an identity or serial key, a
                         foreign key to the first of its ten, a NOT NULL string
                         with an index, a numeric with a server default and
                         a CHECK, a timestamp defaulting to now(); an enum
                         column every tenth table.  With BENCH_EXTRA set in
                         the environment, the last table has one more column
                         (the change both tools must find).
  DIR/pyproject.toml     [tool.pim_migrate]: versions/, shop_models:Base
  DIR/versions/          one empty baseline revision
  DIR/alembic.ini, DIR/alembic/
                         an Alembic project on the same models, with type and
                         server-default comparison on, one empty baseline
                         revision

Usage: make_models.py N DIR
"""
import os
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def models(n):
    out = ['"""%d tables, for the autogenerate benchmark."""' % n,
           "import enum", "import os", "",
           "import sqlalchemy as sa", "from sqlalchemy.orm import declarative_base", "",
           "Base = declarative_base()", "",
           "class Level(enum.Enum):", "    low = 'low'", "    high = 'high'", ""]
    for i in range(1, n + 1):
        out += [f"class T{i}(Base):", f"    __tablename__ = 't_{i}'",
                "    id = sa.Column(sa.Integer, primary_key=True)",
                "    name = sa.Column(sa.String(80), nullable=False, index=True)",
                "    v = sa.Column(sa.Numeric(10, 2), nullable=False, server_default='0')",
                "    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text('now()'))",
                f"    __table_args__ = (sa.CheckConstraint('v >= 0', name='ck_t_{i}_v'),)"]
        if i % 10 != 1:
            # to the first table of its ten: a deep chain of keys makes
            # Alembic's autogenerate recurse past Python's limit
            out.append(f"    ref = sa.Column(sa.Integer, sa.ForeignKey('t_{i - (i - 1) % 10}.id'))")
        if i % 10 == 0:
            out.append(f"    level = sa.Column(sa.Enum(Level, name='level_{i}'))")
        if i == n:
            out += ["    if os.environ.get('BENCH_EXTRA'):",
                    "        added = sa.Column(sa.Text, server_default='none')"]
        out.append("")
    return "\n".join(out) + "\n"


ENV_PY = '''"""env.py as the guide writes it, with the models and comparison on."""
import os

from alembic import context
from sqlalchemy import create_engine, pool

from shop_models import Base

target_metadata = Base.metadata


def run_migrations_online():
    engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          compare_type=True, compare_server_default=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
'''

ALEMBIC_INI = """[alembic]
script_location = alembic
prepend_sys_path = .
"""

BASELINE_PY = '''"""baseline

Revision ID: 0000000000aa
Revises:
Create Date: 2026-01-01 00:00:00
"""
revision = "0000000000aa"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''

BASELINE_SQL = """-- baseline
--
-- Revision ID: 0000000000aa
-- Revises:

-- +upgrade

-- +downgrade
"""


def main():
    n, root = int(sys.argv[1]), sys.argv[2]
    write(os.path.join(root, "shop_models.py"), models(n))
    write(os.path.join(root, "pyproject.toml"),
          '[tool.pim_migrate]\nversions = "versions"\nmetadata = "shop_models:Base"\n')
    write(os.path.join(root, "versions", "0000000000aa_baseline.sql"), BASELINE_SQL)
    write(os.path.join(root, "alembic.ini"), ALEMBIC_INI)
    write(os.path.join(root, "alembic", "env.py"), ENV_PY)
    import alembic  # its own template, as "alembic init" copies it
    write(os.path.join(root, "alembic", "script.py.mako"),
          open(os.path.join(os.path.dirname(alembic.__file__), "templates", "generic",
                            "script.py.mako")).read())
    write(os.path.join(root, "alembic", "versions", "0000000000aa_baseline.py"), BASELINE_PY)


if __name__ == "__main__":
    main()
