#!/usr/bin/env python3
"""pim_migrate import-alembic: an Alembic project's revisions as pim_migrate files.

Run by the pim_migrate command ("pim_migrate import-alembic"), with the
Python that runs the project's Alembic.  Every revision keeps its id, its
down revisions (several for a merge), branch labels, depends_on, message and
create date.  Its SQL comes from Alembic itself, in offline mode (what
"alembic upgrade A:B --sql" prints), through the project's own env.py, one
revision at a time and exactly that revision's steps.  Alembic's
bookkeeping (the version table's CREATE, INSERT, UPDATE, DELETE and DROP)
and its transaction statements are left out.

Whatever env.py asks for, the SQL is rendered with literal binds and the
named paramstyle: any other paramstyle doubles every "%" of a DDL string
(a different CHECK, a different default), and without literal binds the
values of a data migration stay placeholders.  A revision whose SQL still
holds a placeholder, or that hands parameters to connection.execute (which
offline mode silently drops), is not converted.

A revision that already has a file in the versions directory (same
Revision ID, whatever its name) is that revision's scripts: its header is
checked against the Python file, it is never rewritten, and the revision is
not converted.  Everything else is converted; what cannot be is listed, all
of it, with the file to write by hand and why.  A downgrade that raises
makes the revision irreversible (a warning, no "-- +downgrade" section),
unless --strict.

A revision is written "Transactional: false" when its Python uses
autocommit_block() (offline, Alembic then ends the transaction around the
block) or its SQL holds a statement no transaction block may hold.

bin/pim_migrate_import_alembic.py
"""

import argparse
import logging
import os
import re
import sys
import traceback


def fail(message):
    print(f"pim_migrate: {message}", file=sys.stderr)
    sys.exit(1)


try:
    from alembic import util as alembic_util
    from alembic.config import Config
    from alembic.runtime import migration as alembic_migration
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import mock as sqla_mock
    from sqlalchemy.sql import compiler as sqla_compiler
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


# --- what cannot be rendered offline, in a user's words ---------------------

