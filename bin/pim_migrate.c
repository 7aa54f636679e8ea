/*-------------------------------------------------------------------------
 *
 * pim_migrate.c
 *	  The pim_migrate command: Alembic's everyday workflow on top of the
 *	  extension, with revision files under version control.
 *
 * Files live in a versions directory, one per revision, in the format of
 * SPEC.md, named <revision>_<slug>.sql.  "revision" and "merge" write new
 * files without a database.  Commands that migrate first load every file
 * (pim_migrate_load, parents first) in the same transaction as the
 * migration, so a deploy is one atomic step.  Everything else is a thin
 * call of the extension's SQL functions.
 *
 * Exit status: 0 success, 1 error, 2 bad usage.
 *
 * bin/pim_migrate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "getopt_long.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "port/pg_bswap.h"

#include "cli.h"

#define EXIT_USAGE 2
#define OPT_HELP 1000			/* --help: not '?', which getopt also returns
								 * for an unknown option */
#define OPT_VERSION 1001

const char *progname = "pim_migrate";
static const char *conn_arg = NULL;	/* -d */
const char *versions_dir = "versions";
int			verbosity = 1;		/* 0: -q, 2: -v */
int			steps_total = 0;	/* for the progress count on a terminal */
static int	steps_done = 0;
static int	steps_announced = 0;	/* "Running ..." lines printed */
MigrationCommit migration_commit = COMMIT_NOT_MIGRATING;
int			steps_committed = 0;

/* One revision file, with the header fields that order loading. */
typedef struct RevFile
{
	char	   *name;			/* file name within the directory */
	char	   *text;
	char	   *id;
	char	  **revises;
	int			nrevises;
	char	  **depends;
	int			ndepends;
	char	  **labels;
	int			nlabels;
} RevFile;

/*
 * Messages and usage
 */
void
fail(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "%s: ", progname);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fputc('\n', stderr);
	exit(EXIT_ERROR);
}

static void pg_attribute_printf(1, 2) pg_attribute_noreturn()
bad_usage(const char *fmt,...)
{
	va_list		args;

	fprintf(stderr, "%s: ", progname);
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
	fprintf(stderr, "\nTry \"%s --help\" for more information.\n", progname);
	exit(EXIT_USAGE);
}

static const char *const command_help[][2] = {
	{"init", "init\n  Create the versions directory; with a connection (-d or DATABASE_URL),\n  also create the extension if it is missing."},
	{"revision", "revision -m MESSAGE [--head REV|base] [--branch-label LABEL]\n         [--depends-on REV] [--rev-id ID]\n         [--autogenerate [--metadata MODULE:ATTR] [--schema-file FILE]...\n                         [--include PATTERN]... [--exclude PATTERN]...]\n  Write a new revision file whose Revises is the single head among the\n  files (or --head), with -- +upgrade and -- +downgrade sections to fill in.\n  No database needed.\n  --autogenerate: the scripts are the diff between the database (at head,\n  after loading the files) and the desired schema: the SQLAlchemy models of\n  --metadata (a declarative base or a MetaData, rendered by SQLAlchemy) and\n  the SQL of each --schema-file.  --include/--exclude: LIKE patterns of\n  the tables compared or left alone.  pyproject.toml's [tool.pim_migrate]\n  gives what the command line does not (versions, metadata, schema,\n  schema_files, include, exclude)."},
	{"merge", "merge -m MESSAGE [--rev-id ID] REV... (default: heads)\n  Write an empty revision file that merges the given heads."},
	{"upgrade", "upgrade [TARGET] [--sql] [--dry-run] [--plan] [--each]\n  Load every file, then upgrade to TARGET (default head), in one\n  transaction.  --sql prints the offline script and changes nothing;\n  --dry-run runs everything and rolls it back; --plan does too, and prints\n  per statement its time, the locks it took and the tables it rewrote;\n  --each commits per revision."},
	{"lint", "lint [TARGET] | lint --file FILE\n  Print what each statement an upgrade to TARGET (default head) would run\n  will lock, rewrite or break, read from the live catalog (table sizes);\n  --file: one revision file or SQL file, not loaded.  Exit 1 when a\n  finding is an error.  \"-- pim_migrate:ignore RULE\" before a statement\n  silences RULE for it."},
	{"downgrade", "downgrade TARGET [--sql] [--dry-run] [--each]\n  Load every file, then downgrade to TARGET (-1, base, an id, LABEL@base...)."},
	{"stamp", "stamp TARGET [--purge] [--sql] [--dry-run]\n  Load every file, then set the version rows to TARGET without running\n  scripts."},
	{"current", "current\n  Show the current revision(s) of the database."},
	{"history", "history [-r RANGE]\n  Show the revisions, newest first; RANGE as start:end."},
	{"heads", "heads\n  Show the heads of the revision graph."},
	{"branches", "branches\n  Show the branch points."},
	{"show", "show REV\n  Show one revision."},
	{"verify", "verify\n  Check the stored graph and history; exit 1 on any problem."},
	{"adopt", "adopt [--version-table TABLE] [--force]\n  Take over a database that Alembic migrated: create the extension if it is\n  missing, load every file, then set the version rows from Alembic's version\n  table (default alembic_version; SCHEMA.TABLE), which stays as it is.\n  Refused once pim_migrate has migrated past it (--force: adopt anyway);\n  adopting the same rows again changes nothing."},
	{"return-to-alembic", "return-to-alembic [--config alembic.ini] [--version-table TABLE]\n  Go back to Alembic: write pim_migrate's current revisions into Alembic's\n  version table (created if missing), replacing its rows, in one\n  transaction.  Refused when a current revision is not one of the Alembic\n  project's."},
	{"import-alembic", "import-alembic [--config alembic.ini] [--strict] [--skeletons]\n  Write a revision file into the versions directory (--dir) for every\n  revision of the Alembic project, with the same id, parents, labels and\n  dependencies; the SQL is Alembic's own offline SQL.  No database needed.\n  A revision that has a file (the same Revision ID) keeps it; the revisions\n  that cannot be converted are listed, with the file to write by hand\n  (--skeletons writes them, to finish).  A downgrade that raises makes its\n  revision irreversible, with a warning (--strict: refused instead)."},
	{"check", "check [--metadata MODULE:ATTR] [--schema-file FILE]... [--include PATTERN]...\n      [--exclude PATTERN]...\n  Exit 1, printing the missing statements, when the database (at head,\n  after loading the files) differs from the desired schema (as for\n  revision --autogenerate): a migration is missing."},
	{NULL, NULL}
};

