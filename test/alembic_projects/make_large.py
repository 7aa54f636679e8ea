#!/usr/bin/python3
"""Write the large Alembic project of the corpus ("marketplace") into a directory.

    /usr/bin/python3 test/alembic_projects/make_large.py /tmp/marketplace

The output is the same on every run (one fixed seed, no clock): an Alembic
project (alembic.ini, alembic/env.py, alembic/script.py.mako,
alembic/versions/*.py), the hand-written pim_migrate files of the revisions
Alembic cannot render offline (handwritten/*.sql) and corpus.json.

The history (177 revisions):

    trunk T0..T69 ─┬─ X0..X24 ──────────────┐
                   └─ Y0..Y24 (Y8 depends_on X6) ─┴─ M1 ─ U0..U19 ─┬─ P0..P7 ─┐
                                                                    └─ Q0..Q7 ─┴─ M2 ─ V0..V4 ─┐
    analytics A0..A9 (branch_labels=("analytics",), base, depends_on T20) ─────────────────────┴─ M3 ─ W0..W2

Each line of work owns its tables, so the branches never touch the same
ones.  Revisions mix what real histories hold: create_table (with sa.Enum,
JSONB, UUID with gen_random_uuid(), server defaults), add/drop/rename
columns, indexes (some CONCURRENTLY in an autocommit_block), unique, foreign
key and check constraints (some with a % in a LIKE), type changes with
postgresql_using, server default changes, comments, op.execute data
migrations (text, and sa.table update()), op.bulk_insert, enum ADD VALUE in
an autocommit_block, two downgrades that raise (below "downgrade_to"), and
three revisions with no offline SQL (two read the database through
op.get_bind(), one binds parameters), whose SQL is in handwritten/.
"""
import json
import os
import random
import sys
from datetime import datetime, timedelta

SEED = 20240611

