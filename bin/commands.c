/*-------------------------------------------------------------------------
 *
 * commands.c
 *	  The commands that change the database: init, upgrade, downgrade,
 *	  stamp, adopt, and check (which compares the database, after loading
 *	  the files, with the desired schema).
 *
 * A migration is one transaction: the extension is created when it is
 * missing, every file is loaded, then the server migrates, so a failure
 * leaves nothing behind (--each and "Transactional: false" revisions
 * commit in parts, outside.c).
 *
 * bin/commands.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/stat.h>
#include <unistd.h>

#include "lib/stringinfo.h"
#include "libpq-fe.h"

#include "cli.h"

/* A word for a shell command line: quoted unless it is plain. */
static char *
shell_word(const char *word)
{
	StringInfoData buf;

	if (*word && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == strlen(word))
		return pg_strdup(word);
	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (const char *p = word; *p; p++)
		if (*p == '\'')
			appendStringInfoString(&buf, "'\\''");
		else
			appendStringInfoChar(&buf, *p);
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/*
 * The role may not create the extension: say what it lacks, asking the
 * server (a superuser, unless the extension is trusted; then the CREATE
 * privilege on the database), and what a DBA runs.  The transaction is
 * rolled back already.
 */
pg_noreturn static void
extension_not_allowed(PGconn *conn, PGresult *err)
{
	PGresult   *res = PQexec(conn,
							 "SELECT current_user, pg_catalog.current_database(),"
							 " (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),"
							 " pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'),"
							 " COALESCE((SELECT v.trusted FROM pg_catalog.pg_available_extension_versions v"
							 "  JOIN pg_catalog.pg_available_extensions e USING (name)"
							 "  WHERE v.name = 'pim_migrate' AND v.version = e.default_version), false)");
	const char *db = PQdb(conn);

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		const char *role = PQgetvalue(res, 0, 0);
		bool		may_create = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
		bool		trusted = strcmp(PQgetvalue(res, 0, 4), "t") == 0;

		db = PQgetvalue(res, 0, 1);
		fprintf(stderr, "%s: the extension pim_migrate is not installed in database \"%s\", and role \"%s\" may not create it: ",
				progname, db, role);
		if (trusted)
			fprintf(stderr, "that takes the CREATE privilege on database \"%s\"\n", db);
		else if (may_create)
			fprintf(stderr, "that takes a superuser, since pim_migrate is not a trusted extension (the CREATE privilege on database \"%s\" is not enough)\n",
					db);
		else
			fprintf(stderr, "that takes a superuser, since pim_migrate is not a trusted extension (and the role lacks the CREATE privilege on database \"%s\" too)\n",
					db);
	}
	else
		fprintf(stderr, "%s: the extension pim_migrate is not installed in database \"%s\", and this role may not create it\n",
				progname, db);
	fprintf(stderr, "DETAIL:  %s\n", PQresultErrorField(err, PG_DIAG_MESSAGE_PRIMARY));
	fprintf(stderr, "HINT:  A database administrator creates it once: psql -d %s -c 'CREATE EXTENSION pim_migrate'\n",
			shell_word(db));
	PQclear(res);
	PQfinish(conn);
	exit(EXIT_ERROR);
}

/*
 * In the open transaction of a migration: create the extension when the
 * database has none, as Alembic creates its version table, so that a
 * failure later in the same transaction leaves nothing, the extension
 * included.
 */
static void
ensure_extension(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pim_migrate'",
						  0, NULL, NULL);
	bool		present = PQntuples(res) > 0;
	const char *state;

	if (present)
	{
		check_extension_version(conn, PQgetvalue(res, 0, 0));
		PQclear(res);
		return;
	}
	PQclear(res);
	res = PQexec(conn, "CREATE EXTENSION IF NOT EXISTS pim_migrate");
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && state &&
		strcmp(state, "42501") == 0)
	{
		PQclear(PQexec(conn, "ROLLBACK"));
		extension_not_allowed(conn, res);
	}
	/* "not available": no control file (58P01 before 15.4) */
	if (PQresultStatus(res) != PGRES_COMMAND_OK && state &&
		(strcmp(state, "0A000") == 0 || strcmp(state, "58P01") == 0))
	{
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

		fprintf(stderr, "%s: the extension pim_migrate is not installed on the server of database \"%s\"\n",
				progname, PQdb(conn));
		fprintf(stderr, "DETAIL:  %s%s%s\n", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY),
				detail ? ": " : "", detail ? detail : "");
		fprintf(stderr, "HINT:  Install pim_migrate (make install, as root) on the machine where PostgreSQL runs, then run this command again.\n");
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		PQfinish(conn);
		exit(EXIT_ERROR);
	}
	check_result(conn, res, NULL);
	PQclear(res);
	if (verbosity > 1)
		printf("created the extension pim_migrate in database \"%s\"\n", PQdb(conn));
}

