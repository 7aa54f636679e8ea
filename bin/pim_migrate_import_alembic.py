#!/usr/bin/env python3
"""pim_migrate import-alembic: an Alembic project's revisions as pim_migrate files.

Run by the pim_migrate command ("pim_migrate import-alembic"), with the
Python that runs the project's Alembic.  Every revision keeps its id, its
down revisions (several for a merge), branch labels, depends_on, message and
create date.  Its SQL comes from Alembic itself, in offline mode (what
"alembic upgrade A:B --sql" prints), through the project's own env.py, one
revision at a time: upgrade from exactly what the revision stands on,
downgrade from exactly the revision.  Alembic's bookkeeping (the version
table's CREATE, INSERT, UPDATE, DELETE and DROP) and its transaction
statements are left out.

A revision is written "Transactional: false" when its Python uses
autocommit_block() (offline, Alembic then ends the transaction around the
block) or its SQL holds a statement no transaction block may hold.

Nothing is written unless every revision's SQL could be produced, and an
existing file is never overwritten with other content.

bin/pim_migrate_import_alembic.py
"""

import argparse
import os
import re
import sys


def fail(message):
    print(f"pim_migrate: {message}", file=sys.stderr)
    sys.exit(1)


try:
    from alembic import util as alembic_util
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
except ImportError as exc:
    fail(f"import-alembic needs Alembic, which {sys.executable} cannot import "
         f"({exc}).\nHINT:  Install it (Debian: apt-get install python3-alembic; "
         f"elsewhere: pip install alembic), or name the Python that has it in "
         f"PIM_MIGRATE_PYTHON.")