static void
usage(void)
{
	printf("%s runs Alembic-style migrations stored in PostgreSQL by the pim_migrate extension.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... COMMAND [ARG]...\n\n", progname);
	printf("Options:\n"
		   "  -d, --dbname=CONNINFO  connection string or URI (else DATABASE_URL, also in\n"
		   "                         SQLAlchemy's postgresql+driver:// form, else PG* variables)\n"
		   "      --dir=DIR          versions directory (default: versions)\n"
		   "  -q, --quiet            print only errors\n"
		   "  -v, --verbose          print more\n"
		   "  --version              show the version, then exit\n"
		   "  -?, --help             show this help, then exit\n\n"
		   "Commands:\n");
	for (int i = 0; command_help[i][0]; i++)
		printf("  %s\n", command_help[i][0]);
	printf("\n\"%s COMMAND --help\" shows the help of a command.\n", progname);
}

static void
command_usage(const char *command)
{
	for (int i = 0; command_help[i][0]; i++)
		if (strcmp(command_help[i][0], command) == 0)
		{
			printf("Usage: %s [OPTION]... %s\n", progname, command_help[i][1]);
			return;
		}
}

/*
 * Files
 */
/*
 * A deploy reads every file every time: open, one read, close for a file
 * that fits the buffer (stdio would add an fstat and a read to see the
 * end).  The buffer is kept; each text is copied at its own size.
 */
char *
read_file(const char *path)
{
	static StringInfoData buf;
	int			fd = open(path, O_RDONLY | PG_BINARY, 0);
	char	   *text;

	if (fd < 0)
		fail("could not open \"%s\": %m", path);
	if (buf.data == NULL)
		initStringInfo(&buf);
	resetStringInfo(&buf);
	for (;;)
	{
		int			room;
		ssize_t		n;

		enlargeStringInfo(&buf, 65536);
		room = buf.maxlen - buf.len - 1;
		n = read(fd, buf.data + buf.len, room);
		if (n < 0)
			fail("could not read \"%s\": %m", path);
		buf.len += n;
		/* a regular file reads short only at its end */
		if (n < room)
			break;
	}
	close(fd);
	text = palloc(buf.len + 1);
	memcpy(text, buf.data, buf.len);
	text[buf.len] = '\0';
	return text;
}

/* Split "a, b" into trimmed names. */
static char **
split_list(const char *value, int *n)
{
	char	  **result = pg_malloc(sizeof(char *) * (strlen(value) + 1));
	char	   *copy = pg_strdup(value);
	char	   *item;
	char	   *save = NULL;

	*n = 0;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save))
	{
		while (*item == ' ' || *item == '\t')
			item++;
		for (char *end = item + strlen(item); end > item && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r');)
			*--end = '\0';
		if (*item)
			result[(*n)++] = pg_strdup(item);
	}
	return result;
}

/* Does header line text (after "--") name key?  Returns the value. */
static const char *
header_value(const char *text, const char *key)
{
	size_t		len = strlen(key);

	while (*text == ' ')
		text++;
	if (pg_strncasecmp(text, key, len) != 0 || text[len] != ':')
		return NULL;
	text += len + 1;
	while (*text == ' ')
		text++;
	return text;
}

