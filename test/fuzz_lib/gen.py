"""Random generators: characters and text, ids, labels and names,
mutations, targets and history ranges, scripts, messages, dates,
revision definitions and the revision files that hold them.

Every draw comes from self.rng, in the order the callers ask for it; the
names and targets are drawn from self.model (fuzz_lib.core.Model)."""

import datetime

from fuzz_lib.core import (ASCII_WS, CONTROL, MAX_NAME, ODD_UNICODE, PUNCT,
                           SPECIAL_TARGETS, Lit, array_item, name_invalid,
                           no_control)


class Generators:
    """Mixin: random inputs for the fuzzer (needs self.rng, self.model)."""

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

    def rand_date(self):
        rng = self.rng
        dt = datetime.datetime(rng.randint(1990, 2100), rng.randint(1, 12),
                               rng.randint(1, 28), rng.randint(0, 23),
                               rng.randint(0, 59), rng.randint(0, 59),
                               rng.randint(0, 999999))
        return dt.strftime(rng.choice(["%Y-%m-%d %H:%M:%S.%f",
                                       "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]))

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
