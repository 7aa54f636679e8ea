"""Registration: pim_migrate_revision() with random arguments and with
exact definitions, pim_migrate_load() of revision files (valid, mutated,
the same again or changed), and pim_migrate_merge()."""

import re

from fuzz_lib.core import (aslist, message_invalid, name_invalid, short,
                           target_malformed)


class Register:
    """Mixin: inputs of the registration family."""

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
            (bool(targets) and targets[0] is not None and
             target_malformed(targets[0]), "22023",
             "a malformed first target"),
            (message_invalid(message), "reject",
             "a control character in the message"),
        ])
        if res.kept:
            self.setup.append(self.sql_text(sql, params))
            self.refresh()


def rng_keep(rng):
    return rng.random() < 0.05
