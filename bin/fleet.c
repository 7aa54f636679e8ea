/*-------------------------------------------------------------------------
 *
 * fleet.c
 *	  One command over many databases (--fleet FILE): each database in a
 *	  child process of its own, up to --jobs at a time, and a summary table
 *	  at the end.
 *
 * The command is written around one connection and exits on an error, so
 * a fleet is the ordinary command run once per database: fleet_run forks a
 * child per database and returns in it, with the connection set to that
 * database's line, and the child goes on as if it had been started alone.
 * The parent never returns: it reads what its children print, through a
 * pipe per stream, and prints each database's output as one block once it
 * ended, every line led by the database's name (without its password), so
 * that the output of databases migrating at the same time cannot mix and
 * one database's lines can be picked out of a log with grep.  A third pipe
 * carries what the child reports for the summary (fleet_report: the
 * revisions before and after, the steps, a word of status), as lines of
 * "key<TAB>value".  A database that cannot be reached is a failure of its
 * line, never of the run.
 *
 * Everything the children share is done once, before the first fork: the
 * fleet file is read and checked (a bad line is bad usage: nothing has
 * run), the versions directory read, the desired schema rendered.  No
 * thread may run across a fork, hence prefetch_wait.
 *
 * Stopping: after the first failure no new database is started (running
 * ones finish, each in its own transaction), unless --continue-on-error;
 * with --canary K, the first K run first, and a failure among them stops
 * everything, --continue-on-error or not.  The commands that only look go
 * over every database.  A first SIGINT of the parent alone stops it from
 * starting new ones too; a second one ends it.
 *
 * bin/fleet.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/string.h"
#include "lib/stringinfo.h"
#include "libpq-fe.h"
#include "portability/instr_time.h"

#include "cli.h"

#define FLEET_JOBS_MAX 256		/* three pipes each, under the usual 1,024
								 * descriptors */

/* The child's streams, as the parent reads them. */
#define STREAM_OUT		0
#define STREAM_ERR		1
#define STREAM_REPORT	2
#define NSTREAMS		3

/*
 * The commands a fleet runs: whether they migrate, and whether they say
 * where the database goes (a migration's "to", status's heads) and how far
 * (the steps run, the revisions pending), for the summary's columns.
 */
typedef struct FleetCommand
{
	const char *name;
	bool		migrates;
	bool		says_target;
} FleetCommand;

static const FleetCommand fleet_commands[] = {
	{"upgrade", true, true},
	{"downgrade", true, true},
	{"stamp", true, true},
	{"status", false, true},
	{"current", false, false},
	{"check", false, false},
	{"drift", false, false},
	{"verify", false, false},
	{NULL, false, false}
};

typedef enum MemberState
{
	MEMBER_WAITING,
	MEMBER_RUNNING,
	MEMBER_DONE,
	MEMBER_NOT_STARTED
} MemberState;

/* A database of the fleet: its line, and what its child said. */
typedef struct FleetMember
{
	int			line;			/* in the fleet file, from 1 */
	char	   *conninfo;		/* as libpq takes it */
	char	   *display;		/* user@host:port/dbname, no password */
	MemberState state;
	pid_t		pid;
	int			fd[NSTREAMS];	/* read ends; -1 once at end of file */
	StringInfoData partial[NSTREAMS];	/* a line not ended yet */
	StringInfoData log;			/* the output: lines led by '1' (stdout) or
								 * '2' (stderr), in the order they came */
	instr_time	started;
	double		seconds;
	bool		ok;				/* exit status 0 */
	const char *exit_word;		/* "failed", "interrupted", "killed by signal
								 * 9" */
	/* reported by the child; NULL when it did not say */
	char	   *from;
	char	   *to;
	char	   *steps;
	char	   *committed;
	char	   *status;
} FleetMember;

/* the options */
static const char *fleet_file = NULL;
static int	fleet_jobs = 0;		/* 0: not given, 1 */
static int	fleet_canary = 0;
static bool fleet_continue = false;

