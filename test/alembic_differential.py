#!/usr/bin/python3
"""Differential test: pim_migrate against Alembic's own revision logic.

For many random revision graphs (bases, branch points, merges, branch
labels, depends_on), build the same graph twice: as Alembic Revision
objects in a RevisionMap, and in pim_migrate with pim_migrate_revision().
Then ask both the same questions and compare the answers:

- a random walk of upgrades and downgrades from base, to targets drawn from
  the whole grammar (head, heads, base, ids, prefixes, labels, +N, -N,
  REV+N, REV-N, LABEL@head, LABEL@base, LABEL@+N, LABEL@-N, LABEL@REV);
- the heads of the graph;
- pim_migrate_show() of targets that name one revision.

Alembic runs without any database: the steps come from
RevisionMap.iterate_revisions() exactly as ScriptDirectory._upgrade_revs()
and _downgrade_revs() compute them, and the new version rows come from
feeding each RevisionStep through Alembic's HeadMaintainer, whose
version-table writes are redirected to a Python set.

Run with Debian's interpreter, which has python3-alembic (1.8) and
python3-psycopg2:

    /usr/bin/python3 test/alembic_differential.py --dsn "host=... dbname=..."

The database must have pim_migrate installed (CREATE EXTENSION); the
script drops and re-creates the extension between graphs.  It ends with
one line

    alembic differential: N questions compared, M differences

and exits 1 when M > 0.

Deliberate differences, where SPEC.md overrides Alembic:
- downgrade '-N' (no symbol) while several heads are applied is 21000 in
  pim_migrate; Alembic warns and picks one.  pim_migrate raising 21000
  there counts as agreement.
- a prefix shorter than four characters is never a prefix in pim_migrate;
  no such question is asked (prefixes asked are six characters).
"""

import argparse
import collections
import re
import sys
import time
import types
import random
import warnings

try:
    import psycopg2
    from alembic.runtime.migration import HeadMaintainer, MigrationStep
    from alembic.script.revision import Revision, RevisionMap
except ImportError as exc:  # the TAP test checks this before running us
    print("alembic differential: cannot import %s (run with /usr/bin/python3, "
          "apt-get install python3-alembic python3-psycopg2)" % exc.name,
          file=sys.stderr)
    sys.exit(2)

MAX_DETAILS = 20

# Branch label words: never 'head', 'heads', 'base', never starting with
# 'r' (ids do), so no label is a prefix of an id nor an id one of a label.
LABEL_WORDS = [
    "alpha", "beta", "gamma", "delta", "sales", "stock", "audit", "users",
    "billing", "search", "mobile", "kappa", "lambda", "omega", "sigma",
    "theta", "zeta", "epsilon", "iota", "upsilon",
]

TARGET_KINDS = [
    "heads", "head", "base", "id", "prefix", "label", "+1", "+2", "-1", "-2",
    "REV+1", "REV-1", "LABEL@head", "LABEL@base", "LABEL@+1", "LABEL@-1",
    "LABEL@REV",
]


# ---------------------------------------------------------------------------
# Random graphs
# ---------------------------------------------------------------------------

class Node:
    """One revision of a generated graph, as both sides are told about it."""

    def __init__(self, rid, down, deps, labels):
        self.id = rid
        self.down = down        # list of ids; [] is a base
        self.deps = deps        # list of ids or labels
        self.labels = labels    # list of labels this revision declares


class Graph:
    def __init__(self, number, nodes):
        self.number = number
        self.nodes = nodes
        self.by_id = {n.id: n for n in nodes}
        self.label_of = {}
        for n in nodes:
            for lab in n.labels:
                self.label_of[lab] = n.id
        self.labels = sorted(self.label_of)
        # ancestors through down_revisions and depends_on, transitively
        self.ancestors = {}
        for n in nodes:  # parents come first
            anc = set()
            for p in self.direct_ancestors(n.id):
                anc.add(p)
                anc |= self.ancestors[p]
            self.ancestors[n.id] = anc

    def resolve(self, name):
        return self.label_of.get(name, name)

    def direct_ancestors(self, rid):
        n = self.by_id[rid]
        return list(n.down) + [self.resolve(d) for d in n.deps]

    def describe(self, indent="    "):
        lines = []
        for n in self.nodes:
            s = "%s%s <- %s" % (indent, n.id,
                                ", ".join(n.down) if n.down else "(base)")
            if n.deps:
                s += "  depends_on %s" % ", ".join(n.deps)
            if n.labels:
                s += "  label %s" % ", ".join(n.labels)
            lines.append(s)
        return "\n".join(lines)


