/*-------------------------------------------------------------------------
 *
 * import_alembic.c
 *	  pim_migrate import-alembic: an Alembic project's revisions as
 *	  revision files.
 *
 * The SQL must come from Alembic itself (its offline mode, through the
 * project's env.py), so the work is done in Python by
 * pim_migrate_import_alembic.py, installed beside this program.  It runs
 * under the Python that runs the project's Alembic: PIM_MIGRATE_PYTHON if
 * set, else the interpreter named by the "alembic" script found on PATH
 * (a virtualenv's, or the system's), else python3.
 *
 * bin/import_alembic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

/*
 * The Python on the "#!" line of the first alembic script on PATH, or
 * NULL.  "#!/usr/bin/env python3" gives "python3".
 */
static char *
alembic_python(void)
{
	const char *path = getenv("PATH");
	char	   *dirs;

	if (path == NULL)
		return NULL;
	dirs = pg_strdup(path);
	for (char *dir = strtok(dirs, ":"); dir; dir = strtok(NULL, ":"))
	{
		char	   *script = psprintf("%s/alembic", *dir ? dir : ".");
		FILE	   *f;
		char		line[MAXPGPATH];
		char	   *interp;

		if (access(script, X_OK) != 0 || (f = fopen(script, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL || strncmp(line, "#!", 2) != 0)
		{
			fclose(f);
			continue;
		}
		fclose(f);
		interp = strtok(line + 2, " \t\r\n");
		if (interp && strcmp(interp, "/usr/bin/env") == 0)
			interp = strtok(NULL, " \t\r\n");
		/* a shell wrapper (pyenv's shims) says nothing of its Python */
		if (interp && strncmp(last_dir_separator(interp) ?
							  last_dir_separator(interp) + 1 : interp,
							  "python", 6) == 0)
			return pg_strdup(interp);
		return NULL;
	}
	return NULL;
}

/*
 * The helper script installed beside this program, and the Python to run
 * it with: PIM_MIGRATE_PYTHON, else the alembic script's, else python3.
 */
static char *
locate_helper(const char *argv0, const char **python)
{
	char		self[MAXPGPATH];
	char	   *helper;

	if (find_my_exec(argv0, self) != 0)
		fail("could not find the pim_migrate program's own path");
	get_parent_directory(self);
	helper = psprintf("%s/pim_migrate_import_alembic.py", self);
	if (access(helper, R_OK) != 0)
		fail("could not read \"%s\": %m (reinstall pim_migrate)", helper);

	*python = getenv("PIM_MIGRATE_PYTHON");
	if (*python == NULL || **python == '\0')
		*python = alembic_python();
	if (*python == NULL)
		*python = "python3";
	return helper;
}

int
cmd_import_alembic(const char *config, bool strict, bool skeletons,
				   const char *argv0)
{
	const char *python;
	char	   *helper = locate_helper(argv0, &python);
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
 * helper's --list-revisions output.  The helper runs as a child whose
 * standard output is a pipe (no shell: the arguments go as they are); its
 * messages go to our standard error.  Exits when it fails.
 */
static char **
alembic_revision_ids(const char *config, const char *argv0, int *n)
{
	const char *python;
	char	   *helper = locate_helper(argv0, &python);
	const char *args[] = {python, helper, "--config", config,
	"--list-revisions", NULL};
	int			fds[2];
	pid_t		pid;
	FILE	   *out;
	char		line[1024];
	char	  **ids = NULL;
	int			cap = 0;
	int			status;

	fflush(NULL);
	if (pipe(fds) != 0)
		fail("could not create a pipe: %m");
	pid = fork();
	if (pid < 0)
		fail("could not fork: %m");
	if (pid == 0)
	{
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(126);
		close(fds[1]);
		execvp(python, (char *const *) args);
		fprintf(stderr, "%s: could not run \"%s\" for return-to-alembic: %m (set PIM_MIGRATE_PYTHON to a Python with Alembic)\n",
				progname, python);
		_exit(127);
	}
	close(fds[1]);
	out = fdopen(fds[0], "r");
	if (out == NULL)
		fail("could not read from the helper: %m");
	*n = 0;
	while (fgets(line, sizeof(line), out) != NULL)
	{
		size_t		len = strcspn(line, "\r\n");

		line[len] = '\0';
		if (len == 0)
			continue;
		if (*n == cap)
		{
			cap = cap ? cap * 2 : 64;
			ids = pg_realloc(ids, sizeof(char *) * cap);
		}
		ids[(*n)++] = pg_strdup(line);
	}
	fclose(out);
	if (waitpid(pid, &status, 0) != pid)
		fail("could not wait for the helper: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("could not list the revisions of the Alembic project of \"%s\"", config);
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