static const FleetCommand *fleet_command;
static FleetMember *members;
static int	nmembers;

/* in a child: where fleet_report writes, and whether "to" was said */
bool		fleet_child = false;
static int	report_fd = -1;
static bool reported_to = false;

static volatile sig_atomic_t interrupted = false;

/* A number option: from 1 to max, or bad usage. */
static int
count_option(const char *name, const char *arg, int max)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < 1 || n > max)
		bad_usage("%s must be a number from 1 to %d, not \"%s\"", name, max, arg);
	return (int) n;
}

/*
 * fleet_option
 *		Take the fleet option c (OPT_FLEET...) with its argument; returns
 *		false for any other option.  They go before or after the command.
 */
bool
fleet_option(int c, const char *arg)
{
	switch (c)
	{
		case OPT_FLEET:
			fleet_file = arg;
			return true;
		case OPT_JOBS:
			fleet_jobs = count_option("--jobs", arg, FLEET_JOBS_MAX);
			return true;
		case OPT_CANARY:
			fleet_canary = count_option("--canary", arg, INT_MAX);
			return true;
		case OPT_CONTINUE_ON_ERROR:
			fleet_continue = true;
			return true;
	}
	return false;
}

/* Was --fleet given? */
bool
fleet_given(void)
{
	return fleet_file != NULL;
}

/* "fleet file "FILE"", or "standard input", for messages */
static const char *
fleet_source(void)
{
	static char *source;

	if (source == NULL)
		source = strcmp(fleet_file, "-") == 0 ? pg_strdup("standard input") :
			psprintf("fleet file \"%s\"", fleet_file);
	return source;
}

/*
 * The name a database is shown by: [user@][host][:port]/dbname from
 * libpq's own parse of the line (a URL or key=value pairs), so that no
 * password, of either form, is ever printed; a service stands for the
 * host it names.  A line that is neither is a database name, as psql's -d
 * takes it.  NULL when the line does not parse; libpq's message is not
 * repeated, since it may quote the line.
 */
static char *
display_name(const char *conninfo)
{
	char	   *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
	const char *user = NULL,
			   *host = NULL,
			   *service = NULL,
			   *port = NULL,
			   *dbname = NULL;
	StringInfoData buf;

	if (opts == NULL)
	{
		PQfreemem(err);
		/* libpq's rule: a connection string has "=" or a URI's prefix */
		if (strchr(conninfo, '=') || strncmp(conninfo, "postgresql://", 13) == 0 ||
			strncmp(conninfo, "postgres://", 11) == 0)
			return NULL;
		return pg_strdup(conninfo);
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0 ||
				 (strcmp(o->keyword, "hostaddr") == 0 && host == NULL))
			host = o->val;
		else if (strcmp(o->keyword, "service") == 0)
			service = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
	}
	initStringInfo(&buf);
	if (user)
		appendStringInfo(&buf, "%s@", user);
	if (host)
		appendStringInfoString(&buf, host);
	else if (service)
		appendStringInfo(&buf, "service=%s", service);
	if (port)
		appendStringInfo(&buf, ":%s", port);
	if (buf.len > 0)
		appendStringInfo(&buf, "/%s", dbname ? dbname : "");
	else
		appendStringInfoString(&buf, dbname ? dbname : "(libpq's defaults)");
	PQconninfoFree(opts);
	return buf.data;
}

static int
display_cmp(const void *a, const void *b)
{
	const FleetMember *const *ma = a;
	const FleetMember *const *mb = b;
	int			cmp = strcmp((*ma)->display, (*mb)->display);

	return cmp != 0 ? cmp : (*ma)->line - (*mb)->line;
}

/*
 * Lines shown by the same name (they differ in what is not shown: a
 * password, sslmode, options...) get their line number after it, so that
 * each row of the summary says which line it is.
 */