# statements that refuse to run inside a transaction block (the server
# refuses them again at registration, should one slip through)
NO_TRANSACTION = re.compile(
    r"""^(CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY
        |DROP\s+INDEX\s+CONCURRENTLY
        |REINDEX\s+(SYSTEM|DATABASE)\b
        |REINDEX\b.*\bCONCURRENTLY\b
        |VACUUM\b
        |CLUSTER\s*;
        |(CREATE|DROP)\s+(DATABASE|TABLESPACE)\b
        |ALTER\s+SYSTEM\b
        |ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY\b)""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE)


class Chunks:
    """An output buffer that keeps Alembic's writes apart: one per statement."""

    def __init__(self):
        self.chunks = []

    def write(self, text):
        self.chunks.append(text)

    def flush(self):
        pass


class Unavailable(Exception):
    """The offline SQL of a revision could not be produced."""


def tips(script, revisions):
    """The revisions that are not below another one: Alembic refuses
    starting revisions that overlap (a depends_on may name an ancestor of
    a parent)."""
    below = set()
    for r in revisions:
        below.update(a.revision for a in script.walk_revisions("base", r)
                     if a.revision != r)
    return tuple(dict.fromkeys(r for r in revisions if r not in below))


def offline_sql(config, script, rev, direction):
    """(statements, used_autocommit) of one revision's upgrade or downgrade."""
    buf = Chunks()
    config.output_buffer = buf
    if direction == "upgrade":
        below = alembic_util.to_tuple(rev.down_revision, default=()) + \
            alembic_util.to_tuple(rev.dependencies, default=())
        starting = tips(script, [script.get_revision(r).revision for r in below]) or "base"
        destination = rev.revision

        def fn(heads, context):
            return script._upgrade_revs(destination, heads)
    else:
        starting = (rev.revision,)
        parents = alembic_util.to_tuple(rev.down_revision, default=())
        destination = parents[0] if parents else "base"

        def fn(heads, context):
            return script._downgrade_revs(destination, heads)

    env = EnvironmentContext(config, script, fn=fn, as_sql=True,
                             starting_rev=starting,
                             destination_rev=destination, tag=None)
    with env:
        try:
            script.run_env()
        except NotImplementedError:
            raise
        except BaseException as exc:  # env.py may sys.exit()
            running = any(c.startswith("-- Running ") for c in buf.chunks)
            where = (f"revision {rev.revision} ({direction})" if running else
                     f"the project's env.py (offline mode, before revision "
                     f"{rev.revision} ran)")
            raise Unavailable(f"{where}: {type(exc).__name__}: {exc}")
        context = env.get_context()
        dialect = context.dialect.name
        version_table = context.version_table
    if dialect != "postgresql":
        raise Unavailable(f"the project's offline mode writes SQL for {dialect}, "
                          f"not PostgreSQL (set sqlalchemy.url or DATABASE_URL "
                          f"to a postgresql:// URL)")

    bookkeeping = re.compile(
        r"^(CREATE\s+TABLE|INSERT\s+INTO|UPDATE|DELETE\s+FROM|DROP\s+TABLE)\s+"
        r"(\S+\.)?\"?" + re.escape(version_table) + r"\"?[\s(;]",
        re.IGNORECASE)
    statements = []
    autocommit = False
    started = False
    for chunk in buf.chunks:
        text = chunk.strip()
        if text.startswith("-- Running "):
            started = True
            continue
        if not started or not text or bookkeeping.match(text):
            continue
        if text in ("BEGIN;", "COMMIT;"):
            # after the revision began, only an autocommit_block() begins a
            # transaction again (its COMMIT may also be the run's own, as
            # with transaction_per_migration)
            if text == "BEGIN;":
                autocommit = True
            continue
        statements.append(text)
    return statements, autocommit


def slug(message):
    """As the pim_migrate command names files: alphanumerics, joined by _."""
    words = re.findall(r"[A-Za-z0-9]+", message)
    out = ""
    for w in words:
        piece = ("_" if out else "") + w.lower()
        out = (out + piece)[:40]
        if len(out) >= 40:
            break
    return out or "revision"


def create_date(rev):
    match = re.search(r"^Create Date:\s*(.+?)\s*$", rev.module.__doc__ or "", re.M)
    return match.group(1) if match else None


def revision_file(config, script, rev):
    up, up_autocommit = offline_sql(config, script, rev, "upgrade")
    try:
        down, down_autocommit = offline_sql(config, script, rev, "downgrade")
    except NotImplementedError:
        down, down_autocommit = None, False
    with open(rev.path, encoding="utf-8") as source:
        python = source.read()
    transactional = not (up_autocommit or down_autocommit or
                         "autocommit_block" in python or
                         any(NO_TRANSACTION.match(s) for s in up + (down or [])))

    message = (rev.doc or "").strip().splitlines()[0] if rev.doc else ""
    lines = [f"-- {message}".rstrip(), "--",
             f"-- Revision ID: {rev.revision}",
             "-- Revises: " + ", ".join(alembic_util.to_tuple(rev.down_revision, default=()))]
    labels = sorted(rev._orig_branch_labels)
    if labels:
        lines.append("-- Branch Labels: " + ", ".join(labels))
    depends = alembic_util.to_tuple(rev.dependencies, default=())
    if depends:
        lines.append("-- Depends On: " + ", ".join(depends))
    if create_date(rev):
        lines.append(f"-- Create Date: {create_date(rev)}")
    if not transactional:
        lines.append("-- Transactional: false")
    lines += ["", f"-- imported from {os.path.basename(rev.path)} by pim_migrate import-alembic",
              "", "-- +upgrade"] + up
    if down is not None:
        lines += ["", "-- +downgrade"] + down
    return f"{rev.revision}_{slug(message)}.sql", "\n".join(lines) + "\n", transactional


def main():
    parser = argparse.ArgumentParser(prog="pim_migrate import-alembic")
    parser.add_argument("--config", default="alembic.ini")
    parser.add_argument("--dir", default="versions")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    if not os.path.isfile(args.config):
        fail(f'no Alembic configuration file "{args.config}"\n'
             f"HINT:  Run the command where alembic.ini is, or name it with --config.")
    config = Config(args.config)
    try:
        script = ScriptDirectory.from_config(config)
        revisions = list(script.walk_revisions("base", "heads"))
    except Exception as exc:
        fail(f"Alembic could not read the project of {args.config}: {exc}")
    revisions.reverse()

    files = []
    for rev in revisions:
        try:
            files.append(revision_file(config, script, rev))
        except Unavailable as exc:
            fail(f"could not produce the offline SQL of {exc}\n"
                 f"DETAIL:  Nothing was written.\n"
                 f"HINT:  A revision that reads the database while it runs has no "
                 f"offline SQL; write its file by hand, in SQL.")

    os.makedirs(args.dir, exist_ok=True)
    clashes = []
    for name, text, _ in files:
        path = os.path.join(args.dir, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as existing:
                if existing.read() != text:
                    clashes.append(path)
    if clashes:
        fail(f"{len(clashes)} file(s) exist with other content: " + ", ".join(clashes) +
             "\nDETAIL:  Nothing was written.\nHINT:  Move them away to import again.")

    nontransactional = 0
    for name, text, transactional in files:
        path = os.path.join(args.dir, name)
        unchanged = os.path.exists(path)
        if not unchanged:
            with open(path, "w", encoding="utf-8") as out:
                out.write(text)
        nontransactional += not transactional
        if not args.quiet:
            note = "" if transactional else " (Transactional: false)"
            print(f"Generating {path} ... {'unchanged' if unchanged else 'done'}{note}")
    if not args.quiet:
        print(f"imported {len(files)} revisions from {script.dir} into {args.dir}"
              + (f", {nontransactional} outside a transaction" if nontransactional else ""))


if __name__ == "__main__":
    main()