/* Read the header fields that order loading (the server parses the rest). */
static void
parse_header(RevFile *f)
{
	char	   *copy = pg_strdup(f->text);
	char	   *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
	{
		char	   *end = line + strlen(line);
		const char *v;

		while (end > line && (end[-1] == '\r' || end[-1] == ' '))
			*--end = '\0';
		while (*line == ' ')
			line++;
		if (strncmp(line, "--", 2) != 0)
			continue;
		line += 2;
		while (*line == ' ')
			line++;
		if (pg_strcasecmp(line, "+upgrade") == 0)
			break;
		if ((v = header_value(line, "Revision ID")) != NULL)
			f->id = pg_strdup(v);
		else if ((v = header_value(line, "Revises")) != NULL)
			f->revises = split_list(v, &f->nrevises);
		else if ((v = header_value(line, "Depends On")) != NULL)
			f->depends = split_list(v, &f->ndepends);
		else if ((v = header_value(line, "Branch Labels")) != NULL)
			f->labels = split_list(v, &f->nlabels);
	}
	pg_free(copy);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const RevFile *) a)->name, ((const RevFile *) b)->name);
}

/* Every .sql file of the versions directory, in name order. */
static RevFile *
read_versions(int *n)
{
	DIR		   *dir = opendir(versions_dir);
	struct dirent *de;
	RevFile    *files = NULL;
	int			cap = 0;

	*n = 0;
	if (dir == NULL)
		fail("could not open the versions directory \"%s\": %m (run \"%s init\" first, or give --dir)",
			 versions_dir, progname);
	while ((de = readdir(dir)) != NULL)
	{
		size_t		len = strlen(de->d_name);
		char	   *path;

		if (len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0 || de->d_name[0] == '.')
			continue;
		if (*n == cap)
		{
			cap = cap ? cap * 2 : 64;
			files = pg_realloc(files, sizeof(RevFile) * cap);
		}
		memset(&files[*n], 0, sizeof(RevFile));
		files[*n].name = pg_strdup(de->d_name);
		path = psprintf("%s/%s", versions_dir, de->d_name);
		files[*n].text = read_file(path);
		parse_header(&files[*n]);
		(*n)++;
	}
	closedir(dir);
	if (*n > 0)
		qsort(files, *n, sizeof(RevFile), name_cmp);
	return files;
}

/* The file that declares id or label name, or -1. */
/*
 * Names (ids and branch labels) of the files, sorted, for lookups in
 * O(log n): a deploy orders thousands of files each time.
 */
typedef struct FileName
{
	const char *name;
	int			file;
} FileName;

static FileName *file_names = NULL;
static int	nfile_names = 0;
static RevFile *file_names_of = NULL;

static int
file_name_cmp(const void *a, const void *b)
{
	const FileName *x = a;
	const FileName *y = b;
	int			c = strcmp(x->name, y->name);

	return c ? c : x->file - y->file;
}

static int
file_name_key_cmp(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const FileName *) elem)->name);
}

/* The index of the file whose id or label is name, or -1. */
static int
find_file(RevFile *files, int n, const char *name)
{
	FileName   *hit;

	if (file_names_of != files)
	{
		int			total = 0;

		for (int i = 0; i < n; i++)
			total += 1 + files[i].nlabels;
		pg_free(file_names);
		file_names = pg_malloc(sizeof(FileName) * (total + 1));
		nfile_names = 0;
		for (int i = 0; i < n; i++)
		{
			if (files[i].id)
				file_names[nfile_names++] = (FileName) {files[i].id, i};
			for (int j = 0; j < files[i].nlabels; j++)
				file_names[nfile_names++] = (FileName) {files[i].labels[j], i};
		}
		qsort(file_names, nfile_names, sizeof(FileName), file_name_cmp);
		file_names_of = files;
	}
	hit = bsearch(name, file_names, nfile_names, sizeof(FileName), file_name_key_cmp);
	if (hit == NULL)
		return -1;
	/* the first of equal names, as a scan in file order would find */
	while (hit > file_names && strcmp((hit - 1)->name, name) == 0)
		hit--;
	return hit->file;
}


/*
 * Database
 */
void
notice_processor(void *arg, const char *message)
{
	const char *text = message;

	if (verbosity == 0)
		return;
	if (strncmp(text, "NOTICE:  ", 9) == 0)
		text += 9;
	if (strncmp(text, "Running ", 8) == 0)
	{
		steps_announced++;
		if (steps_total > 0)
			printf("[%d/%d] ", ++steps_done, steps_total);
	}
	fputs(text, stdout);
	fflush(stdout);
}

/* DATABASE_URL in SQLAlchemy's form: drop the "+driver" of the scheme. */
static char *
libpq_url(const char *url)
{
	const char *plus = strchr(url, '+');
	const char *colon = strstr(url, "://");

	if (plus && colon && plus < colon &&
		(strncmp(url, "postgresql+", 11) == 0 || strncmp(url, "postgres+", 9) == 0))
		return psprintf("postgresql%s", colon);
	return pg_strdup(url);
}

