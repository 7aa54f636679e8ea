/*-------------------------------------------------------------------------
 *
 * outside.c
 *	  Migrations with revisions marked "Transactional: false", which the
 *	  server cannot run in its transaction (CREATE INDEX CONCURRENTLY,
 *	  VACUUM, ALTER SYSTEM...): the command runs them itself.
 *
 * The run holds the migration lock at session level from the moment the
 * plan is made to the end, so no other migrator can interleave.  The
 * transactional steps between two such revisions are applied by the server
 * in one transaction (each in its own with --each); each such revision's
 * statements are sent one by one as top-level commands on this connection,
 * then its bookkeeping is done in a short transaction of its own.  If a
 * statement fails, the revision stays unrecorded and the error says which
 * statement failed and what it left behind.
 *
 * bin/outside.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "lib/stringinfo.h"

#include "cli.h"

/* Columns of the plan query (see cmd_migrate). */
#define STEP_REVISION	0
#define STEP_OPERATION	1
#define STEP_MESSAGE	2
#define STEP_PARENTS	3
#define STEP_TRANSACTIONAL 4

static bool
step_transactional(PGresult *steps, int i)
{
	return strcmp(PQgetvalue(steps, i, STEP_TRANSACTIONAL), "t") == 0;
}

/* The first step the command must run itself, or NULL. */
const char *
first_outside(PGresult *steps)
{
	for (int i = 0; i < PQntuples(steps); i++)
		if (!step_transactional(steps, i))
			return PQgetvalue(steps, i, STEP_REVISION);
	return NULL;
}

/* Does the plan hold a step that the command must run itself? */
bool
plan_runs_outside(PGresult *steps)
{
	return first_outside(steps) != NULL;
}

/* Apply steps [from, to) of the plan in one transaction. */
static void
apply_steps(PGconn *conn, PGresult *steps, int from, int to, bool record_only)
{
	StringInfoData ids;
	const char *params[3];

	initStringInfo(&ids);
	appendStringInfoChar(&ids, '{');
	for (int i = from; i < to; i++)
		append_array_element(&ids, PQgetvalue(steps, i, STEP_REVISION));
	appendStringInfoChar(&ids, '}');
	params[0] = ids.data;
	params[1] = PQgetvalue(steps, from, STEP_OPERATION);
	params[2] = record_only ? "true" : "false";

	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	PQclear(run(conn, "SELECT count(*) FROM pim_migrate_apply($1::text[], $2, $3::boolean)",
				3, params, NULL));
	PQclear(run(conn, "COMMIT", 0, NULL, NULL));
	steps_committed += to - from;
	pfree(ids.data);
}

/* The invalid indexes as an oid[] literal, to tell new ones afterwards. */
static char *
invalid_indexes(PGconn *conn)
{
	PGresult   *res = run(conn,
						  "SELECT pg_catalog.array_agg(indexrelid)::text FROM pg_catalog.pg_index"
						  " WHERE NOT indisvalid", 0, NULL, NULL);
	char	   *oids = pg_strdup(PQgetisnull(res, 0, 0) ? "{}" : PQgetvalue(res, 0, 0));

	PQclear(res);
	return oids;
}

/*
 * Report a failed statement of revision i, with what the user must clean
 * up before running again, and exit.  The connection ends with the
 * process, and the session lock with it.
 */
