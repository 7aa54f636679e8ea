"""What a revision's script and message can do: scripts that do what a
script inside a function call cannot (or are hostile to the catalog),
registered and run; and messages made to break out of their comment line
of the offline script (pim_migrate_upgrade_sql())."""

import re

from fuzz_lib.core import no_control, short


class Scripts:
    """Mixin: odd-script and injection inputs."""

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
        # a hex id, which the twin's replaces in any quoting
        rid = self.fresh_name("hex")
        sql = ("SELECT pim_migrate_revision(message => %s, upgrade => 'SELECT 1',"
               " revision => %s, down_revision => '{}'::text[])")
        params = (message, rid)

        def statements(script, rev):
            """The script's lines that are not comments, with rev's id
            written as REV and the checksum (of a file that holds the
            message) as SUM: what runs when the script is replayed."""
            return [re.sub(r"\b[0-9a-f]{64}\b", "SUM", l.replace(rev, "REV"))
                    for l in script.split("\n") if not l.startswith("--")]

        def after(res):
            self.cur.execute("SELECT pim_migrate_upgrade_sql(%s)", (rid,))
            script = self.cur.fetchone()[0]
            lines = [l for l in script.split("\n") if escape in l]
            if len(lines) != 1 or not lines[0].startswith("-- Running upgrade "):
                self.fail("injection", "the message is outside its comment "
                          "line: %r" % (lines,), sql, params)
            # the statements are exactly those of the same revision with a
            # harmless message: nothing of the message runs
            twin = self.fresh_name("hex")
            self.cur.execute(sql, ("innocent", twin))
            self.cur.execute("SELECT pim_migrate_upgrade_sql(%s)", (twin,))
            planned = statements(self.cur.fetchone()[0], twin)
            if statements(script, rid) != planned:
                self.fail("injection", "the offline script's statements are "
                          "not the planned ones: %r" % (statements(script, rid),),
                          sql, params)

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