ALEMBIC_INI = """\
# A generic, single database configuration.

[alembic]
# path to migration scripts
script_location = alembic

# sys.path path, will be prepended to sys.path if present.
prepend_sys_path = .

# version_locations = %(here)s/bar:%(here)s/bat:alembic/versions

# the database URL comes from DATABASE_URL (see alembic/env.py)

# Logging configuration
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARN
handlers = console
qualname =

[logger_sqlalchemy]
level = WARN
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = WARN
handlers =
qualname = alembic

[handler_console]
class = logging.StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""

ENV_PY = '''\
"""Alembic environment of the marketplace backend."""
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = None


def get_url() -> str:
    return os.environ["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(
        url=get_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = get_url()
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

MAKO = '''\
"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: Union[str, None] = ${repr(down_revision)}
branch_labels: Union[str, Sequence[str], None] = ${repr(branch_labels)}
depends_on: Union[str, Sequence[str], None] = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

# table names per line of work (each line owns its tables)
NOUNS = {
    "T": ["vendors", "listings", "orders", "order_items", "payments", "refunds", "carts",
          "cart_items", "reviews", "addresses", "coupons", "shipments", "wishlists",
          "payouts", "disputes", "categories", "media_assets"],
    "A": ["daily_sales", "funnel_events", "search_terms"],
    "X": ["warehouses", "stock_items", "pick_lists", "carriers"],
    "Y": ["loyalty_accounts", "loyalty_ledger", "referrals"],
    "U": ["notifications", "email_templates", "webhooks", "api_keys"],
    "P": ["tax_zones", "tax_rules"],
    "Q": ["returns", "return_items"],
    "V": ["feature_flags"],
    "W": ["audit_log"],
}

WORDS = ["priority", "region", "source", "channel", "score", "rank", "label", "note",
         "external_ref", "weight", "level", "origin", "tier", "batch", "flag", "code"]

COL_TYPES = [
    # (python type, sql type for handwritten files, server_default python, kind)
    ("sa.Integer()", "INTEGER", "'0'", "int"),
    ("sa.String(length=50)", "VARCHAR(50)", 'sa.text("\'draft\'")', "str"),
    ("sa.DateTime(timezone=True)", "TIMESTAMP WITH TIME ZONE", 'sa.text("now()")', "ts"),
    ("sa.Boolean()", "BOOLEAN", "sa.false()", "bool"),
    ("sa.Numeric(precision=10, scale=2)", "NUMERIC(10, 2)", None, "num"),
    ("sa.Text()", "TEXT", None, "text"),
    ("postgresql.JSONB(astext_type=sa.Text())", "JSONB", 'sa.text("\'{}\'::jsonb")', "json"),
    ("sa.String(length=20)", "VARCHAR(20)", 'sa.text("\'100%\'")', "str"),
    ("sa.BigInteger()", "BIGINT", None, "bigint"),
]


class Table:
    def __init__(self, name, enum=None):
        self.name = name
        self.enum = enum            # (type name, [values]) or None
        self.added = []             # [name, type_index, nullable] of added columns, in order
        self.indexed = set()        # column names with an index or constraint
        self.fks = 0


class Generator:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.used_ids = set()
        self.clock = datetime(2021, 1, 4, 9, 12, 31, 402117)
        self.revisions = []         # dicts, in writing order
        self.tables = {}            # name -> Table
        self.owned = {}             # line -> [table names]
        self.noun_index = {}
        self.handwritten = {}       # rev -> sql text
        self.irreversible = []
        self.names = set()

    # -- helpers
    def new_id(self):
        while True:
            rid = "%012x" % self.rng.getrandbits(48)
            if rid not in self.used_ids and not rid.isdigit():
                self.used_ids.add(rid)
                return rid

    def tick(self):
        self.clock += timedelta(hours=self.rng.randint(3, 90), minutes=self.rng.randint(0, 59),
                                seconds=self.rng.randint(0, 59),
                                microseconds=self.rng.randint(0, 999999))
        return self.clock.strftime("%Y-%m-%d %H:%M:%S.%f")

    def name(self, base):
        n, i = base, 2
        while n in self.names:
            n, i = f"{base}_{i}", i + 1
        self.names.add(n)
        return n

    def visible(self, line):
        """Tables a line may reference: its own and the trunk's first two
        (made by T0 and T1, below every other line)."""
        own = self.owned.get(line, [])
        trunk = self.owned.get("T", [])[:2]
        return own + [t for t in trunk if t not in own]

    def pick_table(self, line):
        return self.tables[self.rng.choice(self.owned[line])]

    # -- one revision
    def add(self, line, message, up, down, down_revision, branch_labels=None, depends_on=None,
            imports=(), handwritten=None, irreversible=False, extra_top=""):
        rid = self.new_id()
        self.revisions.append(dict(id=rid, line=line, message=message, up=up, down=down,
                                   down_revision=down_revision, branch_labels=branch_labels,
                                   depends_on=depends_on, imports=sorted(set(imports)),
                                   date=self.tick(), extra_top=extra_top))
        if handwritten is not None:
            self.handwritten[rid] = handwritten
        if irreversible:
            self.irreversible.append(rid)
        return rid

    # -- operations: each returns (message, up lines, down lines, imports)
    def op_create_table(self, line):
        nouns = NOUNS[line]
        i = self.noun_index.get(line, 0)
        self.noun_index[line] = i + 1
        base = nouns[i % len(nouns)] + ("" if i < len(nouns) else f"_v{i // len(nouns) + 1}")
        tname = self.name(base)
        with_enum = self.rng.random() < 0.5
        enum = (f"{tname}_state", ["draft", "active", "archived"]) if with_enum else None
        t = Table(tname, enum)
        parents = self.visible(line)
        parent = self.rng.choice(parents) if parents and self.rng.random() < 0.6 else None
        imports = []
        cols = [
            "sa.Column('id', sa.Integer(), nullable=False)",
            "sa.Column('name', sa.String(length=100), nullable=False)",
        ]
        if self.rng.random() < 0.4:
            imports.append("from sqlalchemy.dialects import postgresql")
            cols.append("sa.Column('public_id', postgresql.UUID(as_uuid=True), "
                        "server_default=sa.text('gen_random_uuid()'), nullable=False)")
        if enum:
            vals = ", ".join(repr(v) for v in enum[1])
            cols.append(f"sa.Column('state', sa.Enum({vals}, name='{enum[0]}'), "
                        "server_default=sa.text(\"'draft'\"), nullable=False)")
        if parent:
            cols.append(f"sa.Column('{parent.rstrip('s')}_id', sa.Integer(), nullable=True)")
        if self.rng.random() < 0.3:
            imports.append("from sqlalchemy.dialects import postgresql")
            cols.append("sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), nullable=True)")
        cols.append("sa.Column('created_at', sa.DateTime(timezone=True), "
                    "server_default=sa.text('now()'), nullable=False)")
        if parent:
            cols.append(f"sa.ForeignKeyConstraint(['{parent.rstrip('s')}_id'], ['{parent}.id'], "
                        f"ondelete='SET NULL')")
        cols.append("sa.PrimaryKeyConstraint('id')")
        up = ["# ### commands auto generated by Alembic - please adjust! ###",
              f"op.create_table('{tname}',"] + [c + "," for c in cols[:-1]] + [cols[-1], ")"]
        idx = f"ix_{tname}_name"
        up.append(f"op.create_index(op.f('{idx}'), '{tname}', ['name'], unique=False)")
        up.append("# ### end Alembic commands ###")
        down = ["# ### commands auto generated by Alembic - please adjust! ###",
                f"op.drop_index(op.f('{idx}'), table_name='{tname}')",
                f"op.drop_table('{tname}')",
                "# ### end Alembic commands ###"]
        if enum:
            if self.rng.random() < 0.5:
                down.append(f"sa.Enum(name='{enum[0]}').drop(op.get_bind(), checkfirst=False)")
            else:
                down.append(f"op.execute('DROP TYPE {enum[0]}')")
        self.tables[tname] = t
        self.owned.setdefault(line, []).append(tname)
        return f"create {tname} table", up, down, imports

    def op_add_column(self, line, t=None):
        t = t or self.pick_table(line)
        word = self.rng.choice(WORDS)
        cname = word
        existing = {c[0] for c in t.added}
        i = 2
        while cname in existing:
            cname, i = f"{word}_{i}", i + 1
        ti = self.rng.randrange(len(COL_TYPES))
        pytype, _, default, kind = COL_TYPES[ti]
        imports = ["from sqlalchemy.dialects import postgresql"] if "postgresql." in pytype else []
        nullable = default is None
        args = f"'{cname}', {pytype}"
        if default:
            args += f", server_default={default}"
        args += f", nullable={nullable}"
        t.added.append([cname, ti, nullable])
        up = [f"op.add_column('{t.name}', sa.Column({args}))"]
        down = [f"op.drop_column('{t.name}', '{cname}')"]
        return f"add {cname} to {t.name}", up, down, imports

    def free_columns(self, t, kinds=None):
        return [c for c in t.added if c[0] not in t.indexed and
                (kinds is None or COL_TYPES[c[1]][3] in kinds)]

    def op_drop_column(self, line):
        t = self.pick_table(line)
        free = self.free_columns(t)
        if not free:
            return self.op_add_column(line, t)
        c = free[0]
        t.added.remove(c)
        pytype, _, default, _ = COL_TYPES[c[1]]
        imports = ["from sqlalchemy.dialects import postgresql"] if "postgresql." in pytype else []
        args = f"'{c[0]}', {pytype}"
        if default:
            args += f", server_default={default}"
        args += f", autoincrement=False, nullable={c[2]}"
        up = [f"op.drop_column('{t.name}', '{c[0]}')"]
        down = [f"op.add_column('{t.name}', sa.Column({args}))"]
        return f"drop {t.name}.{c[0]}", up, down, imports

    def op_index(self, line):
        t = self.pick_table(line)
        free = self.free_columns(t, {"int", "str", "ts", "bool", "bigint", "num"})
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        t.indexed.add(c[0])
        idx = f"ix_{t.name}_{c[0]}"
        if self.rng.random() < 0.3:
            up = ["# large table: build without blocking writes",
                  "with op.get_context().autocommit_block():",
                  f"    op.create_index('{idx}', '{t.name}', ['{c[0]}'], unique=False, "
                  "postgresql_concurrently=True)"]
            down = ["with op.get_context().autocommit_block():",
                    f"    op.drop_index('{idx}', table_name='{t.name}', postgresql_concurrently=True)"]
            return f"index {t.name}.{c[0]} concurrently", up, down, []
        up = [f"op.create_index(op.f('{idx}'), '{t.name}', ['{c[0]}'], unique=False)"]
        down = [f"op.drop_index(op.f('{idx}'), table_name='{t.name}')"]
        return f"index {t.name}.{c[0]}", up, down, []

    def op_unique(self, line):
        t = self.pick_table(line)
        # only columns without a default: seed rows leave them NULL
        free = [c for c in self.free_columns(t, {"num", "text", "bigint"}) if c[2]]
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        t.indexed.add(c[0])
        name = f"uq_{t.name}_{c[0]}"
        up = [f"op.create_unique_constraint('{name}', '{t.name}', ['{c[0]}'])"]
        down = [f"op.drop_constraint('{name}', '{t.name}', type_='unique')"]
        return f"unique {t.name}.{c[0]}", up, down, []

    def op_check(self, line):
        t = self.pick_table(line)
        free = self.free_columns(t, {"int", "num", "bigint", "str"})
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        t.indexed.add(c[0])
        name = f"ck_{t.name}_{c[0]}"
        if COL_TYPES[c[1]][3] == "str":
            cond = f"{c[0]} NOT LIKE 'tmp::%'"
        else:
            cond = f"{c[0]} >= 0"
        up = [f'op.create_check_constraint("{name}", "{t.name}", "{cond}")']
        down = [f'op.drop_constraint("{name}", "{t.name}", type_="check")']
        return f"check {t.name}.{c[0]}", up, down, []

    def op_fk(self, line):
        t = self.pick_table(line)
        targets = [n for n in self.visible(line) if n != t.name]
        if not targets:
            return self.op_add_column(line, t)
        target = self.rng.choice(targets)
        t.fks += 1
        col = f"{target.rstrip('s')}_ref_id" if t.fks == 1 else f"{target.rstrip('s')}_ref{t.fks}_id"
        name = f"fk_{t.name}_{col}"[:63]
        ondelete = self.rng.choice(["", ", ondelete='CASCADE'", ", ondelete='SET NULL'"])
        up = [f"op.add_column('{t.name}', sa.Column('{col}', sa.Integer(), nullable=True))",
              f"op.create_foreign_key('{name}', '{t.name}', '{target}', ['{col}'], ['id']{ondelete})"]
        down = [f"op.drop_constraint('{name}', '{t.name}', type_='foreignkey')",
                f"op.drop_column('{t.name}', '{col}')"]
        return f"link {t.name} to {target}", up, down, []

    def op_rename(self, line):
        t = self.pick_table(line)
        free = self.free_columns(t)
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        old, new = c[0], f"{c[0]}_value"
        if any(x[0] == new for x in t.added):
            return self.op_add_column(line, t)
        c[0] = new
        up = [f"op.alter_column('{t.name}', '{old}', new_column_name='{new}')"]
        down = [f"op.alter_column('{t.name}', '{new}', new_column_name='{old}')"]
        return f"rename {t.name}.{old} to {new}", up, down, []

    def op_retype(self, line):
        t = self.pick_table(line)
        free = self.free_columns(t, {"int", "num", "str"})
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        kind = COL_TYPES[c[1]][3]
        nullable = c[2]
        if kind == "int":
            new_ti = 8  # bigint
            up = [f"op.alter_column('{t.name}', '{c[0]}',",
                  "           existing_type=sa.Integer(),",
                  "           type_=sa.BigInteger(),",
                  f"           existing_nullable={nullable})"]
            down = [f"op.alter_column('{t.name}', '{c[0]}',",
                    "           existing_type=sa.BigInteger(),",
                    "           type_=sa.Integer(),",
                    f"           existing_nullable={nullable})"]
        elif kind == "num":
            new_ti = 8
            up = [f"op.alter_column('{t.name}', '{c[0]}',",
                  "           existing_type=sa.Numeric(precision=10, scale=2),",
                  "           type_=sa.BigInteger(),",
                  f"           existing_nullable={nullable},",
                  f"           postgresql_using='round({c[0]} * 100)::bigint')"]
            down = [f"op.alter_column('{t.name}', '{c[0]}',",
                    "           existing_type=sa.BigInteger(),",
                    "           type_=sa.Numeric(precision=10, scale=2),",
                    f"           existing_nullable={nullable},",
                    f"           postgresql_using='{c[0]} / 100.0')"]
        else:
            new_ti = 5  # text
            old = COL_TYPES[c[1]][0]
            up = [f"op.alter_column('{t.name}', '{c[0]}',",
                  f"           existing_type={old},",
                  "           type_=sa.Text(),",
                  f"           existing_nullable={nullable},",
                  f"           postgresql_using='{c[0]}::text')"]
            down = [f"op.alter_column('{t.name}', '{c[0]}',",
                    "           existing_type=sa.Text(),",
                    f"           type_={old},",
                    f"           existing_nullable={nullable},",
                    f"           postgresql_using='{c[0]}::varchar')"]
        # the server default keeps its text; the column is now of the new kind
        # only for further type changes: retype once
        t.indexed.add(c[0])
        del new_ti
        return f"change type of {t.name}.{c[0]}", up, down, []

    def op_default(self, line):
        t = self.pick_table(line)
        free = [c for c in self.free_columns(t, {"int"})]
        if not free:
            return self.op_add_column(line, t)
        c = self.rng.choice(free)
        t.indexed.add(c[0])
        up = [f"op.alter_column('{t.name}', '{c[0]}', existing_type=sa.Integer(), server_default='1')"]
        down = [f"op.alter_column('{t.name}', '{c[0]}', existing_type=sa.Integer(), server_default='0')"]
        return f"default {t.name}.{c[0]} to 1", up, down, []

    def op_comment(self, line):
        t = self.pick_table(line)
        text = self.rng.choice(["owned by the %s team" % line, "see ADR-%d" % self.rng.randint(3, 40),
                                "rows are never deleted", "100% of writes go through the API"])
        if self.rng.random() < 0.5:
            up = [f"op.create_table_comment('{t.name}', {text!r}, existing_comment=None)"]
            down = [f"op.drop_table_comment('{t.name}', existing_comment={text!r})"]
        else:
            up = [f"op.alter_column('{t.name}', 'name', existing_type=sa.String(length=100),",
                  f"                existing_nullable=False, comment={text!r})"]
            down = [f"op.alter_column('{t.name}', 'name', existing_type=sa.String(length=100),",
                    f"                existing_nullable=False, comment=None, existing_comment={text!r})"]
        return f"document {t.name}", up, down, []

    def op_data(self, line):
        t = self.pick_table(line)
        strs = [c for c in t.added if COL_TYPES[c[1]][3] in ("str", "text")]
        r = self.rng.random()
        if strs and r < 0.4:
            c = self.rng.choice(strs)[0]
            up = [f"op.execute(\"UPDATE {t.name} SET {c} = 'legacy' WHERE name LIKE 'old-%' AND {c} IS NULL\")"]
            return f"backfill {t.name}.{c}", up, ["pass"], []
        if r < 0.7:
            up = ["op.execute(",
                  f"    sa.table('{t.name}', sa.column('name', sa.String))",
                  "    .update()",
                  "    .where(sa.column('name') == 'unnamed')",
                  "    .values(name='(unnamed)')",
                  ")"]
            return f"normalize {t.name} names", up, ["pass"], []
        up = [f"op.execute(sa.text(\"UPDATE {t.name} SET name = btrim(name) WHERE name <> btrim(name)\"))"]
        return f"trim {t.name} names", up, ["pass"], []

    def op_seed(self, line):
        t = self.pick_table(line)
        names = [f"{t.name}-seed-{i}" for i in range(1, self.rng.randint(2, 4) + 1)]
        if self.rng.random() < 0.3:
            names.append("O'Brien & Sons (50% off)")
        rows = ", ".join("{'name': %r}" % n for n in names)
        up = [f"{t.name} = sa.table('{t.name}', sa.column('name', sa.String))",
              f"op.bulk_insert({t.name}, [{rows}])"]
        down = ["op.execute(",
                f"    sa.table('{t.name}', sa.column('name', sa.String))",
                "    .delete()",
                f"    .where(sa.column('name').in_({names!r}))",
                ")"]
        return f"seed {t.name}", up, down, []

    def op_enum_value(self, line):
        enums = [self.tables[n] for n in self.owned[line] if self.tables[n].enum]
        if not enums:
            return self.op_create_table(line)
        t = self.rng.choice(enums)
        value = self.rng.choice(["suspended", "pending_review", "deleted", "locked"])
        if value in t.enum[1]:
            return self.op_comment(line)
        t.enum[1].append(value)
        up = ["# ADD VALUE: not in a transaction block (IF NOT EXISTS: a downgrade keeps it)",
              "with op.get_context().autocommit_block():",
              f"    op.execute(\"ALTER TYPE {t.enum[0]} ADD VALUE IF NOT EXISTS '{value}'\")"]
        down = ["# PostgreSQL cannot drop an enum value", "pass"]
        return f"add {value} to {t.enum[0]}", up, down, []

    OPS = ["op_add_column", "op_add_column", "op_index", "op_unique", "op_check", "op_fk",
           "op_rename", "op_retype", "op_default", "op_comment", "op_data", "op_seed",
           "op_drop_column", "op_enum_value", "op_create_table"]

    def random_op(self, line):
        if len(self.owned.get(line, [])) < 2:
            return self.op_create_table(line)
        return getattr(self, self.rng.choice(self.OPS))(line)

    # -- special revisions
    def read_bind(self, line):
        t = self.pick_table(line)
        col = "name_length"
        while any(c[0] == col for c in t.added):
            col += "_2"
        t.added.append([col, 0, False])
        t.indexed.add(col)
        up = [f"op.add_column('{t.name}', sa.Column('{col}', sa.Integer(), server_default='0', nullable=False))",
              "conn = op.get_bind()",
              f"rows = conn.execute(sa.text(\"SELECT id, name FROM {t.name}\")).fetchall()",
              "for row_id, name in rows:",
              "    conn.execute(",
              f"        sa.text(\"UPDATE {t.name} SET {col} = :n WHERE id = :id\"),",
              "        {\"n\": len(name or \"\"), \"id\": row_id},",
              "    )"]
        down = [f"op.drop_column('{t.name}', '{col}')"]
        sql_up = [f"ALTER TABLE {t.name} ADD COLUMN {col} INTEGER DEFAULT '0' NOT NULL;",
                  f"UPDATE {t.name} SET {col} = length(coalesce(name, ''));"]
        sql_down = [f"ALTER TABLE {t.name} DROP COLUMN {col};"]
        why = ("the Python revision reads every row through op.get_bind() and\n"
               "-- writes each one back, which Alembic cannot render offline.")
        return f"store {t.name} name length", up, down, (sql_up, sql_down, why)

    def bound_params(self, line):
        t = self.pick_table(line)
        col = "sort_order"
        while any(c[0] == col for c in t.added):
            col += "_2"
        t.added.append([col, 0, True])
        t.indexed.add(col)
        up = [f"op.add_column('{t.name}', sa.Column('{col}', sa.Integer(), nullable=True))",
              "connection = op.get_bind()",
              "connection.execute(",
              f"    sa.text(\"UPDATE {t.name} SET {col} = :default WHERE {col} IS NULL\"),",
              "    {\"default\": DEFAULT_SORT_ORDER},",
              ")"]
        down = [f"op.drop_column('{t.name}', '{col}')"]
        sql_up = [f"ALTER TABLE {t.name} ADD COLUMN {col} INTEGER;",
                  f"UPDATE {t.name} SET {col} = 100 WHERE {col} IS NULL;"]
        sql_down = [f"ALTER TABLE {t.name} DROP COLUMN {col};"]
        why = ("the Python revision binds {\"default\": DEFAULT_SORT_ORDER}; offline,\n"
               "-- Alembic drops the parameter (it writes NULL).  DEFAULT_SORT_ORDER is 100.")
        return f"default {t.name} sort order", up, down, (sql_up, sql_down, why)

    # -- history
    def chain(self, line, count, parent, specials=None, branch_labels=None, depends_on_first=None,
              depends=None):
        """count revisions of one line after parent; specials: index -> kind."""
        specials = specials or {}
        depends = depends or {}
        ids = []
        for i in range(count):
            kind = specials.get(i)
            hw = None
            irreversible = False
            extra_top = ""
            if kind == "read":
                msg, up, down, hw = self.read_bind(line)
                imports = []
            elif kind == "params":
                msg, up, down, hw = self.bound_params(line)
                imports = []
                extra_top = "DEFAULT_SORT_ORDER = 100\n\n"
            elif kind in ("runtime", "notimpl"):
                msg, up, _, imports = self.op_drop_column(line)
                if kind == "runtime":
                    down = [f"raise RuntimeError(\"{msg}: irreversible, the data is gone\")"]
                else:
                    down = ["raise NotImplementedError()"]
                irreversible = True
            else:
                msg, up, down, imports = self.random_op(line)
            rid = self.add(line, msg, up, down, parent,
                           branch_labels=branch_labels if i == 0 else None,
                           depends_on=depends_on_first if i == 0 else depends.get(i),
                           imports=imports, handwritten=hw, irreversible=irreversible,
                           extra_top=extra_top)
            ids.append(rid)
            parent = rid
        return ids

    def merge(self, parents, message):
        return self.add("M", message, ["pass"], ["pass"], tuple(parents))

    def build(self):
        T = self.chain("T", 70, None, specials={10: "runtime", 15: "notimpl", 25: "read"})
        A = self.chain("A", 10, None, branch_labels=("analytics",), depends_on_first=T[20])
        X = self.chain("X", 25, T[-1], specials={9: "params"})
        Y = self.chain("Y", 25, T[-1])
        # Y8 needs a table of X: a dependency across the branches
        Y8 = next(r for r in self.revisions if r["id"] == Y[8])
        Y8["depends_on"] = X[6]
        M1 = self.merge([X[-1], Y[-1]], "merge warehouse and loyalty branches")
        U = self.chain("U", 20, M1, specials={12: "read"})
        P = self.chain("P", 8, U[-1])
        Q = self.chain("Q", 8, U[-1])
        M2 = self.merge([P[-1], Q[-1]], "merge tax and returns")
        V = self.chain("V", 5, M2)
        M3 = self.merge([V[-1], A[-1]], "merge analytics")
        W = self.chain("W", 3, M3)
        return dict(T=T, A=A, X=X, Y=Y, M1=M1, U=U, P=P, Q=Q, M2=M2, V=V, M3=M3, W=W)


def slug(message):
    out = "".join(ch if ch.isalnum() else "_" for ch in message.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")[:40].rstrip("_")


def render(rev):
    down = rev["down_revision"]
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    imports = "".join(line + "\n" for line in rev["imports"])
    body_up = "\n".join("    " + line for line in rev["up"])
    body_down = "\n".join("    " + line for line in rev["down"])
    return (f'"""{rev["message"]}\n\nRevision ID: {rev["id"]}\nRevises: {revises}\n'
            f'Create Date: {rev["date"]}\n\n"""\n'
            "from typing import Sequence, Union\n\n"
            "from alembic import op\n"
            "import sqlalchemy as sa\n"
            f"{imports}\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision: str = {rev['id']!r}\n"
            f"down_revision: Union[str, None] = {down!r}\n"
            f"branch_labels: Union[str, Sequence[str], None] = {rev['branch_labels']!r}\n"
            f"depends_on: Union[str, Sequence[str], None] = {rev['depends_on']!r}\n\n"
            f"{rev['extra_top']}\n"
            "def upgrade() -> None:\n"
            f"{body_up}\n\n\n"
            "def downgrade() -> None:\n"
            f"{body_down}\n")


