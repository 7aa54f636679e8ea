/*-------------------------------------------------------------------------
 *
 * tenants.c
 *	  The commands over tenant schemas: upgrade, downgrade, stamp and
 *	  current with --tenants PATTERN (any number) or --all-tenants.
 *
 * The server does the work in one call (pim_migrate_upgrade(target,
 * schemas => ...), or CALL ..._each for --each) and says as it goes which
 * tenant it is at: a NOTICE per tenant that has steps, with the schema in
 * its schema-name field, then the "Running ..." NOTICE of each step, and
 * with --each a WARNING (schema-name field set too) for a tenant that
 * failed.  This file reads those fields, never the text, to keep a
 * progress line on a terminal and to count what the summary says.  Each
 * element of --tenants is what the server takes: a schema name, or with a
 * % a LIKE pattern of the declared tenants.
 *
 * bin/tenants.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <unistd.h>

#include "lib/stringinfo.h"
#include "libpq-fe.h"

#include "cli.h"

/* --tenants, as many as given, or --all-tenants */
static StringInfoData tenant_list;
static int	ntenant_patterns = 0;
static bool all_tenants = false;

/* What the server said of the run so far (see tenant_notice_receiver). */
typedef struct TenantRun
{
	int			ntenants;		/* matched, counted before the run */
	int			expected;		/* of them, those likely to have steps */
	int			started;		/* tenants that had steps and did not fail */
	int			steps;			/* steps announced and not failed */
	char	   *current;		/* the tenant at work */
	int			announced;		/* its steps announced so far */
	StringInfoData failed;		/* "a", "b" */
	int			nfailed;
	bool		progress;		/* a progress line on a terminal */
	bool		line_open;		/* the progress line is on the screen */
}			TenantRun;

void
tenants_add_option(const char *pattern)
{
	if (tenant_list.data == NULL)
	{
		initStringInfo(&tenant_list);
		appendStringInfoChar(&tenant_list, '{');
	}
	append_array_element(&tenant_list, pattern);
	ntenant_patterns++;
}

void
tenants_all_option(void)
{
	all_tenants = true;
}

/* Was --tenants or --all-tenants given?  Both: bad usage. */
bool
tenants_given(void)
{
	if (all_tenants && ntenant_patterns > 0)
		bad_usage("--tenants and --all-tenants do not go together");
	return all_tenants || ntenant_patterns > 0;
}

/* The schemas argument: a text[] literal. */
static const char *
schemas_param(void)
{
	if (all_tenants)
		return "{%}";
	return psprintf("%s}", tenant_list.data);
}

/* Clear the progress line, if it is on the screen. */
static void
clear_progress(TenantRun * run)
{
	if (!run->line_open)
		return;
	fputs("\r\033[K", stdout);
	fflush(stdout);
	run->line_open = false;
}

/*
 * The server's notices during a run over tenants: count, keep the
 * progress line, and print the rest as the command prints notices.
 */
static void
tenant_notice_receiver(void *arg, const PGresult *res)
{
	TenantRun  *run = (TenantRun *) arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	bool		warning = severity && strcmp(severity, "WARNING") == 0;
	bool		step = !warning && primary && strncmp(primary, "Running ", 8) == 0;

	if (schema && warning)
	{
		/* a failed tenant (--each): its last announced step did not commit */
		appendStringInfo(&run->failed, "%s%s", run->nfailed > 0 ? ", " : "",
						 schema);
		run->nfailed++;
		if (run->current && strcmp(run->current, schema) == 0)
		{
			run->started--;
			if (run->announced > 0)
				run->steps--;
		}
	}
	else if (schema)
	{
		pg_free(run->current);
		run->current = pg_strdup(schema);
		run->started++;
		run->announced = 0;
	}
	else if (step)
	{
		run->steps++;
		run->announced++;
	}

	/* a warning always gets its own lines, above the progress line */
	if (run->progress && !warning)
	{
		printf("\r\033[K[%d/%d] %s%s%s", run->started + run->nfailed,
			   Max(run->expected, run->started + run->nfailed),
			   run->current ? run->current : "",
			   step ? ": " : "", step ? primary : "");
		fflush(stdout);
		run->line_open = true;
		return;
	}
	clear_progress(run);
	if (warning && schema)
		fprintf(stderr, "%s: warning: %s\n", progname, primary);
	else
		notice_processor(NULL, PQresultErrorMessage(res));
}

/*
 * How many tenants the patterns match, and of them how many are likely to
 * have steps (for the progress line: not up to date for an upgrade, not
 * at base for a downgrade), asked before the run: an element that names
 * no tenant fails here, before anything runs.
 */
static void
count_tenants(PGconn *conn, const char *command, const char *schemas,
			  TenantRun * tr)
{
	PGresult   *res = run(conn, strcmp(command, "upgrade") == 0 ?
						  "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE NOT up_to_date)"
						  " FROM pim_migrate_status(schemas => $1::pg_catalog.text[])" :
						  "SELECT pg_catalog.count(*), pg_catalog.count(*) FILTER (WHERE current <> '{}')"
						  " FROM pim_migrate_status(schemas => $1::pg_catalog.text[])",
						  1, &schemas, NULL);

	tr->ntenants = atoi(PQgetvalue(res, 0, 0));
	tr->expected = atoi(PQgetvalue(res, 0, 1));
	PQclear(res);
}