def new_id(rng, taken_prefixes):
    while True:
        rid = "r%07x" % rng.getrandbits(28)
        if rid[:6] not in taken_prefixes:
            taken_prefixes.add(rid[:6])
            return rid


def generate_graph(rng, number):
    n = rng.randint(2, 25)
    prefixes = set()
    free_labels = LABEL_WORDS[:]
    rng.shuffle(free_labels)
    nodes = []
    ancestors = {}      # id -> set of ancestors (down and deps, transitive)
    has_child = set()   # ids that are some revision's down_revision
    nbases = 0

    def incomparable(ids):
        for a in ids:
            for b in ids:
                if a != b and a in ancestors[b]:
                    return False
        return True

    for i in range(n):
        rid = new_id(rng, prefixes)
        ids = [x.id for x in nodes]
        heads = [x for x in ids if x not in has_child]
        down = None
        if i == 0 or (nbases < 3 and rng.random() < 0.08):
            down = []
        elif len(ids) >= 2 and rng.random() < 0.18:
            k = rng.choice([2, 2, 2, 3])
            pool = heads if len(heads) >= 2 and rng.random() < 0.7 else ids
            k = min(k, len(pool))
            for _ in range(10):
                cand = rng.sample(pool, k)
                if incomparable(cand):
                    down = cand
                    break
        if down is None:
            if rng.random() < 0.6:
                down = [rng.choice(heads)]
            else:
                down = [rng.choice(ids)]
        if not down:
            nbases += 1
        anc = set()
        for p in down:
            anc.add(p)
            anc |= ancestors[p]
        deps = []
        if i >= 2 and rng.random() < 0.18:
            cand = [x for x in ids if x not in anc]
            if cand:
                d = rng.choice(cand)
                anc.add(d)
                anc |= ancestors[d]
                dnode = next(x for x in nodes if x.id == d)
                if dnode.labels and rng.random() < 0.5:
                    deps.append(dnode.labels[0])
                else:
                    deps.append(d)
        labels = []
        if free_labels and rng.random() < 0.2:
            labels.append(free_labels.pop())
        nodes.append(Node(rid, down, deps, labels))
        ancestors[rid] = anc
        has_child.update(down)
    return Graph(number, nodes)


# ---------------------------------------------------------------------------
# Alembic side
# ---------------------------------------------------------------------------

def _noop():
    pass


class FakeScript(Revision):
    """A Revision that RevisionStep can take for a Script."""

    module = types.SimpleNamespace(upgrade=_noop, downgrade=_noop)
    doc = ""


class SetHeadMaintainer(HeadMaintainer):
    """HeadMaintainer whose version table is a Python set.

    The checks of the real one stay: inserting a row that is there, or
    updating to one, fails an assertion; deleting or updating from a row
    that is not there fails (the real one raises CommandError when the
    statement matches no row).
    """

    def __init__(self, heads):
        self.context = None
        self.heads = set(heads)

    def _insert_version(self, version):
        assert version not in self.heads
        self.heads.add(version)

    def _delete_version(self, version):
        self.heads.remove(version)

    def _update_version(self, from_, to_):
        assert to_ not in self.heads
        self.heads.remove(from_)
        self.heads.add(to_)


def alembic_map(graph):
    revs = [
        FakeScript(
            n.id,
            tuple(n.down) if n.down else None,
            dependencies=tuple(n.deps) if n.deps else None,
            branch_labels=tuple(n.labels) if n.labels else None,
        )
        for n in graph.nodes
    ]
    rmap = RevisionMap(lambda: revs)
    rmap._revision_map  # build now: a bad graph fails here, not in a question
    return rmap


class Outcome:
    def __init__(self, run=None, current=None, error=None, code=None):
        self.run = run              # list of revision ids, in order
        self.current = current      # set of version rows after it
        self.error = error          # message, when refused
        self.code = code            # exception class name / SQLSTATE

    @property
    def refused(self):
        return self.error is not None

    def __str__(self):
        if self.refused:
            return "refused: %s: %s" % (self.code, self.error.strip())
        return "ran [%s], version {%s}" % (", ".join(self.run),
                                           ", ".join(sorted(self.current)))


def alembic_migrate(rmap, current, target, upgrade):
    heads = tuple(sorted(current))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if upgrade:
                revs = reversed(list(rmap.iterate_revisions(
                    target, heads, implicit_base=True)))
                steps = [MigrationStep.upgrade_from_script(rmap, r)
                         for r in revs]
            else:
                revs = rmap.iterate_revisions(
                    heads, target, select_for_downgrade=True)
                steps = [MigrationStep.downgrade_from_script(rmap, r)
                         for r in revs]
            maintainer = SetHeadMaintainer(heads)
            for step in steps:
                maintainer.update_to_step(step)
    except Exception as exc:  # any exception: Alembic refuses
        return Outcome(error=str(exc) or repr(exc), code=type(exc).__name__)
    return Outcome(run=[s.revision.revision for s in steps],
                   current=set(maintainer.heads))


