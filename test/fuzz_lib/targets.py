"""The functions that take a target or read the state: upgrade,
downgrade and show (plain and dry run), stamp, history ranges, walks of
several of them in a row, the _each procedures, and the reads without
arguments (heads, branches, status, current, verify)."""

import psycopg2

from fuzz_lib.core import (Lost, Result, is_lost, short, stamp_expect,
                           target_malformed)


class Targets:
    """Mixin: inputs of the target family."""

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

    def range_must_fail(self, rng_text):
        if rng_text is None:
            return False
        if rng_text.count(":") != 1:
            return True
        left, right = rng_text.split(":")
        return ((left != "" and target_malformed(left))
                or (right != "" and target_malformed(right)))

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
