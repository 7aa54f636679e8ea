/*-------------------------------------------------------------------------
 *
 * common.c
 *	  What every command of pim_migrate shares: its messages and exits, the
 *	  connection, running a query and checking its result, and the notice
 *	  processor that prints the server's "Running upgrade ..." lines.
 *
 * A failure prints one message and exits (1 for an error, 2 for bad
 * usage); a failed query rolls back what is open first, and a failed
 * migration ends with a line saying what of it stays (report_what_stays).
 *
 * bin/common.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "lib/stringinfo.h"
#include "libpq-fe.h"

#include "cli.h"

const char *progname = "pim_migrate";
const char *conn_arg = NULL;	/* -d */
const char *conn_source = NULL; /* where conn_arg came from, if not -d */
int			verbosity = 1;		/* 0: -q, 2: -v */
int			steps_total = 0;	/* for the progress count on a terminal */
static int	steps_done = 0;
static int	steps_announced = 0;	/* "Running ..." lines printed */
MigrationCommit migration_commit = COMMIT_NOT_MIGRATING;
int			steps_committed = 0;

/*
 * "pim_migrate: " and the message on stderr; %m is the caller's errno.
 * Marked printf-like: since PostgreSQL 17 port.h marks vfprintf so, and
 * gcc's -Wmissing-format-attribute then asks it of its callers.
 */
static void
pg_attribute_printf(1, 0)
print_message(const char *fmt, va_list args)
{
	int			save_errno = errno;

	fprintf(stderr, "%s: ", progname);
	errno = save_errno;
	vfprintf(stderr, fmt, args);
	fputc('\n', stderr);
}

/* Say what failed and exit 1. */
void
fail(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	print_message(fmt, args);
	va_end(args);
	exit(EXIT_ERROR);
}

/* Bad usage: exit 2, so that a CI guard with a typo fails. */
void
bad_usage(const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	print_message(fmt, args);
	va_end(args);
	fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
	exit(EXIT_USAGE);
}

/*
 * The server's messages: NOTICE lines as Alembic prints them, with the
 * progress count on a terminal.
 */
void
notice_processor(void *arg, const char *message)
{
	const char *str = message;

	if (verbosity == 0)
		return;
	if (strncmp(str, "NOTICE:  ", 9) == 0)
		str += 9;
	if (strncmp(str, "Running ", 8) == 0)
	{
		steps_announced++;
		if (steps_total > 0)
			printf("[%d/%d] ", ++steps_done, steps_total);
	}
	fputs(str, stdout);
	fflush(stdout);
}

/* DATABASE_URL in SQLAlchemy's form: drop the "+driver" of the scheme. */
char *
libpq_url(const char *url)
{
	const char *plus = strchr(url, '+');
	const char *colon = strstr(url, "://");

	if (plus && colon && plus < colon &&
		(strncmp(url, "postgresql+", 11) == 0 || strncmp(url, "postgres+", 9) == 0))
		return psprintf("postgresql%s", colon);
	return pg_strdup(url);
}

/* Was a connection named (-d or DATABASE_URL)? */
bool
connection_given(void)
{
	const char *url = getenv("DATABASE_URL");

	return conn_arg || (url && *url);
}

/*
 * Connect as -d, else DATABASE_URL, else libpq's defaults say; with
 * need_extension, also check that the extension is there, in the version
 * this command speaks.  Exits on failure.
 */