static void check_extension_version(PGconn *conn, const char *installed);

static PGconn *
connect_db(bool need_extension)
{
	const char *source;
	const char *conninfo;
	PGconn	   *conn;
	PGresult   *res;

	if (conn_arg)
	{
		source = "-d";
		conninfo = conn_arg;
	}
	else if (getenv("DATABASE_URL") && *getenv("DATABASE_URL"))
	{
		source = "DATABASE_URL";
		conninfo = libpq_url(getenv("DATABASE_URL"));
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
		fail("could not connect to the database (connection from %s): %s",
			 source, PQerrorMessage(conn));
	PQsetNoticeProcessor(conn, notice_processor, NULL);
	res = PQexec(conn, "SET client_min_messages = notice");
	PQclear(res);

	if (need_extension)
	{
		res = PQexec(conn, "SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pim_migrate'");
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) == 0)
			fail("the extension pim_migrate is not installed in database \"%s\" (run \"%s init\" with a connection)",
				 PQdb(conn), progname);
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
static void
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

static void check_result(PGconn *conn, PGresult *res, const char *what);

/*
 * After a failed migration that announced steps, the last line says what
 * stays: the "Running" lines above it are no record of what was applied.
 */
static void
report_what_stays(void)
{
	int			committed = steps_committed;

	if (steps_announced == 0 || migration_commit == COMMIT_NOT_MIGRATING)
		return;
	if (migration_commit == COMMIT_AT_END)
	{
		fprintf(stderr, "%s: the migration was rolled back: none of its steps was committed, the database is as it was\n",
				progname);
		return;
	}
	/* each step commits before the next one is announced */
	if (migration_commit == COMMIT_PER_STEP_CALL)
		committed = steps_announced - 1;
	/*
	 * Steps run in one transaction with the failed one (several
	 * transactional revisions between Transactional: false ones) were
	 * announced too, and went with it: only the commits count.
	 */
	if (committed == 0)
		fprintf(stderr, "%s: the migration stopped at the failed step: no step of it had been committed\n",
				progname);
	else
		fprintf(stderr, "%s: the migration stopped at the failed step: the %d step%s committed before it stay%s applied, the rest was rolled back\n",
				progname, committed, committed == 1 ? "" : "s",
				committed == 1 ? "s" : "");
}

PGresult *
run(PGconn *conn, const char *sql, int nparams, const char *const *params,
	const char *what)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	check_result(conn, res, what);
	return res;
}

/* On an error: say it, roll back and exit. */
static void
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

/*
 * A text[] in the binary format of array_recv: the server takes the files
 * as they are, without the quoting of a literal that array_in must undo
 * (at 10,000 files, most of the cost of passing them).
 */
static void
append_int32(StringInfo buf, uint32 value)
{
	uint32		n = pg_hton32(value);

	appendBinaryStringInfo(buf, (const char *) &n, sizeof(n));
}

static void
binary_text_array(StringInfo buf, const char *const *items, int n)
{
	append_int32(buf, 1);		/* dimensions */
	append_int32(buf, 0);		/* no NULLs */
	append_int32(buf, 25);		/* text */
	append_int32(buf, n);		/* length */
	append_int32(buf, 1);		/* lower bound */
	for (int i = 0; i < n; i++)
	{
		size_t		len = strlen(items[i]);

		append_int32(buf, (uint32) len);
		appendBinaryStringInfo(buf, items[i], len);
	}
}

/*
 * Load every file in the current transaction: one call, however many files
 * (a deploy loads them all every time).  They go in name order; the
 * server reads their headers and registers parents first.
 */
void
load_files(PGconn *conn)
{
	int			n;
	RevFile    *files = read_versions(&n);
	const char **texts = pg_malloc(sizeof(char *) * (n + 1));
	const char **names = pg_malloc(sizeof(char *) * (n + 1));
	StringInfoData scripts_buf;
	StringInfoData names_buf;
	const char *params[2];
	int			lengths[2];
	static const int formats[2] = {1, 1};
	static const Oid types[2] = {1009, 1009};	/* text[] */
	PGresult   *res;

	for (int i = 0; i < n; i++)
	{
		texts[i] = files[i].text;
		names[i] = psprintf("%s/%s", versions_dir, files[i].name);
	}
	initStringInfo(&scripts_buf);
	initStringInfo(&names_buf);
	binary_text_array(&scripts_buf, texts, n);
	binary_text_array(&names_buf, names, n);
	params[0] = scripts_buf.data;
	params[1] = names_buf.data;
	lengths[0] = scripts_buf.len;
	lengths[1] = names_buf.len;
	res = PQexecParams(conn, "SELECT pim_migrate_load_files($1, $2)", 2, types,
					   params, lengths, formats, 0);
	check_result(conn, res, NULL);
	if (verbosity > 1)
		printf("loaded %d revision files from %s, %s new or changed\n", n, versions_dir,
			   PQgetvalue(res, 0, 0));
	PQclear(res);
	pfree(scripts_buf.data);
	pfree(names_buf.data);
	for (int i = 0; i < n; i++)
		pfree((char *) names[i]);
	pg_free(texts);
	pg_free(names);
}

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
static void pg_attribute_noreturn()
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

