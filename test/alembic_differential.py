#!/usr/bin/python3
"""Differential test: pim_migrate against Alembic's own revision logic.

For many random revision graphs (several bases, branch points, merges,
branch labels, depends_on), build the same graph twice: as Alembic Revision
objects in a RevisionMap, and in pim_migrate with pim_migrate_revision().
Then ask both the same questions and compare the answers:

- the heads of the graph;
- pim_migrate_show() of a few targets that name one revision;
- a random walk of upgrades and downgrades from base, to targets drawn from
  the whole grammar (head, heads, base, ids, prefixes, labels, +N, -N,
  REV+N, REV-N, LABEL@head, LABEL@base, LABEL@+N, LABEL@-N, LABEL@REV);
- in the same walk, now and then a stamp (pim_migrate_stamp()), sometimes
  with purge, sometimes to two revisions on different branches at once
  ('r1,r2'), to the targets Alembic's stamp can take: not +N, REV+N, REV-N
  or LABEL@+N, which its get_revisions() never resolves.  -N and LABEL@-N
  are asked: Alembic resolves them from the heads of the graph when there
  are no version rows (or with purge), and refuses them otherwise.

Alembic runs without a database: the steps come from
RevisionMap.iterate_revisions() exactly as ScriptDirectory._upgrade_revs()
and _downgrade_revs() compute them, and the version rows after them from
feeding each RevisionStep through Alembic's HeadMaintainer, whose
version-table statements are replaced by updates of a Python set.  A stamp
is ScriptDirectory._stamp_revs() (called on a ScriptDirectory that has only
the revision map) with the destinations as a tuple, as command.stamp()
passes them, and the current rows, or none with purge (run_migrations()
deletes them first); its StampSteps go through the same HeadMaintainer.
Any exception on Alembic's side is a refusal.

pim_migrate runs each migration in a savepoint and keeps it when both sides
agree; when they differ, both stay where they last agreed.  Both refusing
is agreement.  Both running must give the same revisions in the same
order (Alembic's map is built in id order, the order in which it lists
<id>_<slug>.py files by name, and which pim_migrate uses for ties), an
order where every revision comes after (upgrade) or before (downgrade)
its ancestors in the run, and the same version rows.  A stamp that both
make must leave the same version rows (as sets), and pim_migrate_stamp()
must return the rows pim_migrate_current() then holds; after it, the walk
goes on from there.  An internal error (SQLSTATE class XX) is never an
agreeing refusal for a stamp.

Deliberate differences (counted, and printed in the summary):
- downgrade '-N' (no symbol) while several heads are applied is 21000 in
  pim_migrate, as SPEC.md wants; Alembic warns and picks one.
- where Alembic 1.8 plans a migration and then its HeadMaintainer fails
  (a KeyError on a merge whose down_revision is also an ancestor of its
  own dependency), pim_migrate running exactly that plan and ending with
  the minimal heads counts as agreement.
- where Alembic ends with a version row that another row stands on (after
  downgrading through a depends_on), pim_migrate ending with the same
  applied revisions as the minimal set of heads (SPEC.md) counts as
  agreement.
- stamp, one target: where Alembic's stamp fails (an assertion, when a
  '-N' walked down from several heads gives the same revision twice or
  the string 'base') or leaves a row that another stands on (a '-N' from
  several heads), pim_migrate ending with the minimal set of heads of the
  rows Alembic leaves alone (or keeps) and the destinations counts as
  agreement.
- stamp, several destinations: _stamp_revs() filters the current rows once
  for all destinations, and each destination's step then moves every row
  of that shared list; where that makes its HeadMaintainer fail (KeyError),
  pim_migrate ending with the minimal set of heads of the rows sharing no
  lineage with any destination and the destinations counts as agreement.
  Where it does not fail but drops a row, that stays a difference.
- the prefixes asked have six characters; pim_migrate's rule for shorter
  ones is Alembic's (ids of four characters or more), see sql/target.sql.

Run with Debian's interpreter, which has python3-alembic (1.8) and
python3-psycopg2, against a database where pim_migrate is installed (the
script drops and re-creates the extension for every graph):

    /usr/bin/python3 test/alembic_differential.py --dsn "host=... dbname=..."

It ends with the line

    alembic differential: N questions compared, M differences

and exits 1 when M > 0 (2 when it cannot run at all).
"""

import argparse
import collections
import random
import re
import sys
import time
import types
import warnings

try:
    import psycopg2
    from alembic.runtime.migration import HeadMaintainer, MigrationStep
    from alembic.script.base import ScriptDirectory
    from alembic.script.revision import Revision, RevisionMap
except ImportError as exc:  # the TAP test checks this before running us
    print("alembic differential: cannot import %s; run it with "
          "/usr/bin/python3, and apt-get install python3-alembic "
          "python3-psycopg2" % exc.name, file=sys.stderr)
    sys.exit(2)

MAX_DETAILS = 20

# Branch labels: never 'head', 'heads' or 'base', and never starting with
# 'r' as ids do, so that no label is a prefix of an id or the reverse.
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