/*
 * Open a migration's transaction: the extension, then every file; in a
 * fleet, say where the database starts from, under the migration lock that
 * loading took.
 */
void
begin_and_load(PGconn *conn)
{
	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	ensure_extension(conn);
	load_files(conn);
	fleet_report_current(conn, "from");
}

/* upgrade --strict: refuse to migrate a drifted schema */
bool		strict_drift = false;

/*
 * Before an upgrade: say when the schema changed since its last migration
 * (pim_migrate_status's drifted, 1.1; a 1.0 extension has no such
 * column, hence the row as JSON); --strict refuses.
 */
static void
check_drift_before(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT pg_catalog.to_jsonb(s) OPERATOR(pg_catalog.->>) 'drifted'"
						  " FROM pim_migrate_status() s", 0, NULL, NULL);
	bool		drifted = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) &&
	strcmp(PQgetvalue(res, 0, 0), "true") == 0;

	PQclear(res);
	if (!drifted)
		return;
	if (strict_drift)
		fail("the schema changed since its last migration (see pim_migrate drift); --strict refuses to migrate it");
	fprintf(stderr, "%s: warning: the schema changed since its last migration; see pim_migrate drift\n",
			progname);
}

/*
 * In the open transaction that loaded the files: when the plan holds a
 * revision the server cannot run in a transaction, run the whole plan
 * from here (outside.c) and return true.  A dry run cannot hold one.
 */
static bool
run_outside_if_needed(PGconn *conn, const char *command, const char *target,
					  bool each, bool dry_run, int *nsteps)
{
	const char *params[2] = {target, command};
	PGresult   *steps = run(conn, "SELECT revision, operation, message,"
							" pg_catalog.array_to_string(down_revisions, ', '), transactional"
							" FROM pim_migrate_steps($1, $2)", 2, params, NULL);
	bool		outside = plan_runs_outside(steps);

	if (nsteps)
		*nsteps = PQntuples(steps);
	fleet_report("steps", "%d", PQntuples(steps));
	/* drift is worth its schema description only when something will run */
	if (strcmp(command, "upgrade") == 0 && PQntuples(steps) > 0)
		check_drift_before(conn);
	/* the plan is the progress count's total, on a terminal */
	if (isatty(fileno(stdout)) && verbosity > 0)
		steps_total = PQntuples(steps);

	if (outside && dry_run)
		fail("a dry run cannot hold revision \"%s\": it is marked \"Transactional: false\", and a dry run is one transaction, rolled back at the end",
			 first_outside(steps));
	if (outside)
		run_plan_outside(conn, steps, each);
	PQclear(steps);
	return outside;
}

/*
 * upgrade, downgrade, stamp: load every file, then migrate, in one
 * transaction (--each: the server commits per revision; --sql: print the
 * offline script; --dry-run: roll back at the end).
 */
