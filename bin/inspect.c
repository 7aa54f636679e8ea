/*-------------------------------------------------------------------------
 *
 * inspect.c
 *	  The commands that only look: current, history, heads, branches, show
 *	  and verify, each one query of the extension's SQL functions, printed
 *	  as Alembic prints it.
 *
 * They read what is registered in the database; the files are not loaded,
 * but by status, which counts what is pending against them, in a
 * transaction it rolls back.
 *
 * bin/inspect.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "libpq-fe.h"

#include "cli.h"

/*
 * pim_migrate status: where the database stands against the files, loaded
 * in a transaction rolled back (nothing is registered; as any load, it
 * waits for a migration in flight): the current revisions, the heads, how
 * many revisions are pending, and drift.  Exit 1 when some are pending. A
 * database without the extension is at base, and says so: an upgrade
 * would create it.
 */
int
cmd_status(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pim_migrate'",
						  0, NULL, NULL);
	const char *current;
	const char *heads;
	int			pending;
	bool		drifted;

	if (PQntuples(res) == 0)
	{
		PQclear(res);
		if (verbosity > 0)
			printf("current: base (the extension pim_migrate is not installed; an upgrade creates it)\n");
		fleet_report("from", "base");
		fleet_report("status", "no extension");
		return EXIT_ERROR;
	}
	check_extension_version(conn, PQgetvalue(res, 0, 0));
	PQclear(res);

	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	load_files(conn);
	res = run(conn, "SELECT pg_catalog.array_to_string(current, ', '),"
			  " pg_catalog.array_to_string(heads, ', '), pending,"
			  " pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->>) 'drifted'"
			  " FROM pim_migrate_status() s", 0, NULL, NULL);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	current = *PQgetvalue(res, 0, 0) ? PQgetvalue(res, 0, 0) : "base";
	heads = *PQgetvalue(res, 0, 1) ? PQgetvalue(res, 0, 1) : "base";
	pending = atoi(PQgetvalue(res, 0, 2));
	drifted = strcmp(PQgetvalue(res, 0, 3), "true") == 0;
	if (verbosity > 0)
	{
		printf("current: %s\nheads: %s\npending: %d\n", current, heads, pending);
		if (drifted)
			printf("drifted: the schema changed since its last migration (see pim_migrate drift)\n");
	}
	fleet_report("from", "%s", current);
	fleet_report("to", "%s", heads);
	fleet_report("steps", "%d", pending);
	fleet_report("status", "%s%s", pending == 0 ? "up to date" : "pending",
				 drifted ? ", drifted" : "");
	PQclear(res);
	return pending == 0 ? 0 : EXIT_ERROR;
}

int
cmd_current(PGconn *conn)
{
	/* status() knows the heads without reading the history when up to date */
	PGresult   *res = run(conn,
						  "SELECT c, c = ANY (s.heads)"
						  " FROM pim_migrate_current() c, pim_migrate_status() s",
						  0, NULL, NULL);

	for (int i = 0; i < PQntuples(res); i++)
		printf("%s%s\n", PQgetvalue(res, i, 0),
			   strcmp(PQgetvalue(res, i, 1), "t") == 0 ? " (head)" : "");
	PQclear(res);
	return 0;
}

/* "{a,b}" as "a, b"; "" for "{}" */
static char *
array_text(const char *value)
{
	char	   *out = pg_strdup(value + 1);
	char	   *p;

	out[strlen(out) - 1] = '\0';
	for (p = out; *p; p++)
		if (*p == ',')
			*p = ' ';
	return out;
}

