/*-------------------------------------------------------------------------
 *
 * import_alembic.c
 *	  pim_migrate import-alembic: an Alembic project's revisions as
 *	  revision files.
 *
 * The SQL must come from Alembic itself (its offline mode, through the
 * project's env.py), so the work is done in Python by
 * pim_migrate_import_alembic.py, installed beside this program, under the
 * Python that runs the project's Alembic (python.c).
 *
 * bin/import_alembic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <unistd.h>

#include "cli.h"

#define HELPER "pim_migrate_import_alembic.py"

int
cmd_import_alembic(const char *config, bool strict, bool skeletons,
				   const char *argv0)
{
	const char *python;
	char	   *helper = locate_helper(argv0, HELPER, &python);
	const char *args[12];
	int			n = 0;

	args[n++] = python;
	args[n++] = helper;
	args[n++] = "--config";
	args[n++] = config;
	args[n++] = "--dir";
	args[n++] = versions_dir;
	if (verbosity == 0)
		args[n++] = "--quiet";
	else if (verbosity > 1)
		args[n++] = "--verbose";
	if (strict)
		args[n++] = "--strict";
	if (skeletons)
		args[n++] = "--skeletons";
	args[n] = NULL;
	fflush(NULL);
	execvp(python, (char *const *) args);
	fail("could not run \"%s\" for import-alembic: %m (set PIM_MIGRATE_PYTHON to a Python with Alembic)",
		 python);
}

/*
 * The revision ids of the Alembic project of config, one per line of the
 * helper's --list-revisions output.  Exits when the helper fails.
 */
static char **
alembic_revision_ids(const char *config, const char *argv0, int *n)
{
	const char *python;
	char	   *helper = locate_helper(argv0, HELPER, &python);
	const char *args[] = {python, helper, "--config", config,
	"--list-revisions", NULL};
	char	   *out = helper_output(args, "return-to-alembic");
	char	  **ids = NULL;
	int			cap = 0;

	*n = 0;
	for (char *line = strtok(out, "\r\n"); line; line = strtok(NULL, "\r\n"))
	{
		if (*n == cap)
		{
			cap = cap ? cap * 2 : 64;
			ids = pg_realloc(ids, sizeof(char *) * cap);
		}
		ids[(*n)++] = line;
	}
	return ids;
}

/*
 * pim_migrate return-to-alembic [--config alembic.ini] [--version-table T]
 *		Write pim_migrate's current revisions into Alembic's version table
 *		(created as Alembic creates it when missing), replacing its rows,
 *		in one transaction.  Refused, with nothing changed, when a current
 *		revision is not one of the Alembic project's: Alembic could not
 *		find it.
 */
int
cmd_return_to_alembic(PGconn *conn, const char *config,
					  const char *version_table, const char *argv0)
{
	int			nids;
	char	  **ids = alembic_revision_ids(config, argv0, &nids);
	const char *params[1] = {version_table};
	PGresult   *res;
	PGresult   *current;
	StringInfoData unknown;
	StringInfoData rows;
	StringInfoData sql;
	char	   *table;
	char	   *pkey;
	char	   *qualified;
	int			ncurrent;

	PQclear(run(conn, "BEGIN", 0, NULL, NULL));

	current = run(conn, "SELECT c FROM pim_migrate_current() c ORDER BY 1", 0, NULL, NULL);
	ncurrent = PQntuples(current);
	initStringInfo(&unknown);
	initStringInfo(&rows);
	appendStringInfoChar(&rows, '{');
	for (int i = 0; i < ncurrent; i++)
	{
		const char *id = PQgetvalue(current, i, 0);
		bool		found = false;

		for (int j = 0; j < nids && !found; j++)
			found = strcmp(ids[j], id) == 0;
		if (!found)
			appendStringInfo(&unknown, "%s%s", unknown.len ? ", " : "", id);
		append_array_element(&rows, id);
	}
	appendStringInfoChar(&rows, '}');
	if (unknown.len > 0)
	{
		PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
		fail("the Alembic project of \"%s\" has no revision %s, which pim_migrate applied: Alembic could not go on from there (write %s first); nothing was changed",
			 config, unknown.data,
			 strchr(unknown.data, ',') ? "them as Alembic revisions" : "it as an Alembic revision");
	}

	/*
	 * The table as Alembic names it: version_table_schema.version_table,
	 * split and case-folded by the server, quoted here.
	 */
	res = run(conn,
			  "SELECT p[pg_catalog.array_length(p, 1)],"
			  " CASE WHEN pg_catalog.array_length(p, 1) = 2 THEN p[1] END,"
			  " pg_catalog.array_length(p, 1) > 2 OR pg_catalog.to_regclass($1) IS NULL,"
			  " pg_catalog.array_length(p, 1) > 2"
			  " FROM pg_catalog.parse_ident($1) p", 1, params, "--version-table");
	if (strcmp(PQgetvalue(res, 0, 3), "t") == 0)
		fail("--version-table \"%s\" is not a table name (TABLE or SCHEMA.TABLE)", version_table);
	table = PQescapeIdentifier(conn, PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)));
	pkey = psprintf("%s_pkc", PQgetvalue(res, 0, 0));
	pkey = PQescapeIdentifier(conn, pkey, strlen(pkey));
	if (PQgetisnull(res, 0, 1))
		qualified = pg_strdup(table);
	else
	{
		char	   *schema = PQescapeIdentifier(conn, PQgetvalue(res, 0, 1),
												strlen(PQgetvalue(res, 0, 1)));

		qualified = psprintf("%s.%s", schema, table);
		PQfreemem(schema);
	}
	initStringInfo(&sql);
	if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
	{
		/* as Alembic's MigrationContext._ensure_version_table does */
		appendStringInfo(&sql, "CREATE TABLE %s (version_num VARCHAR(32) NOT NULL, CONSTRAINT %s PRIMARY KEY (version_num))",
						 qualified, pkey);
		PQclear(run(conn, sql.data, 0, NULL, NULL));
		if (verbosity > 0)
			printf("created %s\n", version_table);
		resetStringInfo(&sql);
	}
	PQclear(res);

	appendStringInfo(&sql, "DELETE FROM %s", qualified);
	PQclear(run(conn, sql.data, 0, NULL, NULL));
	resetStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s (version_num) SELECT pg_catalog.unnest($1::pg_catalog.text[])",
					 qualified);
	params[0] = rows.data;
	PQclear(run(conn, sql.data, 1, params, NULL));
	PQclear(run(conn, "COMMIT", 0, NULL, NULL));

	if (verbosity > 0)
	{
		printf("wrote %d version row%s into %s\n", ncurrent,
			   ncurrent == 1 ? "" : "s", version_table);
		for (int i = 0; i < ncurrent; i++)
			printf("%s\n", PQgetvalue(current, i, 0));
	}
	PQclear(current);
	PQfreemem(table);
	PQfreemem(pkey);
	return 0;
}
