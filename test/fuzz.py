#!/usr/bin/python3
"""Fuzz test: generated and mutated inputs through pim_migrate's functions.

Sends --count inputs (target specs, history ranges, stamp lists, revision
ids and branch labels, revision files, merge arrays, odd but valid data,
scripts that do what a function call cannot) through the SQL functions of a
live cluster, and fails on:

- a lost connection or a broken protocol: psycopg2 raises an error without
  a SQLSTATE (or 57P0x: a backend crashed).  The script counts it, opens a
  new connection, starts a fresh graph and goes on;
- a rejection whose SQLSTATE is not one of pim_migrate's error classes
  (README.md, "Errors"): 42704 22023 21000 42P17 55000 55P03 22004 2D000
  40001 42601 0A000.  Anything else -- XX000 (an elog), 42883 or 42P01 (the
  extension's own queries), 22P02, 54000, 57014 (a call that ran into the
  statement timeout of 120 s), P0001 (a search_path trap, below) -- is a
  failure.  The revision scripts this script registers never fail when run
  (CREATE TABLE IF NOT EXISTS, DROP TABLE IF EXISTS, SELECT, read functions
  called from the script), so the exception for a failing script statement,
  which keeps its own SQLSTATE, does not arise; a script that does not parse
  is 42601 or 2D000 at registration.  The one exception is the odd-script
  input (COPY TO STDOUT, VACUUM, DROP EXTENSION from a script...): any
  SQLSTATE but XX000, as long as the session survives;
- a 40001: there is no other session, so no migrator ever waits (some
  transactions run in REPEATABLE READ or SERIALIZABLE);
- a malformed input that is accepted, or rejected with another class than
  the one SPEC.md gives it: a target that is empty, has white space, '@@',
  a sign without digits, a zero or out-of-range step (upgrade, downgrade,
  show, _each: 22023; a stamp list or history range: 22023 when the first
  part is malformed, else at least refused); a revision id that is empty,
  longer than 128 bytes, has white space, a control character or one of
  '@+-,:', or is a word of the grammar (22023); a NULL required argument
  or array element (22004);
- a catalog that pim_migrate_verify() finds fault with: after every
  successful mutating call (inside its savepoint, before it is rolled
  back), every 1,000 inputs and at the end;
- a revision that does not come back byte for byte from
  pim_migrate_show(): messages and scripts with quotes, backslashes, dollar
  signs, Unicode, control characters (no NUL: text cannot hold one), a
  100 kB message, a 10 MB script, ids and labels in Unicode, registered
  with pim_migrate_revision() and with pim_migrate_load() (LF and CRLF
  files, headers in any order and case, a Create Date), and loaded again
  as a no-op;
- a few contract checks on accepted calls: a generated revision id is 12
  hex digits; pim_migrate_stamp() returns what pim_migrate_current() then
  holds; other content under an applied revision's id is refused, the same
  content again is not; a dry run leaves version rows, log and the
  scripts' tables as they were.

A small valid graph (bases, a branch point, labels, a merge, a dependency,
irreversible revisions, ids sharing a prefix) is registered at the start
and again every 2,000 inputs (DROP/CREATE EXTENSION); once per run, walks
on a 3,000-revision chain with a 200-way merge.  Every call runs in its own
savepoint; upgrades, downgrades, stamps and most registrations are rolled
back, a few walks and registrations are kept so that calls see several
applied states, and CALL pim_migrate_upgrade_each() commits.  3% of calls
run with a search_path that puts look-alike tables, functions and
operators (schema fz_evil) ahead of pg_catalog, 3% with
client_min_messages = notice so that the NOTICEs are built too.

    /usr/bin/python3 test/fuzz.py --dsn "host=... dbname=..." [--seed 1]
        [--count 20000] [--verbose] [--repro-dir DIR]

Every failure is printed with a psql script that reproduces it (the
statements that built the state, then the failing one; --repro-dir writes
them in full); the same failure again is only counted.  It ends with the
line

    fuzz: N inputs, M failures

and exits 1 when M > 0 (2 when it cannot run at all).  The script drops
and re-creates the extension and the schemas fz and fz_evil in the
database it is given.
"""

import argparse
import datetime
import random
import re
import sys
import time

try:
    import psycopg2
    import psycopg2.extensions
except ImportError as exc:  # the TAP test checks this before running us
    print("fuzz: cannot import %s; run it with /usr/bin/python3 and "
          "apt-get install python3-psycopg2" % exc.name, file=sys.stderr)
    sys.exit(2)

# pim_migrate's error classes (README.md, "Errors")
ALLOWED = {
    "42704": "unknown revision or label",
    "22023": "malformed target, file or name",
    "21000": "several heads / ambiguous walk",
    "42P17": "graph problem",
    "55000": "wrong state",
    "55P03": "lock timeout",
    "22004": "null argument",
    "2D000": "transaction control in a script",
    "40001": "serialization failure",
    "42601": "syntax error in a script",
    "0A000": "not supported",
}

# Objects that shadow what the extension's own statements could name
# without a schema, for calls made with fz_evil first in search_path (the
# extension must not depend on the caller's search_path): a statement that
# reaches one fails with P0001 or 42703, which are no classes of ours.
TRAP_PATH = "fz_evil, pg_catalog, public"
TRAPS = """
CREATE SCHEMA fz_evil;
CREATE FUNCTION fz_evil.trap(what text) RETURNS int LANGUAGE plpgsql AS
  $$BEGIN RAISE EXCEPTION 'search_path trap: %', what; END$$;
CREATE TABLE fz_evil.revision (trap int);
CREATE TABLE fz_evil.version (trap int);
CREATE TABLE fz_evil.log (trap int);
CREATE FUNCTION fz_evil.unnest(text[]) RETURNS SETOF text LANGUAGE sql
  AS $$SELECT fz_evil.trap('unnest')::text$$;
CREATE FUNCTION fz_evil.starts_with(text, text) RETURNS bool LANGUAGE sql
  AS $$SELECT fz_evil.trap('starts_with') = 0$$;
CREATE FUNCTION fz_evil.array_append(text[], text) RETURNS text[]
  LANGUAGE sql AS $$SELECT ARRAY[fz_evil.trap('array_append')::text]$$;
CREATE FUNCTION fz_evil.now() RETURNS timestamptz LANGUAGE sql
  AS $$SELECT pg_catalog.to_timestamp(fz_evil.trap('now'))$$;
CREATE FUNCTION fz_evil.clock_timestamp() RETURNS timestamptz LANGUAGE sql
  AS $$SELECT pg_catalog.to_timestamp(fz_evil.trap('clock_timestamp'))$$;
CREATE FUNCTION fz_evil.sha256(bytea) RETURNS bytea LANGUAGE sql
  AS $$SELECT fz_evil.trap('sha256')::text::bytea$$;
CREATE FUNCTION fz_evil.encode(bytea, text) RETURNS text LANGUAGE sql
  AS $$SELECT fz_evil.trap('encode')::text$$;
CREATE FUNCTION fz_evil.convert_to(text, name) RETURNS bytea LANGUAGE sql
  AS $$SELECT fz_evil.trap('convert_to')::text::bytea$$;
CREATE FUNCTION fz_evil.eq(text, text) RETURNS bool LANGUAGE sql
  AS $$SELECT fz_evil.trap('text = text') = 0$$;
CREATE OPERATOR fz_evil.= (LEFTARG = text, RIGHTARG = text,
  FUNCTION = fz_evil.eq);
CREATE OPERATOR fz_evil.<> (LEFTARG = text, RIGHTARG = text,
  FUNCTION = fz_evil.eq);
CREATE FUNCTION fz_evil.contains(text[], text[]) RETURNS bool LANGUAGE sql
  AS $$SELECT fz_evil.trap('text[] @> text[]') = 0$$;
CREATE OPERATOR fz_evil.@> (LEFTARG = text[], RIGHTARG = text[],
  FUNCTION = fz_evil.contains);
CREATE FUNCTION fz_evil.cat(bytea, bytea) RETURNS bytea LANGUAGE sql
  AS $$SELECT fz_evil.trap('bytea || bytea')::text::bytea$$;
CREATE OPERATOR fz_evil.|| (LEFTARG = bytea, RIGHTARG = bytea,
  FUNCTION = fz_evil.cat);
"""

RESET_EVERY = 2000      # inputs between fresh graphs
VERIFY_EVERY = 1000     # inputs between checks of the committed catalog
COMMIT_EVERY = 100      # inputs between commits
MAX_PRINTED = 25        # distinct failures printed in full
MAX_NAME = 128          # PM_MAX_NAME_LEN, bytes

INT_MAX = 2 ** 31 - 1
ASCII_WS = " \t\n\r\x0b\x0c"
RESERVED = ("head", "heads", "base", "current")

ODD_UNICODE = [
    "Zürich ☃ 東京", "ü", "☃", "東京", "😀", "e\u0301", "\u200b", "\u00a0",
    "\u2028", "\ufeff", "\u202e", "ß", "Ω", "\U0001f680", "ℵ", "Ⅻ",
]
CONTROL = [chr(c) for c in range(1, 32)] + ["\x7f"]
PUNCT = list("@+-,:_.'\"\\$%;()[]{}*/#!?~^&|<>=`")
SPECIAL_TARGETS = [
    None, "", " ", "  head", "head ", "\thead", "head\n", "@", "@@", "a@@b",
    "@head", "head@", "x@", "+x!", "+", "-", "++1", "--1", "+-1", "-+1",
    "+0", "-0", "+00", "+1", "-1", "+2", "-2", "+2147483647",
    "-2147483647", "+2147483648", "-2147483648", "+99999999999999999999",
    "-99999999999999999999", "head+2147483647", "base+2147483647",
    "heads-2147483647", "base-1", "base+1", "heads+1", "heads-1", "head-1",
    "head+1", "head+0", "%s%s%s%n", "%n", "'", "\\", "$$", "head@head",
    "base@base", "heads@heads", "base@head", "head@base", "heads@+1",
    "head@-1", "base@-1", "current", "current+1", "x" * 10000,
    "@" * 1000, "+" + "9" * 1000, "a-b", "a+b", "1e5", "+1.5", "+ 1",
    "+١", "+²", "Zürich ☃ 東京", "\u00a0head", "head\u200b", ",", "a,b",
    ":", "a:b", "head:", "abc", "ab",
]


class Lost(Exception):
    """The connection to the server is gone: a crash, or worse."""


def is_lost(exc):
    if isinstance(exc, psycopg2.InterfaceError):
        return True
    code = getattr(exc, "pgcode", None)
    if code is None:
        return True
    # 57P01 admin shutdown, 57P02 crash of another backend, 57P03 starting up
    return code.startswith("57P")