SHOW_KINDS = ["id", "prefix", "label", "head", "heads", "LABEL@head",
              "LABEL@REV"]

# Stamp targets: those of upgrades that Alembic's stamp can take.  '+N',
# 'REV+N', 'REV-N' and 'LABEL@+N' never resolve in its get_revisions()
# (it does not walk relative to the current rows), so they are not asked.
# '-N' and 'LABEL@-N' are: get_revisions() walks them down from the heads
# of the graph, which _stamp_revs() takes from no version rows (or with
# purge); with rows, its lineage filter cannot resolve them and refuses.
STAMP_KINDS = [
    "heads", "head", "base", "id", "prefix", "label", "-1", "-2",
    "LABEL@head", "LABEL@base", "LABEL@-1", "LABEL@REV",
]
STAMP_CHANCE = 0.15     # of a walk step being a stamp
STAMP_PURGE = 0.2       # of a stamp purging the version rows first
STAMP_TWO = 0.25        # of a stamp naming two revisions on other branches


def fmt_set(revs):
    return "{%s}" % ", ".join(sorted(revs))


def fmt_state(revs):
    return fmt_set(revs) if revs else "base (no version rows)"


def fmt_stamp(out):
    """A stamp's outcome: the version rows after it, or the refusal."""
    if out.refused:
        return str(out)
    s = "version %s" % fmt_state(out.current)
    if out.planned:  # Alembic: its StampSteps
        s += " (steps [%s])" % ", ".join(out.planned)
    return s


# ---------------------------------------------------------------------------
# Random graphs
# ---------------------------------------------------------------------------

class Node:
    """One revision of a generated graph, as both sides are told it."""

    def __init__(self, rid, down, deps, labels):
        self.id = rid
        self.down = down        # ids; [] is a base
        self.deps = deps        # ids or branch labels
        self.labels = labels    # the branch labels it declares


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
        # ancestors through down_revisions and depends_on, transitively;
        # nodes are in creation order, parents first
        self.ancestors = {}
        for n in nodes:
            anc = set()
            for p in list(n.down) + [self.label_of.get(d, d) for d in n.deps]:
                anc.add(p)
                anc |= self.ancestors[p]
            self.ancestors[n.id] = anc

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


def generate_graph(rng, number):
    """2 to 25 revisions: bases, branch points, merges, labels, depends_on.

    Ids are 'r' and 7 hex digits, distinct in their first 6 characters so
    that a 6-character prefix names one revision.  Parents and
    dependencies are always revisions created earlier: no cycles.
    """
    n = rng.randint(2, 25)
    prefixes = set()
    free_labels = LABEL_WORDS[:]
    rng.shuffle(free_labels)
    nodes = []
    ancestors = {}      # id -> ancestors through down_revisions and deps
    has_child = set()   # ids that are some revision's down_revision
    nbases = 0

    def incomparable(ids):
        return not any(a != b and a in ancestors[b] for a in ids for b in ids)

    for i in range(n):
        while True:
            rid = "r%07x" % rng.getrandbits(28)
            if rid[:6] not in prefixes:
                prefixes.add(rid[:6])
                break
        ids = [x.id for x in nodes]
        heads = [x for x in ids if x not in has_child]
        down = None
        if i == 0 or (nbases < 3 and rng.random() < 0.08):
            down = []
        elif len(ids) >= 2 and rng.random() < 0.18:
            # a merge of 2 or 3 revisions, none an ancestor of another
            pool = heads if len(heads) >= 2 and rng.random() < 0.7 else ids
            k = min(rng.choice([2, 2, 2, 3]), len(pool))
            for _ in range(10):
                cand = rng.sample(pool, k)
                if incomparable(cand):
                    down = cand
                    break
        if down is None:
            # extend a head, or start a branch anywhere
            down = [rng.choice(heads) if rng.random() < 0.6
                    else rng.choice(ids)]
        if not down:
            nbases += 1
        anc = set()
        for p in down:
            anc.add(p)
            anc |= ancestors[p]
        deps = []
        if i >= 2 and rng.random() < 0.18:
            # depends_on a revision that is not already an ancestor,
            # sometimes by the branch label it declares
            cand = [x for x in ids if x not in anc]
            if cand:
                d = rng.choice(cand)
                anc.add(d)
                anc |= ancestors[d]
                dnode = nodes[ids.index(d)]
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
# Outcomes
# ---------------------------------------------------------------------------

class Outcome:
    """What one side did: the revisions run and the version rows after, or
    a refusal with its code (SQLSTATE, or Alembic's exception class)."""

    def __init__(self, run=None, current=None, error=None, code=None,
                 planned=None):
        self.run = run
        self.current = current
        self.error = error
        self.code = code
        self.planned = planned  # Alembic: steps computed before a failure
        self.bad_ops = []       # pim_migrate: rows with a wrong operation

    @property
    def refused(self):
        return self.error is not None

    def __str__(self):
        if self.refused:
            s = "refused: %s: %s" % (self.code, self.error)
            if self.planned is not None:
                s += " (after planning the steps [%s])" % ", ".join(
                    self.planned)
            return s
        return "ran [%s], version %s" % (", ".join(self.run),
                                         fmt_set(self.current))


