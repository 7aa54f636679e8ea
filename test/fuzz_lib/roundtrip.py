"""Round trips of odd but valid data: messages and scripts with quotes,
backslashes, dollar signs, Unicode and control characters, a 100 kB
message, a 10 MB script, ids and labels in Unicode, registered with
pim_migrate_revision() and pim_migrate_load(), read back byte for byte
from pim_migrate_show() and registered again as a no-op."""

import time

from fuzz_lib.core import ASCII_WS, no_control


class Roundtrip:
    """Mixin: the round-trip inputs."""

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