/* Open a migration's transaction: the extension, then every file. */
static void
begin_and_load(PGconn *conn)
{
	PQclear(run(conn, "BEGIN", 0, NULL, NULL));
	ensure_extension(conn);
	load_files(conn);
}

/*
 * Commands
 */

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

static int
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
			 * The stamp itself is the offline script; the target goes in
			 * as a literal, escaped by libpq, so that nothing in it can end
			 * the string and run
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
		 * took, with every check a migration makes: when it is empty there
		 * is nothing to run, and a no-op deploy pays for one plan, not two.
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

static int
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

static int
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

static int
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

static int
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

static int
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

static int
cmd_verify(PGconn *conn)
{
	PGresult   *res = run(conn, "SELECT revision, problem FROM pim_migrate_verify()",
						  0, NULL, NULL);
	int			n = PQntuples(res);

	for (int i = 0; i < n; i++)
		printf("%s: %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	if (n == 0 && verbosity > 0)
		printf("ok: no problem found\n");
	PQclear(res);
	return n == 0 ? 0 : EXIT_ERROR;
}

static int
cmd_init(void)
{
	if (mkdir(versions_dir, 0777) != 0 && errno != EEXIST)
		fail("could not create directory \"%s\": %m", versions_dir);
	if (verbosity > 0)
		printf("versions directory: %s\n", versions_dir);
	if (conn_arg || (getenv("DATABASE_URL") && *getenv("DATABASE_URL")))
	{
		PGconn	   *conn = connect_db(false);

		PQclear(run(conn, "CREATE EXTENSION IF NOT EXISTS pim_migrate", 0, NULL, NULL));
		if (verbosity > 0)
			printf("extension pim_migrate ready in database \"%s\"\n", PQdb(conn));
		PQfinish(conn);
	}
	return 0;
}

/* A new 12-hex-digit id, as Alembic makes them. */
static char *
new_id(void)
{
	unsigned char bytes[6];
	int			fd = open("/dev/urandom", O_RDONLY);
	char	   *id = pg_malloc(13);

	if (fd < 0 || read(fd, bytes, sizeof(bytes)) != sizeof(bytes))
		fail("could not read /dev/urandom: %m");
	close(fd);
	for (int i = 0; i < 6; i++)
		sprintf(id + 2 * i, "%02x", bytes[i]);
	return id;
}

/*
 * "Add sector field" -> "add_sector_field", as Alembic's _rev_path
 * (script/base.py) makes it: the words (runs of ASCII letters, digits and
 * "_") joined by "_", lower-cased; longer than truncate_slug_length (40),
 * cut at 40 and back to the last "_" (the whole 40 when there is none),
 * then "_" is appended, so no word is cut in the middle.
 */
#define SLUG_LENGTH 40

static char *
slug(const char *message)
{
	char	   *out = pg_malloc(strlen(message) + 2);
	int			n = 0;
	bool		gap = false;

	for (const char *p = message; *p; p++)
	{
		if (isalnum((unsigned char) *p) || *p == '_')
		{
			if (gap && n > 0)
				out[n++] = '_';
			out[n++] = tolower((unsigned char) *p);
			gap = false;
		}
		else
			gap = true;
	}
	out[n] = '\0';
	if (n > SLUG_LENGTH)
	{
		char	   *cut;

		out[SLUG_LENGTH] = '\0';
		cut = strrchr(out, '_');
		n = cut ? cut - out : SLUG_LENGTH;
		out[n++] = '_';
		out[n] = '\0';
	}
	return n ? out : pg_strdup("revision");
}

/* The file-level heads: ids no file names in its Revises. */
static char **
file_heads(RevFile *files, int n, int *nheads)
{
	char	  **heads = pg_malloc(sizeof(char *) * (n + 1));

	*nheads = 0;
	for (int i = 0; i < n; i++)
	{
		bool		named = false;

		if (files[i].id == NULL)
			continue;
		for (int j = 0; j < n && !named; j++)
			for (int k = 0; k < files[j].nrevises && !named; k++)
				named = strcmp(files[j].revises[k], files[i].id) == 0;
		if (!named)
			heads[(*nheads)++] = files[i].id;
	}
	return heads;
}

/*
 * A revision among the files: an id, a label, or a unique prefix of an id
 * of four characters or more (the server's rule, which is Alembic's).
 */
static const char *
file_revision(RevFile *files, int n, const char *name)
{
	const char *found = NULL;
	int			k = find_file(files, n, name);

	if (k >= 0)
		return files[k].id;
	for (int i = 0; i < n && *name; i++)
		if (files[i].id && strlen(files[i].id) >= 4 &&
			strncmp(files[i].id, name, strlen(name)) == 0)
		{
			if (found)
				fail("revision prefix \"%s\" is ambiguous among the files", name);
			found = files[i].id;
		}
	if (!found)
		fail("Can't locate revision identified by '%s' among the files of %s", name, versions_dir);
	return found;
}

static int
write_revision(const char *message, const char *revises, const char *labels,
			   const char *depends, const char *rev_id, const char *upgrade,
			   const char *downgrade)
{
	char	   *id = rev_id ? pg_strdup(rev_id) : new_id();
	char	   *path = psprintf("%s/%s_%s.sql", versions_dir, id, slug(message));
	FILE	   *f;
	time_t		now = time(NULL);
	char		date[64];
	struct stat st;

	if (stat(path, &st) == 0)
		fail("\"%s\" exists already", path);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", localtime(&now));
	f = fopen(path, "w");
	if (f == NULL)
		fail("could not create \"%s\": %m", path);
	fprintf(f, "-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n", message, id, revises);
	if (labels)
		fprintf(f, "-- Branch Labels: %s\n", labels);
	if (depends)
		fprintf(f, "-- Depends On: %s\n", depends);
	fprintf(f, "-- Create Date: %s\n\n-- +upgrade\n%s\n-- +downgrade\n%s",
			date, upgrade, downgrade);
	if (fclose(f) != 0)
		fail("could not write \"%s\": %m", path);
	if (verbosity > 0)
		printf("Generating %s ... done\n", path);
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
static bool
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
static int
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

static int
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
	return EXIT_ERROR;
}

static int
cmd_revision(const char *message, const char *head, const char *label,
			 const char *depends, const char *rev_id, const char *upgrade,
			 const char *downgrade)
{
	int			n;
	RevFile    *files = read_versions(&n);
	const char *revises;

	if (head && strcmp(head, "base") == 0)
		revises = "";
	else if (head)
	{
		char	   *name = pg_strdup(head);
		size_t		len = strlen(name);

		/* LABEL@head among the files: the head on that branch */
		if (len > 5 && strcmp(name + len - 5, "@head") == 0)
		{
			name[len - 5] = '\0';
			if (find_file(files, n, name) < 0)
				fail("Can't locate revision identified by '%s' among the files of %s", name, versions_dir);
			fail("--head LABEL@head needs the database: name the head revision itself");
		}
		revises = file_revision(files, n, name);
	}
	else
	{
		int			nheads;
		char	  **heads = file_heads(files, n, &nheads);

		if (nheads > 1)
		{
			fprintf(stderr, "%s: Multiple heads are present; please specify the head revision on which the new revision should be based, or perform a merge\n", progname);
			for (int i = 0; i < nheads; i++)
				fprintf(stderr, "  %s\n", heads[i]);
			exit(EXIT_ERROR);
		}
		revises = nheads == 1 ? heads[0] : "";
	}
	if (depends)
		depends = file_revision(files, n, depends);
	return write_revision(message, revises, label, depends, rev_id,
						  upgrade ? upgrade : "\n", downgrade ? downgrade : "\n");
}

static int
cmd_merge(const char *message, const char *rev_id, int nrevs, char **revs)
{
	int			n;
	RevFile    *files = read_versions(&n);
	StringInfoData revises;

	initStringInfo(&revises);
	if (nrevs == 0 || (nrevs == 1 && strcmp(revs[0], "heads") == 0))
	{
		int			nheads;
		char	  **heads = file_heads(files, n, &nheads);

		if (nheads < 2)
			fail("nothing to merge: the files have %d head", nheads);
		for (int i = 0; i < nheads; i++)
			appendStringInfo(&revises, "%s%s", i ? ", " : "", heads[i]);
	}
	else
		for (int i = 0; i < nrevs; i++)
			appendStringInfo(&revises, "%s%s", i ? ", " : "",
							 file_revision(files, n, revs[i]));
	return write_revision(message, revises.data, NULL, NULL, rev_id, "", "");
}

int
main(int argc, char **argv)
{
	static struct option global_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"dir", required_argument, NULL, 1},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, OPT_HELP},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0}
	};
	static struct option command_options[] = {
		{"message", required_argument, NULL, 'm'},
		{"head", required_argument, NULL, 2},
		{"branch-label", required_argument, NULL, 3},
		{"depends-on", required_argument, NULL, 4},
		{"rev-id", required_argument, NULL, 5},
		{"sql", no_argument, NULL, 6},
		{"dry-run", no_argument, NULL, 7},
		{"each", no_argument, NULL, 8},
		{"purge", no_argument, NULL, 9},
		{"rev-range", required_argument, NULL, 'r'},
		{"autogenerate", no_argument, NULL, 10},
		{"schema-file", required_argument, NULL, 11},
		{"metadata", required_argument, NULL, 22},
		{"include", required_argument, NULL, 23},
		{"exclude", required_argument, NULL, 24},
		{"version-table", required_argument, NULL, 12},
		{"config", required_argument, NULL, 13},
		{"file", required_argument, NULL, 14},
		{"plan", no_argument, NULL, 15},
		{"force", no_argument, NULL, 16},
		{"strict", no_argument, NULL, 20},
		{"skeletons", no_argument, NULL, 21},
		{"dir", required_argument, NULL, 1},
		{"dbname", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, OPT_HELP},
		{NULL, 0, NULL, 0}
	};
	const char *progname_path = argv[0];
	const char *command;
	const char *relative = NULL;
	const char *message = NULL,
			   *head = NULL,
			   *label = NULL,
			   *depends = NULL,
			   *rev_id = NULL,
			   *range = NULL,
			   *desired = NULL,
			   *desired_what = NULL,
			   *version_table = "alembic_version",
			   *lint_file = NULL,
			   *config = "alembic.ini";
	bool		sql = false,
				dry_run = false,
				each = false,
				purge = false,
				plan = false,
				force = false,
				autogenerate = false,
				import_strict = false,
				import_skeletons = false;
	int			c;
	int			status;
	bool		dir_given = false;
	PGconn	   *conn;

	/* global options, up to the command */
	/*
	 * "-?" and --help are the only ways to ask for help: getopt returns
	 * '?' for any option it does not know too, which is bad usage (exit 2,
	 * so that a CI guard with a typo fails)
	 */
	if (argc > 1 && strcmp(argv[1], "-?") == 0)
	{
		usage();
		exit(0);
	}
	while ((c = getopt_long(argc, argv, "+d:qv", global_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				conn_arg = optarg;
				break;
			case 1:
				versions_dir = optarg;
				dir_given = true;
				break;
			case 'q':
				verbosity = 0;
				break;
			case 'v':
				verbosity = 2;
				break;
			case OPT_HELP:
				usage();
				exit(0);
			case OPT_VERSION:
				printf("pim_migrate %s\n", PIM_MIGRATE_VERSION);
				exit(0);
			default:
				bad_usage("invalid option");
		}
	}
	if (optind >= argc)
		bad_usage("no command given");
	command = argv[optind];
	for (c = 0; command_help[c][0] && strcmp(command_help[c][0], command) != 0; c++)
		;
	if (command_help[c][0] == NULL)
		bad_usage("unknown command \"%s\"", command);

	/* the command's options, anywhere among its arguments */
	argv[optind] = (char *) progname;
	argc -= optind;
	argv += optind;
#ifdef __GLIBC__
	optind = 0;					/* glibc: start afresh, without the "+" mode */
#else
	optind = 1;
#endif

	/* "-1" is a target, not an option: take it out before getopt sees it */
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] && strspn(argv[i] + 1, "0123456789") == strlen(argv[i] + 1))
		{
			if (relative)
				bad_usage("too many arguments for %s", command);
			relative = argv[i];
			for (int j = i; j < argc - 1; j++)
				argv[j] = argv[j + 1];
			argc--;
			i--;
		}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-?") == 0)
		{
			command_usage(command);
			exit(0);
		}
	while ((c = getopt_long(argc, argv, "m:r:d:qv", command_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'm':
				message = optarg;
				break;
			case 2:
				head = optarg;
				break;
			case 3:
				label = optarg;
				break;
			case 4:
				depends = optarg;
				break;
			case 5:
				rev_id = optarg;
				break;
			case 6:
				sql = true;
				break;
			case 7:
				dry_run = true;
				break;
			case 8:
				each = true;
				break;
			case 9:
				purge = true;
				break;
			case 'r':
				range = optarg;
				break;
			case 10:
				autogenerate = true;
				break;
			case 11:
				project_add_option("schema-file", optarg);
				break;
			case 22:
				project.metadata = optarg;
				break;
			case 23:
				project_add_option("include", optarg);
				break;
			case 24:
				project_add_option("exclude", optarg);
				break;
			case 12:
				version_table = optarg;
				break;
			case 13:
				config = optarg;
				break;
			case 14:
				lint_file = optarg;
				break;
			case 15:
				plan = true;
				break;
			case 16:
				force = true;
				break;
			case 20:
				import_strict = true;
				break;
			case 21:
				import_skeletons = true;
				break;
			case 1:
				versions_dir = optarg;
				dir_given = true;
				break;
			case 'd':
				conn_arg = optarg;
				break;
			case 'q':
				verbosity = 0;
				break;
			case 'v':
				verbosity = 2;
				break;
			case OPT_HELP:
				command_usage(command);
				exit(0);
			default:
				bad_usage("invalid option for %s", command);
		}
	}

	/* pyproject.toml, for what the command line did not say */
	load_project_config(progname_path, dir_given);

	if (strcmp(command, "init") == 0)
		return cmd_init();
	if (strcmp(command, "revision") == 0)
	{
		char	   *upgrade = NULL;
		char	   *downgrade = NULL;

		if (message == NULL)
			bad_usage("revision needs -m MESSAGE");
		if (autogenerate && (desired = desired_schema(progname_path, &desired_what)) == NULL)
			bad_usage("revision --autogenerate needs --metadata MODULE:ATTR or --schema-file FILE (or metadata in [tool.pim_migrate] of pyproject.toml)");
		if (autogenerate)
		{
			conn = connect_db(true);
			if (!schema_diff(conn, desired, desired_what, &upgrade, &downgrade))
			{
				PQfinish(conn);
				if (verbosity > 0)
					printf("No changes in schema detected.\n");
				return 0;
			}
			PQfinish(conn);
		}
		return cmd_revision(message, head, label, depends, rev_id, upgrade,
							downgrade);
	}
	if (strcmp(command, "import-alembic") == 0)
	{
		if (optind < argc)
			bad_usage("too many arguments for %s", command);
		return cmd_import_alembic(config, import_strict, import_skeletons,
								  progname_path);
	}
	if (strcmp(command, "merge") == 0)
	{
		if (message == NULL)
			bad_usage("merge needs -m MESSAGE");
		return cmd_merge(message, rev_id, argc - optind, argv + optind);
	}

	if (relative)
	{
		if (optind < argc)
			bad_usage("too many arguments for %s", command);
		argv[argc++] = (char *) relative;	/* in the slot it came from */
	}
	if ((strcmp(command, "downgrade") == 0 || strcmp(command, "stamp") == 0 ||
		 strcmp(command, "show") == 0) && optind >= argc)
		bad_usage("%s needs a target", command);
	if (argc - optind > 1)
		bad_usage("too many arguments for %s", command);
	if (sql && dry_run)
		bad_usage("--sql and --dry-run do not go together");
	if (plan && (strcmp(command, "upgrade") != 0 || sql || dry_run || each))
		bad_usage("--plan goes with upgrade alone");
	if (lint_file && (strcmp(command, "lint") != 0 || optind < argc))
		bad_usage("--file goes with lint, without a target");
	if (autogenerate)
		bad_usage("--autogenerate goes with revision");
	if (strcmp(command, "check") == 0 &&
		(desired = desired_schema(progname_path, &desired_what)) == NULL)
		bad_usage("check needs --metadata MODULE:ATTR or --schema-file FILE (or metadata in [tool.pim_migrate] of pyproject.toml)");

	if (force && strcmp(command, "adopt") != 0)
		bad_usage("--force goes with adopt");
	if ((strcmp(command, "adopt") == 0 ||
		 strcmp(command, "return-to-alembic") == 0) && optind < argc)
		bad_usage("too many arguments for %s", command);

	/*
	 * The commands that migrate create the extension when it is missing, in
	 * their transaction, as Alembic creates its version table: a new
	 * environment needs no "init".  The others only look.
	 */
	conn = connect_db(!(strcmp(command, "adopt") == 0 ||
						((strcmp(command, "upgrade") == 0 ||
						  strcmp(command, "downgrade") == 0 ||
						  strcmp(command, "stamp") == 0) && !plan)));
	if (plan)
		status = cmd_plan(conn, optind < argc ? argv[optind] : "head");
	else if (strcmp(command, "lint") == 0)
		status = cmd_lint(conn, optind < argc ? argv[optind] : "head", lint_file);
	else if (strcmp(command, "upgrade") == 0 || strcmp(command, "downgrade") == 0 ||
			 strcmp(command, "stamp") == 0)
		status = cmd_migrate(conn, command, optind < argc ? argv[optind] : "head",
							 sql, dry_run, each, purge);
	else if (strcmp(command, "current") == 0)
		status = cmd_current(conn);
	else if (strcmp(command, "history") == 0)
		status = cmd_history(conn, range);
	else if (strcmp(command, "heads") == 0)
		status = cmd_heads(conn);
	else if (strcmp(command, "branches") == 0)
		status = cmd_branches(conn);
	else if (strcmp(command, "show") == 0)
		status = cmd_show(conn, argv[optind]);
	else if (strcmp(command, "check") == 0)
		status = cmd_check(conn, desired, desired_what);
	else if (strcmp(command, "adopt") == 0)
		status = cmd_adopt(conn, version_table, force);
	else if (strcmp(command, "return-to-alembic") == 0)
		status = cmd_return_to_alembic(conn, config, version_table,
									   progname_path);
	else
		status = cmd_verify(conn);
	PQfinish(conn);
	return status;
}