/* The summary line of a run over tenants. */
static void
print_summary(TenantRun * run, const char *command, bool dry_run)
{
	int			untouched = run->ntenants - run->started - run->nfailed;

	if (verbosity == 0 && run->nfailed == 0)
		return;
	if (run->ntenants == 0)
	{
		printf("no tenant matches\n");
		return;
	}
	printf("%d tenant%s: %d %s%s (%d step%s%s), %d with nothing to %s",
		   run->ntenants, run->ntenants == 1 ? "" : "s", run->started,
		   dry_run ? "would be " : "",
		   strcmp(command, "upgrade") == 0 ? "upgraded" : "downgraded",
		   run->steps, run->steps == 1 ? "" : "s",
		   dry_run ? ", rolled back" : "", Max(untouched, 0), command);
	if (run->nfailed > 0)
		printf(", %d failed: %s", run->nfailed, run->failed.data);
	printf("\n");
}

/*
 * upgrade or downgrade over tenants: load every file, then one call of the
 * server (in one transaction, or committing per tenant and revision with
 * --each).  Exit 1 when any tenant failed.
 */
static int
migrate_tenants(PGconn *conn, const char *command, const char *target,
				bool dry_run, bool each)
{
	const char *schemas = schemas_param();
	const char *params[3] = {target, schemas, dry_run ? "true" : "false"};
	TenantRun	tr = {0};
	PGresult   *res;
	char	   *sql;

	initStringInfo(&tr.failed);
	begin_and_load(conn);
	count_tenants(conn, command, schemas, &tr);
	tr.progress = isatty(fileno(stdout)) && verbosity == 1;
	PQsetNoticeReceiver(conn, tenant_notice_receiver, &tr);

	if (each)
	{
		PQclear(run(conn, "COMMIT", 0, NULL, NULL));
		sql = psprintf("CALL pim_migrate_%s_each($1, schemas => $2::pg_catalog.text[])",
					   command);
		res = PQexecParams(conn, sql, 2, NULL, params, NULL, NULL, 0);
		clear_progress(&tr);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			if (PQstatus(conn) == CONNECTION_BAD)
				fail("the connection was lost: %s", PQerrorMessage(conn));
			print_error(NULL, res);
			/* failed tenants were named by their WARNING; others: none ran */
			if (tr.nfailed == 0)
				fprintf(stderr, "%s: the run stopped at the failed step: the steps committed before it stay applied\n",
						progname);
			print_summary(&tr, command, false);
			PQclear(res);
			return EXIT_ERROR;
		}
		PQclear(res);
		print_summary(&tr, command, false);
		return 0;
	}

	migration_commit = COMMIT_AT_END;
	sql = psprintf("SELECT pg_catalog.count(*) FROM pim_migrate_%s($1,"
				   " schemas => $2::pg_catalog.text[], dry_run => $3::boolean)",
				   command);
	res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
	clear_progress(&tr);
	check_result(conn, res, NULL);
	PQclear(res);
	PQclear(run(conn, "COMMIT", 0, NULL, NULL));
	print_summary(&tr, command, dry_run);
	return 0;
}

/*
 * stamp over tenants: load every file, set each tenant's version rows,
 * print each one's new current.
 */
static int
stamp_tenants(PGconn *conn, const char *target, bool dry_run, bool purge)
{
	const char *params[3] = {target, schemas_param(), purge ? "true" : "false"};
	PGresult   *res;

	begin_and_load(conn);
	res = run(conn, "SELECT schema, pg_catalog.array_to_string(current, ' ')"
			  " FROM pim_migrate_stamp($1, schemas => $2::pg_catalog.text[], purge => $3::boolean)",
			  3, params, NULL);
	PQclear(run(conn, dry_run ? "ROLLBACK" : "COMMIT", 0, NULL, NULL));
	if (verbosity > 0)
	{
		for (int i = 0; i < PQntuples(res); i++)
			printf("%s: %s\n", PQgetvalue(res, i, 0),
				   *PQgetvalue(res, i, 1) ? PQgetvalue(res, i, 1) : "base");
		printf("%d tenant%s stamped%s\n", PQntuples(res),
			   PQntuples(res) == 1 ? "" : "s", dry_run ? ", rolled back" : "");
	}
	PQclear(res);
	return 0;
}

/*
 * cmd_migrate_tenants
 *		upgrade, downgrade and stamp with --tenants or --all-tenants.
 */
int
cmd_migrate_tenants(PGconn *conn, const char *command, const char *target,
					bool dry_run, bool each, bool purge)
{
	if (strcmp(command, "stamp") == 0)
		return stamp_tenants(conn, target, dry_run, purge);
	return migrate_tenants(conn, command, target, dry_run, each);
}

/*
 * cmd_current_tenants
 *		current with --tenants or --all-tenants: each tenant's current
 *		revisions, as current prints them, after its name.
 */
int
cmd_current_tenants(PGconn *conn)
{
	const char *schemas = schemas_param();
	PGresult   *res = run(conn,
						  "SELECT s.schema, COALESCE(pg_catalog.string_agg(c || CASE WHEN c = ANY (s.heads)"
						  "  THEN ' (head)' ELSE '' END, ', ' ORDER BY c), 'base')"
						  " FROM pim_migrate_status(schemas => $1::pg_catalog.text[]) s"
						  " LEFT JOIN LATERAL pg_catalog.unnest(s.current) c ON true"
						  " GROUP BY s.schema ORDER BY s.schema COLLATE \"C\"",
						  1, &schemas, NULL);

	for (int i = 0; i < PQntuples(res); i++)
		printf("%s: %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);
	return 0;
}