pg_noreturn static void
statement_failed(PGconn *conn, PGresult *steps, int i, PGresult *err,
				 const char *line, const char *sql, int nstmt,
				 const char *invalid_before)
{
	const char *rev = PQgetvalue(steps, i, STEP_REVISION);
	char	   *what = psprintf("revision %s, %s, line %s", rev,
								PQgetvalue(steps, i, STEP_OPERATION), line);
	const char *params[1] = {invalid_before};
	PGresult   *res;

	print_error(what, err);
	fprintf(stderr, "STATEMENT:  %s\n", sql);
	fprintf(stderr, "HINT:  Revision %s was not recorded, so the next run starts it again.", rev);
	if (nstmt > 1)
		fprintf(stderr, "  Its %d statement%s before this one ran and stay%s: undo %s, or make %s idempotent, first.",
				nstmt - 1, nstmt > 2 ? "s" : "", nstmt > 2 ? "" : "s",
				nstmt > 2 ? "them" : "it", nstmt > 2 ? "them" : "it");

	/* a failed CREATE INDEX CONCURRENTLY leaves its index, invalid */
	res = PQexecParams(conn,
					   "SELECT pg_catalog.string_agg(indexrelid::pg_catalog.regclass::text, ', '),"
					   " pg_catalog.string_agg('DROP INDEX CONCURRENTLY '"
					   "  OPERATOR(pg_catalog.||) indexrelid::pg_catalog.regclass::text, '; ')"
					   " FROM pg_catalog.pg_index WHERE NOT indisvalid"
					   " AND indexrelid <> ALL ($1::pg_catalog.oid[])",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && !PQgetisnull(res, 0, 0))
		fprintf(stderr, "  The failed statement left the invalid index %s: drop it (%s;) before running the migration again.",
				PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	fputc('\n', stderr);
	PQclear(res);
	PQfinish(conn);
	exit(EXIT_ERROR);
}

/*
 * Run revision i of the plan outside any transaction: each statement as a
 * top-level command, then the bookkeeping.
 */
static void
run_step_outside(PGconn *conn, PGresult *steps, int i)
{
	const char *params[2] = {PQgetvalue(steps, i, STEP_REVISION),
	PQgetvalue(steps, i, STEP_OPERATION)};
	bool		up = strcmp(params[1], "upgrade") == 0;
	const char *parents = PQgetvalue(steps, i, STEP_PARENTS);
	PGresult   *stmts;
	PGresult   *res;
	char	   *announce;
	char	   *started;

	/* as the server announces the steps it runs itself */
	announce = psprintf("Running %s %s -> %s, %s (outside a transaction)\n",
						params[1], up ? parents : params[0],
						up ? params[0] : parents,
						PQgetvalue(steps, i, STEP_MESSAGE));
	notice_processor(NULL, announce);
	pfree(announce);

	stmts = run(conn, "SELECT line, statement FROM pim_migrate_statements($1, $2)",
				2, params, NULL);
	res = run(conn, "SELECT pg_catalog.date_part('epoch', pg_catalog.clock_timestamp())",
			  0, NULL, NULL);
	started = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);

	/*
	 * the DDL watch records nothing of a migration's statements; RESET ALL
	 * ends it
	 */
	PQclear(run(conn, "SELECT pg_catalog.set_config('pim_migrate.running_revision', $1, false)",
				1, params, NULL));
	for (int k = 0; k < PQntuples(stmts); k++)
	{
		const char *sql = PQgetvalue(stmts, k, 1);
		char	   *invalid_before = invalid_indexes(conn);
		ExecStatusType st;

		res = PQexec(conn, sql);
		st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		{
			if (PQstatus(conn) == CONNECTION_BAD)
				fail("the connection was lost: %s", PQerrorMessage(conn));
			statement_failed(conn, steps, i, res, PQgetvalue(stmts, k, 0), sql,
							 k + 1, invalid_before);
		}
		PQclear(res);
		pg_free(invalid_before);
	}
	PQclear(stmts);

	/*
	 * What the statements SET stays with them, as in the server, where a
	 * script's settings end with it: the session comes back as it was before
	 * the bookkeeping runs in it.
	 */
	PQclear(run(conn, "RESET SESSION AUTHORIZATION", 0, NULL, NULL));
	PQclear(run(conn, "RESET ALL", 0, NULL, NULL));
	PQclear(run(conn, "SET client_min_messages = notice", 0, NULL, NULL));
	PQclear(run(conn, "SELECT pg_catalog.set_config('pim_migrate_client.started', $1, false)",
				1, (const char *const *) &started, NULL));
	apply_steps(conn, steps, i, i + 1, true);
	pg_free(started);
}

/*
 * run_plan_outside
 *		Run a plan that holds revisions the server cannot run.  The caller
 *		has loaded the files and made the plan in an open transaction,
 *		which this commits once the session lock is held.
 */
void
run_plan_outside(PGconn *conn, PGresult *steps, bool each)
{
	int			n = PQntuples(steps);
	int			i = 0;

	PQclear(run(conn, "SELECT pim_migrate_lock()", 0, NULL, NULL));
	PQclear(run(conn, "COMMIT", 0, NULL, NULL));
	/* from here, a failure leaves what was committed before it */
	migration_commit = COMMIT_IN_PARTS;
	while (i < n)
	{
		int			j = i;

		while (j < n && step_transactional(steps, j) && (j == i || !each))
			j++;
		if (j > i)
			apply_steps(conn, steps, i, j, false);
		else
			run_step_outside(conn, steps, j++);
		i = j;
	}
	PQclear(run(conn, "SELECT pim_migrate_unlock()", 0, NULL, NULL));
}
