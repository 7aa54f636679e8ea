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

The machinery is in fuzz_lib/: core.py (connection, savepoints, the
oracle, the failure report), gen.py (random ids, names, targets, scripts,
messages, files), graph.py (the graphs the inputs run on), and one module
per family of inputs: targets.py, register.py, roundtrip.py, lint.py,
scripts.py.  This file puts them together and draws the inputs.
"""

import argparse
import sys
import time

try:
    import psycopg2
except ImportError as exc:  # the TAP test checks this before running us
    print("fuzz: cannot import %s; run it with /usr/bin/python3 and "
          "apt-get install python3-psycopg2" % exc.name, file=sys.stderr)
    sys.exit(2)

from fuzz_lib.core import RESET_EVERY, VERIFY_EVERY, Harness, Lost
from fuzz_lib.gen import Generators
from fuzz_lib.graph import Graph
from fuzz_lib.lint import Lint
from fuzz_lib.register import Register
from fuzz_lib.roundtrip import Roundtrip
from fuzz_lib.scripts import Scripts
from fuzz_lib.targets import Targets


class Fuzzer(Targets, Register, Roundtrip, Lint, Scripts, Graph, Generators,
             Harness):
    """The families of inputs on the shared machinery, and the draw."""

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