int
cmd_migrate(PGconn *conn, const char *command, const char *target,
			bool sql, bool dry_run, bool each, bool purge)
{
	const char *params[2] = {target, dry_run ? "true" : "false"};
	PGresult   *res;

	if (each && strcmp(command, "stamp") != 0)
	{
		char	   *call = psprintf("CALL pim_migrate_%s_each($1)", command);

		begin_and_load(conn);
		if (run_outside_if_needed(conn, command, target, true, dry_run, NULL))
			return 0;
		PQclear(run(conn, "COMMIT", 0, NULL, NULL));
		migration_commit = COMMIT_PER_STEP_CALL;
		PQclear(run(conn, call, 1, params, NULL));
		return 0;
	}

	begin_and_load(conn);
	if (sql)
	{
		char	   *query;

		if (strcmp(command, "stamp") == 0)
		{
			/*
			 * The stamp itself is the offline script; the target goes in as a
			 * literal, escaped by libpq, so that nothing in it can end the
			 * string and run
			 */
			char	   *literal = PQescapeLiteral(conn, target, strlen(target));

			if (literal == NULL)
				fail("could not quote the target: %s", PQerrorMessage(conn));
			printf("BEGIN;\nSELECT * FROM pim_migrate_stamp(%s, %s);\nCOMMIT;\n",
				   literal, purge ? "true" : "false");
			PQfreemem(literal);
			PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
			return 0;
		}
		query = psprintf("SELECT pim_migrate_%s_sql($1)", command);
		res = run(conn, query, 1, params, NULL);
		fputs(PQgetvalue(res, 0, 0), stdout);
		PQclear(res);
		PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
		return 0;
	}
	if (strcmp(command, "stamp") == 0)
	{
		const char *sparams[2] = {target, purge ? "true" : "false"};

		PQclear(run(conn, "SELECT * FROM pim_migrate_stamp($1, $2)", 2, sparams, NULL));
	}
	else
	{
		char	   *query = psprintf("SELECT count(*) FROM pim_migrate_%s($1, $2::boolean)",
									 command);
		int			nsteps;

		migration_commit = COMMIT_AT_END;
		if (run_outside_if_needed(conn, command, target, false, dry_run, &nsteps))
			return 0;

		/*
		 * The plan was made under the migration lock that loading the files
		 * took, with every check a migration makes: when it is empty there is
		 * nothing to run, and a no-op deploy pays for one plan, not two.
		 */
		if (nsteps > 0)
		{
			res = run(conn, query, 2, params, NULL);
			nsteps = atoi(PQgetvalue(res, 0, 0));
			PQclear(res);
		}
		if (verbosity > 0 && nsteps == 0)
			printf("nothing to %s\n", command);
	}
	if (dry_run && strcmp(command, "stamp") == 0)
		PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	else
		PQclear(run(conn, "COMMIT", 0, NULL, NULL));
	return 0;
}

/* Create the versions directory, and with a connection the extension. */
int
cmd_init(void)
{
	if (mkdir(versions_dir, 0777) != 0 && errno != EEXIST)
		fail("could not create directory \"%s\": %m", versions_dir);
	if (verbosity > 0)
		printf("versions directory: %s\n", versions_dir);
	if (connection_given())
	{
		PGconn	   *conn = connect_db(false);

		PQclear(run(conn, "CREATE EXTENSION IF NOT EXISTS pim_migrate", 0, NULL, NULL));
		if (verbosity > 0)
			printf("extension pim_migrate ready in database \"%s\"\n", PQdb(conn));
		PQfinish(conn);
	}
	return 0;
}

/* The patterns as a text[] literal, for a parameter. */
static char *
pattern_array(char **items, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < n; i++)
		append_array_element(&buf, items[i]);
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/*
 * The diff between the database and the desired schema (models, schema
 * files): load every file in a transaction that is rolled back (nothing is
 * registered), refuse unless the database is then at head, as Alembic
 * does, and ask pim_migrate_diff.  Alembic's version table is never
 * compared: a team that adopted may go back.  Returns false when there is
 * no difference.
 */
bool
schema_diff(PGconn *conn, const char *desired, const char *what,
			char **upgrade, char **downgrade)
{
	char	   *exclude;
	const char *params[4];
	PGresult   *res;
	bool		changed;

	project_add_default_exclude("alembic_version");
	exclude = pattern_array(project.exclude, project.nexclude);
	params[0] = desired;
	params[1] = project.schema;
	params[2] = project.ninclude > 0 ? pattern_array(project.include, project.ninclude) : NULL;
	params[3] = exclude;
	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	load_files(conn);
	res = run(conn, "SELECT up_to_date FROM pim_migrate_status()", 0, NULL, NULL);
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		fail("Target database is not up to date");
	PQclear(res);
	res = run(conn, "SELECT upgrade_sql, downgrade_sql FROM pim_migrate_diff($1, $2,"
			  " include => $3::pg_catalog.text[], exclude => $4::pg_catalog.text[])",
			  4, params, what);
	changed = !PQgetisnull(res, 0, 0);
	*upgrade = changed ? pg_strdup(PQgetvalue(res, 0, 0)) : NULL;
	*downgrade = changed ? pg_strdup(PQgetvalue(res, 0, 1)) : NULL;
	PQclear(res);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	return changed;
}

