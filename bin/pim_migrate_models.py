#!/usr/bin/env python3
"""pim_migrate's Python side for a project: its configuration, its models.

Run by the pim_migrate command, under the project's Python (see
bin/python.c), in one of two ways:

  config [--file pyproject.toml]
      The [tool.pim_migrate] table of pyproject.toml, read with tomllib,
      as "key<TAB>value" lines (one per item of a list), for the command.

  render --metadata MODULE:ATTR [--schema NAME]
      The models as PostgreSQL DDL, written by SQLAlchemy's own compiler
      for the PostgreSQL dialect: exactly what metadata.create_all() would
      run (enum types, sequences, tables with their constraints, indexes,
      comments), one statement after another.  The module is imported as
      Alembic's env.py imports it, with the project's directory first on
      sys.path.  Tables of other schemas than NAME are left out, with a
      warning: the server compares one schema.

Errors are said in a user's words on standard error, exit status 1.

bin/pim_migrate_models.py
"""

import argparse
import importlib
import os
import sys
import traceback


def fail(message):
    print(f"pim_migrate: {message}", file=sys.stderr)
    sys.exit(1)


# the keys of [tool.pim_migrate], with the type each takes
KEYS = {
    "versions": str,        # the versions directory
    "metadata": str,        # MODULE:ATTR, a declarative base or a MetaData
    "schema": str,          # the schema the models describe (public)
    "schema_files": list,   # SQL files added to the models (views, functions...)
    "include": list,        # LIKE patterns: compare only these tables
    "exclude": list,        # LIKE patterns: leave these tables alone
}


def config(path):
    try:
        import tomllib
    except ImportError:
        fail(f"reading {path} needs Python 3.11 or later (tomllib); "
             f"{sys.executable} is {sys.version.split()[0]}.\n"
             f"HINT:  Name a newer Python in PIM_MIGRATE_PYTHON.")
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        fail(f'could not read "{path}": {exc.strerror}')
    except tomllib.TOMLDecodeError as exc:
        fail(f'"{path}" is not valid TOML: {exc}')
    table = data.get("tool", {}).get("pim_migrate")
    if table is None:
        return
    if not isinstance(table, dict):
        fail(f'"{path}": [tool.pim_migrate] must be a table')
    for key, value in table.items():
        kind = KEYS.get(key)
        if kind is None:
            fail(f'"{path}": [tool.pim_migrate] has no key "{key}"\n'
                 f"HINT:  The keys are {', '.join(KEYS)}.")
        items = value if isinstance(value, list) else [value]
        if not isinstance(value, kind) or \
                not all(isinstance(v, str) and v for v in items):
            fail(f'"{path}": [tool.pim_migrate] {key} must be '
                 + ("a list of strings" if kind is list else "a string"))
        for item in items:
            if any(c in item for c in "\t\r\n\0"):
                fail(f'"{path}": [tool.pim_migrate] {key} holds a control character')
            print(f"{key}\t{item}")


def load_metadata(ref):
    """The MetaData that MODULE:ATTR names (ATTR may be dotted)."""
    from sqlalchemy import MetaData

    module_name, colon, attr = ref.partition(":")
    if not colon or not module_name or not attr:
        fail(f'--metadata "{ref}" is not MODULE:ATTR (for example app.db.base:Base)')
    # the project's directory where Python put this script's: as Alembic's
    # prepend_sys_path = . does for env.py
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path = [os.getcwd()] + [p for p in sys.path if os.path.abspath(p or ".") != here]
    try:
        obj = importlib.import_module(module_name)
    except Exception as exc:  # the project's own code: anything may happen
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        fail(f'could not import the module "{module_name}" of --metadata {ref}: {last}\n'
             f"DETAIL:  sys.path: {', '.join(p or '.' for p in sys.path)}\n"
             f"HINT:  Run pim_migrate from the project's directory, the one "
             f"that holds the package, with the project's Python "
             f"(PIM_MIGRATE_PYTHON; now {sys.executable}).")
    for part in attr.split("."):
        if not hasattr(obj, part):
            fail(f'the module "{module_name}" has no attribute "{attr}" (--metadata {ref})')
        obj = getattr(obj, part)
    if isinstance(obj, MetaData):
        return obj
    if isinstance(getattr(obj, "metadata", None), MetaData):
        return obj.metadata
    fail(f'--metadata {ref} is neither a MetaData nor a declarative base (a class '
         f'with a .metadata): its type is {type(obj).__name__}')


def render(ref, schema):
    try:
        import sqlalchemy
        from sqlalchemy import create_mock_engine
    except ImportError as exc:
        fail(f"--metadata needs SQLAlchemy, which {sys.executable} cannot import "
             f"({exc}).\nHINT:  Install it (Debian: apt-get install python3-sqlalchemy; "
             f"elsewhere: pip install sqlalchemy), or name the project's Python in "
             f"PIM_MIGRATE_PYTHON.")
    metadata = load_metadata(ref)

    tables = []
    for table in metadata.sorted_tables:
        if table.schema in (None, schema):
            tables.append(table)
        else:
            print(f"pim_migrate: warning: table {table.schema}.{table.name} is left out: "
                  f"it is not in schema {schema}", file=sys.stderr)

    statements = []

    def executor(construct, *multiparams, **params):
        # the named paramstyle: any other doubles each "%" of a default or
        # a CHECK; names of the target schema unqualified, as the server
        # wants the desired schema
        compiled = construct.compile(dialect=engine.dialect,
                                     schema_translate_map={schema: None})
        statements.append(str(compiled).strip())

    engine = create_mock_engine("postgresql://", executor, paramstyle="named")
    try:
        metadata.create_all(engine, tables=tables, checkfirst=False)
    except sqlalchemy.exc.SQLAlchemyError as exc:
        fail(f"SQLAlchemy could not write the DDL of the models of {ref}: {exc}")
    for statement in statements:
        print(statement.rstrip(";") + ";\n")


def main():
    parser = argparse.ArgumentParser(prog="pim_migrate_models.py")
    sub = parser.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("config")
    c.add_argument("--file", default="pyproject.toml")
    r = sub.add_parser("render")
    r.add_argument("--metadata", required=True)
    r.add_argument("--schema", default="public")
    args = parser.parse_args()
    if args.mode == "config":
        config(args.file)
    else:
        render(args.metadata, args.schema)


if __name__ == "__main__":
    main()