def short(s, limit=300):
    if s is None:
        return "NULL"
    if len(s) <= limit:
        return s
    return "%s ...[%d characters]... %s" % (s[:limit // 2], len(s),
                                              s[-limit // 4:])


def has_ascii_ws(s):
    return any(c in ASCII_WS or ord(c) < 32 or ord(c) == 127 for c in s)


def target_malformed(t):
    """True if t is a target the grammar can never accept (SPEC.md: 22023).

    Only ASCII white space and control characters count: the server tests
    bytes with isspace() and iscntrl().
    """
    if t == "" or has_ascii_ws(t):
        return True
    rest = t
    if "@" in t:
        at = t.index("@")
        if at == 0 or at == len(t) - 1 or "@" in t[at + 1:]:
            return True
        label = t[:at]
        if "+" in label or "-" in label:
            return True
        rest = t[at + 1:]
    m = re.search(r"[+-]", rest)
    if m:
        digits = rest[m.start() + 1:]
        if digits == "" or not re.fullmatch(r"[0-9]+", digits):
            return True
        if len(digits.lstrip("0")) > 10:
            return True
        if int(digits) == 0 or int(digits) > INT_MAX:
            return True
    return False


def stamp_expect(t):
    """What a stamp to t must give: (expected SQLSTATE or 'reject' or None,
    why).  The destinations are taken one after the other, so only a
    malformed first one is sure to be 22023."""
    if t is None:
        return "22004", "a NULL target"
    items = t.split(",")
    if (t == "" or "" in items or target_malformed(items[0])
            or re.search(r"[+-]", items[0])):
        return "22023", "a malformed (or relative) first stamp target"
    if any(target_malformed(p) or re.search(r"[+-]", p) for p in items):
        return "reject", "a malformed (or relative) stamp target"
    return None, None


class Lit(str):
    """An array argument written as a literal; elems: its elements."""

    def __new__(cls, text, elems):
        obj = str.__new__(cls, text)
        obj.elems = elems
        return obj


psycopg2.extensions.register_adapter(
    Lit, lambda v: psycopg2.extensions.adapt(str(v)))


def array_item(e):
    return '"%s"' % e.replace("\\", "\\\\").replace('"', '\\"')


def aslist(v):
    """A list argument as a list: [] for NULL."""
    if isinstance(v, Lit):
        return v.elems
    return v or []


def message_invalid(m):
    """A control character: registration refuses it, since a message is
    written into comment lines that a line end would end."""
    return m is not None and any(ord(c) < 32 or ord(c) == 127 for c in m)


def no_control(m):
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in m)


def name_invalid(n):
    """True if n can never be a revision id or branch label (22023)."""
    return (n == "" or len(n.encode()) > MAX_NAME or has_ascii_ws(n)
            or any(c in "@+-,:" for c in n) or n in RESERVED)


class Result:
    def __init__(self, ok, rows=None, code=None, error=None):
        self.ok = ok
        self.kept = False
        self.rows = rows
        self.code = code
        self.error = error

    def __str__(self):
        if self.ok:
            return "accepted (%d rows)" % len(self.rows or [])
        return "%s: %s" % (self.code, (self.error or "").strip())


class Model:
    """What the fuzzer knows of the registered graph and the version rows."""

    def __init__(self, rows, version):
        self.ids = [r[0] for r in rows]
        self.down = {r[0]: list(r[1]) for r in rows}
        self.labels = {r[0]: list(r[2]) for r in rows}
        self.deps = {r[0]: list(r[3]) for r in rows}
        self.irreversible = {r[0]: r[4] for r in rows}
        self.label_owner = {}
        for rid in self.ids:
            for lab in self.labels[rid]:
                self.label_owner[lab] = rid
        self.all_labels = sorted(self.label_owner)
        self.version = list(version)

    def applied(self):
        return self.below(self.version)

    def ancestors(self, rid):
        """Everything rid stands on: down_revisions and dependencies."""
        todo = list(self.down.get(rid, []))
        todo.extend(self.label_owner.get(d, d) for d in self.deps.get(rid, []))
        return self.below(todo)

    def below(self, todo):
        """The revisions of todo and all they stand on."""
        seen = set()
        todo = list(todo)
        while todo:
            r = todo.pop()
            if r in seen or r not in self.down:
                continue
            seen.add(r)
            todo.extend(self.down[r])
            todo.extend(self.label_owner.get(d, d) for d in self.deps[r])
        return seen

    def unrelated(self, a, b):
        return (a != b and a not in self.ancestors(b)
                and b not in self.ancestors(a))


class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.inputs = 0
        self.failures = 0
        self.crashes = 0
        self.signatures = {}        # failure signature -> count
        self.printed = 0
        self.by_kind = {}           # input kind -> [count, accepted]
        self.codes = {}             # SQLSTATE -> count
        self.setup = []             # statements that built the kept state
        self.walk = []              # statements of the walk being run
        self.defs = {}              # revision id -> definition registered
        self.table_no = 0
        self.next_reset = 0
        self.next_verify = VERIFY_EVERY
        self.next_commit = COMMIT_EVERY
        self.model = None
        self.broken = False         # the kept state fails verify
        self.evil = False           # this call runs with TRAP_PATH
        self.has_dry_run = False    # the installed version has dry_run
        self.has_each = False       # ... and the _each procedures
        self.conn = None
        self.cur = None

    # ------------------------------------------------------------------
    # Connection and plumbing
    # ------------------------------------------------------------------

    def connect(self):
        if self.conn is not None:
            # a session whose protocol broke may still hold its locks
            try:
                self.conn.close()
            except psycopg2.Error:
                pass
        deadline = time.monotonic() + 60
        while True:
            try:
                self.conn = psycopg2.connect(self.args.dsn)
                break
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("SET client_min_messages = warning")
        self.cur.execute("SET statement_timeout = '120s'")
        self.conn.autocommit = False

    def sql_text(self, sql, params):
        try:
            text = self.cur.mogrify(sql, params or None).decode(
                "utf-8", "replace")
        except Exception:   # noqa: BLE001 -- only for printing
            text = "%s -- with %r" % (sql, params)
        if self.evil:
            # the call ran with the look-alikes first in search_path
            text = "SET search_path = %s;\n%s;\nRESET search_path" % (
                TRAP_PATH, text)
        return text

    def attempt(self, sql, params=(), keep=False, after=None):
        """Run one statement in its own savepoint.

        Returns a Result; keep: release the savepoint on success (else it
        is rolled back).  after(result) runs inside the savepoint, after a
        success, before it is released or rolled back.
        """
        cur = self.cur
        self.evil = self.rng.random() < 0.03
        # now and then the NOTICEs are built too (ids and messages in them)
        notices = self.rng.random() < 0.03
        try:
            if self.evil:
                cur.execute("SET search_path = " + TRAP_PATH)
            if notices:
                cur.execute("SET client_min_messages = notice")
            cur.execute("SAVEPOINT f")
        except psycopg2.Error as exc:
            raise Lost(str(exc)) from exc
        try:
            cur.execute(sql, params or None)
            rows = cur.fetchall() if cur.description else []
            res = Result(True, rows)
        except psycopg2.Error as exc:
            if is_lost(exc):
                raise Lost(str(exc)) from exc
            res = Result(False, code=exc.pgcode, error=exc.pgerror)
        if res.ok and after is not None:
            try:
                after(res)
            except psycopg2.Error as exc:
                if is_lost(exc):
                    raise Lost(str(exc)) from exc
                self.fail("check", "a check after the call failed", sql,
                          params, Result(False, code=exc.pgcode,
                                         error=exc.pgerror))
                keep = False
        res.kept = res.ok and keep
        try:
            if res.kept:
                cur.execute("RELEASE SAVEPOINT f")
            else:
                cur.execute("ROLLBACK TO SAVEPOINT f; RELEASE SAVEPOINT f")
                self.broken = False
            if self.evil:
                # self.evil stays set: printing this call needs it
                cur.execute("SET search_path TO DEFAULT")
            if notices:
                cur.execute("SET client_min_messages = warning")
                del self.conn.notices[:]
        except psycopg2.Error as exc:
            if is_lost(exc):
                raise Lost(str(exc)) from exc
            raise
        if not res.ok:
            self.codes[res.code] = self.codes.get(res.code, 0) + 1
        return res

    def query(self, sql, params=()):
        """A statement of the harness itself, which must work."""
        try:
            self.cur.execute(sql, params or None)
            return self.cur.fetchall() if self.cur.description else []
        except psycopg2.Error as exc:
            if is_lost(exc):
                raise Lost(str(exc)) from exc
            raise

    def fail(self, kind, what, sql=None, params=None, res=None, extra=None):
        self.failures += 1
        fn = re.search(r"pim_migrate_\w+", sql or "")
        msg = re.sub(r"\"[^\"]*\"|'[^']*'|\d+", "_",
                     (res.error or "").split("\n")[0]) if res else ""
        norm = re.sub(r'"[^"]*"', "_", what)
        norm = re.sub(r"\(.*|%r.*| '.*|\d+", "", norm)
        sig = (kind, fn.group(0) if fn else "", res.code if res else "",
               msg or norm)
        self.signatures[sig] = self.signatures.get(sig, 0) + 1
        if self.signatures[sig] > 1 and not self.args.verbose:
            return
        if self.printed >= MAX_PRINTED and not self.args.verbose:
            return
        self.printed += 1
        print("FAIL %s (input %d): %s" % (kind, self.inputs, what))
        if res is not None:
            print("  got: %s" % short(str(res), 600))
        if extra:
            print("  %s" % extra)
        if sql is not None:
            print("  repro (after CREATE EXTENSION pim_migrate):")
            for s in self.setup + self.walk:
                print("    %s;" % short(s))
            print("    %s;" % short(self.sql_text(sql, params), 2000))
            if self.args.repro_dir:
                path = "%s/failure-%d.sql" % (self.args.repro_dir,
                                              self.printed)
                with open(path, "w", encoding="utf-8") as f:
                    f.write("-- %s: %s\n" % (kind, what.replace("\n", " ")))
                    f.write("CREATE EXTENSION pim_migrate;\n")
                    for s in self.setup + self.walk:
                        f.write("%s;\n" % s)
                    f.write("%s;\n" % self.sql_text(sql, params))
                print("  (in full: %s)" % path)
        sys.stdout.flush()

    def count(self, kind, accepted):
        self.inputs += 1
        c = self.by_kind.setdefault(kind, [0, 0])
        c[0] += 1
        c[1] += 1 if accepted else 0

    def check_code(self, kind, sql, params, res, expect=None, what=None):
        """Fail a rejection outside pim_migrate's classes, or other than
        expect when given; expect 'reject' means any allowed class."""
        if self.args.verbose:
            print("%-10s %s -> %s" % (kind, short(self.sql_text(sql, params),
                                                   200), short(str(res))))
        if not res.ok and res.code not in ALLOWED:
            self.fail(kind, "SQLSTATE %s is none of pim_migrate's classes"
                      % res.code, sql, params, res)
            return False
        if not res.ok and res.code == "40001":
            self.fail(kind, "a serialization failure, with no other session"
                      " (isolation %s)" % self.conn.isolation_level, sql,
                      params, res)
            return False
        if expect is not None:
            if res.ok:
                self.fail(kind, "accepted: %s (expected %s)"
                          % (what, "a refusal" if expect == "reject"
                             else expect), sql, params, res)
                return False
            if expect != "reject" and res.code != expect:
                self.fail(kind, "%s, expected %s: %s"
                          % (res.code, expect, what), sql, params, res)
                return False
        return True

    def check_first(self, kind, sql, params, res, rules):
        """check_code with the expectation of the first of rules, a list of
        (applies, expect, what), that applies; none: any of our classes."""
        for applies, expect, what in rules:
            if applies:
                return self.check_code(kind, sql, params, res, expect, what)
        return self.check_code(kind, sql, params, res)

    def check_target(self, kind, sql, params, res, t):
        """The SQLSTATE a call with target t must give: 22004 for NULL,
        22023 for a malformed one, else any of pim_migrate's classes."""
        if t is None:
            return self.check_code(kind, sql, params, res, "22004",
                                   "a NULL target")
        if target_malformed(t):
            return self.check_code(kind, sql, params, res, "22023",
                                   "a malformed target")
        return self.check_code(kind, sql, params, res)

    def probe(self, kind, what, sql, params, probe_sql, probe_params=(),
              broken=True):
        """A statement an after= callback runs to look at the state, in its
        own savepoint: its rows, or None when it failed (the failure of
        the call sql, params is printed: what; broken: and the state is
        counted broken)."""
        try:
            self.cur.execute("SAVEPOINT s")
            self.cur.execute(probe_sql, probe_params or None)
            rows = self.cur.fetchall()
            self.cur.execute("RELEASE SAVEPOINT s")
        except psycopg2.Error as exc:
            if is_lost(exc):
                raise Lost(str(exc)) from exc
            self.cur.execute("ROLLBACK TO SAVEPOINT s")
            if broken:
                self.broken = True
            self.fail(kind, what, sql, params,
                      Result(False, code=exc.pgcode, error=exc.pgerror))
            return None
        return rows

    def verify_after(self, kind, sql, params):
        """An after= callback: the catalog must verify clean."""
        def check(_res):
            problems = self.probe(kind, "verify failed after it", sql, params,
                                  "SELECT revision, problem "
                                  "FROM pim_migrate_verify()")
            if problems is None:
                return
            if problems:
                self.broken = True
                self.fail(kind, "verify not empty after it: %s"
                          % problems[0][1], sql, params,
                          extra="verify: " + "; ".join(
                              "%s: %s" % (short(r, 60), p)
                              for r, p in problems[:5]))
        return check

    def refresh(self):
        rows = self.query(
            "SELECT revision, down_revisions, branch_labels, depends_on,"
            " downgrade_sql IS NULL FROM pim_migrate.revision ORDER BY 1")
        version = [r[0] for r in self.query(
            "SELECT revision FROM pim_migrate.version ORDER BY 1")]
        self.model = Model(rows, version)

    STATE = ("SELECT ARRAY(SELECT revision FROM pim_migrate.version"
             " ORDER BY 1), (SELECT count(*) FROM pim_migrate.log),"
             " (SELECT max(id) FROM pim_migrate.log),"
             " ARRAY(SELECT tablename FROM pg_tables"
             " WHERE schemaname = 'fz' ORDER BY 1)")

    def dry_run_after(self, kind, sql, params):
        """An after= callback for a dry run: nothing changed (version rows,
        log, tables the scripts create), and the catalog verifies clean."""
        before = self.query(self.STATE)[0]

        def check(res):
            self.cur.execute(self.STATE)
            after = self.cur.fetchone()
            if after != before:
                self.fail(kind, "a dry run changed the state", sql, params,
                          extra="before %r, after %r" % (before, after))
            self.verify_after(kind, sql, params)(res)
        return check

    ODD_SCRIPTS = [
        "COPY (SELECT 1) TO STDOUT",
        "CREATE TABLE IF NOT EXISTS fz.cp (a int);\nCOPY fz.cp FROM STDIN",
        "CREATE TABLE IF NOT EXISTS fz.cp (a int);\nCOPY fz.cp TO STDOUT",
        "COPY (SELECT 1) TO '/dev/null'",
        "DECLARE fzc CURSOR FOR SELECT 1; FETCH fzc; CLOSE fzc",
        "DEALLOCATE ALL; PREPARE fzp AS SELECT 1; EXECUTE fzp; DEALLOCATE fzp",
        "DO $$BEGIN COMMIT; END$$", "VACUUM", "DISCARD ALL", "ANALYZE",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS fz_cc ON pg_class (oid)",
        "ALTER SYSTEM SET work_mem = '4MB'",
        "CALL pim_migrate_upgrade_each()", "SELECT pim_migrate_stamp('base')",
        "SELECT * FROM pim_migrate_upgrade()",
        "SELECT pim_migrate_load('-- m\n-- Revision ID: in1\n-- Revises:\n"
        "-- +upgrade\nSELECT 1')",
        "EXPLAIN ANALYZE SELECT 1; SHOW ALL; LISTEN fz; NOTIFY fz;"
        " UNLISTEN *; CHECKPOINT; DISCARD PLANS; DISCARD TEMP",
        "SET search_path = fz_evil, pg_catalog; SELECT 1",
        "SET LOCAL pim_migrate.statement_timeout = '1ms';"
        " SELECT pg_sleep(0.02)",
        "SELECT 1/0", "SELECT 'x'::int", "SELECT 1;\n" * 5000,
        "SELECT " + "(" * 1000 + "1" + ")" * 1000,
        "SELECT " + "(" * 20000 + "1" + ")" * 20000,
        "TRUNCATE pim_migrate.version",
        "DELETE FROM pim_migrate.revision",
        "ALTER TABLE pim_migrate.version RENAME TO v2",
        "DROP EXTENSION pim_migrate CASCADE",
        "SET ROLE pg_monitor; SELECT 1",
        "CREATE TEMP TABLE fz_tmp (a int) ON COMMIT DROP",
        "LOCK TABLE pim_migrate.version IN ACCESS EXCLUSIVE MODE",
    ]

    def in_odd_script(self):
        """A revision whose script does what a script inside a function
        call cannot, or something hostile to the catalog, registered and
        run (rolled back).  Whatever SQLSTATE the script earns is its own;
        the session must survive, and no XX000."""
        rng = self.rng
        script = rng.choice(self.ODD_SCRIPTS)
        rid = self.fresh_name("hex")
        up, down = (script, "SELECT 1") if rng.random() < 0.7 \
            else ("SELECT 1", script)
        sql = ("SELECT pim_migrate_revision('odd script', %s, %s, '{}', %s);"
               " SELECT count(*) FROM pim_migrate_upgrade(%s);"
               " SELECT count(*) FROM pim_migrate_downgrade('base')")
        params = (up, down, rid, rid)
        res = self.attempt(sql, params)
        self.count("odd_script", res.ok)
        if self.args.verbose:
            print("%-10s %s -> %s" % ("odd_script", short(script, 100),
                                      short(str(res))))
        if not res.ok and (res.code or "").startswith("XX"):
            self.fail("odd_script", "an internal error", sql, params, res)

    def in_each(self):
        """CALL pim_migrate_upgrade_each / _downgrade_each: outside a
        transaction block (committing, so kept), or inside one (55000)."""
        rng = self.rng
        if not self.has_each:
            return self.in_target()
        fn = rng.choice(["upgrade_each", "downgrade_each"])
        t = self.valid_target() if rng.random() < 0.8 else self.any_target()
        sql, params = "CALL pim_migrate_%s(%%s)" % fn, (t,)
        self.evil = False
        if t is None:
            expect = ("22004", "a NULL target")
        elif target_malformed(t):
            expect = ("22023", "a malformed target")
        else:
            expect = (None, None)
        if rng.random() < 0.2:
            res = self.attempt(sql, params)
            self.count(fn, res.ok)
            # which comes first, the block or the target, is open
            expect = ("55000", "_each inside a transaction block") \
                if expect[0] is None else ("reject", expect[1])
            self.check_code(fn, sql, params, res, *expect)
            return
        self.conn.commit()
        self.conn.autocommit = True
        try:
            self.cur.execute(sql, params)
            res = Result(True, [])
        except psycopg2.Error as exc:
            if is_lost(exc):
                raise Lost(str(exc)) from exc
            res = Result(False, code=exc.pgcode, error=exc.pgerror)
            self.codes[res.code] = self.codes.get(res.code, 0) + 1
        finally:
            self.conn.autocommit = False
        self.count(fn, res.ok)
        self.check_code(fn, sql, params, res, *expect)
        # a failure after some revisions leaves them committed
        self.setup.append(self.sql_text(sql, params))
        self.refresh()
        problems = self.query("SELECT revision, problem "
                              "FROM pim_migrate_verify()")
        self.conn.commit()
        if problems:
            self.setup.pop()
            self.fail(fn, "verify not empty after it: %s" % problems[0][1],
                      sql, params, extra="verify: " + "; ".join(
                          "%s: %s" % (short(r, 60), p)
                          for r, p in problems[:5]))
            self.broken = True

    def maybe_commit(self):
        if self.inputs >= self.next_commit:
            self.conn.commit()
            self.next_commit = self.inputs + COMMIT_EVERY
            # some transactions in REPEATABLE READ or SERIALIZABLE, where a
            # migrator that waited (never here: one session) gets 40001
            r = self.rng.random()
            self.conn.set_session(
                isolation_level="REPEATABLE READ" if r < 0.1
                else "SERIALIZABLE" if r < 0.2 else "READ COMMITTED")

    # ------------------------------------------------------------------
    # Random text
    # ------------------------------------------------------------------

    def rand_char(self):
        r = self.rng.random()
        if r < 0.55:
            return self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_")
        if r < 0.75:
            return self.rng.choice(PUNCT)
        if r < 0.85:
            return self.rng.choice(ODD_UNICODE)
        if r < 0.93:
            return self.rng.choice(" \t\n\r")
        return self.rng.choice(CONTROL)

    def rand_text(self, maxlen=20):
        n = self.rng.choice([0, 1, 2, 4, 8, maxlen,
                             self.rng.randint(0, maxlen)])
        return "".join(self.rand_char() for _ in range(n))

    def fresh_name(self, style=None):
        """A valid revision id or label not registered (by us) yet."""
        rng = self.rng
        style = style or rng.choice(["hex", "hex", "word", "uni", "long",
                                     "odd"])
        while True:
            if style == "hex":
                n = "%012x" % rng.getrandbits(48)
            elif style == "word":
                n = rng.choice(["base1", "merge", "b_2", "HEAD", "Base",
                                "heads_", "currentx", "r", "x1", "tip",
                                "abcd", "abcde"]) + "%x" % rng.getrandbits(12)
            elif style == "uni":
                n = rng.choice(["Zürich_東京", "☃", "ünï", "東京", "😀x",
                                "Ω_ß"]) + "%x" % rng.getrandbits(12)
            elif style == "long":
                n = "L" * (MAX_NAME - 5) + "%04x" % rng.getrandbits(16)
            else:
                n = "".join(rng.choice("abc_.'\"\\$%;()*/#!?~^&|<>=`")
                            for _ in range(rng.randint(1, 6))) \
                    + "%x" % rng.getrandbits(16)
            if (not name_invalid(n) and n not in self.model.down
                    and n not in self.model.label_owner):
                return n

    def mutate(self, s, times=None):
        rng = self.rng
        for _ in range(times or rng.randint(1, 3)):
            op = rng.randrange(16)
            pos = rng.randint(0, len(s))
            if op == 0:
                s = s[:pos] + self.rand_char() + s[pos:]
            elif op == 1 and s:
                s = s[:pos] + s[pos + 1:]
            elif op == 2 and s:
                s = s[:pos] + self.rand_char() + s[pos + 1:]
            elif op == 3:
                s = s[:pos] + "@@" + s[pos:]
            elif op == 4:
                s = s[:pos] + "@" + s[pos:]
            elif op == 5:
                s = s + rng.choice(["+", "-"]) + rng.choice(
                    ["", "0", "1", "2", "x", "2147483647", "2147483648",
                     "99999999999999999999", "1.5", " 1"])
            elif op == 6:
                s = rng.choice(["+", "-"]) + s
            elif op == 7:
                s = rng.choice(ASCII_WS) + s + rng.choice(["", " ", "\n"])
            elif op == 8:
                s = s * rng.choice([2, 100, 5000])
            elif op == 9:
                s = s.upper()
            elif op == 10:
                s = s[:pos] + rng.choice([",", ":", ",,", "::"]) + s[pos:]
            elif op == 11:
                s = s[:pos] + rng.choice(ODD_UNICODE) + s[pos:]
            elif op == 12:
                s = s[:pos] + rng.choice(["%s", "%n", "%d", "%%"]) + s[pos:]
            elif op == 13:
                s = s[:pos]
            elif op == 14:
                s = s + "@" + self.valid_target()
            else:
                s = ""
            if len(s) > 20000:
                s = s[:rng.choice([20000, 1000, 129])]
        return s

    # ------------------------------------------------------------------
    # Targets
    # ------------------------------------------------------------------

    def some_id(self):
        return self.rng.choice(self.model.ids) if self.model.ids else "nosuch"

    def some_label(self):
        if self.model.all_labels and self.rng.random() < 0.9:
            return self.rng.choice(self.model.all_labels)
        return self.some_id() if self.rng.random() < 0.5 else "nolabel"

    def prefix(self, rid):
        if len(rid) <= 4:
            return rid
        return rid[:self.rng.randint(4, len(rid))]

    def valid_target(self, history=False):
        rng = self.rng
        n = rng.choice([1, 1, 1, 2, 3])
        kinds = ["head", "heads", "base", "id", "id", "prefix", "label",
                 "+N", "-N", "REV+N", "REV-N", "LABEL@head", "LABEL@heads",
                 "LABEL@base", "LABEL@+N", "LABEL@-N", "LABEL@REV",
                 "LABEL@prefix", "LABEL@REV+N", "short"]
        if history:
            kinds.append("current")
        k = rng.choice(kinds)
        if k in ("head", "heads", "base", "current"):
            return k
        if k == "id":
            return self.some_id()
        if k == "prefix":
            return self.prefix(self.some_id())
        if k == "short":
            return self.some_id()[:rng.randint(1, 3)]
        if k == "label":
            return self.some_label()
        if k == "+N":
            return "+%d" % n
        if k == "-N":
            return "-%d" % n
        if k == "REV+N":
            return "%s+%d" % (rng.choice([self.some_id(), self.some_label(),
                                          "head", "heads", "base"]), n)
        if k == "REV-N":
            return "%s-%d" % (rng.choice([self.some_id(), self.some_label(),
                                          "head", "heads"]), n)
        label = self.some_label()
        if k == "LABEL@REV":
            return "%s@%s" % (label, self.some_id())
        if k == "LABEL@prefix":
            return "%s@%s" % (label, self.prefix(self.some_id()))
        if k == "LABEL@REV+N":
            return "%s@%s%s%d" % (label, self.some_id(), rng.choice("+-"), n)
        if k == "LABEL@+N":
            return "%s@+%d" % (label, n)
        if k == "LABEL@-N":
            return "%s@-%d" % (label, n)
        return "%s@%s" % (label, k.split("@")[1])

    def any_target(self, history=False):
        r = self.rng.random()
        if r < 0.45:
            return self.valid_target(history)
        if r < 0.8:
            return self.mutate(self.valid_target(history))
        if r < 0.9:
            return self.rand_text(30)
        return self.rng.choice(SPECIAL_TARGETS)

    def history_range(self):
        rng = self.rng
        r = rng.random()
        if r < 0.05:
            return None
        if r < 0.15:
            return rng.choice(["", ":", "::", "a:b:c", "current:", ":current",
                               "current:current", "base:", ":base", ":heads",
                               "heads:", "base:heads", ":head", "x", " : ",
                               ":-1", "-1:", "+1:", ":+1", "-1:+1",
                               "current:+1", "-1:current"])
        left = self.any_target(True) if rng.random() < 0.7 else ""
        right = self.any_target(True) if rng.random() < 0.7 else ""
        s = "%s:%s" % (left if left is not None else "",
                       right if right is not None else "")
        if rng.random() < 0.1:
            s = self.mutate(s)
        return s

    def range_must_fail(self, rng_text):
        if rng_text is None:
            return False
        if rng_text.count(":") != 1:
            return True
        left, right = rng_text.split(":")
        return ((left != "" and target_malformed(left))
                or (right != "" and target_malformed(right)))

    # ------------------------------------------------------------------
    # Revisions and files
    # ------------------------------------------------------------------

    def harmless_scripts(self):
        """An upgrade and downgrade that parse and never fail when run."""
        self.table_no += 1
        t = "fz.t%d" % self.table_no
        rng = self.rng
        up = rng.choice([
            "CREATE TABLE IF NOT EXISTS %s (a int)" % t,
            "CREATE TABLE IF NOT EXISTS %s (a int);\n"
            "COMMENT ON TABLE %s IS 'it''s Zürich ☃ 東京 $$ \\';" % (t, t),
            "SELECT 1",
            "SELECT 1; SELECT 'a;b'; -- c\n/* d; */ SELECT $q$ ; $$ $q$",
            "DO $$BEGIN PERFORM 1; END$$",
            "-- only a comment",
            "CREATE TABLE IF NOT EXISTS %s (a int);\n"
            "CREATE INDEX IF NOT EXISTS %s_a ON %s (a)"
            % (t, "fz_i%d" % self.table_no, t),
            # the read functions from inside a migration
            "SELECT count(*) FROM pim_migrate_history();\n"
            "SELECT * FROM pim_migrate_status();\n"
            "SELECT count(*) FROM pim_migrate_verify();\n"
            "SELECT * FROM pim_migrate_current();\n"
            "SELECT count(*) FROM pim_migrate_heads()",
            # functions called from a migration, their errors caught
            "DO $$BEGIN PERFORM * FROM pim_migrate_show('nosuch');\n"
            "EXCEPTION WHEN others THEN NULL; END$$;\n"
            "SELECT count(*) FROM pim_migrate_history()",
            "DO $$BEGIN PERFORM * FROM pim_migrate_upgrade('heads');\n"
            "EXCEPTION WHEN others THEN NULL; END$$",
            "DO $$BEGIN PERFORM pim_migrate_revision('x', 'SELECT 1');\n"
            "EXCEPTION WHEN others THEN NULL; END$$;\n"
            "DO $$BEGIN PERFORM * FROM pim_migrate_history('+x!');\n"
            "EXCEPTION WHEN others THEN NULL; END$$;\n"
            "SELECT * FROM pim_migrate_status()",
        ])
        if rng.random() < 0.01:
            # a migration from inside a migration: 55000 when run
            up = rng.choice(["SELECT pim_migrate_stamp('base')",
                             "SELECT count(*) FROM pim_migrate_upgrade()",
                             "SELECT pim_migrate_revision('x', 'SELECT 1')"])
        down = rng.choice([
            "DROP TABLE IF EXISTS %s" % t, "DROP TABLE IF EXISTS %s" % t,
            "SELECT 1", "", None,
        ])
        return up, down

    def bad_script(self):
        return self.rng.choice([
            "SELEC 1", "COMMIT", "SELECT 1; ROLLBACK", "BEGIN; SELECT 1",
            "SAVEPOINT s", "RELEASE SAVEPOINT s", "ROLLBACK TO SAVEPOINT s",
            "PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'",
            "START TRANSACTION", "END", "ABORT", "SELECT 'unterminated",
            "SELECT $$ unterminated", "/* unterminated", "SELECT (1",
            "CREATE TABLE", "SELECT 1 +", ";;;", "\\x", "SELECT 1\x01",
            "SELECT 1; " * 200 + "SELEC", "SELECT 'a' 'b'",
            "SELECT U&'\\D800'", "SELECT E'\\xZZ'", "SELECT 1e",
            "SELECT 0x", "SELECT 123abc",
        ])

    def new_def(self, model=None):
        """A valid new revision on the current model."""
        m = model or self.model
        rng = self.rng
        rid = self.fresh_name()
        ids = m.ids
        down = []
        if ids and rng.random() < 0.85:
            down = [rng.choice(ids)]
            if len(ids) > 2 and rng.random() < 0.2:
                other = rng.choice(ids)
                if m.unrelated(other, down[0]):
                    down.append(other)
        deps = []
        if ids and rng.random() < 0.2:
            anc = set(down)
            for d in down:
                anc |= m.ancestors(d)
            cand = [x for x in ids if x not in anc]
            if cand:
                d = rng.choice(cand)
                labels = m.labels.get(d, [])
                deps = [rng.choice(labels) if labels and rng.random() < 0.5
                        else d]
        labels = []
        if rng.random() < 0.3:
            labels = [self.fresh_name(rng.choice(["word", "uni", "odd"]))]
        up, down_sql = self.harmless_scripts()
        return {
            "id": rid, "down": down, "deps": deps, "labels": labels,
            "message": self.rand_message(), "upgrade": up,
            "downgrade": down_sql, "transactional": rng.random() < 0.8,
            "created": None,
        }

    def rand_message(self, oneline=True):
        rng = self.rng
        if rng.random() < 0.5:
            msg = rng.choice(["add sector", "Initial migration with Stock "
                              "model", "it's \"quoted\" \\ $$ $x$",
                              "Zürich ☃ 東京", "100% done %s %n", "merge"])
        else:
            msg = self.rand_text(40)
        if oneline:
            msg = no_control(msg)
            msg = msg.strip(ASCII_WS)
            if msg == "" or msg.lower().startswith(("+up", "+down")) \
                    or ":" in msg:
                msg = ("message " + msg.replace(":", ";")).strip(ASCII_WS)
        return msg

    def file_of(self, d, crlf=False, shuffle=True):
        """The text of a revision file for definition d."""
        rng = self.rng
        lines = ["-- " + d["message"], "--"]
        headers = [("Revision ID", d["id"]), ("Revises", ", ".join(d["down"]))]
        if d["labels"] or rng.random() < 0.2:
            headers.append(("Branch Labels", ",".join(d["labels"])))
        if d["deps"] or rng.random() < 0.2:
            headers.append(("Depends On", " , ".join(d["deps"])))
        if d["created"] is not None:
            headers.append(("Create Date", d["created"]))
        if not d["transactional"] or rng.random() < 0.3:
            headers.append(("Transactional", rng.choice(
                ["true", "TRUE", "on", "yes", "1"]) if d["transactional"]
                else rng.choice(["false", "off", "no", "0", "FALSE"])))
        if shuffle:
            rng.shuffle(headers)
        for key, value in headers:
            r = rng.random()
            if r < 0.15:
                key = key.upper()
            elif r < 0.3:
                key = key.lower()
            elif r < 0.35:
                key = key.replace(" ", "  \t ")
            lines.append("--%s%s:%s%s" % (rng.choice([" ", "  ", "\t"]), key,
                                          rng.choice([" ", "", "   "]), value))
        lines.append("")
        lines.append("-- +upgrade")
        lines.extend(d["upgrade"].split("\n"))
        if d["downgrade"] is not None:
            lines.append("")
            lines.append(rng.choice(["-- +downgrade", "--+downgrade",
                                     "  --  +DOWNGRADE  "]))
            lines.extend(d["downgrade"].split("\n"))
        eol = "\r\n" if crlf else "\n"
        return eol.join(lines) + eol

    def register_sql(self, d, omit_defaults=False):
        d["transactional"] = True   # pim_migrate_revision() has no say
        if omit_defaults and d["labels"] == [] and d["deps"] == []:
            return ("SELECT pim_migrate_revision(%s, %s, %s, %s::text[], %s)",
                    (d["message"], d["upgrade"], d["downgrade"], d["down"],
                     d["id"]))
        return ("SELECT pim_migrate_revision(message => %s, upgrade => %s, "
                "downgrade => %s, down_revision => %s::text[], revision => %s,"
                " branch_labels => %s::text[], depends_on => %s::text[])",
                (d["message"], d["upgrade"], d["downgrade"], d["down"],
                 d["id"], d["labels"], d["deps"]))

    def check_show(self, kind, d, via, sql, params):
        """An after= callback: pim_migrate_show(id) gives d back exactly."""
        def check(res):
            got_id = res.rows[0][0] if res.rows else None
            if got_id != d["id"]:
                self.fail(kind, "%s returned %r, not the id %r"
                          % (via, short(got_id, 80), short(d["id"], 80)),
                          sql, params)
                return
            got = self.probe(
                kind, "pim_migrate_show(%r) failed after %s"
                % (short(d["id"], 80), via), sql, params,
                "SELECT revision, down_revisions, branch_labels,"
                " depends_on, message, upgrade_sql, downgrade_sql,"
                " transactional, created_at IS NOT DISTINCT FROM"
                " COALESCE(%s::timestamptz, created_at)"
                " FROM pim_migrate_show(%s)", (d["created"], d["id"]))
            if got is None:
                return
            want = (d["id"], d["down"], d["labels"], d["deps"], d["message"],
                    d["upgrade"], d["downgrade"],
                    d.get("transactional", True), True)
            names = ["revision", "down_revisions", "branch_labels",
                     "depends_on", "message", "upgrade_sql", "downgrade_sql",
                     "transactional", "created_at"]
            if len(got) != 1:
                self.fail(kind, "pim_migrate_show(%r) gave %d rows after %s"
                          % (short(d["id"], 80), len(got), via), sql, params)
                return
            for name, w, g in zip(names, want, got[0]):
                if w != g:
                    where = ""
                    if isinstance(w, str) and isinstance(g, str):
                        i = next((i for i in range(min(len(w), len(g)))
                                  if w[i] != g[i]), min(len(w), len(g)))
                        where = (" (lengths %d and %d, first difference at "
                                 "%d: %r vs %r)" % (len(w), len(g), i,
                                                    w[i:i + 10], g[i:i + 10]))
                    self.fail(kind, "%s of %s does not round-trip via %s%s"
                              % (name, short(d["id"], 60), via, where),
                              sql, params, extra="want %r, got %r"
                              % (short(repr(w), 200), short(repr(g), 200)))
        return check

    # ------------------------------------------------------------------
    # The graph every epoch starts from
    # ------------------------------------------------------------------

    def reset(self):
        """A fresh extension and a fresh small graph (again if building it
        broke the catalog: that failure is printed)."""
        for _ in range(3):
            self.broken = False
            self.build_graph()
            if not self.broken:
                break
        self.broken = False

    def build_graph(self):
        self.conn.rollback()
        self.query("DROP EXTENSION IF EXISTS pim_migrate CASCADE;"
                   " DROP SCHEMA IF EXISTS fz CASCADE;"
                   " DROP SCHEMA IF EXISTS fz_evil CASCADE;"
                   " CREATE SCHEMA fz; CREATE EXTENSION pim_migrate;"
                   + TRAPS)
        self.conn.commit()
        self.setup = ["CREATE SCHEMA fz", TRAPS.strip().rstrip(";")]
        self.has_dry_run, self.has_each = self.query(
            "SELECT EXISTS (SELECT FROM pg_proc WHERE proname ="
            " 'pim_migrate_upgrade' AND pronargs = 2),"
            " EXISTS (SELECT FROM pg_proc WHERE proname ="
            " 'pim_migrate_upgrade_each')")[0]
        self.walk = []
        self.defs = {}
        self.refresh()
        rng = self.rng
        # two ids sharing a 6-character prefix, for ambiguous prefixes
        shared = "%06x" % rng.getrandbits(24)
        planned = rng.randint(5, 11)
        for i in range(planned):
            m = self.model
            if i >= 3 and rng.random() < 0.15:
                heads = [x for x in m.ids
                         if not any(x in m.down[y] for y in m.ids)]
                pairs = [(a, b) for a in heads for b in heads
                         if a < b and m.unrelated(a, b)]
                if pairs:
                    sql = ("SELECT pim_migrate_merge(%s::text[], %s, %s, "
                           "%s::text[])")
                    rid = self.fresh_name("word")
                    lab = [self.fresh_name("word")] if rng.random() < 0.3 \
                        else None
                    params = (list(rng.choice(pairs)), "merge %d" % i, rid,
                              lab)
                    self.build_step("setup", sql, params)
                    continue
            d = self.new_def()
            if i == 0 or (i < 3 and rng.random() < 0.3):
                d["down"] = []
                d["deps"] = []
            if i in (1, 2):
                d["id"] = shared + "%06x" % rng.getrandbits(24)
            if rng.random() < 0.3 and not d["labels"]:
                d["labels"] = [self.fresh_name("word")]
            if rng.random() < 0.5:
                d["created"] = None
                sql, params = self.register_sql(d)
                self.build_step("setup", sql, params, d,
                                "pim_migrate_revision")
            else:
                if rng.random() < 0.5:
                    d["created"] = self.rand_date()
                text = self.file_of(d, crlf=rng.random() < 0.2)
                self.build_step("setup", "SELECT pim_migrate_load(%s)",
                                (text,), d, "pim_migrate_load")
        if rng.random() < 0.5:
            self.build_step("setup", "SELECT count(*) FROM pim_migrate_upgrade"
                            "(%s)", (self.valid_target(),))
        self.conn.commit()

    def build_step(self, kind, sql, params, d=None, via=None):
        """A registration that must succeed, and is kept."""
        def after(res):
            if d:
                self.check_show(kind, d, via, sql, params)(res)
            self.verify_after(kind, sql, params)(res)
        res = self.attempt(sql, params, keep=True, after=after)
        self.count(kind, res.ok)
        if res.kept:
            self.setup.append(self.sql_text(sql, params))
            if d:
                self.defs[d["id"]] = d
            self.refresh()
        elif "upgrade" in sql:
            self.check_code(kind, sql, params, res)
        else:
            self.check_code(kind, sql, params, res)
            self.fail(kind, "a valid registration was refused", sql, params,
                      res)

    def rand_date(self):
        rng = self.rng
        dt = datetime.datetime(rng.randint(1990, 2100), rng.randint(1, 12),
                               rng.randint(1, 28), rng.randint(0, 23),
                               rng.randint(0, 59), rng.randint(0, 59),
                               rng.randint(0, 999999))
        return dt.strftime(rng.choice(["%Y-%m-%d %H:%M:%S.%f",
                                       "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]))

    # ------------------------------------------------------------------
    # Inputs
    # ------------------------------------------------------------------

    def in_target(self):
        """upgrade, downgrade or show of one target, rolled back."""
        rng = self.rng
        fn = rng.choice(["upgrade", "upgrade", "downgrade", "downgrade",
                         "show"])
        t = self.any_target()
        dry = fn != "show" and self.has_dry_run and rng.random() < 0.25
        if fn == "upgrade" and rng.random() < 0.03:
            sql, params = "SELECT * FROM pim_migrate_upgrade()", ()
            dry = False
        elif dry:
            sql, params = ("SELECT * FROM pim_migrate_%s(%%s, dry_run => true)"
                           % fn, (t,))
        else:
            sql, params = "SELECT * FROM pim_migrate_%s(%%s)" % fn, (t,)
        after = None if fn == "show" else self.verify_after(fn, sql, params)
        if dry:
            after = self.dry_run_after(fn, sql, params)
        res = self.attempt(sql, params, after=after)
        self.count(fn, res.ok)
        if params:
            self.check_target(fn, sql, params, res, t)
        else:
            self.check_code(fn, sql, params, res)

    def in_stamp(self):
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            t = self.any_target()
        else:
            parts = [self.any_target() if rng.random() < 0.3
                     else self.valid_target()
                     for _ in range(rng.randint(2, 4))]
            t = ",".join(p or "" for p in parts)
            if rng.random() < 0.2:
                t = rng.choice([",", "", ","]) + t + rng.choice([",", ""])
        purge = rng.choice([False, False, True, None])
        sql, params = "SELECT * FROM pim_migrate_stamp(%s, %s)", (t, purge)
        res = self.attempt(sql, params, after=self.stamp_after(sql, params))
        self.count("stamp", res.ok)
        self.check_code("stamp", sql, params, res, *stamp_expect(t))

    def stamp_after(self, sql, params):
        """An after= callback for a stamp: it returns the new current, and
        the catalog verifies clean."""
        def after(res):
            current = self.probe("stamp", "pim_migrate_current() failed "
                                 "after it", sql, params,
                                 "SELECT * FROM pim_migrate_current()")
            if current is None:
                return
            cur_rows = sorted(r[0] for r in current)
            got = sorted(r[0] for r in res.rows)
            if got != cur_rows:
                self.fail("stamp", "returned %s but current is %s"
                          % (got, cur_rows), sql, params)
            self.verify_after("stamp", sql, params)(res)
        return after

    def in_history(self):
        r = self.history_range()
        if r is None and self.rng.random() < 0.5:
            sql, params = "SELECT * FROM pim_migrate_history()", ()
        else:
            sql, params = "SELECT * FROM pim_migrate_history(%s)", (r,)
        res = self.attempt(sql, params)
        self.count("history", res.ok)
        if self.range_must_fail(r):
            first = r.split(":")[0] if r.count(":") == 1 else None
            exact = r.count(":") != 1 or (first and target_malformed(first))
            self.check_code("history", sql, params, res,
                            "22023" if exact else "reject",
                            "a malformed history range")
        else:
            self.check_code("history", sql, params, res)

    def in_read(self):
        fn = self.rng.choice(["heads", "branches", "status", "current",
                              "verify"])
        sql = "SELECT * FROM pim_migrate_%s()" % fn
        res = self.attempt(sql)
        self.count(fn, res.ok)
        self.check_code(fn, sql, (), res, None)
        if not res.ok:
            self.fail(fn, "a read without arguments failed", sql, (), res)
        elif fn == "verify" and res.rows:
            self.fail(fn, "pim_migrate_verify() not empty", sql, (),
                      extra=repr(res.rows[:5]))

    LINT_SHAPES = [
        "CREATE INDEX i ON %s (a)", "CREATE UNIQUE INDEX CONCURRENTLY i ON %s (a)",
        "DROP INDEX %s", "DROP INDEX CONCURRENTLY IF EXISTS %s",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT random()",
        "ALTER TABLE %s ADD COLUMN c serial PRIMARY KEY REFERENCES x (y)",
        "ALTER TABLE %s ADD COLUMN c int GENERATED ALWAYS AS (a) STORED",
        "ALTER TABLE %s ALTER COLUMN a TYPE varchar(3)",
        "ALTER TABLE %s ALTER COLUMN a TYPE nosuchtype(1,2,3)",
        "ALTER TABLE %s ALTER COLUMN nosuch TYPE text USING nosuch::text",
        "ALTER TABLE %s ALTER COLUMN a TYPE int[] USING ARRAY[a]",
        "ALTER TABLE %s ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        "ALTER TABLE %s VALIDATE CONSTRAINT c",
        "ALTER TABLE %s ADD FOREIGN KEY (a) REFERENCES %s (a)",
        "ALTER TABLE %s ADD UNIQUE (a), ADD PRIMARY KEY (a)",
        "ALTER TABLE %s ADD EXCLUDE USING gist (a WITH &&)",
        "ALTER TABLE %s SET NOT NULL", "ALTER TABLE %s DROP COLUMN a",
        "ALTER TABLE %s RENAME TO t2", "ALTER TABLE %s RENAME a TO b",
        "DROP TABLE %s, %s CASCADE", "TRUNCATE %s, %s CASCADE",
        "REINDEX TABLE %s", "REINDEX (CONCURRENTLY) INDEX %s",
        "ALTER TYPE %s ADD VALUE 'x'", "DROP DATABASE %s",
        "CREATE TABLE %s AS SELECT 1 AS a", "SET lock_timeout = 0",
        "-- pim_migrate:ignore %s\nCREATE INDEX ON %s (a)",
        "/* pim_migrate:ignore */ ALTER TABLE %s ALTER a TYPE bigint",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT nosuchfunc(1, 2)",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT pg_catalog.abs(VARIADIC ARRAY[1])",
        "ALTER FOREIGN TABLE %s ADD COLUMN c int", "ALTER INDEX %s RENAME TO i2",
        "ALTER VIEW %s RENAME COLUMN a TO b", "ALTER TABLE ONLY %s* DROP a",
    ]

    def lint_script(self):
        """A script of DDL shapes on odd and real names, mutated."""
        rng = self.rng
        names = ["fz.t%d" % rng.randint(0, self.table_no + 1),
                 "pg_class", "pim_migrate.revision", '"Odd ""name"""',
                 "nosuch.nosuch", "a.b.c", self.rand_text(8) or "x",
                 "pg_catalog.pg_toast_1", "fz_i%d" % rng.randint(0, 9)]
        stmts = []
        for _ in range(rng.randint(1, 6)):
            shape = rng.choice(self.LINT_SHAPES)
            stmts.append(shape % tuple(rng.choice(names)
                                       for _ in range(shape.count("%s"))))
        text = ";\n".join(stmts)
        return self.mutate(text) if rng.random() < 0.3 else text

    def in_safety(self):
        """lint, lint_script and plan: findings or a clean error, never a
        crash; a plan changes nothing."""
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            fn = "lint_script"
            script = self.lint_script() if rng.random() < 0.8 else \
                rng.choice([None, self.bad_script(), self.odd_text(50)])
            sql = ("SELECT count(*) FROM pim_migrate_lint_script(%s, %s, %s)")
            params = (script, rng.choice([True, False, None]),
                      rng.choice([1, 0, -5, 2 ** 31 - 1, None]))
            res = self.attempt(sql, params)
            self.count(fn, res.ok)
            self.check_code(fn, sql, params, res,
                            "22004" if script is None else None,
                            "a NULL script")
            return
        fn = "lint" if r < 0.75 else "plan"
        t = self.any_target()
        sql = "SELECT count(*) FROM pim_migrate_%s(%%s)" % fn
        params = (t,)
        after = self.dry_run_after(fn, sql, params) if fn == "plan" else None
        res = self.attempt(sql, params, after=after)
        self.count(fn, res.ok)
        self.check_target(fn, sql, params, res, t)

    def rand_name(self, existing_ok=True):
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return self.fresh_name()
        if r < 0.5 and existing_ok:
            return rng.choice([self.some_id(), self.some_label()])
        if r < 0.55 and existing_ok:
            return self.prefix(self.some_id())
        if r < 0.8:
            return self.mutate(self.fresh_name())
        if r < 0.9:
            return self.rand_text(20)
        return rng.choice(["", " ", "head", "heads", "base", "current",
                           "a b", "a@b", "a+b", "a-b", "a,b", "a:b", "a\tb",
                           "a\x01b", "a\x7fb", "x" * (MAX_NAME + 1),
                           "ü" * 65, "ü" * 64, "%s%n", "Zürich☃東京",
                           "HEAD", "Base", "\u00a0", "a\u2028b"])

    def rand_names(self):
        rng = self.rng
        r = rng.random()
        if r < 0.3:
            return None
        if r < 0.4:
            return []
        if r < 0.43:
            # array literals of other shapes: nested, other bounds, nulls
            a, b = self.some_id(), self.some_label()
            shape = rng.choice(["{{%s,%s},{%s,%s}}", "[0:1]={%s,%s}",
                                "[5:5]={%s}", "{{%s}}", "{%s,NULL}",
                                "{NULL}", "{}", "[-3:-2]={%s,%s}"])
            elems = [rng.choice([a, b]) for _ in range(shape.count("%s"))]
            return Lit(shape % tuple(array_item(e) for e in elems),
                       elems + [None] * shape.count("NULL"))
        names = [self.rand_name() for _ in range(rng.choice([1, 1, 2, 3]))]
        if rng.random() < 0.05:
            rid = self.some_id()
            names = [rid, self.prefix(rid)]     # the same, twice over
        if rng.random() < 0.05:
            names.append(None)
        if rng.random() < 0.05 and names:
            names.append(names[0])
        if rng.random() < 0.01:
            names = [self.fresh_name("hex") for _ in range(500)]
        return names

    def new_revision_after(self, kind, sql, params, rev, names):
        """An after= callback for a call that makes a revision: an id it
        generates (rev None) is 12 hex digits, none of rev and names is
        invalid, and the catalog verifies clean."""
        def after(res):
            rid = res.rows[0][0]
            if rev is None and not re.fullmatch(r"[0-9a-f]{12}", rid or ""):
                self.fail(kind, "generated id %r is not 12 hex digits"
                          % rid, sql, params)
            for name in [rev] + names:
                if name is not None and name_invalid(name):
                    self.fail(kind, "accepted the invalid name %r"
                              % short(name, 80), sql, params)
            self.verify_after(kind, sql, params)(res)
        return after

    def in_register(self):
        """pim_migrate_revision() with random arguments."""
        rng = self.rng
        up, down = self.harmless_scripts()
        message = None if rng.random() < 0.03 else self.rand_message(False)
        r = rng.random()
        if r < 0.04:
            up = None
        elif r < 0.12:
            up = self.bad_script()
        if rng.random() < 0.08:
            down = self.bad_script()
        rev = None if rng.random() < 0.2 else self.rand_name()
        down_revs = self.rand_names()
        labels = self.rand_names()
        deps = self.rand_names()
        sql = ("SELECT pim_migrate_revision(message => %s, upgrade => %s, "
               "downgrade => %s, down_revision => %s::text[], revision => %s,"
               " branch_labels => %s::text[], depends_on => %s::text[])")
        params = (message, up, down, down_revs, rev, labels, deps)

        after = self.new_revision_after(
            "revision", sql, params, rev,
            aslist(down_revs) + aslist(labels) + aslist(deps))
        keep = rng.random() < 0.03 and len(self.model.ids) < 30
        res = self.attempt(sql, params, keep=keep, after=after)
        self.count("revision", res.ok)
        self.check_first("revision", sql, params, res, [
            (message is None or up is None, "22004",
             "a NULL message or upgrade"),
            (any(x is None for x in aslist(labels) + aslist(deps)), "22004",
             "a NULL array element"),
            (rev is not None and name_invalid(rev), "22023",
             "an invalid revision id"),
            (any(x is None for x in aslist(down_revs)), "22004",
             "a NULL array element"),
            # refused; an unknown parent or several heads may say so first
            (message_invalid(message), "reject",
             "a control character in the message"),
        ])
        if res.kept:
            self.setup.append(self.sql_text(sql, params))
            self.defs.pop(res.rows[0][0], None)
            self.refresh()

    def mutate_file(self, text):
        rng = self.rng
        lines = text.split("\n")
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(14)
            i = rng.randrange(len(lines)) if lines else 0
            if op == 0 and lines:
                del lines[i]
            elif op == 1 and lines:
                lines.insert(i, lines[i])
            elif op == 2 and lines:
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            elif op == 3 and lines:
                lines[i] = self.mutate(lines[i])
            elif op == 4:
                lines = [ln for ln in lines
                         if "+upgrade" not in ln.lower()]
            elif op == 5:
                lines = [ln + "\r" for ln in lines]
            elif op == 6:
                key = rng.choice(["Revision ID", "Revises", "Branch Labels",
                                  "Depends On", "Create Date",
                                  "Transactional", "Revision", "Revises ID",
                                  "Down Revision"])
                value = rng.choice([
                    "x" * rng.choice([200, 100000, 1000000]),
                    ",".join(self.rand_name() or "" for _ in range(5)),
                    self.rand_text(40), "", ",", "a,,b", "true", "maybe",
                    "2025-13-45 99:99:99", "infinity", "now", "epoch",
                    "today", "allballs", "J2451187", "2025-08-16 08:26:13 "
                    "America/Nowhere", "2025-08-16 08:26:13+05",
                    "294277-01-01", "4714-11-24 BC", "1e400",
                    "2025-08-16 08:26:13.620580" * 3, "\x01"])
                lines.insert(min(i, 3), "-- %s: %s" % (key, value))
            elif op == 7:
                lines.insert(i, rng.choice(["-- +upgrade", "-- +downgrade",
                                            "-- +UPGRADE", "--+", "-- +",
                                            "-- +sideways", "SELECT 1",
                                            "--", "", "\x0c", "\ufeff--"]))
            elif op == 8:
                lines.insert(0, self.rand_text(30))
            elif op == 9 and lines:
                j = rng.randint(0, len(lines[i]))
                lines[i] = lines[i][:j]
                del lines[i + 1:]
            elif op == 10:
                lines = ["\ufeff" + lines[0]] + lines[1:] if lines else lines
            elif op == 11:
                lines = [ln.replace("--", rng.choice(["-", "- -", "—", "#"]),
                                    1) if rng.random() < 0.2 else ln
                         for ln in lines]
            elif op == 12:
                return "\r".join(lines)
            else:
                return self.rand_text(200)
        return "\n".join(lines)

    def in_load(self):
        rng = self.rng
        r = rng.random()
        if r < 0.01:
            sql, params = "SELECT pim_migrate_load(%s)", (None,)
            res = self.attempt(sql, params)
            self.count("load", res.ok)
            self.check_code("load", sql, params, res, "22004", "a NULL file")
            return
        if r < 0.25 and self.defs:
            # reload a registered revision, the same or changed
            d = dict(self.defs[rng.choice(sorted(self.defs))])
            if rng.random() < 0.7:
                self.change_def(d)
        else:
            d = self.new_def()
            if rng.random() < 0.5:
                d["created"] = self.rand_date()
        text = self.file_of(d, crlf=rng.random() < 0.2)
        mutated = rng.random() < 0.6
        if mutated:
            text = self.mutate_file(text)
        sql, params = "SELECT pim_migrate_load(%s)", (text,)
        self.load_or_register("load", sql, params, d, mutated)

    def change_def(self, d):
        rng = self.rng
        what = rng.choice(["message", "upgrade", "downgrade", "labels",
                           "down", "deps", "transactional"])
        m = self.model
        if what == "message":
            d["message"] = self.rand_message()
        elif what == "upgrade":
            d["upgrade"] = "SELECT 2"
        elif what == "downgrade":
            d["downgrade"] = rng.choice([None, "", "SELECT 3"])
        elif what == "labels":
            d["labels"] = rng.choice([[], [self.fresh_name("word")],
                                      [self.some_label()]])
        elif what == "down":
            d["down"] = rng.choice([[], [self.some_id()]])
        elif what == "deps":
            d["deps"] = rng.choice([[], [self.some_id()],
                                    [self.some_label()]])
        else:
            d["transactional"] = not d["transactional"]
        if rng.random() < 0.1 and m.ids:
            d["id"] = rng.choice(m.ids)

    def load_or_register(self, kind, sql, params, d, mutated, walk=False):
        """A registration of d; when not mutated, it may be refused (a
        changed revision can be applied, or form a cycle), but when accepted
        it must read back exactly.  walk: part of a walk, kept in it."""
        m = self.model
        old = self.defs.get(d["id"])
        applied = d["id"] in m.applied()
        changed = old is not None and any(
            old[k] != d[k] for k in ("message", "upgrade", "downgrade",
                                     "labels", "down", "deps",
                                     "transactional"))
        fresh = d["id"] not in m.down

        def after(res):
            if not mutated:
                self.check_show(kind, d, "pim_migrate_" + kind, sql,
                                params)(res)
                if applied and changed:
                    self.fail(kind, "other content under the id of the "
                              "applied revision %r was accepted"
                              % short(d["id"], 60), sql, params)
            self.verify_after(kind, sql, params)(res)

        keep = walk or (not mutated and rng_keep(self.rng)
                        and len(m.ids) < 30)
        res = self.attempt(sql, params, keep=keep, after=after)
        self.count(kind, res.ok)
        self.check_code(kind, sql, params, res)
        if not mutated and fresh and not res.ok:
            self.fail(kind, "a valid new revision was refused", sql, params,
                      res)
        if not mutated and old is not None and not changed and not res.ok:
            self.fail(kind, "the same content again was refused", sql,
                      params, res)
        if res.kept:
            (self.walk if walk else self.setup).append(
                self.sql_text(sql, params))
            if not mutated:
                self.defs[d["id"]] = d
            else:
                self.defs.pop(d["id"], None)
            self.refresh()
        return res

    def reload_sql(self, d=None):
        """A registered revision again, the same or changed, as a file or
        with pim_migrate_revision()."""
        rng = self.rng
        d = dict(d or self.defs[rng.choice(sorted(self.defs))])
        if rng.random() < 0.7:
            self.change_def(d)
        if rng.random() < 0.5:
            d["created"] = None
            return ("revision",) + self.register_sql(d) + (d,)
        return ("load", "SELECT pim_migrate_load(%s)",
                (self.file_of(d, crlf=rng.random() < 0.2),), d)

    def in_reregister(self):
        """pim_migrate_revision() of a new or registered revision, exact."""
        rng = self.rng
        if rng.random() < 0.5 and self.defs:
            d = dict(self.defs[rng.choice(sorted(self.defs))])
            if rng.random() < 0.7:
                self.change_def(d)
        else:
            d = self.new_def()
        d["created"] = None
        sql, params = self.register_sql(d, omit_defaults=rng.random() < 0.3)
        self.load_or_register("revision", sql, params, d, False)

    def in_merge(self):
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            targets = None
        elif r < 0.15:
            targets = []
        else:
            targets = [self.any_target() if rng.random() < 0.3
                       else self.valid_target()
                       for _ in range(rng.choice([1, 2, 2, 3]))]
        message = rng.choice([None, "merge", self.rand_message(False)])
        rev = None if rng.random() < 0.5 else self.rand_name()
        labels = self.rand_names()
        if rng.random() < 0.2:
            sql, params = "SELECT pim_migrate_merge(%s::text[])", (targets,)
            message, rev, labels = "merge", None, None
        else:
            sql = ("SELECT pim_migrate_merge(%s::text[], %s, %s, "
                   "%s::text[])")
            params = (targets, message, rev, labels)

        after = self.new_revision_after("merge", sql, params, rev,
                                        aslist(labels))
        keep = rng.random() < 0.03 and len(self.model.ids) < 30
        res = self.attempt(sql, params, keep=keep, after=after)
        self.count("merge", res.ok)
        self.check_first("merge", sql, params, res, [
            (any(x is None for x in aslist(targets) + aslist(labels)),
             "22004", "a NULL array element"),
            (rev is not None and name_invalid(rev), "22023",
             "an invalid revision id"),
            (bool(targets) and target_malformed(targets[0]), "22023",
             "a malformed first target"),
            (message_invalid(message), "reject",
             "a control character in the message"),
        ])
        if res.kept:
            self.setup.append(self.sql_text(sql, params))
            self.refresh()

    def in_walk(self, keep_never=False):
        """Up to four upgrades, downgrades and stamps to valid targets in a
        row, each checked, then rolled back (or, now and then, kept)."""
        rng = self.rng
        keep = rng.random() < 0.08 and not keep_never
        self.query("SAVEPOINT w")
        self.walk = []
        saved_defs = dict(self.defs)
        for _ in range(rng.randint(1, 6)):
            op = rng.choice(["upgrade", "upgrade", "downgrade", "downgrade",
                             "stamp", "history", "show", "reload"])
            if op == "reload":
                if self.defs:
                    kind, sql, params, d = self.reload_sql()
                    self.load_or_register(kind, sql, params, d, False, True)
                if self.broken:
                    break
                continue
            hist = op == "history"
            t = self.valid_target(hist) if rng.random() < 0.85 \
                else self.any_target(hist)
            if op == "stamp":
                sql, params = ("SELECT * FROM pim_migrate_stamp(%s, %s)",
                               (t, rng.random() < 0.2))
            elif op == "history":
                sql, params = ("SELECT * FROM pim_migrate_history(%s)",
                               (rng.choice(["%s:", ":%s", "%s:current",
                                            "current:%s", "%s:heads"])
                                % (t or ""),))
            elif (op in ("upgrade", "downgrade") and self.has_dry_run
                  and rng.random() < 0.2):
                sql, params = ("SELECT * FROM pim_migrate_%s(%%s, %%s)" % op,
                               (t, True))
            else:
                sql, params = "SELECT * FROM pim_migrate_%s(%%s)" % op, (t,)
            mutating = op in ("upgrade", "downgrade", "stamp")
            after = self.verify_after(op, sql, params) if mutating else None
            if op == "stamp":
                after = self.stamp_after(sql, params)
            elif len(params) == 2 and params[1] is True:
                after = self.dry_run_after(op, sql, params)
            res = self.attempt(sql, params, keep=True, after=after)
            self.count(op, res.ok)
            if op == "stamp":
                self.check_code(op, sql, params, res, *stamp_expect(t))
            elif op == "history":
                self.check_code(op, sql, params, res)
            else:
                self.check_target(op, sql, params, res, t)
            if res.kept and mutating:
                self.walk.append(self.sql_text(sql, params))
                self.refresh()
            if self.broken:
                break
        if self.broken:
            # the failure is printed; go on from the state before the walk
            keep = False
            self.broken = False
        if keep:
            self.query("RELEASE SAVEPOINT w")
            self.setup.extend(self.walk)
        else:
            self.query("ROLLBACK TO SAVEPOINT w; RELEASE SAVEPOINT w")
            self.defs = saved_defs
        self.refresh()
        self.walk = []

    # ------------------------------------------------------------------
    # Round trips of odd but valid data
    # ------------------------------------------------------------------

    def odd_text(self, n, controls=True, newlines=True):
        rng = self.rng
        parts = []
        pool = (["'", "''", "\"", "\\", "\\\\", "$", "$$", "$x$", "%s", "%n",
                 "Zürich ☃ 東京", "😀", "\u200b", "\u00a0", "\ufeff", "abc ",
                 "e\u0301", "\t"] + (CONTROL if controls else [])
                + (["\n", "\r\n", "\r"] if newlines else []))
        size = 0
        while size < n:
            p = rng.choice(pool)
            parts.append(p)
            size += len(p)
        return "".join(parts)

    def odd_def(self, big=None):
        """A revision with odd but valid content, as a definition."""
        rng = self.rng
        d = self.new_def()
        d["id"] = self.fresh_name(rng.choice(["uni", "odd", "long", "hex"]))
        if rng.random() < 0.5:
            d["labels"] = [self.fresh_name(rng.choice(["uni", "odd"]))]
        body = self.odd_text(rng.choice([10, 100, 2000]), controls=True)
        body = body.replace("*/", "* /").replace("/*", "/ *")
        # a block comment and a dollar-quoted string hold anything but NUL
        d["upgrade"] = ("/* %s */\nSELECT $fz$%s$fz$, 'it''s', E'\\\\', "
                        "'Zürich ☃ 東京'; -- \\ $$ '\n"
                        "SELECT 1" % (body, body.replace("$fz$", "$ fz$")))
        d["downgrade"] = rng.choice([None, "", "SELECT '$$' -- ☃\n"])
        d["message"] = no_control(self.odd_text(rng.choice([5, 50, 500])))
        if big == "message":
            d["message"] = no_control(self.odd_text(100 * 1024))
        elif big == "script":
            filler = ("Zürich ☃ 東京 'quote' \"dq\" \\ $$ $x$ %s 😀\t"
                      * 40 + "\n")
            d["upgrade"] = ("/* " + filler * (10 * 1024 * 1024 //
                                             len(filler.encode()) + 1)
                            + " */\nSELECT 1")
        return d

    def for_file(self, d):
        """Make d's content fit a revision file so that it reads back the
        same: a one-line message (no CR, LF, or white space at its ends),
        scripts without a blank first line or white space at their end,
        no line that is a section marker, no line ending in CR."""
        msg = no_control(d["message"])
        msg = msg.strip(ASCII_WS)
        if msg == "" or ":" in msg or msg.lower().startswith(
                ("+up", "+down")):
            msg = ("m " + msg.replace(":", ";")).strip(ASCII_WS)
        d["message"] = msg

        def script(s):
            if s is None:
                return None
            lines = [ln.rstrip("\r") for ln in
                     s.replace("\r\n", "\n").split("\n")]
            lines = [ln for ln in lines
                     if not ln.strip(ASCII_WS).lstrip("-").strip(ASCII_WS)
                     .lower().startswith(("+upgrade", "+downgrade"))]
            while lines and lines[0].strip(ASCII_WS) == "":
                lines.pop(0)
            return "\n".join(lines).rstrip(ASCII_WS)
        d["upgrade"] = script(d["upgrade"])
        d["downgrade"] = script(d["downgrade"])
        return d

    def roundtrip(self, big=None, via=None):
        rng = self.rng
        d = self.odd_def(big)
        via = via or rng.choice(["revision", "load"])
        if via == "load":
            d = self.for_file(d)
            if rng.random() < 0.5:
                d["created"] = self.rand_date()
            text = self.file_of(d, crlf=rng.random() < 0.3)
            sql, params = "SELECT pim_migrate_load(%s)", (text,)
        else:
            sql, params = self.register_sql(d)
        show = self.check_show("roundtrip", d, "pim_migrate_" + via, sql,
                               params)

        def after(res):
            show(res)
            # the same again is a no-op that changes nothing
            again = self.probe("roundtrip", "the same content again was "
                               "refused", sql, params, sql, params,
                               broken=False)
            if again is None:
                return
            if again != res.rows:
                self.fail("roundtrip", "the same content again returned %r"
                          % (again,), sql, params)
            show(res)

        res = self.attempt(sql, params, after=after)
        self.count("roundtrip", res.ok)
        self.check_code("roundtrip", sql, params, res)
        if not res.ok:
            self.fail("roundtrip", "odd but valid data was refused by "
                      "pim_migrate_%s" % via, sql, params, res)

    def deep_graph(self, depth=3000, width=200):
        """A long chain, a wide fan merged back by pim_migrate_merge(),
        labels along the chain; walks on it, all rolled back."""
        sqls = [
            ("SELECT count(pim_migrate_revision('deep ' || i, 'SELECT 1',"
             " 'SELECT 1', CASE WHEN i = 1 THEN '{}'::text[]"
             " ELSE ARRAY['deep' || (i - 1)] END, 'deep' || i,"
             " CASE WHEN i %% 500 = 0 THEN ARRAY['dlab' || i] END))"
             " FROM generate_series(1, %s) i", (depth,)),
            ("SELECT count(pim_migrate_revision('fan ' || i, 'SELECT 1',"
             " NULL, ARRAY['deep1'], 'fan' || i))"
             " FROM generate_series(1, %s) i", (width,)),
            ("SELECT pim_migrate_merge(ARRAY(SELECT 'fan' || i"
             " FROM generate_series(1, %s) i), 'wide merge', 'widemerge')",
             (width,)),
        ]
        self.query("SAVEPOINT deep")
        saved_setup = list(self.setup)
        for sql, params in sqls:
            res = self.attempt(sql, params, keep=True)
            self.count("deep", res.ok)
            self.check_code("deep", sql, params, res)
            if not res.ok:
                self.fail("deep", "a valid registration was refused", sql,
                          params, res)
                break
            self.setup.append(self.sql_text(sql, params))
        else:
            self.refresh()
            for _ in range(40):
                self.in_walk(keep_never=True)
        self.query("ROLLBACK TO SAVEPOINT deep; RELEASE SAVEPOINT deep")
        self.setup = saved_setup
        self.broken = False
        self.refresh()

    def fixed_roundtrips(self):
        """The cases the brief names, once each, both ways."""
        for via in ("revision", "load"):
            self.roundtrip(None, via)
            self.roundtrip("message", via)
            started = time.monotonic()
            self.roundtrip("script", via)
            if self.args.verbose:
                print("10 MB script via %s: %.2f s"
                      % (via, time.monotonic() - started))
        self.conn.commit()

    # ------------------------------------------------------------------

    def check_committed(self):
        self.evil = False
        self.conn.commit()
        try:
            rows = self.query("SELECT revision, problem "
                              "FROM pim_migrate_verify()")
        except psycopg2.Error as exc:
            self.conn.rollback()
            self.fail("verify", "pim_migrate_verify() failed on the "
                      "committed catalog",
                      "SELECT * FROM pim_migrate_verify()",
                      (), Result(False, code=exc.pgcode, error=exc.pgerror))
            return
        self.conn.commit()
        if rows:
            self.fail("verify", "pim_migrate_verify() is not empty on the "
                      "committed catalog",
                      "SELECT * FROM pim_migrate_verify()",
                      (), extra="; ".join("%s: %s" % (short(r, 60), p)
                                          for r, p in rows[:5]))

    def in_injection(self):
        """A message made to break out of its comment line of the offline
        script: with a line end it is refused; without one, it may hold
        anything, and appears in that script only inside the "-- Running"
        comment of its step."""
        rng = self.rng
        escape = rng.choice(["*/ DROP TABLE victim; /*",
                             "'); DROP TABLE victim; --",
                             "$pim_migrate$; DROP TABLE victim; $pim_migrate$",
                             "\\'; DROP TABLE victim; --", "\u2028DROP TABLE victim;",
                             "-- +downgrade", "E'\\n' DROP TABLE victim"])
        breaker = rng.choice(["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1b", "\t"])
        controlled = rng.random() < 0.4
        message = "innocent " + (breaker if controlled else "") + escape + \
            " " + no_control(self.rand_text(8))
        rid = self.fresh_name()
        sql = ("SELECT pim_migrate_revision(message => %s, upgrade => 'SELECT 1',"
               " revision => %s, down_revision => '{}'::text[])")
        params = (message, rid)

        def after(res):
            self.cur.execute("SELECT pim_migrate_upgrade_sql(%s)", (rid,))
            script = self.cur.fetchone()[0]
            lines = [l for l in script.split("\n") if escape in l]
            if len(lines) != 1 or not lines[0].startswith("-- Running upgrade "):
                self.fail("injection", "the message is outside its comment "
                          "line: %r" % (lines,), sql, params)

        res = self.attempt(sql, params, after=after)
        self.count("injection", res.ok)
        if controlled:
            self.check_code("injection", sql, params, res, "22023",
                            "a line end or control character in the message")
        else:
            self.check_code("injection", sql, params, res)
            if not res.ok:
                self.fail("injection", "a one-line message was refused",
                          sql, params, res)

    def run(self):
        self.connect()
        self.reset()
        self.next_reset = self.inputs + RESET_EVERY
        self.fixed_roundtrips()
        started = time.monotonic()
        self.deep_graph()
        if self.args.verbose:
            print("deep graph: %.2f s" % (time.monotonic() - started))
        weights = [
            (self.in_target, 30), (self.in_stamp, 8), (self.in_history, 10),
            (self.in_walk, 12), (self.in_register, 12), (self.in_load, 14),
            (self.in_reregister, 5), (self.in_merge, 6), (self.in_read, 2),
            (lambda: self.roundtrip(), 2), (self.in_each, 2),
            (self.in_odd_script, 1), (self.in_safety, 6),
            (self.in_injection, 2),
        ]
        funcs = [f for f, _ in weights]
        cum = [w for _, w in weights]
        while self.inputs < self.args.count:
            try:
                if self.inputs >= self.next_reset:
                    self.check_committed()
                    self.reset()
                    self.next_reset = self.inputs + RESET_EVERY
                if self.inputs >= self.next_verify:
                    self.check_committed()
                    self.next_verify = self.inputs + VERIFY_EVERY
                self.evil = False
                self.rng.choices(funcs, cum)[0]()
                if self.broken:
                    # a kept change broke the catalog (printed): start anew
                    self.broken = False
                    self.reset()
                    self.next_reset = self.inputs + RESET_EVERY
                self.maybe_commit()
            except Lost as exc:
                self.crashes += 1
                self.fail("crash", "the connection was lost or the protocol "
                          "broke: %s"
                          % str(exc).strip().replace("\n", " "),
                          self.cur.query.decode("utf-8", "replace")
                          if self.cur and self.cur.query else None)
                self.count("crash", False)
                time.sleep(0.1)
                self.connect()
                self.reset()
                self.next_reset = self.inputs + RESET_EVERY
        try:
            self.check_committed()
        except Lost as exc:
            self.crashes += 1
            self.fail("crash", "the connection was lost at the end: %s" % exc)


def rng_keep(rng):
    return rng.random() < 0.05


def main():
    ap = argparse.ArgumentParser(
        description="Fuzz pim_migrate's SQL functions on a live cluster.")
    ap.add_argument("--dsn", required=True,
                    help="libpq connection string of a database where the "
                         "extension may be dropped and re-created")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=20000,
                    help="number of inputs")
    ap.add_argument("--verbose", action="store_true",
                    help="print every input and its outcome, and every "
                         "failure in full")
    ap.add_argument("--repro-dir", metavar="DIR",
                    help="also write each printed failure's statements, in "
                         "full, to DIR/failure-N.sql")
    args = ap.parse_args()

    started = time.monotonic()
    fz = Fuzzer(args)
    try:
        fz.run()
    except (psycopg2.Error, Lost) as exc:
        print("fuzz: cannot go on: %s" % exc, file=sys.stderr)
        fz.failures += 1
    elapsed = time.monotonic() - started

    if fz.signatures:
        print("distinct failures:")
        for (kind, fn, code, msg), n in sorted(fz.signatures.items(),
                                               key=lambda kv: -kv[1]):
            print("  %6d  %s %s %s %s" % (n, kind, fn, code, msg[:100]))
    print("inputs by kind (accepted/all): " + ", ".join(
        "%s %d/%d" % (k, v[1], v[0]) for k, v in sorted(fz.by_kind.items())))
    print("refusals by SQLSTATE (odd scripts' own included): " + ", ".join(
        "%s %d" % (k, v) for k, v in sorted(fz.codes.items(),
                                            key=lambda kv: str(kv[0]))))
    print("seed %d, %d crashes, %.1f s, %.0f inputs/s"
          % (args.seed, fz.crashes, elapsed,
             fz.inputs / elapsed if elapsed else 0))
    print("fuzz: %d inputs, %d failures" % (fz.inputs, fz.failures))
    return 1 if fz.failures else 0


if __name__ == "__main__":
    sys.exit(main())