def render_sql(rev, hw):
    sql_up, sql_down, why = hw
    down = rev["down_revision"]
    revises = ", ".join(down) if isinstance(down, tuple) else (down or "")
    lines = [f"-- {rev['message']}", "--", f"-- Revision ID: {rev['id']}", f"-- Revises: {revises}"]
    if rev["branch_labels"]:
        lines.append("-- Branch Labels: " + ", ".join(rev["branch_labels"]))
    if rev["depends_on"]:
        lines.append(f"-- Depends On: {rev['depends_on']}")
    lines += [f"-- Create Date: {rev['date']}", "", f"-- Written by hand: {why}", "",
              "-- +upgrade"] + sql_up + ["", "-- +downgrade"] + sql_down
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_large.py OUTPUT_DIR")
    out = sys.argv[1]
    gen = Generator()
    parts = gen.build()
    versions = os.path.join(out, "alembic", "versions")
    handwritten = os.path.join(out, "handwritten")
    for d in (versions, handwritten):
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.endswith((".py", ".sql")):
                os.remove(os.path.join(d, f))
    files = {"alembic.ini": ALEMBIC_INI, "alembic/env.py": ENV_PY, "alembic/script.py.mako": MAKO}
    for rev in gen.revisions:
        files[f"alembic/versions/{rev['id']}_{slug(rev['message'])}.py"] = render(rev)
        if rev["id"] in gen.handwritten:
            files[f"handwritten/{rev['id']}_{slug(rev['message'])}.sql"] = \
                render_sql(rev, gen.handwritten[rev["id"]])
    corpus = {
        "description": "marketplace (generated by make_large.py): 177 revisions, a trunk with two "
                       "branch points and three merges, a labelled analytics branch (base, "
                       "depends_on the trunk) and a depends_on from one branch into the other; "
                       "env.py with literal_binds and paramstyle named",
        "revisions": len(gen.revisions),
        "middle": parts["X"][12],
        "downgrade_to": parts["T"][30],
        "handwritten": sorted(gen.handwritten),
        "irreversible": gen.irreversible,
        "version_table": "alembic_version",
    }
    files["corpus.json"] = json.dumps(corpus, indent=2) + "\n"
    for path, text in files.items():
        with open(os.path.join(out, path), "w", encoding="utf-8") as f:
            f.write(text)
    print(f"wrote {len(gen.revisions)} revisions into {out}")


if __name__ == "__main__":
    main()