static void
tell_apart(void)
{
	FleetMember **sorted = pg_malloc(sizeof(FleetMember *) * nmembers);
	bool	   *twin = pg_malloc0(sizeof(bool) * nmembers);

	for (int i = 0; i < nmembers; i++)
		sorted[i] = &members[i];
	qsort(sorted, nmembers, sizeof(FleetMember *), display_cmp);
	for (int i = 1; i < nmembers; i++)
		if (strcmp(sorted[i - 1]->display, sorted[i]->display) == 0)
			twin[i - 1] = twin[i] = true;
	for (int i = 0; i < nmembers; i++)
		if (twin[i])
			sorted[i]->display = psprintf("%s (line %d)", sorted[i]->display,
										  sorted[i]->line);
	pg_free(sorted);
	pg_free(twin);
}

/*
 * Read the fleet file (or standard input): one connection string or URL a
 * line, blank lines and lines starting with "#" left out.  Whatever is
 * wrong with it is bad usage, said before any database is touched.
 */
static void
read_fleet(void)
{
	FILE	   *f = strcmp(fleet_file, "-") == 0 ? stdin : fopen(fleet_file, "r");
	StringInfoData buf;
	int			lineno = 0;
	int			allocated = 16;

	if (f == NULL)
		bad_usage("could not open fleet file \"%s\": %m", fleet_file);
	members = pg_malloc0(sizeof(FleetMember) * allocated);
	initStringInfo(&buf);
	while (pg_get_line_buf(f, &buf))
	{
		char	   *line = buf.data;
		char	   *end;
		FleetMember *m;

		lineno++;
		while (isspace((unsigned char) *line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (nmembers == allocated)
		{
			allocated *= 2;
			members = pg_realloc(members, sizeof(FleetMember) * allocated);
		}
		m = &members[nmembers++];
		memset(m, 0, sizeof(FleetMember));
		m->line = lineno;
		m->conninfo = libpq_url(line);
		m->display = display_name(m->conninfo);
		if (m->display == NULL)
			bad_usage("line %d of %s is not a connection string or URL (key=value pairs, or postgresql://...)",
					  lineno, fleet_source());
	}
	if (ferror(f))
		bad_usage("could not read %s: %m", fleet_source());
	if (f != stdin)
		fclose(f);
	pfree(buf.data);
	if (nmembers == 0)
		bad_usage("%s names no database", fleet_source());
	tell_apart();
}

/*
 * fleet_check_usage
 *		Bad usage of the fleet options with this command: exits 2.  With
 *		--fleet, reads the fleet file, which must name a database.
 */
void
fleet_check_usage(const char *command, bool offline, bool plan)
{
	if (fleet_file == NULL)
	{
		if (fleet_jobs)
			bad_usage("--jobs goes with --fleet");
		if (fleet_canary)
			bad_usage("--canary goes with --fleet");
		if (fleet_continue)
			bad_usage("--continue-on-error goes with --fleet");
		return;
	}
	for (fleet_command = fleet_commands; fleet_command->name; fleet_command++)
		if (strcmp(fleet_command->name, command) == 0)
			break;
	if (fleet_command->name == NULL)
		bad_usage("%s does not run over a fleet (--fleet goes with upgrade, downgrade, stamp, status, current, check, drift and verify)",
				  command);
	if (conn_arg)
		bad_usage("--fleet and -d do not go together: the fleet file names the databases");
	if (offline)
		bad_usage("--sql goes with one database, not --fleet");
	if (plan)
		bad_usage("--plan goes with one database, not --fleet");
	if (fleet_canary && !fleet_command->migrates)
		bad_usage("--canary goes with upgrade, downgrade and stamp: %s changes nothing",
				  command);
	if (fleet_jobs == 0)
		fleet_jobs = 1;
	read_fleet();
}

/*
 * fleet_report
 *		In a child: say key (from, to, steps, committed, status) for the
 *		summary.  Nothing otherwise.
 */
void
fleet_report(const char *key, const char *fmt,...)
{
	StringInfoData buf;
	va_list		args;
	ssize_t		written;

	if (!fleet_child)
		return;
	initStringInfo(&buf);
	appendStringInfo(&buf, "%s\t", key);
	for (;;)
	{
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	appendStringInfoChar(&buf, '\n');

	/*
	 * This process is the pipe's only writer, and the parent reads whole
	 * lines.  A write fails only when the parent is gone, and then there is
	 * nobody to tell (this may run at exit).
	 */
	written = write(report_fd, buf.data, buf.len);
	(void) written;
	if (strcmp(key, "to") == 0)
		reported_to = true;
	pfree(buf.data);
}

/* In a child: the current revisions (base for none) as key. */
void
fleet_report_current(PGconn *conn, const char *key)
{
	PGresult   *res;

	if (!fleet_child)
		return;
	res = run(conn, "SELECT COALESCE(pg_catalog.string_agg(c, ', ' ORDER BY c), 'base')"
			  " FROM pim_migrate_current() c", 0, NULL, NULL);
	fleet_report(key, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
}

/* A child ending without "to" failed: say what of its migration stays. */
static void
child_at_exit(void)
{
	if (!reported_to)
		fleet_report("committed", "%d", migration_steps_kept());
}

static void
become_child(FleetMember *m, int pipes[NSTREAMS][2])
{
	int			devnull = open("/dev/null", O_RDONLY);

	/* the others' read ends are the parent's */
	for (int i = 0; i < nmembers; i++)
		for (int k = 0; k < NSTREAMS; k++)
			if (members[i].state == MEMBER_RUNNING && members[i].fd[k] >= 0)
				close(members[i].fd[k]);
	if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0 ||
		dup2(pipes[STREAM_OUT][1], STDOUT_FILENO) < 0 ||
		dup2(pipes[STREAM_ERR][1], STDERR_FILENO) < 0)
		fail("could not set up the output of a fleet process: %m");
	close(devnull);
	for (int k = 0; k < NSTREAMS; k++)
	{
		close(pipes[k][0]);
		if (k != STREAM_REPORT)
			close(pipes[k][1]);
	}
	report_fd = pipes[STREAM_REPORT][1];
	/* lines as they come, so that stdout and stderr keep their order */
	setvbuf(stdout, NULL, _IOLBF, 0);
	pqsignal(SIGINT, SIG_DFL);

	conn_arg = m->conninfo;
	conn_source = psprintf("line %d of %s", m->line, fleet_source());
	fleet_child = true;
	atexit(child_at_exit);
}

/*
 * Start the child of m; returns true in the child, false in the parent.
 */
static bool
start_member(FleetMember *m)
{
	int			pipes[NSTREAMS][2];

	for (int k = 0; k < NSTREAMS; k++)
		if (pipe(pipes[k]) != 0)
			fail("could not create a pipe: %m");
	/* nothing buffered may be printed twice */
	fflush(stdout);
	fflush(stderr);
	m->pid = fork();
	if (m->pid < 0)
		fail("could not start a process for %s: %m", m->display);
	if (m->pid == 0)
	{
		become_child(m, pipes);
		return true;
	}
	for (int k = 0; k < NSTREAMS; k++)
	{
		close(pipes[k][1]);
		m->fd[k] = pipes[k][0];
		initStringInfo(&m->partial[k]);
	}
	initStringInfo(&m->log);
	INSTR_TIME_SET_CURRENT(m->started);
	m->state = MEMBER_RUNNING;
	return false;
}

/* A line the child reported: "key<TAB>value". */
static void
take_report(FleetMember *m, const char *line)
{
	const char *tab = strchr(line, '\t');
	char	   *value;
	size_t		keylen;

	if (tab == NULL)
		return;
	keylen = tab - line;
	value = pg_strdup(tab + 1);
	if (keylen == 4 && strncmp(line, "from", 4) == 0)
		m->from = value;
	else if (keylen == 2 && strncmp(line, "to", 2) == 0)
		m->to = value;
	else if (keylen == 5 && strncmp(line, "steps", 5) == 0)
		m->steps = value;
	else if (keylen == 9 && strncmp(line, "committed", 9) == 0)
		m->committed = value;
	else if (keylen == 6 && strncmp(line, "status", 6) == 0)
		m->status = value;
	else
		pg_free(value);
}

/* A whole line of stream k. */
static void
take_line(FleetMember *m, int k, const char *line)
{
	if (k == STREAM_REPORT)
		take_report(m, line);
	else
		appendStringInfo(&m->log, "%c%s\n", k == STREAM_OUT ? '1' : '2', line);
}

/* What was read from stream k (len 0: its end). */
static void
take_output(FleetMember *m, int k, const char *data, int len)
{
	StringInfo	partial = &m->partial[k];

	if (len == 0)
	{
		if (partial->len > 0)
			take_line(m, k, partial->data);
		resetStringInfo(partial);
		return;
	}
	for (int i = 0; i < len; i++)
	{
		if (data[i] != '\n')
		{
			appendStringInfoChar(partial, data[i]);
			continue;
		}
		take_line(m, k, partial->data);
		resetStringInfo(partial);
	}
}

/* The progress line, on a terminal only. */
static bool show_progress = false;
static bool progress_shown = false;

static void
clear_progress(void)
{
	if (progress_shown)
	{
		fputs("\r\033[K", stdout);
		fflush(stdout);
		progress_shown = false;
	}
}

static void
draw_progress(void)
{
	int			done = 0,
				running = 0,
				failed = 0;

	if (!show_progress)
		return;
	for (int i = 0; i < nmembers; i++)
	{
		if (members[i].state == MEMBER_RUNNING)
			running++;
		else if (members[i].state == MEMBER_DONE)
		{
			done++;
			if (!members[i].ok)
				failed++;
		}
	}
	printf("\r\033[K[%d/%d] %d running", done, nmembers, running);
	/* a look that finds a database behind is no failure: migrations only */
	if (fleet_command->migrates)
		printf(", %d failed", failed);
	fflush(stdout);
	progress_shown = true;
}

/*
 * m's child closed its pipes: reap it, and print its output as one block,
 * each line led by the database.
 */
static void
finish_member(FleetMember *m)
{
	int			wstatus;
	instr_time	now;
	const char *p;

	while (waitpid(m->pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			fail("could not wait for the process of %s: %m", m->display);
	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, m->started);
	m->seconds = INSTR_TIME_GET_DOUBLE(now);
	m->state = MEMBER_DONE;
	m->ok = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGINT)
		m->exit_word = "interrupted";
	else if (WIFSIGNALED(wstatus))
		m->exit_word = psprintf("killed by signal %d", WTERMSIG(wstatus));
	else if (!m->ok)
		m->exit_word = "failed";

	/* no empty lines at the end (libpq's messages end with a newline) */
	while (m->log.len >= 2 && (m->log.len == 2 || m->log.data[m->log.len - 3] == '\n'))
		m->log.data[m->log.len -= 2] = '\0';

	clear_progress();
	for (p = m->log.data; *p;)
	{
		const char *nl = strchr(p, '\n');
		FILE	   *out = *p == '1' ? stdout : stderr;

		/* an empty line gets no trailing blank */
		fprintf(out, "%s:%s%.*s\n", m->display, nl - p > 1 ? " " : "",
				(int) (nl - p - 1), p + 1);
		/* stdout and stderr may be one file: in order */
		fflush(out);
		p = nl + 1;
	}
	draw_progress();
}

/* Wait for the running children to say something, and take it. */
static void
wait_for_output(void)
{
	/* at most --jobs are running */
	struct pollfd *pfds = pg_malloc(sizeof(struct pollfd) * fleet_jobs * NSTREAMS);
	FleetMember **owner = pg_malloc(sizeof(FleetMember *) * fleet_jobs * NSTREAMS);
	int		   *stream = pg_malloc(sizeof(int) * fleet_jobs * NSTREAMS);
	int			n = 0;
	char		data[8192];

	for (int i = 0; i < nmembers; i++)
		for (int k = 0; k < NSTREAMS; k++)
			if (members[i].state == MEMBER_RUNNING && members[i].fd[k] >= 0)
			{
				pfds[n].fd = members[i].fd[k];
				pfds[n].events = POLLIN;
				pfds[n].revents = 0;
				owner[n] = &members[i];
				stream[n++] = k;
			}
	if (poll(pfds, n, -1) < 0 && errno != EINTR)
		fail("could not wait for the fleet's processes: %m");
	for (int j = 0; j < n; j++)
	{
		ssize_t		len;

		if (pfds[j].revents == 0)
			continue;
		len = read(pfds[j].fd, data, sizeof(data));
		if (len < 0 && errno == EINTR)
			continue;
		take_output(owner[j], stream[j], data, len > 0 ? (int) len : 0);
		if (len <= 0)
		{
			close(pfds[j].fd);
			owner[j]->fd[stream[j]] = -1;
		}
	}
	for (int i = 0; i < nmembers; i++)
		if (members[i].state == MEMBER_RUNNING && members[i].fd[STREAM_OUT] < 0 &&
			members[i].fd[STREAM_ERR] < 0 && members[i].fd[STREAM_REPORT] < 0)
			finish_member(&members[i]);
	pg_free(pfds);
	pg_free(owner);
	pg_free(stream);
}

/* The first SIGINT stops new starts; a second one ends the command. */
static void
handle_sigint(SIGNAL_ARGS)
{
	interrupted = true;
	pqsignal(SIGINT, SIG_DFL);
}

/* Cells of the summary: a database's from, to, steps and status. */
static const char *
cell(const char *value)
{
	return value ? value : "?";
}

static const char *
member_to(const FleetMember *m)
{
	if (m->state == MEMBER_NOT_STARTED)
		return m->from ? m->from : "-";
	if (m->to)
		return m->to;
	/* a failed migration that kept none of its steps left it where it was */
	if (fleet_command->migrates && m->committed && strcmp(m->committed, "0") == 0)
		return cell(m->from);
	return "?";
}

static const char *
member_steps(const FleetMember *m)
{
	if (m->state == MEMBER_NOT_STARTED || m->steps == NULL)
		return "-";
	/* failed: what stays of what was planned */
	if (!m->ok && fleet_command->migrates && m->committed)
		return psprintf("%s/%s", m->committed, m->steps);
	return m->steps;
}

static const char *
member_status(const FleetMember *m)
{
	if (m->state == MEMBER_NOT_STARTED)
		return "not started";
	if (m->status)
		return m->status;
	return m->ok ? "ok" : m->exit_word;
}

/* The summary's columns; only the commands that say a target show 2, 3. */
#define NCOLUMNS 6
static const bool column_right[NCOLUMNS] = {false, false, false, true, true, false};

/* A row of the summary: the shown columns, padded to their widths. */
static void
print_row(const char *const *row, const int *width, const bool *shown)
{
	bool		first = true;

	for (int c = 0; c < NCOLUMNS; c++)
	{
		if (!shown[c])
			continue;
		if (!first)
			fputs("  ", stdout);
		first = false;
		if (c == NCOLUMNS - 1)
			fputs(row[c], stdout);
		else
			printf(column_right[c] ? "%*s" : "%-*s", width[c], row[c]);
	}
	putchar('\n');
}

/*
 * The summary table, in the order of the fleet file, and a line of
 * counts: the databases per status, in the order the statuses came.
 */
static void
print_summary(void)
{
	bool		migrates = fleet_command->migrates;
	const char *headings[NCOLUMNS] = {"database", migrates ? "from" : "current",
		migrates ? "to" : "head", migrates ? "steps" : "pending",
	"duration", "status"};
	bool		shown[NCOLUMNS] = {true, true, fleet_command->says_target,
	fleet_command->says_target, true, true};
	const char **cells = pg_malloc(sizeof(char *) * nmembers * NCOLUMNS);
	int			width[NCOLUMNS];
	const char *rule[NCOLUMNS];
	const char **words = pg_malloc(sizeof(char *) * nmembers);
	int		   *counts = pg_malloc0(sizeof(int) * nmembers);
	int			nwords = 0;

	for (int c = 0; c < NCOLUMNS; c++)
		width[c] = strlen(headings[c]);
	for (int i = 0; i < nmembers; i++)
	{
		FleetMember *m = &members[i];
		const char **row = &cells[i * NCOLUMNS];
		int			w;

		row[0] = m->display;
		row[1] = m->state == MEMBER_NOT_STARTED && !m->from ? "-" : cell(m->from);
		row[2] = migrates ? member_to(m) : m->to ? m->to : "-";
		row[3] = member_steps(m);
		row[4] = m->state == MEMBER_DONE ? psprintf("%.2f s", m->seconds) : "-";
		row[5] = member_status(m);
		for (int c = 0; c < NCOLUMNS; c++)
			width[c] = Max(width[c], (int) strlen(row[c]));
		for (w = 0; w < nwords; w++)
			if (strcmp(words[w], row[5]) == 0)
				break;
		if (w == nwords)
			words[nwords++] = row[5];
		counts[w]++;
	}
	for (int c = 0; c < NCOLUMNS; c++)
	{
		char	   *dashes = pg_malloc(width[c] + 1);

		memset(dashes, '-', width[c]);
		dashes[width[c]] = '\0';
		rule[c] = dashes;
	}

	print_row(headings, width, shown);
	print_row(rule, width, shown);
	for (int i = 0; i < nmembers; i++)
		print_row(&cells[i * NCOLUMNS], width, shown);
	printf("%d database%s:", nmembers, nmembers == 1 ? "" : "s");
	for (int w = 0; w < nwords; w++)
		printf("%s %d %s", w > 0 ? "," : "", counts[w], words[w]);
	putchar('\n');
}

/*
 * fleet_run
 *		Run the command over every database of the fleet.  Returns in each
 *		child only, connected to nothing yet, with conn_arg set to its
 *		database; the parent exits: 0 when every database succeeded (for a
 *		migration: reached the target), else 1.
 */
void
fleet_run(void)
{
	int			next = 0;
	int			running = 0;
	int			phase_end = fleet_canary > 0 ? Min(fleet_canary, nmembers) : nmembers;
	bool		stop = false;
	bool		all_ok = true;

	/* the files, read once for every database, and by no thread of ours */
	prefetch_wait();
	show_progress = verbosity > 0 && isatty(fileno(stdout));
	pqsignal(SIGINT, handle_sigint);

	for (;;)
	{
		while (!stop && !interrupted && running < fleet_jobs && next < phase_end)
		{
			if (start_member(&members[next++]))
				return;
			running++;
		}
		draw_progress();
		if (running == 0)
		{
			/* the canaries went well: the rest */
			if (stop || interrupted || next >= nmembers)
				break;
			phase_end = nmembers;
			continue;
		}
		wait_for_output();
		running = 0;
		for (int i = 0; i < nmembers; i++)
		{
			FleetMember *m = &members[i];

			if (m->state == MEMBER_RUNNING)
				running++;
			/* a failure stops the starts (a canary's, always) */
			else if (m->state == MEMBER_DONE && !m->ok && fleet_command->migrates &&
					 (i < fleet_canary || !fleet_continue))
				stop = true;
		}
	}
	clear_progress();
	for (int i = 0; i < nmembers; i++)
	{
		if (members[i].state == MEMBER_WAITING)
			members[i].state = MEMBER_NOT_STARTED;
		if (members[i].state != MEMBER_DONE || !members[i].ok)
			all_ok = false;
	}
	if (verbosity > 0 || !all_ok)
		print_summary();
	exit(all_ok ? 0 : EXIT_ERROR);
}
