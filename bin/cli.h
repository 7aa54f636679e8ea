/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  What the files of the pim_migrate command share: one section per
 *	  file, saying what it owns.  pim_migrate.c itself is the options and
 *	  the dispatch to the commands declared here.
 *
 * bin/cli.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PIM_MIGRATE_CLI_H
#define PIM_MIGRATE_CLI_H

#include "lib/stringinfo.h"
#include "libpq-fe.h"

/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn, written before it.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn pg_attribute_noreturn()
#endif

#define EXIT_ERROR 1
#define EXIT_USAGE 2

/*
 * How a running migration commits, for the line that ends a failure:
 * everything at the end (nothing of it stays), or in parts (what was
 * committed stays).
 */
typedef enum MigrationCommit
{
	COMMIT_NOT_MIGRATING,
	COMMIT_AT_END,
	COMMIT_PER_STEP_CALL,		/* CALL ..._each: a step's NOTICE, then its
								 * commit */
	COMMIT_IN_PARTS				/* outside.c counts steps_committed */
} MigrationCommit;

/* common.c: messages, the connection, queries and their results */
extern const char *progname;
extern const char *conn_arg;
extern const char *conn_source;
extern int	verbosity;
extern int	steps_total;
extern MigrationCommit migration_commit;
extern int	steps_committed;

pg_noreturn extern void fail(const char *fmt,...) pg_attribute_printf(1, 2);
pg_noreturn extern void bad_usage(const char *fmt,...) pg_attribute_printf(1, 2);
extern void notice_processor(void *arg, const char *message);
extern char *libpq_url(const char *url);
extern bool connection_given(void);
extern PGconn *connect_db(bool need_extension);
extern void check_extension_version(PGconn *conn, const char *installed);
extern void print_error(const char *what, PGresult *res);
extern PGresult *run(PGconn *conn, const char *sql, int nparams,
					 const char *const *params, const char *what);
extern void check_result(PGconn *conn, PGresult *res, const char *what);
extern void append_array_element(StringInfo buf, const char *value);
extern int	migration_steps_kept(void);

/* revision_files.c: the versions directory */
extern const char *versions_dir;
extern char *read_file(const char *path);
extern void prefetch_versions(void);
extern void prefetch_wait(void);
extern void load_files(PGconn *conn);
extern int	cmd_revision(const char *message, const char *head,
						 const char *label, const char *depends,
						 const char *rev_id, const char *upgrade,
						 const char *downgrade);
extern int	cmd_merge(const char *message, const char *rev_id, int nrevs,
					  char **revs);

/* commands.c: the commands that change the database */
extern void begin_and_load(PGconn *conn);
extern int	cmd_init(void);
extern bool strict_drift;
extern int	cmd_migrate(PGconn *conn, const char *command, const char *target,
						bool sql, bool dry_run, bool each, bool purge);
extern int	cmd_adopt(PGconn *conn, const char *version_table, bool force);
extern bool schema_diff(PGconn *conn, const char *desired, const char *what,
						char **upgrade, char **downgrade);
extern int	cmd_check(PGconn *conn, const char *desired, const char *what);
extern int	cmd_drift(PGconn *conn);
extern int	cmd_test(PGconn *conn, const char *target);
extern int	cmd_checkpoint(PGconn *conn, const char *rev, const char *message,
						   const char *rev_id);

/* inspect.c: the commands that only look */
extern int	cmd_status(PGconn *conn);
extern int	cmd_current(PGconn *conn);
extern int	cmd_history(PGconn *conn, const char *range);
extern int	cmd_heads(PGconn *conn);
extern int	cmd_branches(PGconn *conn);
extern int	cmd_show(PGconn *conn, const char *rev);
extern int	cmd_verify(PGconn *conn);

/* tenants.c: the commands over tenant schemas */
extern void tenants_add_option(const char *pattern);
extern void tenants_all_option(void);
extern bool tenants_given(void);
extern int	cmd_migrate_tenants(PGconn *conn, const char *command,
								const char *target, bool dry_run, bool each,
								bool purge);
extern int	cmd_current_tenants(PGconn *conn);

/* outside.c */
extern const char *first_outside(PGresult *steps);
extern bool plan_runs_outside(PGresult *steps);
extern void run_plan_outside(PGconn *conn, PGresult *steps, bool each);

/* safety.c */
extern int	cmd_lint(PGconn *conn, const char *target, const char *file);
extern int	cmd_plan(PGconn *conn, const char *target);

/*
 * The project's configuration: [tool.pim_migrate] of pyproject.toml, and
 * the command line's options over it (models.c).
 */
typedef struct ProjectConfig
{
	char	   *metadata;		/* MODULE:ATTR of the SQLAlchemy models */
	const char *schema;			/* the schema they describe */
	char	  **schema_files;	/* SQL added to the models */
	int			nschema_files;
	char	  **include;		/* LIKE patterns of what to compare */
	int			ninclude;
	char	  **exclude;		/* LIKE patterns of what to leave alone */
	int			nexclude;
	bool		schema_files_given; /* on the command line */
	bool		include_given;
	bool		exclude_given;
} ProjectConfig;

extern ProjectConfig project;

/* models.c */
extern void load_project_config(const char *argv0, bool dir_given);
extern void project_add_option(const char *key, const char *value);
extern void project_add_default_exclude(const char *pattern);
extern char *desired_schema(const char *argv0, const char **what);

/* python.c */
extern char *locate_helper(const char *argv0, const char *name,
						   const char **python);
extern char *helper_output(const char *const *args, const char *what);

/* import_alembic.c */
extern int	cmd_return_to_alembic(PGconn *conn, const char *config,
								  const char *version_table,
								  const char *argv0);
extern int	cmd_import_alembic(const char *config, bool strict, bool skeletons,
							   const char *argv0);

/* fleet.c: one command over many databases, a child process each */
#define OPT_FLEET 1100			/* the fleet options' getopt codes */
#define OPT_JOBS 1101
#define OPT_CANARY 1102
#define OPT_CONTINUE_ON_ERROR 1103
extern bool fleet_child;
extern bool fleet_option(int c, const char *arg);
extern bool fleet_given(void);
extern void fleet_check_usage(const char *command, bool offline, bool plan);
extern void fleet_run(void);
extern void fleet_report(const char *key, const char *fmt,...) pg_attribute_printf(2, 3);
extern void fleet_report_current(PGconn *conn, const char *key);

#endif							/* PIM_MIGRATE_CLI_H */
