"""The graphs the inputs run on: the small valid graph every epoch starts
from (bases, a branch point, labels, a merge, a dependency, irreversible
revisions, ids sharing a prefix), and once per run a 3,000-revision chain
with a 200-way merge for walks."""

from fuzz_lib.core import TRAPS


class Graph:
    """Mixin: fresh extension and graph (reset), and the deep graph."""

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
