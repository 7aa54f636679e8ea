"""The shared machinery: connection, oracle, model of the graph.

The rules of the oracle (SQLSTATE classes, what a lost connection looks
like, which targets and names are malformed), the Result of one call, the
Model of what is registered, and Harness: the connection, the savepoint
every call runs in, the checks made of its result, the failure report with
its repro script, and the counters the summary is made of.  The families
of inputs (fuzz_lib.targets, .register, ...) are mixins on top of Harness
and fuzz_lib.gen.Generators; test/fuzz.py puts them together."""

import random
import re
import sys
import time

import psycopg2
import psycopg2.extensions


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


class Harness:
    """Connection, one call in its savepoint, the checks, the report."""

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