def alembic_error(exc, planned=None):
    text = str(exc).strip() or repr(exc)
    return Outcome(error=text.split("\n")[0], code=type(exc).__name__,
                   planned=planned)


# ---------------------------------------------------------------------------
# Alembic side
# ---------------------------------------------------------------------------

def _noop():
    pass


class FakeScript(Revision):
    """A Revision that RevisionStep accepts for a Script."""

    module = types.SimpleNamespace(upgrade=_noop, downgrade=_noop)
    doc = ""


class SetHeadMaintainer(HeadMaintainer):
    """Alembic's HeadMaintainer with a Python set for the version table.

    The checks stay those of the real one: inserting a row that is there,
    or updating to one, fails its assertion; deleting, or updating from, a
    row that is not there fails (set.remove; the real one fails the same
    way before running its statement).
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
        # in id order, as Alembic reads <id>_<slug>.py files listed in
        # name order (pim_migrate orders ties the same way)
        for n in sorted(graph.nodes, key=lambda n: n.id)
    ]
    rmap = RevisionMap(lambda: revs)
    rmap._revision_map  # build it now: a bad graph fails here
    return rmap


def alembic_migrate(rmap, current, target, upgrade):
    """Alembic's upgrade/downgrade from the version rows `current`."""
    heads = tuple(sorted(current))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if upgrade:  # ScriptDirectory._upgrade_revs
                revs = reversed(list(rmap.iterate_revisions(
                    target, heads, implicit_base=True)))
                steps = [MigrationStep.upgrade_from_script(rmap, r)
                         for r in revs]
            else:        # ScriptDirectory._downgrade_revs
                revs = rmap.iterate_revisions(
                    heads, target, select_for_downgrade=True)
                steps = [MigrationStep.downgrade_from_script(rmap, r)
                         for r in revs]
        except Exception as exc:
            return alembic_error(exc)
        run = [s.revision.revision for s in steps]
        try:             # MigrationContext.run_migrations
            maintainer = SetHeadMaintainer(heads)
            for step in steps:
                maintainer.update_to_step(step)
        except Exception as exc:
            return alembic_error(exc, planned=run)
    return Outcome(run=run, current=set(maintainer.heads))


def alembic_show(rmap, target):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rev = rmap.get_revision(target)
        except Exception as exc:
            return alembic_error(exc)
    if rev is None:
        return Outcome(error="no revision", code="None")
    return Outcome(run=[rev.revision], current=set())


def alembic_scripts(rmap):
    """A ScriptDirectory on the map alone: _stamp_revs(), get_revisions()
    and _catch_revision_errors() use nothing else of it."""
    sd = object.__new__(ScriptDirectory)
    sd.revision_map = rmap
    return sd


def fmt_stamp_step(step):
    return "%s -> %s" % ("(%s)" % ", ".join(step.from_) if step.from_
                         else "base",
                         "(%s)" % ", ".join(step.to_) if step.to_ else "base")


def alembic_stamp(rmap, current, targets, purge):
    """Alembic's stamp to the tuple of destinations `targets`.

    command.stamp() hands the destinations, as a tuple, and the current
    heads to ScriptDirectory._stamp_revs(); with purge, run_migrations()
    deletes every version row first and passes no heads.  Each StampStep
    then goes through the HeadMaintainer, as MigrationContext.stamp() and
    run_migrations() do.
    """
    heads = () if purge else tuple(sorted(current))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            steps = alembic_scripts(rmap)._stamp_revs(tuple(targets), heads)
        except Exception as exc:
            return alembic_error(exc)
        planned = [fmt_stamp_step(step) for step in steps]
        try:
            maintainer = SetHeadMaintainer(heads)
            for step in steps:
                maintainer.update_to_step(step)
        except Exception as exc:
            return alembic_error(exc, planned=planned)
    out = Outcome(run=[], current=set(maintainer.heads))
    out.planned = planned
    return out