int
cmd_history(PGconn *conn, const char *range)
{
	const char *params[1] = {range};
	PGresult   *res = run(conn,
						  "SELECT revision, pg_catalog.array_to_string(down_revisions, ', '),"
						  " pg_catalog.array_to_string(branch_labels, ', '), is_head,"
						  " is_branch_point, is_merge, message,"
						  " revision = ANY (SELECT pim_migrate_current()),"
						  " pg_catalog.array_to_string(depends_on, ', ')"
						  " FROM pim_migrate_history($1)", 1, params, NULL);

	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *down = PQgetvalue(res, i, 1);
		const char *deps = PQgetvalue(res, i, 8);

		/* Alembic's history: "parents (dependencies) -> revision" */
		printf("%s%s%s%s -> %s%s%s%s%s%s%s, %s\n",
			   *down ? down : "<base>", *deps ? " (" : "", deps, *deps ? ")" : "",
			   PQgetvalue(res, i, 0),
			   *PQgetvalue(res, i, 2) ? " (" : "", PQgetvalue(res, i, 2),
			   *PQgetvalue(res, i, 2) ? ")" : "",
			   strcmp(PQgetvalue(res, i, 3), "t") == 0 ? " (head)" : "",
			   strcmp(PQgetvalue(res, i, 4), "t") == 0 ? " (branchpoint)" :
			   strcmp(PQgetvalue(res, i, 5), "t") == 0 ? " (mergepoint)" : "",
			   strcmp(PQgetvalue(res, i, 7), "t") == 0 ? " (current)" : "",
			   PQgetvalue(res, i, 6));
	}
	PQclear(res);
	return 0;
}

int
cmd_heads(PGconn *conn)
{
	PGresult   *res = run(conn,
						  "SELECT revision, pg_catalog.array_to_string(branch_labels, ', '), message"
						  " FROM pim_migrate_heads()", 0, NULL, NULL);

	for (int i = 0; i < PQntuples(res); i++)
		printf("%s%s%s%s (head), %s\n", PQgetvalue(res, i, 0),
			   *PQgetvalue(res, i, 1) ? " (" : "", PQgetvalue(res, i, 1),
			   *PQgetvalue(res, i, 1) ? ")" : "", PQgetvalue(res, i, 2));
	PQclear(res);
	return 0;
}

int
cmd_branches(PGconn *conn)
{
	PGresult   *res = run(conn,
						  "SELECT revision, pg_catalog.array_to_string(next_revisions, ', '), message"
						  " FROM pim_migrate_branches()", 0, NULL, NULL);

	for (int i = 0; i < PQntuples(res); i++)
		printf("%s (branchpoint), %s\n  -> %s\n", PQgetvalue(res, i, 0),
			   PQgetvalue(res, i, 2), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}

int
cmd_show(PGconn *conn, const char *rev)
{
	const char *params[1] = {rev};
	PGresult   *res = run(conn,
						  "SELECT revision, down_revisions, branch_labels, depends_on, message,"
						  " created_at, upgrade_sql, downgrade_sql, checksum"
						  " FROM pim_migrate_show($1)", 1, params, NULL);

	if (PQntuples(res) == 1)
	{
		printf("Rev: %s\nParent: %s\n", PQgetvalue(res, 0, 0),
			   *array_text(PQgetvalue(res, 0, 1)) ? array_text(PQgetvalue(res, 0, 1)) : "<base>");
		if (*array_text(PQgetvalue(res, 0, 2)))
			printf("Branch names: %s\n", array_text(PQgetvalue(res, 0, 2)));
		if (*array_text(PQgetvalue(res, 0, 3)))
			printf("Also depends on: %s\n", array_text(PQgetvalue(res, 0, 3)));
		printf("Create Date: %s\nChecksum: %s\n\n    %s\n\n-- +upgrade\n%s\n",
			   PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 8),
			   PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 6));
		if (!PQgetisnull(res, 0, 7))
			printf("\n-- +downgrade\n%s\n", PQgetvalue(res, 0, 7));
	}
	PQclear(res);
	return 0;
}

int
cmd_verify(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT revision, problem FROM pim_migrate_verify()",
						  0, NULL, NULL);
	int			n = PQntuples(res);

	for (int i = 0; i < n; i++)
		printf("%s: %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (n == 0 && verbosity > 0)
		printf("ok: no problem found\n");
	if (n > 0)
		fleet_report("status", "problems");
	PQclear(res);
	return n == 0 ? 0 : EXIT_ERROR;
}