/*
 * Load every file and take the version rows from Alembic's table; force
 * even once pim_migrate has migrated past them.
 */
int
cmd_adopt(PGconn *conn, const char *version_table, bool force)
{
	const char *params[2] = {version_table, force ? "true" : "false"};
	PGresult   *res;

	begin_and_load(conn);
	res = run(conn, "SELECT pg_catalog.to_regclass($1) IS NULL", 1, params, NULL);
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		fail("no Alembic version table \"%s\" in database \"%s\" (name it with --version-table SCHEMA.TABLE, as version_table and version_table_schema in env.py)",
			 version_table, PQdb(conn));
	PQclear(res);
	res = run(conn, "SELECT * FROM pim_migrate_adopt_alembic($1::text::regclass, $2::boolean)",
			  2, params, NULL);
	PQclear(run(conn, "COMMIT", 0, NULL, NULL));
	if (verbosity > 0)
	{
		printf("adopted %d version row%s from %s\n", PQntuples(res),
			   PQntuples(res) == 1 ? "" : "s", version_table);
		for (int i = 0; i < PQntuples(res); i++)
			printf("%s\n", PQgetvalue(res, i, 0));
	}
	PQclear(res);
	return 0;
}

/* Exit 1 when the database differs from the desired schema. */
int
cmd_check(PGconn *conn, const char *desired, const char *what)
{
	char	   *upgrade;
	char	   *downgrade;

	if (!schema_diff(conn, desired, what, &upgrade, &downgrade))
	{
		if (verbosity > 0)
			printf("No new upgrade operations detected.\n");
		return 0;
	}
	printf("New upgrade operations detected:\n%s", upgrade);
	fleet_report("status", "differs");
	return EXIT_ERROR;
}

/*
 * pim_migrate drift (and check without a desired schema): what changed in
 * the migrated schemas since their last migration; exit 1 when anything
 * did.
 */
int
cmd_drift(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT source, COALESCE(by::text, ''), what, COALESCE(detail, '')"
						  " FROM pim_migrate_drift()", 0, NULL, NULL);
	int			n = PQntuples(res);

	for (int i = 0; i < n; i++)
	{
		const char *by = PQgetvalue(res, i, 1);

		printf("%s: %s%s%s%s%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 2),
			   *by ? " by " : "", by,
			   *PQgetvalue(res, i, 3) ? ": " : "", PQgetvalue(res, i, 3));
	}
	if (n == 0 && verbosity > 0)
		printf("ok: no drift since the last migration\n");
	if (n > 0)
		fleet_report("status", "drifted");
	PQclear(res);
	return n == 0 ? 0 : EXIT_ERROR;
}

/*
 * pim_migrate test [TARGET]: every pending revision down and up again on
 * this database, rolled back (pim_migrate_test); exit 1 on any problem.
 */
int
cmd_test(PGconn *conn, const char *target)
{
	PGresult   *res;
	int			n;

	begin_and_load(conn);
	res = run(conn, "SELECT revision, step, problem, COALESCE(detail, '')"
			  " FROM pim_migrate_test($1)", 1, &target, NULL);
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		printf("%s: %s: %s%s%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			   PQgetvalue(res, i, 2), *PQgetvalue(res, i, 3) ? ": " : "",
			   PQgetvalue(res, i, 3));
	PQclear(res);
	PQclear(run(conn, "ROLLBACK", 0, NULL, NULL));
	if (n == 0 && verbosity > 0)
		printf("ok: every revision up to %s goes down and up again\n", target);
	return n == 0 ? 0 : EXIT_ERROR;
}