class Unavailable(Exception):
    """The offline SQL of one direction of a revision could not be produced.
    reason: for the user; detail: the Python error, shown under -v."""

    def __init__(self, reason, detail=None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class ReadsDatabase(Exception):
    """The migration used what a query returned: offline there is none."""


class UsesConnection(AttributeError):
    """The migration used the connection for more than sending SQL (an
    AttributeError, so that SQLAlchemy's own hasattr() probes stay quiet)."""


class ParametersDropped(Exception):
    """connection.execute(sql, params): offline mode would drop params."""


class NoResult:
    """What connection.execute returns offline: any use of it is a read of
    the database, which offline mode cannot do."""

    def __init__(self, call):
        self._call = call

    def __getattr__(self, name):
        raise ReadsDatabase(f"{self._call}.{name}()")

    def __iter__(self):
        raise ReadsDatabase(f"a loop over {self._call}")

    def __getitem__(self, key):
        raise ReadsDatabase(f"{self._call}[...]")


class OfflineConnection(sqla_mock.MockConnection):
    """Alembic's offline connection (it writes what it is given), made to
    say what a migration asked of it instead of failing later with an
    AttributeError on None or on MockConnection."""

    def __init__(self, dialect, dump):
        super().__init__(dialect, self._execute)
        self._dump = dump

    def _execute(self, construct, *multiparams, **params):
        if any(multiparams) or params:
            raise ParametersDropped()
        self._dump(construct)
        return NoResult("op.get_bind().execute(...)")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise UsesConnection(name)


class ValueMissing(Exception):
    """A bound parameter was given no value: literal binds would write NULL
    in its place (the value a data migration passed at run time)."""


_render_literal_bindparam = sqla_compiler.SQLCompiler.render_literal_bindparam


def render_literal_bindparam(self, bindparam, render_literal_value=sqla_compiler.NO_ARG, **kw):
    if render_literal_value is sqla_compiler.NO_ARG and bindparam.required and \
            bindparam.value is None and bindparam.callable is None:
        raise ValueMissing(bindparam.key)
    return _render_literal_bindparam(self, bindparam, render_literal_value, **kw)


sqla_compiler.SQLCompiler.render_literal_bindparam = render_literal_bindparam


def _stdout_connection(self, connection):
    def dump(construct, *multiparams, **params):
        self.impl._exec(construct)

    return OfflineConnection(self.dialect, dump)


alembic_migration.MigrationContext._stdout_connection = _stdout_connection

# The version table's bookkeeping is left out of the files, and each run is
# given exactly one revision's step, whatever the version table would say:
# the heads need no maintaining.
alembic_migration.HeadMaintainer.update_to_step = lambda self, step: None

_configure = EnvironmentContext.configure


def configure(self, *args, **kw):
    """env.py's context.configure(), with the rendering every import needs."""
    kw["literal_binds"] = True
    kw["dialect_opts"] = dict(kw.get("dialect_opts") or {}, paramstyle="named")
    return _configure(self, *args, **kw)


EnvironmentContext.configure = configure


def line_in(tb, path):
    """The line of path where the traceback last was, or None."""
    frames = [f for f in traceback.extract_tb(tb)
              if os.path.abspath(f.filename) == os.path.abspath(path)]
    return frames[-1].lineno if frames else None


def in_orm(tb):
    return any(f"{os.sep}sqlalchemy{os.sep}orm{os.sep}" in f.filename
               for f in traceback.extract_tb(tb))


def explain(exc, rev, direction):
    """Unavailable, with the reason a user reads, for what the revision's
    Python raised while rendered offline.  The Python error itself is the
    detail, for -v."""
    lineno = line_in(exc.__traceback__, rev.path)
    line = f" (line {lineno})" if lineno else ""
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    said = comment_safe(str(exc))
    said = f' "{said[:100]}{"..." if len(said) > 100 else ""}"' if said else ""
    if isinstance(exc, ReadsDatabase):
        reason = f"reads the database while it runs: {exc}{line}"
    elif isinstance(exc, UsesConnection) and in_orm(exc.__traceback__):
        reason = f"queries through the ORM (a Session on op.get_bind()), which offline mode cannot run{line}"
    elif isinstance(exc, UsesConnection):
        reason = f"uses the database connection while it runs (op.get_bind().{exc}), which offline mode does not have{line}"
    elif isinstance(exc, ParametersDropped) or \
            "Execution arguments not allowed with as_sql" in str(exc):
        reason = f"passes parameters to connection.execute, which offline mode cannot render{line}"
    elif isinstance(exc, ValueMissing):
        reason = f"has the bound parameter :{exc} without a value, which offline mode cannot render{line}"
    elif os.path.abspath(traceback.extract_tb(exc.__traceback__)[-1].filename) == \
            os.path.abspath(rev.path):
        # raised by the revision itself: on purpose (irreversible), or a
        # mistake of the project's that Alembic would meet too
        reason = f"its {direction}() raises {type(exc).__name__}{said}{line}"
    elif type(exc).__name__ == "CompileError" and "it has no name" in str(exc):
        reason = (f"its {direction}() drops a constraint without naming it "
                  f"(op.drop_constraint(None, ...)), which Alembic cannot run either{line}")
    elif type(exc).__name__ == "CompileError":
        reason = f"its {direction}() asks for SQL that SQLAlchemy cannot write{line}; -v shows why"
    elif lineno:
        reason = f"its {direction}() fails when rendered offline{line}; -v shows the error"
    else:
        reason = (f"its {direction}() fails inside Alembic or SQLAlchemy when rendered "
                  f"offline; -v shows the error")
    return Unavailable(reason, detail)


# --- offline SQL of one step ------------------------------------------------

class Chunks:
    """An output buffer that keeps Alembic's writes apart: one per statement."""

    def __init__(self):
        self.chunks = []

    def write(self, text):
        self.chunks.append(text)

    def flush(self):
        pass


def tips(script, revisions):
    """The revisions that are not below another one: Alembic refuses
    starting revisions that overlap (a depends_on may name an ancestor of
    a parent)."""
    below = set()
    for r in revisions:
        below.update(a.revision for a in script.walk_revisions("base", r)
                     if a.revision != r)
    return tuple(dict.fromkeys(r for r in revisions if r not in below))


# a placeholder that rendering left: %(name)s, %s, or :name that is not a
# cast (::), once literals, quoted names and comments are taken out
SQL_SKIP = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|/\*.*?\*/
                          |(\$[A-Za-z_0-9]*\$).*?\1""", re.DOTALL | re.VERBOSE)
PLACEHOLDER = re.compile(r"%\(\w+\)s|%s\b|(?<![:\w]):[A-Za-z_]\w*")


def leftover_placeholder(statement):
    match = PLACEHOLDER.search(SQL_SKIP.sub(" ", statement))
    return match.group(0) if match else None


class EnvFailed(Exception):
    """env.py itself failed in offline mode: no revision can be converted."""


def offline_sql(config, script, rev, direction):
    """(statements, used_autocommit) of one revision's upgrade or downgrade,
    exactly that revision's step; Unavailable when it cannot be rendered."""
    buf = Chunks()
    config.output_buffer = buf
    is_upgrade = direction == "upgrade"
    if is_upgrade:
        below = alembic_util.to_tuple(rev.down_revision, default=()) + \
            alembic_util.to_tuple(rev.dependencies, default=())
        starting = tips(script, [script.get_revision(r).revision for r in below]) or None
    else:
        starting = (rev.revision,)
    step = alembic_migration.MigrationStep.upgrade_from_script(script.revision_map, rev) \
        if is_upgrade else \
        alembic_migration.MigrationStep.downgrade_from_script(script.revision_map, rev)

    env = EnvironmentContext(config, script, fn=lambda heads, context: [step],
                             as_sql=True, starting_rev=starting,
                             destination_rev=rev.revision, tag=None)
    with env:
        try:
            script.run_env()
        except BaseException as exc:  # env.py may sys.exit()
            if not any(c.startswith("-- Running ") for c in buf.chunks):
                raise EnvFailed(f"{type(exc).__name__}: {exc}") from exc
            raise explain(exc, rev, direction) from exc
        context = env.get_context()
        dialect = context.dialect
        version_table = context.version_table
    if dialect.name != "postgresql":
        raise EnvFailed(f"the project's offline mode writes SQL for {dialect.name}, "
                        f"not PostgreSQL (set sqlalchemy.url or DATABASE_URL "
                        f"to a postgresql:// URL)")
    if dialect.paramstyle != "named":
        raise EnvFailed(f"env.py configures offline mode with a connection whose "
                        f"paramstyle is {dialect.paramstyle}: it must pass url= "
                        f"or dialect_name= when context.is_offline_mode()")

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
        left = leftover_placeholder(text)
        if left:
            raise Unavailable(f"its SQL holds the placeholder {left}, which offline "
                              f"mode could not render", text)
        statements.append(text)
    return statements, autocommit


# --- the files --------------------------------------------------------------

def comment_safe(text, strip=True):
    """Text for one "--" comment line: a line end (or any control
    character) in a message or an exception must not end the comment."""
    text = re.sub(r"[\x00-\x1f\x7f\x85\u2028\u2029]+", " ", text)
    return text.strip() if strip else text.rstrip()


def slug(message, length):
    """Alembic's file-name slug (script/base.py, _rev_path): words joined
    by "_", cut at a word boundary past truncate_slug_length.  ASCII only:
    the name must be the same on every file system."""
    out = "_".join(re.findall(r"[A-Za-z0-9_]+", message)).lower()
    if len(out) > length:
        out = out[:length].rsplit("_", 1)[0] + "_"
    return out or "revision"


def create_date(rev):
    match = re.search(r"^Create Date:\s*(.+?)\s*$", rev.module.__doc__ or "", re.M)
    return match.group(1) if match else None


def names(value):
    return list(alembic_util.to_tuple(value, default=()))


def message_of(rev):
    return comment_safe((rev.doc or "").strip().splitlines()[0]) if rev.doc else ""


def header_lines(rev, transactional=True):
    lines = [f"-- {message_of(rev)}".rstrip(), "--",
             f"-- Revision ID: {rev.revision}",
             "-- Revises: " + ", ".join(names(rev.down_revision))]
    labels = sorted(rev._orig_branch_labels)
    if labels:
        lines.append("-- Branch Labels: " + ", ".join(labels))
    depends = names(rev.dependencies)
    if depends:
        lines.append("-- Depends On: " + ", ".join(depends))
    if create_date(rev):
        lines.append(f"-- Create Date: {comment_safe(create_date(rev))}")
    if not transactional:
        lines.append("-- Transactional: false")
    return lines


def file_name(script, rev):
    return f"{rev.revision}_{slug(message_of(rev), script.truncate_slug_length)}.sql"


def revision_file(rev, up, down, irreversible, transactional):
    lines = header_lines(rev, transactional)
    lines += ["", f"-- imported from {os.path.basename(rev.path)} by pim_migrate import-alembic"]
    if irreversible:
        lines += [f"-- irreversible: {comment_safe(irreversible)}",
                  "-- (Alembic's downgrade() cannot run either; no \"-- +downgrade\" section)"]
    lines += ["", "-- +upgrade"] + up
    if down is not None:
        lines += ["", "-- +downgrade"] + down
    return "\n".join(lines) + "\n"


SKELETON_MARK = "pim_migrate_todo:"


def skeleton_section(rev, direction):
    return [f"-- TODO: write the {direction} of {rev.revision} in SQL; until then",
            "-- the next line keeps this file from loading.",
            f"{SKELETON_MARK} write the {direction} of revision {rev.revision};"]


def is_skeleton(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return any(line.startswith(SKELETON_MARK) for line in f)


def skeleton_file(rev, refused, up, down):
    """A file to finish by hand: header, the Python as a comment, and the
    directions that could not be converted left to write."""
    with open(rev.path, encoding="utf-8") as source:
        python = source.read()
    lines = header_lines(rev) + [
        "", f"-- skeleton written by pim_migrate import-alembic from {os.path.basename(rev.path)}:",
        "-- " + "; ".join(f"{d}: {comment_safe(r)}" for d, r in refused.items()),
        "-- The Python, for reference:", "--"]
    # "| " first: no line of the Python can read as a header key or a
    # section marker
    lines += [("-- | " + comment_safe(line.expandtabs(), strip=False)).rstrip()
              for line in python.splitlines()]
    lines += ["", "-- +upgrade"]
    lines += skeleton_section(rev, "upgrade") if "upgrade" in refused else up
    lines += ["", "-- +downgrade"]
    lines += skeleton_section(rev, "downgrade") if "downgrade" in refused else (down or [])
    return "\n".join(lines) + "\n"


# white space as C's isspace() has it: the server's parser trims these
# (src/revision_file.c), not the Unicode white space of str.strip()
C_SPACE = " \t\n\r\v\f"


def read_header(path):
    """The header of a revision file, by the server's rules
    (src/revision_file.c, pm_revfile_parse, as bin/revision_files.c reads
    it too): lines split at "\\n"; a comment is "--" after white space, its
    text trimmed; the header ends at "-- +upgrade"; a key is the text
    before the first colon, case-insensitive, white space around and inside
    it as one space (pm_revfile_header_key).  Returns a dict of canonical
    key -> value (trimmed), or None when the server would refuse the file
    as a revision file: text or "-- +downgrade" before "-- +upgrade", a key
    given twice, no Revision ID or Revises, no "-- +upgrade"."""
    keys = {"revision id": "Revision ID", "revises": "Revises",
            "branch labels": "Branch Labels", "depends on": "Depends On",
            "create date": "Create Date", "transactional": "Transactional"}
    header = {}
    try:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
    except OSError:
        return None
    for line in text.split("\n"):
        line = line.strip(C_SPACE)
        if not line.startswith("--"):
            if line:
                return None
            continue
        comment = line[2:].strip(C_SPACE)
        if comment[:1] == "+" and comment[1:].lower() == "upgrade":
            if "Revision ID" in header and "Revises" in header:
                return header
            return None
        if comment[:1] == "+" and comment[1:].lower() == "downgrade":
            return None
        key, colon, value = comment.partition(":")
        key = keys.get(re.sub(r"[ \t\n\r\v\f]+", " ", key.strip(C_SPACE)).lower())
        if colon and key:
            if key in header:
                return None
            header[key] = value.strip(C_SPACE)
    return None


def existing_files(directory):
    """Revision ID -> (path, header) of the revision files in directory."""
    found = {}
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            if name.endswith(".sql"):
                path = os.path.join(directory, name)
                header = read_header(path)
                if header is not None:
                    found.setdefault(header["Revision ID"], (path, header))
    return found


def header_disagreement(rev, header):
    """How a file's header disagrees with the Alembic revision, or None."""
    def split(value):
        return sorted(v.strip() for v in (value or "").split(",") if v.strip())

    problems = []
    for key, alembic in (("Revises", names(rev.down_revision)),
                         ("Branch Labels", sorted(rev._orig_branch_labels)),
                         ("Depends On", names(rev.dependencies))):
        if split(header.get(key)) != sorted(alembic):
            problems.append(f"{key}: {', '.join(split(header.get(key))) or '(none)'} "
                            f"where {os.path.basename(rev.path)} says "
                            f"{', '.join(sorted(alembic)) or '(none)'}")
    return "; ".join(problems) or None


# --- the run ----------------------------------------------------------------

def load_project(config_path):
    if not os.path.isfile(config_path):
        fail(f'no Alembic configuration file "{config_path}"\n'
             f"HINT:  Run the command where alembic.ini is, or name it with --config.")
    config = Config(config_path)
    try:
        script = ScriptDirectory.from_config(config)
        revisions = list(script.walk_revisions("base", "heads"))
    except Exception as exc:
        fail(f"Alembic could not read the project of {config_path}: {exc}")
    revisions.reverse()
    return config, script, revisions


def main():
    parser = argparse.ArgumentParser(prog="pim_migrate import-alembic")
    parser.add_argument("--config", default="alembic.ini")
    parser.add_argument("--dir", default="versions")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--skeletons", action="store_true")
    parser.add_argument("--list-revisions", action="store_true")
    args = parser.parse_args()

    # Alembic's and the project's logging follow -q and -v, whatever the
    # project's logging configuration (env.py applies it on every run)
    logging.disable(logging.NOTSET if args.verbose else
                    logging.WARNING if args.quiet else logging.INFO)

    config, script, revisions = load_project(args.config)
    if args.list_revisions:
        for rev in revisions:
            print(rev.revision)
        return

    existing = existing_files(args.dir)
    written = []        # (path, text, transactional, irreversible)
    kept = []           # path
    refused = []        # (rev, {direction: Unavailable}, path to write)
    disagree = []       # (path, what)
    warnings = []
    for rev in revisions:
        if rev.revision in existing:
            path, header = existing[rev.revision]
            what = header_disagreement(rev, header)
            if what:
                disagree.append((path, what))
            if is_skeleton(path):
                refused.append((rev, {"file": Unavailable(
                    "is a skeleton still to finish: write its SQL where it says TODO")},
                    path, None, None))
            else:
                kept.append(path)
            continue
        problems = {}
        up = down = None
        up_autocommit = down_autocommit = False
        irreversible = None
        try:
            try:
                up, up_autocommit = offline_sql(config, script, rev, "upgrade")
            except Unavailable as exc:
                problems["upgrade"] = exc
            try:
                down, down_autocommit = offline_sql(config, script, rev, "downgrade")
            except Unavailable as exc:
                if args.strict or "upgrade" in problems:
                    problems["downgrade"] = exc
                else:
                    irreversible = exc
        except EnvFailed as exc:
            fail(f"the project's env.py fails in offline mode, before revision "
                 f"{rev.revision} runs: {exc}\nDETAIL:  Nothing was written.\n"
                 f"HINT:  import-alembic runs env.py as \"alembic upgrade --sql\" "
                 f"does; it must work without a database.")
        path = os.path.join(args.dir, file_name(script, rev))
        if problems:
            refused.append((rev, problems, path, up, down))
            continue
        with open(rev.path, encoding="utf-8") as source:
            python = source.read()
        transactional = not (up_autocommit or down_autocommit or
                             "autocommit_block" in python or
                             any(NO_TRANSACTION.match(s) for s in up + (down or [])))
        if irreversible:
            warnings.append(f"pim_migrate: warning: revision {rev.revision} "
                            f"({os.path.relpath(rev.path)}) is imported as irreversible: "
                            f"{irreversible.reason}")
            if args.verbose and irreversible.detail:
                warnings.append(f"DETAIL:  {irreversible.detail}")
        written.append((path, revision_file(rev, up, down,
                                            irreversible and irreversible.reason,
                                            transactional),
                        transactional, irreversible))

    os.makedirs(args.dir, exist_ok=True)
    for path, text, transactional, irreversible in written:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        if not args.quiet:
            notes = ([] if transactional else ["Transactional: false"]) + \
                (["irreversible"] if irreversible else [])
            note = f" ({', '.join(notes)})" if notes else ""
            print(f"Generating {path} ... done{note}")
    if args.skeletons:
        for rev, problems, path, up, down in refused:
            if "file" in problems:
                continue
            with open(path, "w", encoding="utf-8") as out:
                out.write(skeleton_file(rev, {d: e.reason for d, e in problems.items()},
                                        up, down))
    if args.verbose:
        for path in kept:
            print(f"Keeping {path} ... it exists")
    if not args.quiet:
        for line in warnings:
            print(line, file=sys.stderr)

    if not args.quiet:
        parts = [f"{len(written)} written"]
        if kept:
            parts.append(f"{len(kept)} kept")
        outside = sum(not t for _, _, t, _ in written)
        if outside:
            parts.append(f"{outside} outside a transaction")
        if warnings:
            parts.append(f"{sum(1 for w in written if w[3])} irreversible")
        print(f"imported {len(revisions) - len(refused)} of {len(revisions)} revisions "
              f"from {script.dir} into {args.dir}: " + ", ".join(parts))

    if not refused and not disagree:
        return
    lines = []
    if disagree:
        lines.append(f"pim_migrate: {len(disagree)} revision file(s) disagree with "
                     f"the Alembic project:")
        lines += [f"  {path}: {what}" for path, what in disagree]
    if refused:
        lines.append(f"pim_migrate: could not convert {len(refused)} of {len(revisions)} "
                     f"revisions; write their files by hand, in SQL:")
        for rev, problems, path, _, _ in refused:
            if "file" in problems:
                lines.append(f"  {path} {problems['file'].reason}")
                continue
            for direction, exc in problems.items():
                lines.append(f"  {os.path.relpath(rev.path)}, {direction}: {exc.reason}")
                if args.verbose and exc.detail:
                    lines.append(f"    DETAIL:  {exc.detail}")
            lines.append(f"    {'skeleton written:' if args.skeletons else 'write'} {path}")
    hints = ["Correct those files' headers."] if disagree else []
    if refused and args.skeletons:
        hints.append("Finish the skeletons, then run import-alembic again: a revision"
                     " that has a file keeps it.")
    elif refused:
        hints.append("Write each named file (--skeletons writes them with their header"
                     " and the Python as a comment), then run import-alembic again: a"
                     " revision that has a file keeps it.")
    lines.append("HINT:  " + " ".join(hints))
    print("\n".join(lines), file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
    main()