def alembic_show(rmap, target):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rev = rmap.get_revision(target)
    except Exception as exc:
        return Outcome(error=str(exc) or repr(exc), code=type(exc).__name__)
    if rev is None:
        return Outcome(error="no revision", code="None")
    return Outcome(run=[rev.revision], current=set())


# ---------------------------------------------------------------------------
# pim_migrate side
# ---------------------------------------------------------------------------

def error_outcome(exc):
    """A refusal from a psycopg2 error: its SQLSTATE and first line."""
    text = (exc.pgerror or str(exc)).strip()
    text = re.sub(r"^ERROR:\s*", "", text).split("\n")[0]
    return Outcome(error=text, code=exc.pgcode)


class Pim:
    def __init__(self, dsn):
        self.conn = psycopg2.connect(dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("SET client_min_messages = warning")

    def reset(self):
        self.cur.execute("DROP EXTENSION pim_migrate; "
                         "CREATE EXTENSION pim_migrate;")

    def register(self, graph):
        """Register every revision, parents first; None or the failure."""
        for n in graph.nodes:
            try:
                self.cur.execute(
                    "SELECT pim_migrate_revision(message => %s, "
                    "upgrade => 'SELECT 1', downgrade => 'SELECT 1', "
                    "down_revision => %s::text[], revision => %s, "
                    "branch_labels => %s::text[], depends_on => %s::text[])",
                    (n.id, n.down, n.id, n.labels or None, n.deps or None))
            except psycopg2.Error as exc:
                return n, error_outcome(exc)
        return None

    def begin(self):
        self.cur.execute("BEGIN")

    def commit(self):
        self.cur.execute("COMMIT")

    def release(self):
        self.cur.execute("RELEASE SAVEPOINT q")

    def rollback(self):
        self.cur.execute("ROLLBACK TO SAVEPOINT q")
        self.cur.execute("RELEASE SAVEPOINT q")

    def migrate(self, target, upgrade):
        """Outcome of the migration.

        On success the migration is left pending in savepoint q: the caller
        keeps it (release) or undoes it (rollback).  A refusal is undone.
        """
        fn = "pim_migrate_upgrade" if upgrade else "pim_migrate_downgrade"
        op = "upgrade" if upgrade else "downgrade"

        def body(cur):
            cur.execute("SELECT step, revision, operation FROM %s(%%s)" % fn,
                        (target,))
            rows = sorted(cur.fetchall())
            cur.execute("SELECT * FROM pim_migrate_current()")
            current = {r[0] for r in cur.fetchall()}
            out = Outcome(run=[r[1] for r in rows], current=current)
            out.bad_ops = [r for r in rows if r[2] != op]
            return out

        cur = self.cur
        cur.execute("SAVEPOINT q")
        try:
            return body(cur)
        except psycopg2.Error as exc:
            self.rollback()
            return error_outcome(exc)

    def current(self):
        self.cur.execute("SELECT * FROM pim_migrate_current()")
        return {r[0] for r in self.cur.fetchall()}

    def heads(self):
        self.cur.execute("SELECT revision FROM pim_migrate_heads()")
        return {r[0] for r in self.cur.fetchall()}

    def show(self, target):
        self.cur.execute("SAVEPOINT s")
        try:
            self.cur.execute("SELECT revision FROM pim_migrate_show(%s)",
                             (target,))
            rows = [r[0] for r in self.cur.fetchall()]
            self.cur.execute("RELEASE SAVEPOINT s")
        except psycopg2.Error as exc:
            self.cur.execute("ROLLBACK TO SAVEPOINT s")
            self.cur.execute("RELEASE SAVEPOINT s")
            return error_outcome(exc)
        if len(rows) != 1:
            return Outcome(error="%d rows" % len(rows), code="rows")
        return Outcome(run=rows, current=set())


# ---------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------

def random_target(rng, graph):
    """(kind, target text) from the whole grammar."""
    kind = rng.choice(TARGET_KINDS)
    if "LABEL" in kind or kind == "label":
        if not graph.labels:
            kind = rng.choice(["id", "prefix", "REV+1", "REV-1"])
    rid = rng.choice(graph.nodes).id
    label = rng.choice(graph.labels) if graph.labels else None
    if kind == "id":
        return kind, rid
    if kind == "prefix":
        return kind, rid[:6]
    if kind == "label":
        return kind, label
    if kind == "REV+1":
        return kind, rng.choice([rid, rid[:6]]) + "+1"
    if kind == "REV-1":
        return kind, rng.choice([rid, rid[:6]]) + "-1"
    if kind == "LABEL@REV":
        return kind, "%s@%s" % (label, rid)
    if kind.startswith("LABEL@"):
        return kind, "%s@%s" % (label, kind[len("LABEL@"):])
    return kind, kind  # heads, head, base, +1, +2, -1, -2


def show_target(rng, graph):
    kind = rng.choice(["id", "prefix", "label", "head", "heads",
                       "LABEL@head", "LABEL@REV"])
    if ("LABEL" in kind or kind == "label") and not graph.labels:
        kind = rng.choice(["id", "prefix"])
    return random_target_of_kind(rng, graph, kind)


def random_target_of_kind(rng, graph, kind):
    rid = rng.choice(graph.nodes).id
    label = rng.choice(graph.labels) if graph.labels else None
    return kind, {
        "id": rid,
        "prefix": rid[:6],
        "label": label,
        "head": "head",
        "heads": "heads",
        "LABEL@head": "%s@head" % label,
        "LABEL@REV": "%s@%s" % (label, rid),
    }[kind]


def order_problems(graph, run, upgrade):
    """Pairs (rev, ancestor) of the run in the wrong order."""
    pos = {r: i for i, r in enumerate(run)}
    bad = []
    for r in run:
        for a in graph.ancestors.get(r, ()):
            if a in pos and ((pos[a] > pos[r]) if upgrade
                             else (pos[a] < pos[r])):
                bad.append((r, a))
    return bad


class Differential:
    def __init__(self, args):
        self.args = args
        self.questions = 0
        self.differences = 0
        self.kinds = collections.OrderedDict()  # kind -> [count, size, example]
        self.agreed_refusals = collections.Counter()
        self.deliberate = 0

    def question(self):
        self.questions += 1

    def differ(self, graph, kind, text):
        self.differences += 1
        entry = self.kinds.setdefault(kind, [0, None, None])
        entry[0] += 1
        if entry[1] is None or len(graph.nodes) < entry[1]:
            # keep the smallest example of each kind
            entry[1] = len(graph.nodes)
            entry[2] = "graph %d:\n%s\n%s" % (graph.number,
                                              graph.describe("      "),
                                              text.replace("\n  ", "\n    "))
        if self.differences <= MAX_DETAILS:
            print("DIFFERENCE %d (graph %d) [%s]" % (self.differences,
                                                     graph.number, kind))
            print("  graph:")
            print(graph.describe())
            print(text)
            print()
        elif self.differences == MAX_DETAILS + 1:
            print("(more differences: details omitted)")
            print()

    def compare_migration(self, graph, current, op_kind, target, upgrade,
                          alembic, pim):
        """'agree', 'differ' (with kind and why)."""
        op = "upgrade" if upgrade else "downgrade"
        several = len(current) > 1
        if (not upgrade and re.fullmatch(r"-\d+", target) and several):
            if pim.refused and pim.code == "21000":
                self.deliberate += 1
                return None
            return ("downgrade -N from several heads: SPEC wants 21000",
                    "pim_migrate did not raise 21000")
        if alembic.refused and pim.refused:
            self.agreed_refusals[pim.code] += 1
            return None
        if alembic.refused:
            return ("%s %s: Alembic refuses (%s), pim_migrate runs"
                    % (op, op_kind, alembic.code), "only Alembic refuses")
        if pim.refused:
            return ("%s %s: Alembic runs, pim_migrate refuses (%s)"
                    % (op, op_kind, pim.code), "only pim_migrate refuses")
        if set(alembic.run) != set(pim.run) or len(pim.run) != len(set(pim.run)):
            return ("%s %s: different revisions run" % (op, op_kind),
                    "only Alembic runs {%s}; only pim_migrate runs {%s}"
                    % (", ".join(sorted(set(alembic.run) - set(pim.run))),
                       ", ".join(sorted(set(pim.run) - set(alembic.run)))))
        if getattr(pim, "bad_ops", None):
            return ("%s %s: wrong operation column" % (op, op_kind),
                    "rows %r" % (pim.bad_ops,))
        bad = order_problems(graph, pim.run, upgrade)
        if bad:
            return ("%s %s: order violates dependencies" % (op, op_kind),
                    "pim_migrate runs %s" % "; ".join(
                        "%s %s %s" % (r, "before its ancestor" if upgrade
                                      else "after its ancestor", a)
                        for r, a in bad[:3]))
        if alembic.current != pim.current:
            return ("%s %s: different version rows" % (op, op_kind),
                    "version rows differ")
        return None

    def run_graph(self, rng, pim, graph):
        verbose = self.args.verbose
        try:
            rmap = alembic_map(graph)
        except Exception as exc:  # our generator made a graph Alembic rejects
            print("graph %d: Alembic rejects the generated graph: %s"
                  % (graph.number, exc), file=sys.stderr)
            return
        pim.reset()
        self.question()
        failed = pim.register(graph)
        if failed:
            node, out = failed
            self.differ(graph, "register: pim_migrate refuses (%s)" % out.code,
                        "  register %s: Alembic accepts the graph; "
                        "pim_migrate %s" % (node.id, out))
            return

        pim.begin()
        # static questions
        self.question()
        a_heads = set(rmap.heads)
        p_heads = pim.heads()
        if verbose:
            print("graph %d heads: alembic {%s} pim_migrate {%s}"
                  % (graph.number, ", ".join(sorted(a_heads)),
                     ", ".join(sorted(p_heads))))
        if a_heads != p_heads:
            self.differ(graph, "heads: different",
                        "  question: heads\n  alembic:     {%s}\n"
                        "  pim_migrate: {%s}"
                        % (", ".join(sorted(a_heads)),
                           ", ".join(sorted(p_heads))))
        for _ in range(3):
            kind, target = show_target(rng, graph)
            self.question()
            a = alembic_show(rmap, target)
            p = pim.show(target)
            if verbose:
                print("graph %d show %r: alembic %s | pim_migrate %s"
                      % (graph.number, target, a, p))
            if a.refused and p.refused:
                self.agreed_refusals[p.code] += 1
                continue
            if a.refused != p.refused or a.run != p.run:
                if a.refused:
                    why = "Alembic refuses (%s), pim_migrate finds one" % a.code
                elif p.refused:
                    why = "Alembic finds one, pim_migrate refuses (%s)" % p.code
                else:
                    why = "different revisions"
                self.differ(graph, "show %s: %s" % (kind, why),
                            "  question: show %r\n  alembic:     %s\n"
                            "  pim_migrate: %s" % (target, a, p))

        # the walk
        current = set()
        for _ in range(rng.randint(8, 12)):
            upgrade = rng.random() < (0.8 if not current else 0.5)
            op_kind, target = random_target(rng, graph)
            op = "upgrade" if upgrade else "downgrade"
            self.question()
            a = alembic_migrate(rmap, current, target, upgrade)
            p = pim.migrate(target, upgrade)
            if verbose:
                print("graph %d {%s} %s %r:\n    alembic     %s\n"
                      "    pim_migrate %s"
                      % (graph.number, ", ".join(sorted(current)), op,
                         target, a, p))
            verdict = self.compare_migration(graph, current, op_kind, target,
                                             upgrade, a, p)
            if verdict:
                kind, why = verdict
                self.differ(graph, kind,
                            "  current: {%s}\n  question: %s %r\n"
                            "  alembic:     %s\n  pim_migrate: %s\n  (%s)"
                            % (", ".join(sorted(current)) or "base", op,
                               target, a, p, why))
                # both sides stay where they last agreed
                if not p.refused:
                    pim.rollback()
                continue
            if not p.refused:  # and so Alembic ran too, to the same rows
                pim.release()
                current = set(a.current)
        pim.commit()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dsn", required=True, help="libpq connection string")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--graphs", type=int, default=300)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    started = time.monotonic()
    rng = random.Random(args.seed)
    pim = Pim(args.dsn)
    diff = Differential(args)
    for number in range(1, args.graphs + 1):
        graph = generate_graph(rng, number)
        diff.run_graph(rng, pim, graph)
    # leave the database as we found it: the extension, empty
    pim.reset()
    elapsed = time.monotonic() - started

    if diff.kinds:
        print("differences by kind:")
        for kind, (count, _, example) in diff.kinds.items():
            print("  %4d  %s" % (count, kind))
            print("    smallest example, %s" % example)
    if diff.agreed_refusals:
        print("both refuse (pim_migrate's SQLSTATE): %s" % ", ".join(
            "%s %d" % kv for kv in sorted(diff.agreed_refusals.items())))
    if diff.deliberate:
        print("downgrade -N from several heads, 21000 as SPEC.md wants: %d"
              % diff.deliberate)
    print("%d graphs, seed %d, %.1f s" % (args.graphs, args.seed, elapsed))
    print("alembic differential: %d questions compared, %d differences"
          % (diff.questions, diff.differences))
    return 1 if diff.differences else 0


if __name__ == "__main__":
    sys.exit(main())
