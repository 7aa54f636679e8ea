/*-------------------------------------------------------------------------
 *
 * cli.h
 *	  What the files of the pim_migrate command share: messages, the
 *	  connection's helpers, and the commands that live in files of their
 *	  own.
 *
 * bin/cli.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PIM_MIGRATE_CLI_H
#define PIM_MIGRATE_CLI_H

#include "lib/stringinfo.h"
#include "libpq-fe.h"

#define EXIT_ERROR 1

extern const char *progname;
extern const char *versions_dir;
extern int	verbosity;
extern int	steps_total;

/*
 * How a running migration commits, for the line that ends a failure:
 * everything at the end (nothing of it stays), or in parts (what was
 * committed stays).
 */
typedef enum MigrationCommit
{
	COMMIT_NOT_MIGRATING,
	COMMIT_AT_END,
	COMMIT_PER_STEP_CALL,		/* CALL ..._each: a step's NOTICE, then its commit */
	COMMIT_IN_PARTS				/* outside.c counts steps_committed */
} MigrationCommit;

extern MigrationCommit migration_commit;
extern int	steps_committed;

/* pim_migrate.c */
extern void fail(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();
extern void notice_processor(void *arg, const char *message);
extern void print_error(const char *what, PGresult *res);
extern PGresult *run(PGconn *conn, const char *sql, int nparams,
					 const char *const *params, const char *what);
extern void append_array_element(StringInfo buf, const char *value);
extern char *read_file(const char *path);
extern void load_files(PGconn *conn);

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

#endif							/* PIM_MIGRATE_CLI_H */