def alembic_stamp_one_by_one(rmap, current, targets, purge):
    """The rows after stamping each revision the targets name, one at a
    time, each by Alembic's own single-destination stamp; None when the
    targets name fewer than two revisions or Alembic fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            named = []
            for t in targets:
                named += [r.revision for r in rmap.get_revisions(t)
                          if isinstance(r, Revision)]
        except Exception:
            return None
    if len(named) < 2:
        return None
    state = set() if purge else set(current)
    for rev in named:
        out = alembic_stamp(rmap, state, (rev,), False)
        if out.refused:
            return None
        state = out.current
    return state


def alembic_stamp_parts(rmap, current, targets, purge):
    """(rows the stamp leaves alone, destinations, note), by Alembic's own
    resolution: the current rows (none with purge) that share no lineage
    (depends_on included) with any target, as _stamp_revs() filters them,
    and the revisions the targets name.  A '-N' walked down to base gives
    the string 'base' (no revision), and several heads walked down may give
    the same revision twice: the note says so.  None when Alembic cannot
    resolve them."""
    heads = () if purge else tuple(sorted(current))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            heads_revs = rmap.get_revisions(heads)
            touched = set()
            for t in targets:
                touched |= {r.revision for r in rmap.filter_for_lineage(
                    heads_revs, t, include_dependencies=True)}
            named = rmap.get_revisions(tuple(targets))
        except Exception:
            return None
    dests = [r.revision for r in named if isinstance(r, Revision)]
    notes = []
    if any(r is not None and not isinstance(r, Revision) for r in named):
        notes.append("a head walked down to 'base' is a destination")
    if len(dests) != len(set(dests)):
        notes.append("the same destination twice")
    return set(heads) - touched, set(dests), "; ".join(notes)


# ---------------------------------------------------------------------------
# pim_migrate side
# ---------------------------------------------------------------------------

class ConnectionLost(Exception):
    pass


def pim_error(exc):
    """A refusal from a psycopg2 error: its SQLSTATE and first line."""
    if exc.pgcode is None:  # not the server's answer: the connection died
        raise ConnectionLost(str(exc).strip()) from exc
    text = (exc.pgerror or str(exc)).strip()
    text = re.sub(r"^ERROR:\s*", "", text).split("\n")[0]
    return Outcome(error=text, code=exc.pgcode)


class Pim:
    """One autocommit connection; each graph is one transaction, each
    question a savepoint in it."""

    def __init__(self, dsn):
        self.dsn = dsn
        self.connect()

    def connect(self):
        self.conn = psycopg2.connect(self.dsn)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("SET client_min_messages = warning")
        # a hung call must not hang the run
        self.cur.execute("SET statement_timeout = '60s'")

    def reconnect(self, seconds=30):
        """After a lost connection (a crashed backend): wait for the
        server to accept connections again."""
        try:
            self.conn.close()
        except psycopg2.Error:
            pass
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.connect()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def reset(self):
        self.cur.execute("DROP EXTENSION IF EXISTS pim_migrate; "
                         "CREATE EXTENSION pim_migrate;")

    def register(self, graph):
        """Register every revision, parents first: None, or the node that
        was refused and the refusal."""
        for n in graph.nodes:
            try:
                self.cur.execute(
                    "SELECT pim_migrate_revision(message => %s, "
                    "upgrade => 'SELECT 1', downgrade => 'SELECT 1', "
                    "down_revision => %s::text[], revision => %s, "
                    "branch_labels => %s::text[], depends_on => %s::text[])",
                    (n.id, n.down, n.id, n.labels or None, n.deps or None))
            except psycopg2.Error as exc:
                return n, pim_error(exc)
        return None

    def begin(self):
        self.cur.execute("BEGIN")

    def commit(self):
        self.cur.execute("COMMIT")

    def keep(self):
        self.cur.execute("RELEASE SAVEPOINT q")

    def undo(self):
        self.cur.execute("ROLLBACK TO SAVEPOINT q")
        self.cur.execute("RELEASE SAVEPOINT q")

    def _ask(self, body):
        """body(cur) in savepoint q; a refusal is undone, a success is left
        pending for the caller to keep() or undo()."""
        self.cur.execute("SAVEPOINT q")
        try:
            return body(self.cur)
        except psycopg2.Error as exc:
            out = pim_error(exc)
            self.undo()
            return out

    def migrate(self, target, upgrade):
        fn = "pim_migrate_upgrade" if upgrade else "pim_migrate_downgrade"
        op = "upgrade" if upgrade else "downgrade"

        def body(cur):
            cur.execute("SELECT step, revision, operation FROM %s(%%s)" % fn,
                        (target,))
            rows = cur.fetchall()
            if all(r[0] is not None for r in rows):
                rows.sort(key=lambda r: r[0])
            cur.execute("SELECT * FROM pim_migrate_current()")
            out = Outcome(run=[r[1] for r in rows],
                          current={r[0] for r in cur.fetchall()})
            out.bad_ops = [r for r in rows if r[2] != op]
            return out

        return self._ask(body)

    def heads(self):
        def body(cur):
            cur.execute("SELECT revision FROM pim_migrate_heads()")
            return Outcome(run=sorted(r[0] for r in cur.fetchall()),
                           current=set())

        out = self._ask(body)
        if not out.refused:
            self.keep()
        return out

    def show(self, target):
        def body(cur):
            cur.execute("SELECT revision FROM pim_migrate_show(%s)",
                        (target,))
            rows = [r[0] for r in cur.fetchall()]
            if len(rows) != 1:
                return Outcome(error="%d rows" % len(rows), code="rows")
            return Outcome(run=rows, current=set())

        out = self._ask(body)
        if out.code == "rows" or not out.refused:
            self.keep()
        return out

    def stamp(self, target, purge):
        """pim_migrate_stamp() in savepoint q, left pending on success;
        the rows it returns are the outcome, and pim_migrate_current()
        after it is kept beside them to check that they are the same."""
        def body(cur):
            cur.execute("SELECT * FROM pim_migrate_stamp(%s, %s)",
                        (target, purge))
            returned = [r[0] for r in cur.fetchall()]
            cur.execute("SELECT * FROM pim_migrate_current()")
            out = Outcome(run=[], current=set(returned))
            out.returned = returned
            out.version_rows = {r[0] for r in cur.fetchall()}
            return out

        return self._ask(body)


# ---------------------------------------------------------------------------
# Questions
# ---------------------------------------------------------------------------

def target_of_kind(rng, graph, kind):
    """A target text of the given kind, on random revisions and labels."""
    if ("LABEL" in kind or kind == "label") and not graph.labels:
        kind = rng.choice(["id", "prefix"])
    rid = rng.choice(graph.nodes).id
    rev = rng.choice([rid, rid[:6]])
    label = rng.choice(graph.labels) if graph.labels else None
    if kind == "id":
        return kind, rid
    if kind == "prefix":
        return kind, rid[:6]
    if kind == "label":
        return kind, label
    if kind == "REV+1":
        return kind, rev + "+1"
    if kind == "REV-1":
        return kind, rev + "-1"
    if kind == "LABEL@REV":
        return kind, "%s@%s" % (label, rid)
    if kind.startswith("LABEL@"):
        return kind, "%s@%s" % (label, kind[len("LABEL@"):])
    return kind, kind  # heads, head, base, +1, +2, -1, -2


def stamp_targets(rng, graph):
    """(kind, [targets]) of a stamp: one target of STAMP_KINDS, or now and
    then two revisions neither of which is an ancestor (or dependency) of
    the other, each by id, prefix or the branch label it declares."""
    if rng.random() < STAMP_TWO:
        pairs = [(x, y) for x in graph.nodes for y in graph.nodes
                 if x.id < y.id and x.id not in graph.ancestors[y.id]
                 and y.id not in graph.ancestors[x.id]]
        if pairs:
            targets = []
            for n in rng.choice(pairs):
                how = rng.choice(["id", "prefix", "label"]
                                 if n.labels else ["id", "prefix"])
                targets.append(n.id if how == "id" else
                               n.id[:6] if how == "prefix" else n.labels[0])
            return "two revisions", targets
    kind, target = target_of_kind(rng, graph, rng.choice(STAMP_KINDS))
    return kind, [target]


def order_problems(graph, run, upgrade):
    """(revision, ancestor) pairs of the run in the wrong order."""
    pos = {r: i for i, r in enumerate(run)}
    bad = []
    for r in run:
        for a in sorted(graph.ancestors.get(r, ())):
            if a in pos and (pos[a] > pos[r] if upgrade else pos[a] < pos[r]):
                bad.append((r, a))
    return bad


DELIBERATE = "deliberate"


def compare_migration(graph, current, op_kind, target, upgrade, a, p):
    """None when the two sides agree, else (kind of difference, why)."""
    op = "upgrade" if upgrade else "downgrade"
    what = "%s %s" % (op, op_kind)
    if not upgrade and re.fullmatch(r"-\d+", target) and len(current) > 1:
        if p.refused and p.code == "21000":
            return (DELIBERATE, "downgrade -N from several current heads: "
                    "21000, as SPEC.md wants (Alembic warns and picks one)")
        return ("downgrade -N from several heads: pim_migrate does not "
                "raise 21000 as SPEC.md wants", "SPEC.md wants 21000")
    if a.refused and p.refused:
        return None
    if a.refused:
        if a.planned is None:
            return ("%s: Alembic refuses (%s), pim_migrate runs"
                    % (what, a.code), "only Alembic refuses")
        same = set(a.planned) == set(p.run)
        if (same and not p.refused and not order_problems(graph, p.run, upgrade)
                and minimal(graph, p.current)):
            return (DELIBERATE, "Alembic plans the steps, then its version "
                    "bookkeeping fails (%s); pim_migrate runs that plan and "
                    "keeps the minimal heads" % a.code)
        return ("%s: Alembic plans the steps, then its HeadMaintainer fails "
                "(%s); pim_migrate runs %s" % (
                    what, a.code,
                    "the same revisions" if same else "other revisions"),
                "Alembic fails in its version bookkeeping")
    if p.refused:
        return ("%s: Alembic runs, pim_migrate refuses (%s)" % (what, p.code),
                "only pim_migrate refuses")
    if set(a.run) != set(p.run) or len(p.run) != len(set(p.run)):
        return ("%s: different revisions run" % what,
                "only Alembic runs %s; only pim_migrate runs %s%s" % (
                    fmt_set(set(a.run) - set(p.run)),
                    fmt_set(set(p.run) - set(a.run)),
                    "; pim_migrate runs a revision twice"
                    if len(p.run) != len(set(p.run)) else ""))
    if p.bad_ops:
        return ("%s: wrong operation column" % what,
                "pim_migrate rows %r" % (p.bad_ops,))
    bad = order_problems(graph, p.run, upgrade)
    if bad:
        return ("%s: pim_migrate's order violates dependencies" % what,
                "; ".join("%s runs %s its ancestor %s" % (
                    r, "before" if upgrade else "after", anc)
                    for r, anc in bad[:3]))
    if list(a.run) != list(p.run):
        return ("%s: same revisions in another order than Alembic's" % what,
                "alembic %s; pim_migrate %s" % (", ".join(a.run),
                                                 ", ".join(p.run)))
    if a.current != p.current:
        why = "only Alembic has %s; only pim_migrate has %s" % (
            fmt_set(a.current - p.current), fmt_set(p.current - a.current))
        if not minimal(graph, p.current):
            kind = ("pim_migrate keeps a row that is an ancestor or "
                    "dependency of another")
        elif applied(graph, a.current) != applied(graph, p.current):
            kind = "they stand for different applied revisions"
        else:
            return (DELIBERATE, "same applied revisions; Alembic keeps a "
                    "version row that another stands on, pim_migrate the "
                    "minimal set of heads (SPEC.md)")
        return ("%s: different version rows: %s" % (what, kind), why)
    return None


def applied(graph, rows):
    """Every revision that version rows stand for."""
    out = set(rows)
    for r in rows:
        out |= graph.ancestors.get(r, set())
    return out


def minimal(graph, rows):
    return not any(r in graph.ancestors.get(o, ()) for r in rows for o in rows)


def minimal_heads(graph, rows):
    """The rows that are no ancestor (or dependency) of another row."""
    return {r for r in rows
            if not any(r in graph.ancestors.get(o, ()) for o in rows)}


def compare_stamp(graph, rmap, current, kind, targets, purge, a, p):
    """None when the two sides agree, else (kind of difference, why)."""
    what = "stamp %s%s" % (kind, " with purge" if purge else "")
    if p.refused and p.code.startswith("XX"):
        # an internal error is no refusal a script can test (SPEC.md)
        return ("stamp: pim_migrate fails with an internal error (%s: %s)"
                % (p.code, p.error), "not a refusal: SQLSTATE class XX")
    if not p.refused:
        if (len(p.returned) != len(set(p.returned))
                or set(p.returned) != p.version_rows):
            return ("%s: pim_migrate_stamp() returns other rows than "
                    "pim_migrate_current() then holds" % what,
                    "pim_migrate_stamp() returns [%s]; pim_migrate_current() "
                    "%s" % (", ".join(p.returned), fmt_set(p.version_rows)))
        if not minimal(graph, p.current):
            return ("%s: pim_migrate keeps a row that is an ancestor or "
                    "dependency of another" % what,
                    "SPEC.md wants the minimal set of heads")
    if a.refused and p.refused:
        return None
    if not a.refused and not p.refused and a.current == p.current:
        return None
    if (p.refused and p.code == "22023"
            and any(re.search(r"(^|@)[+-]\d+$", t) for t in targets)):
        return (DELIBERATE, "stamp to a relative target: 22023 in "
                "pim_migrate, a stamp names revisions (Alembic walks down "
                "from the graph's heads when no row is there, and refuses "
                "otherwise)")
    if not p.refused:
        expect = alembic_stamp_one_by_one(rmap, current, targets, purge)
        if (expect is not None and expect != a.current
                and p.current == minimal_heads(graph, expect)):
            return (DELIBERATE, "stamp to several revisions: pim_migrate "
                    "stamps them one after the other, as Alembic stamps one "
                    "(Alembic's _stamp_revs shares one filtered list across "
                    "them and drops rows or fails)")
    # Alembic's own stamp logic failing (not a refusal of the target:
    # those are CommandError), or leaving rows that stand on each other
    broken = a.refused and a.code != "CommandError"
    nonminimal = not a.refused and not minimal(graph, a.current)
    parts = alembic_stamp_parts(rmap, current, targets, purge)
    if parts and not p.refused and (broken or nonminimal):
        kept, dests, note = parts
        if len(targets) == 1:
            expect = minimal_heads(graph, (kept if broken else a.current)
                                   | dests)
            if p.current == expect:
                if broken:
                    return (DELIBERATE, "stamp: Alembic's stamp fails (%s%s); "
                            "pim_migrate keeps the minimal heads of the rows "
                            "it leaves alone and the destinations" % (
                                a.code, ": " + note if note else ""))
                return (DELIBERATE, "stamp: Alembic keeps a version row "
                        "that another stands on; pim_migrate the minimal "
                        "heads of Alembic's rows and the destination")
        elif broken and p.current == minimal_heads(graph, kept | dests):
            return (DELIBERATE, "stamp to several revisions: Alembic's "
                    "stamp fails (%s, one filtered_heads list shared by the "
                    "destinations); pim_migrate keeps the minimal heads of "
                    "the rows sharing no lineage with any destination and "
                    "the destinations" % a.code)
    if a.refused:
        return ("%s: Alembic %s (%s), pim_migrate stamps" % (
                    what, "fails in its stamp logic" if broken else "refuses",
                    a.code), "only Alembic refuses")
    if p.refused:
        return ("%s: Alembic stamps, pim_migrate refuses (%s)" % (what,
                                                                   p.code),
                "only pim_migrate refuses")
    why = "only Alembic has %s; only pim_migrate has %s" % (
        fmt_set(a.current - p.current), fmt_set(p.current - a.current))
    if nonminimal:
        sub = "Alembic keeps a row that another stands on"
    elif a.current < p.current:
        sub = "Alembic drops a row that pim_migrate keeps"
    elif p.current < a.current:
        sub = "pim_migrate drops a row that Alembic keeps"
    elif applied(graph, a.current) != applied(graph, p.current):
        sub = "they stand for different applied revisions"
    else:
        sub = "same applied revisions"
    return ("%s: different version rows (%s)" % (what, sub), why)


class Differential:
    def __init__(self, args):
        self.args = args
        self.questions = 0
        self.differences = 0
        self.kinds = collections.OrderedDict()  # kind -> [count, size, text]
        self.agreed_refusals = collections.Counter()
        self.deliberate = collections.Counter()
        self.same_order = 0
        self.both_ran = 0
        self.stamps_alike = 0

    def say(self, text):
        if self.args.verbose:
            print(text)

    def differ(self, graph, kind, text):
        self.differences += 1
        entry = self.kinds.setdefault(kind, [0, None, None])
        entry[0] += 1
        if entry[1] is None or len(graph.nodes) < entry[1]:
            # keep the smallest example of each kind
            entry[1] = len(graph.nodes)
            entry[2] = "graph %d:\n%s\n%s" % (
                graph.number, graph.describe("        "),
                "\n".join("    " + line for line in text.split("\n")))
        if self.differences <= MAX_DETAILS:
            print("DIFFERENCE %d (graph %d): %s" % (self.differences,
                                                    graph.number, kind))
            print("  graph:")
            print(graph.describe())
            print(text)
            print()
        elif self.differences == MAX_DETAILS + 1:
            print("(further differences: details omitted, see the summary)")
            print()

    def run_graph(self, pim, graph, rng):
        try:
            rmap = alembic_map(graph)
        except Exception as exc:  # the generator made a graph Alembic rejects
            print("graph %d: Alembic rejects the generated graph (%s); "
                  "skipped" % (graph.number, exc))
            return
        pim.reset()

        self.questions += 1
        failed = pim.register(graph)
        if failed:
            node, out = failed
            self.differ(graph, "register: pim_migrate refuses (%s)" % out.code,
                        "  question: register %s\n  alembic:     accepts "
                        "the graph\n  pim_migrate: %s" % (node.id, out))
            return

        pim.begin()

        # the heads
        self.questions += 1
        a_heads = sorted(rmap.heads)
        p = pim.heads()
        self.say("graph %d heads: alembic %s, pim_migrate %s"
                 % (graph.number, fmt_set(a_heads),
                    p if p.refused else fmt_set(p.run)))
        if p.refused or p.run != a_heads:
            self.differ(graph, "heads: %s" % (
                "pim_migrate refuses (%s)" % p.code if p.refused
                else "different heads"),
                "  question: heads\n  alembic:     %s\n  pim_migrate: %s"
                % (fmt_set(a_heads), p if p.refused else fmt_set(p.run)))

        # show, by targets meant to name one revision
        for _ in range(3):
            kind, target = target_of_kind(rng, graph, rng.choice(SHOW_KINDS))
            self.questions += 1
            a = alembic_show(rmap, target)
            p = pim.show(target)
            self.say("graph %d show %r:\n    alembic     %s\n"
                     "    pim_migrate %s" % (graph.number, target, a, p))
            if a.refused and p.refused:
                self.agreed_refusals[p.code] += 1
                continue
            if a.refused:
                why = "Alembic refuses (%s), pim_migrate finds one" % a.code
            elif p.refused:
                why = "Alembic finds one, pim_migrate refuses (%s)" % p.code
            elif a.run != p.run:
                why = "different revisions"
            else:
                continue
            self.differ(graph, "show %s: %s" % (kind, why),
                        "  question: show %r\n  alembic:     %s\n"
                        "  pim_migrate: %s" % (target, a, p))

        # the walk, from base
        current = set()
        for _ in range(rng.randint(8, 12)):
            if rng.random() < STAMP_CHANCE:
                current = self.stamp_question(pim, graph, rmap, rng, current)
                continue
            upgrade = rng.random() < (0.8 if not current else 0.5)
            op = "upgrade" if upgrade else "downgrade"
            op_kind, target = target_of_kind(rng, graph,
                                             rng.choice(TARGET_KINDS))
            self.questions += 1
            a = alembic_migrate(rmap, current, target, upgrade)
            p = pim.migrate(target, upgrade)
            self.say("graph %d at %s, %s %r:\n    alembic     %s\n"
                     "    pim_migrate %s" % (graph.number, fmt_state(current),
                                             op, target, a, p))
            verdict = compare_migration(graph, current, op_kind, target,
                                        upgrade, a, p)
            if verdict and verdict[0] == DELIBERATE:
                self.deliberate[verdict[1]] += 1
                if not p.refused:
                    pim.keep()
                    current = set(p.current)
            elif verdict:
                kind, why = verdict
                self.differ(graph, kind,
                            "  current: %s\n  question: %s %r\n"
                            "  alembic:     %s\n  pim_migrate: %s\n  (%s)"
                            % (fmt_state(current), op, target, a, p, why))
                if not p.refused:
                    pim.undo()  # both stay where they last agreed
            elif p.refused:
                self.agreed_refusals[p.code] += 1
            else:
                self.both_ran += 1
                self.same_order += list(a.run) == list(p.run)
                pim.keep()
                current = set(a.current)
        pim.commit()

    def stamp_question(self, pim, graph, rmap, rng, current):
        """One stamp in the walk; returns the version rows after it."""
        kind, targets = stamp_targets(rng, graph)
        purge = rng.random() < STAMP_PURGE
        self.questions += 1
        a = alembic_stamp(rmap, current, targets, purge)
        p = pim.stamp(",".join(targets), purge)
        question = "stamp %r%s" % (",".join(targets),
                                   ", purge" if purge else "")
        self.say("graph %d at %s, %s:\n    alembic     %s\n"
                 "    pim_migrate %s" % (graph.number, fmt_state(current),
                                         question, fmt_stamp(a),
                                         fmt_stamp(p)))
        verdict = compare_stamp(graph, rmap, current, kind, targets, purge,
                                a, p)
        if verdict and verdict[0] == DELIBERATE:
            self.deliberate[verdict[1]] += 1
        elif verdict:
            kind, why = verdict
            self.differ(graph, kind,
                        "  current: %s\n  question: %s\n"
                        "  alembic:     %s\n  pim_migrate: %s\n  (%s)"
                        % (fmt_state(current), question, fmt_stamp(a),
                           fmt_stamp(p), why))
            if not p.refused:
                pim.undo()  # both stay where they last agreed
            return current
        elif p.refused:
            self.agreed_refusals[p.code] += 1
            return current
        else:
            self.stamps_alike += 1
        if p.refused:
            return current
        pim.keep()
        return set(p.current)

    def run(self):
        pim = Pim(self.args.dsn)
        seed = self.args.seed
        numbers = ([self.args.graph] if self.args.graph
                   else range(1, self.args.graphs + 1))
        for number in numbers:
            # graph N of a seed is the same whatever happened before it
            graph = generate_graph(random.Random("%d:%d" % (seed, number)),
                                   number)
            try:
                self.run_graph(pim, graph,
                               random.Random("%d:%d:q" % (seed, number)))
            except (ConnectionLost, psycopg2.OperationalError,
                    psycopg2.InterfaceError) as exc:
                self.differ(graph, "pim_migrate: connection lost "
                            "(backend crash?)",
                            "  the connection was lost: %s" % exc)
                pim.reconnect()
        pim.reset()  # leave the extension installed and empty

    def summary(self):
        if self.kinds:
            print("differences by kind (count, kind, smallest example):")
            for kind, (count, _, example) in self.kinds.items():
                print("  %4d  %s" % (count, kind))
                print("        %s" % example)
        print("migrations both ran alike: %d (in Alembic's exact order: %d)"
              % (self.both_ran, self.same_order))
        print("stamps both made alike: %d" % self.stamps_alike)
        if self.agreed_refusals:
            print("both refuse, by pim_migrate's SQLSTATE: %s" % ", ".join(
                "%s %d" % kv for kv in sorted(self.agreed_refusals.items())))
        for label, count in sorted(self.deliberate.items()):
            print("deliberate difference, %d times: %s" % (count, label))


def main():
    ap = argparse.ArgumentParser(
        description="Compare pim_migrate with Alembic's revision logic on "
                    "random revision graphs.")
    ap.add_argument("--dsn", required=True,
                    help="libpq connection string of a database with "
                         "pim_migrate installed")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--graphs", type=int, default=300)
    ap.add_argument("--verbose", action="store_true",
                    help="print every question and both answers")
    ap.add_argument("--graph", type=int, metavar="N",
                    help="only graph N of the seed (to look at one "
                         "difference again, with --verbose)")
    args = ap.parse_args()

    started = time.monotonic()
    diff = Differential(args)
    try:
        diff.run()
    except psycopg2.Error as exc:
        print("alembic differential: cannot go on: %s" % exc, file=sys.stderr)
        diff.differences += 1
    diff.summary()
    print("%d graphs, seed %d, %.1f s" % (1 if args.graph else args.graphs,
                                          args.seed,
                                          time.monotonic() - started))
    print("alembic differential: %d questions compared, %d differences"
          % (diff.questions, diff.differences))
    return 1 if diff.differences else 0


if __name__ == "__main__":
    sys.exit(main())
