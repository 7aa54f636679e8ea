"""lint, lint_script and plan: DDL shapes on odd and real names, mutated;
findings or a clean error, never a crash; a plan changes nothing."""


class Lint:
    """Mixin: inputs of the lint/plan family."""

    LINT_SHAPES = [
        "CREATE INDEX i ON %s (a)", "CREATE UNIQUE INDEX CONCURRENTLY i ON %s (a)",
        "DROP INDEX %s", "DROP INDEX CONCURRENTLY IF EXISTS %s",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT random()",
        "ALTER TABLE %s ADD COLUMN c serial PRIMARY KEY REFERENCES x (y)",
        "ALTER TABLE %s ADD COLUMN c int GENERATED ALWAYS AS (a) STORED",
        "ALTER TABLE %s ALTER COLUMN a TYPE varchar(3)",
        "ALTER TABLE %s ALTER COLUMN a TYPE nosuchtype(1,2,3)",
        "ALTER TABLE %s ALTER COLUMN nosuch TYPE text USING nosuch::text",
        "ALTER TABLE %s ALTER COLUMN a TYPE int[] USING ARRAY[a]",
        "ALTER TABLE %s ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        "ALTER TABLE %s VALIDATE CONSTRAINT c",
        "ALTER TABLE %s ADD FOREIGN KEY (a) REFERENCES %s (a)",
        "ALTER TABLE %s ADD UNIQUE (a), ADD PRIMARY KEY (a)",
        "ALTER TABLE %s ADD EXCLUDE USING gist (a WITH &&)",
        "ALTER TABLE %s SET NOT NULL", "ALTER TABLE %s DROP COLUMN a",
        "ALTER TABLE %s RENAME TO t2", "ALTER TABLE %s RENAME a TO b",
        "DROP TABLE %s, %s CASCADE", "TRUNCATE %s, %s CASCADE",
        "REINDEX TABLE %s", "REINDEX (CONCURRENTLY) INDEX %s",
        "ALTER TYPE %s ADD VALUE 'x'", "DROP DATABASE %s",
        "CREATE TABLE %s AS SELECT 1 AS a", "SET lock_timeout = 0",
        "-- pim_migrate:ignore %s\nCREATE INDEX ON %s (a)",
        "/* pim_migrate:ignore */ ALTER TABLE %s ALTER a TYPE bigint",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT nosuchfunc(1, 2)",
        "ALTER TABLE %s ADD COLUMN c int DEFAULT pg_catalog.abs(VARIADIC ARRAY[1])",
        "ALTER FOREIGN TABLE %s ADD COLUMN c int", "ALTER INDEX %s RENAME TO i2",
        "ALTER VIEW %s RENAME COLUMN a TO b", "ALTER TABLE ONLY %s* DROP a",
    ]

    def lint_script(self):
        """A script of DDL shapes on odd and real names, mutated."""
        rng = self.rng
        names = ["fz.t%d" % rng.randint(0, self.table_no + 1),
                 "pg_class", "pim_migrate.revision", '"Odd ""name"""',
                 "nosuch.nosuch", "a.b.c", self.rand_text(8) or "x",
                 "pg_catalog.pg_toast_1", "fz_i%d" % rng.randint(0, 9)]
        stmts = []
        for _ in range(rng.randint(1, 6)):
            shape = rng.choice(self.LINT_SHAPES)
            stmts.append(shape % tuple(rng.choice(names)
                                       for _ in range(shape.count("%s"))))
        text = ";\n".join(stmts)
        return self.mutate(text) if rng.random() < 0.3 else text

    def in_safety(self):
        """lint, lint_script and plan: findings or a clean error, never a
        crash; a plan changes nothing."""
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            fn = "lint_script"
            script = self.lint_script() if rng.random() < 0.8 else \
                rng.choice([None, self.bad_script(), self.odd_text(50)])
            sql = ("SELECT count(*) FROM pim_migrate_lint_script(%s, %s, %s)")
            params = (script, rng.choice([True, False, None]),
                      rng.choice([1, 0, -5, 2 ** 31 - 1, None]))
            res = self.attempt(sql, params)
            self.count(fn, res.ok)
            self.check_code(fn, sql, params, res,
                            "22004" if script is None else None,
                            "a NULL script")
            return
        fn = "lint" if r < 0.75 else "plan"
        t = self.any_target()
        sql = "SELECT count(*) FROM pim_migrate_%s(%%s)" % fn
        params = (t,)
        after = self.dry_run_after(fn, sql, params) if fn == "plan" else None
        res = self.attempt(sql, params, after=after)
        self.count(fn, res.ok)
        self.check_target(fn, sql, params, res, t)
