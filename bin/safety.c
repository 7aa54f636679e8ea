/*-------------------------------------------------------------------------
 *
 * safety.c
 *	  pim_migrate lint and pim_migrate upgrade --plan: what the pending
 *	  revisions will lock, rewrite and cost, said by the server before
 *	  production (pim_migrate_lint, pim_migrate_plan).
 *
 * Both load the files in a transaction they roll back: they report on the
 * revisions as the files have them, and leave nothing registered.
 *
 * bin/safety.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "cli.h"

/*
 * Whether a file is a revision file (the server parses it: header,
 * sections, Transactional) rather than one SQL script: it has a line
 * "-- +upgrade", spelled as loosely as the server allows.
 */
static bool
is_revision_file(const char *text)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
	{
		const char *q = p + strspn(p, " \t");

		if (strncmp(q, "--", 2) != 0)
			continue;
		q += 2;
		q += strspn(q, " \t");
		if (pg_strncasecmp(q, "+upgrade", 8) == 0 &&
			(q[8] == '\0' || isspace((unsigned char) q[8])))
			return true;
	}
	return false;
}

/*
 * pim_migrate lint [TARGET] | --file FILE
 *		Print the findings; exit 1 when one of them is an error.
 */
int
cmd_lint(PGconn *conn, const char *target, const char *file)
{
	PGresult   *res;
	int			nerror = 0;
	int			nwarning = 0;

	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	if (file)
	{
		const char *params[1] = {read_file(file)};

		res = run(conn, is_revision_file(params[0]) ?
				  "SELECT revision, line, rule, severity, message, hint"
				  " FROM pim_migrate_lint_file($1)" :
				  "SELECT revision, line, rule, severity, message, hint"
				  " FROM pim_migrate_lint_script($1)",
				  1, params, file);
	}
	else
	{
		const char *params[1] = {target};

		load_files(conn);
		res = run(conn, "SELECT revision, line, rule, severity, message, hint"
				  " FROM pim_migrate_lint($1)", 1, params, NULL);
	}

	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *where = file ? file : PQgetvalue(res, i, 0);
		const char *severity = PQgetvalue(res, i, 3);

		printf("%s:%s: %s: %s: %s\n", where, PQgetvalue(res, i, 1), severity,
			   PQgetvalue(res, i, 2), PQgetvalue(res, i, 4));
		if (!PQgetisnull(res, i, 5))
			printf("  hint: %s\n", PQgetvalue(res, i, 5));
		if (strcmp(severity, "error") == 0)
			nerror++;
		else if (strcmp(severity, "warning") == 0)
			nwarning++;
	}
	if (verbosity > 0)
		printf("%d %s: %d %s, %d %s, %d %s\n", PQntuples(res),
			   PQntuples(res) == 1 ? "finding" : "findings",
			   nerror, nerror == 1 ? "error" : "errors",
			   nwarning, nwarning == 1 ? "warning" : "warnings",
			   PQntuples(res) - nerror - nwarning,
			   PQntuples(res) - nerror - nwarning == 1 ? "notice" : "notices");
	PQclear(res);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	return nerror > 0 ? EXIT_ERROR : 0;
}

/* The first line of a statement, cut to width. */
static char *
first_line_of(const char *sql, int width)
{
	int			len = strcspn(sql, "\n");

	if (len > width)
		return psprintf("%.*s...", width - 3, sql);
	return psprintf("%.*s%s", len, sql, sql[len] ? " ..." : "");
}

/*
 * pim_migrate upgrade --plan [TARGET]
 *		Run the upgrade as a dry run and print, per statement, its time, the
 *		locks it took, what it rewrote and what logical replication will
 *		not carry.
 */
int
cmd_plan(PGconn *conn, const char *target)
{
	const char *params[1] = {target};
	PGresult   *res;

	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	load_files(conn);
	res = run(conn, "SELECT revision, line,"
			  " pg_catalog.to_char(EXTRACT(epoch FROM duration) * 1000, 'FM999999990.0'),"
			  " pg_catalog.array_to_string(locks, ', '),"
			  " pg_catalog.array_to_string(rewritten, ', '), statement,"
			  " pg_catalog.array_to_string(replication, E'\\n')"
			  " FROM pim_migrate_plan($1)", 1, params, NULL);
	if (PQntuples(res) == 0 && verbosity > 0)
		printf("nothing to upgrade\n");
	for (int i = 0; i < PQntuples(res); i++)
	{
		printf("%s:%s  %s ms  %s\n", PQgetvalue(res, i, 0),
			   PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
			   first_line_of(PQgetvalue(res, i, 5), 64));
		if (*PQgetvalue(res, i, 3))
			printf("    locks: %s\n", PQgetvalue(res, i, 3));
		if (*PQgetvalue(res, i, 4))
			printf("    rewrites: %s\n", PQgetvalue(res, i, 4));
		/* one finding a line: the server keeps line ends out of them */
		for (const char *f = PQgetvalue(res, i, 6); *f;)
		{
			int			len = strcspn(f, "\n");

			printf("    replication: %.*s\n", len, f);
			f += len + (f[len] == '\n');
		}
	}
	PQclear(res);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	return 0;
}