PGconn *
connect_db(bool need_extension)
{
	const char *source;
	const char *conninfo;
	const char *url = getenv("DATABASE_URL");
	PGconn	   *conn;
	PGresult   *res;

	if (conn_arg)
	{
		source = conn_source ? conn_source : "-d";
		conninfo = conn_arg;
	}
	else if (url && *url)
	{
		source = "DATABASE_URL";
		conninfo = libpq_url(url);
	}
	else
	{
		source = "the PG* environment and libpq's defaults";
		conninfo = "";
	}
	{
		/* as psql's -d: a connection string, a URI or a bare database name */
		const char *keywords[] = {"dbname", "fallback_application_name", NULL};
		const char *values[] = {conninfo, progname, NULL};

		conn = PQconnectdbParams(keywords, values, true);
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fleet_report("status", "unreachable");
		fail("could not connect to the database (connection from %s): %s",
			 source, PQerrorMessage(conn));
	}
	PQsetNoticeProcessor(conn, notice_processor, NULL);
	res = PQexec(conn, "SET client_min_messages = notice");
	PQclear(res);

	if (need_extension)
	{
		res = PQexec(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pim_migrate'");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0)
		{
			fleet_report("from", "base");
			fleet_report("status", "no extension");
			fail("the extension pim_migrate is not installed in database \"%s\" (run \"%s init\" with a connection)",
				 PQdb(conn), progname);
		}
		check_extension_version(conn, PQgetvalue(res, 0, 0));
		PQclear(res);
	}
	return conn;
}

/*
 * The command speaks the SQL interface of the extension version it was
 * built with (pim_migrate.control's default_version): an older one lacks
 * functions or arguments it calls, so say so before anything fails.
 */
void
check_extension_version(PGconn *conn, const char *installed)
{
	if (strcmp(installed, PIM_MIGRATE_VERSION) == 0)
		return;
	fprintf(stderr, "%s: the extension pim_migrate in database \"%s\" is version %s, and this command needs version %s\n",
			progname, PQdb(conn), installed, PIM_MIGRATE_VERSION);
	fprintf(stderr, "HINT:  Update the extension (psql -d %s -c 'ALTER EXTENSION pim_migrate UPDATE'), or run the pim_migrate command of version %s.\n",
			PQdb(conn), installed);
	PQfinish(conn);
	exit(EXIT_ERROR);
}

/* Print an error result the way psql would, with its context line. */
void
print_error(const char *what, PGresult *res)
{
	const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	fprintf(stderr, "%s: %s%s%s", progname, what ? what : "", what ? ": " : "",
			PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	if (verbosity > 1 && state)
		fprintf(stderr, " (SQLSTATE %s)", state);
	fputc('\n', stderr);
	if (detail)
		fprintf(stderr, "DETAIL:  %s\n", detail);
	if (hint)
		fprintf(stderr, "HINT:  %s\n", hint);
	if (context)
		fprintf(stderr, "CONTEXT:  %s\n", context);
}

/*
 * How many steps of a migration that failed stay committed.
 */
int
migration_steps_kept(void)
{
	if (steps_announced == 0 || migration_commit == COMMIT_NOT_MIGRATING ||
		migration_commit == COMMIT_AT_END)
		return 0;
	/* each step commits before the next one is announced */
	if (migration_commit == COMMIT_PER_STEP_CALL)
		return steps_announced - 1;

	/*
	 * Steps run in one transaction with the failed one (several transactional
	 * revisions between Transactional: false ones) were announced too, and
	 * went with it: only the commits count.
	 */
	return steps_committed;
}

/*
 * After a failed migration that announced steps, the last line says what
 * stays: the "Running" lines above it are no record of what was applied.
 */
static void
report_what_stays(void)
{
	int			committed = migration_steps_kept();

	if (steps_announced == 0 || migration_commit == COMMIT_NOT_MIGRATING)
		return;
	if (migration_commit == COMMIT_AT_END)
	{
		fprintf(stderr, "%s: the migration was rolled back: none of its steps was committed, the database is as it was\n",
				progname);
		return;
	}
	if (committed == 0)
		fprintf(stderr, "%s: the migration stopped at the failed step: no step of it had been committed\n",
				progname);
	else
		fprintf(stderr, "%s: the migration stopped at the failed step: the %d step%s committed before it stay%s applied, the rest was rolled back\n",
				progname, committed, committed == 1 ? "" : "s",
				committed == 1 ? "s" : "");
}

/* Run sql with text parameters; on an error, say it, roll back and exit. */
PGresult *
run(PGconn *conn, const char *sql, int nparams, const char *const *params,
	const char *what)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	check_result(conn, res, what);
	return res;
}

/* On an error: say it, roll back and exit. */
void
check_result(PGconn *conn, PGresult *res, const char *what)
{
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
	{
		if (PQstatus(conn) == CONNECTION_BAD)
			fail("the connection was lost: %s", PQerrorMessage(conn));
		print_error(what, res);
		PQclear(res);
		/* a failed CALL of an _each procedure leaves no transaction open */
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		PQfinish(conn);
		report_what_stays();
		exit(EXIT_ERROR);
	}
}

/* An element of a text[] literal: quoted, with quotes and backslashes escaped. */
void
append_array_element(StringInfo buf, const char *value)
{
	appendStringInfoString(buf, buf->len > 1 ? ",\"" : "\"");
	for (const char *p = value; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(buf, '\\');
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, '"');
}
