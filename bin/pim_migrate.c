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

#include "getopt_long.h"
#include "libpq-fe.h"

#include "cli.h"

#define OPT_HELP 1000			/* --help: not '?', which getopt also returns
								 * for an unknown option */
#define OPT_VERSION 1001

/*
 * The commands, in the order --help lists them: the arguments of the usage
 * line, the one-line summary of the list (as "alembic --help" has one per
 * command), then what "COMMAND --help" adds.
 */
typedef struct CommandHelp
{
	const char *name;
	const char *args;
	const char *summary;
	const char *details;
} CommandHelp;

static const CommandHelp command_help[] = {
	{"init", "",
		"Create the versions directory, and the extension.",
		"With a connection (-d or DATABASE_URL), also create the extension if it\n"
	"is missing."},
	{"revision", "-m MESSAGE [--head REV|base] [--branch-label LABEL]\n"
		"         [--depends-on REV] [--rev-id ID]\n"
		"         [--autogenerate [--metadata MODULE:ATTR] [--schema-file FILE]...\n"
		"                         [--include PATTERN]... [--exclude PATTERN]...]",
		"Write a new revision file.",
		"Its Revises is the single head among the files (or --head), with\n"
		"-- +upgrade and -- +downgrade sections to fill in.  No database needed.\n"
		"--autogenerate: the scripts are the diff between the database (at head,\n"
		"after loading the files) and the desired schema: the SQLAlchemy models of\n"
		"--metadata (a declarative base or a MetaData, rendered by SQLAlchemy) and\n"
		"the SQL of each --schema-file.  --include/--exclude: LIKE patterns of\n"
		"the tables compared or left alone.  pyproject.toml's [tool.pim_migrate]\n"
		"gives what the command line does not (versions, metadata, schema,\n"
	"schema_files, include, exclude)."},
	{"merge", "-m MESSAGE [--rev-id ID] REV... (default: heads)",
		"Write an empty revision file merging the given heads.",
	NULL},
	{"upgrade", "[TARGET] [--sql] [--dry-run] [--plan] [--each] [--strict]\n"
		"         [--tenants PATTERN]... [--all-tenants]",
		"Load every file, then upgrade to TARGET (default head).",
		"In one transaction.  --sql prints the offline script and changes\n"
		"nothing; --dry-run runs everything and rolls it back; --plan does too,\n"
		"and prints per statement its time, the locks it took and the tables it\n"
		"rewrote; --each commits per revision.  A schema that drifted since its\n"
		"last migration gets a warning; --strict refuses to migrate it.\n"
		"--tenants: each tenant schema it names (a name, or with a % a LIKE\n"
		"pattern of the declared tenants), one after the other, each from where\n"
		"it stands; --all-tenants: every declared tenant.  With --each a tenant\n"
	"that fails stops there, the others go on, and the exit status is 1."},
	{"lint", "[TARGET] | lint --file FILE",
		"Say what an upgrade's statements lock, rewrite or break.",
		"For each statement an upgrade to TARGET (default head) would run, read\n"
		"from the live catalog (table sizes); --file: one revision file or SQL\n"
		"file, not loaded.  Exit 1 when a finding is an error.\n"
	"\"-- pim_migrate:ignore RULE\" before a statement silences RULE for it."},
	{"downgrade", "TARGET [--sql] [--dry-run] [--each] [--tenants PATTERN]...\n"
		"         [--all-tenants]",
		"Load every file, then downgrade to TARGET.",
	"TARGET: -1, base, an id, LABEL@base...  --tenants: as for upgrade."},
	{"stamp", "TARGET [--purge] [--sql] [--dry-run] [--tenants PATTERN]...\n"
		"      [--all-tenants]",
		"Set the version rows to TARGET without running scripts.",
	"Every file is loaded first.  --tenants: as for upgrade."},
	{"status", "",
		"Show how far the database is behind the files.",
		"The current revisions, the heads and the number of pending revisions,\n"
		"against the files, loaded in a transaction rolled back; and whether the\n"
	"schema drifted since its last migration.  Exit 1 when some are pending."},
	{"current", "[--tenants PATTERN]... [--all-tenants]",
		"Show the current revision(s) of the database.",
	"--tenants: of each tenant schema it names, after its name."},
	{"history", "[-r RANGE]",
		"Show the revisions, newest first.",
	"RANGE as start:end."},
	{"heads", "",
		"Show the heads of the revision graph.",
	NULL},
	{"branches", "",
		"Show the branch points.",
	NULL},
	{"show", "REV",
		"Show one revision.",
	NULL},
	{"verify", "",
		"Check the stored graph and history.",
	"Exit 1 on any problem."},
	{"adopt", "[--version-table TABLE] [--force]",
		"Take over a database that Alembic migrated.",
		"Create the extension if it is missing, load every file, then set the\n"
		"version rows from Alembic's version table (default alembic_version;\n"
		"SCHEMA.TABLE), which stays as it is.  Refused once pim_migrate has\n"
		"migrated past it (--force: adopt anyway); adopting the same rows again\n"
	"changes nothing."},
	{"return-to-alembic", "[--config alembic.ini] [--version-table TABLE]",
		"Go back to Alembic: write its version table.",
		"Alembic's version table is created if missing and its rows replaced, in\n"
		"one transaction.  Refused when a current revision is not one of the\n"
	"Alembic project's."},
	{"import-alembic", "[--config alembic.ini] [--strict] [--skeletons]",
		"Write a revision file per revision of an Alembic project.",
		"Into the versions directory (--dir), with the same id, parents, labels\n"
		"and dependencies; the SQL is Alembic's own offline SQL.  No database\n"
		"needed.  A revision that has a file (the same Revision ID) keeps it;\n"
		"the revisions that cannot be converted are listed, with the file to\n"
		"write by hand (--skeletons writes them, to finish).  A downgrade that\n"
		"raises makes its revision irreversible, with a warning (--strict:\n"
	"refused instead)."},
	{"check", "[--metadata MODULE:ATTR] [--schema-file FILE]... [--include PATTERN]...\n"
		"      [--exclude PATTERN]...",
		"Exit 1 when the database differs from the models.",
		"Prints the missing statements when the database (at head, after loading\n"
		"the files) differs from the desired schema (as for revision\n"
		"--autogenerate).  With no desired schema anywhere: exit 1 when the\n"
	"schema drifted since its last migration, as drift does."},
	{"test", "[TARGET]",
		"Test that each pending revision goes down and up again.",
		"Load every file, then for each revision up to TARGET (default head):\n"
		"upgrade, downgrade, compare the schema, upgrade again; everything is\n"
	"rolled back.  Prints one line per problem; exit 1 on any."},
	{"drift", "",
		"Show what changed in the schema since its last migration.",
		"The DDL recorded outside migrations (pim_migrate_watch_ddl) and the\n"
	"differences from the fingerprint of the last migration; exit 1 on any."},
	{"checkpoint", "[REV] -m MESSAGE [--rev-id ID]",
		"Write a checkpoint: one revision that builds the schema up to REV.",
		"REV: a head among the files (default the single one).  Its upgrade is\n"
		"the schema as the revisions up to REV leave it, written from the\n"
		"database in a transaction rolled back.  A new database upgrading past\n"
	"it runs it instead of every revision below it."},
	{NULL, NULL, NULL, NULL}
};

static const CommandHelp *
find_command(const char *name)
{
	for (const CommandHelp *c = command_help; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
usage(void)
{
	printf("%s runs Alembic-style migrations stored in PostgreSQL by the pim_migrate extension.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... COMMAND [ARG]...\n\n", progname);
	printf("Options:\n"
		   "  -d, --dbname=CONNINFO  connection string or URI (else DATABASE_URL, also in\n"
		   "                         SQLAlchemy's postgresql+driver:// form, else PG* variables)\n"
		   "      --dir=DIR          versions directory (default: versions)\n"
		   "      --fleet=FILE       run over every database of FILE (\"-\": standard input):\n"
		   "                         one connection string or URL a line, \"#\" comments\n"
		   "  -j, --jobs=N           with --fleet: N databases at a time (default 1)\n"
		   "      --canary=K         with --fleet: migrate the first K first; a failure\n"
		   "                         among them stops everything\n"
		   "      --continue-on-error\n"
		   "                         with --fleet: start the others after a failure\n"
		   "  -q, --quiet            print only errors\n"
		   "  -v, --verbose          print more\n"
		   "  --version              show the version, then exit\n"
		   "  -?, --help             show this help, then exit\n\n"
		   "Commands:\n");
	for (const CommandHelp *c = command_help; c->name; c++)
		printf("  %-18s %s\n", c->name, c->summary);
	printf("\nWith --fleet, upgrade, downgrade, stamp, status, current, check, drift and\n"
		   "verify run over every database, each in its own process and transaction;\n"
		   "each database's output is printed once it ended, its lines led by the\n"
		   "database (never its password), then a table of every database: from, to,\n"
		   "steps, duration, status.  Exit 0 only when every database succeeded.\n");
	printf("\n\"%s COMMAND --help\" shows the help of a command.\n", progname);
}

static void
command_usage(const CommandHelp *c)
{
	printf("Usage: %s [OPTION]... %s%s%s\n\n%s\n", progname, c->name,
		   *c->args ? " " : "", c->args, c->summary);
	if (c->details)
		printf("%s\n", c->details);
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
		{"fleet", required_argument, NULL, OPT_FLEET},
		{"jobs", required_argument, NULL, OPT_JOBS},
		{"canary", required_argument, NULL, OPT_CANARY},
		{"continue-on-error", no_argument, NULL, OPT_CONTINUE_ON_ERROR},
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
		{"tenants", required_argument, NULL, 25},
		{"all-tenants", no_argument, NULL, 26},
		{"dir", required_argument, NULL, 1},
		{"dbname", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, OPT_HELP},
		{"fleet", required_argument, NULL, OPT_FLEET},
		{"jobs", required_argument, NULL, OPT_JOBS},
		{"canary", required_argument, NULL, OPT_CANARY},
		{"continue-on-error", no_argument, NULL, OPT_CONTINUE_ON_ERROR},
		{NULL, 0, NULL, 0}
	};
	const char *progname_path = argv[0];
	const char *command;
	const CommandHelp *help;
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
	bool		migrating;
	PGconn	   *conn;

	/* global options, up to the command */

	/*
	 * "-?" and --help are the only ways to ask for help: getopt returns '?'
	 * for any option it does not know too, which is bad usage (exit 2, so
	 * that a CI guard with a typo fails)
	 */
	if (argc > 1 && strcmp(argv[1], "-?") == 0)
	{
		usage();
		exit(0);
	}
	while ((c = getopt_long(argc, argv, "+d:j:qv", global_options, NULL)) != -1)
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
				if (!fleet_option(c == 'j' ? OPT_JOBS : c, optarg))
					bad_usage("invalid option");
		}
	}
	if (optind >= argc)
		bad_usage("no command given");
	command = argv[optind];
	if ((help = find_command(command)) == NULL)
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
			command_usage(help);
			exit(0);
		}
	while ((c = getopt_long(argc, argv, "m:r:d:j:qv", command_options, NULL)) != -1)
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
			case 25:
				tenants_add_option(optarg);
				break;
			case 26:
				tenants_all_option();
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
				command_usage(help);
				exit(0);
			default:
				if (!fleet_option(c == 'j' ? OPT_JOBS : c, optarg))
					bad_usage("invalid option for %s", command);
		}
	}
	fleet_check_usage(command, sql, plan);

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
	/* check with no desired schema anywhere: the drift check */
	if (strcmp(command, "check") == 0 &&
		(desired = desired_schema(progname_path, &desired_what)) == NULL)
		command = "drift";
	if ((strcmp(command, "drift") == 0 || strcmp(command, "status") == 0) &&
		optind < argc)
		bad_usage("too many arguments for %s", command);
	if (strcmp(command, "checkpoint") == 0 && message == NULL)
		bad_usage("checkpoint needs -m MESSAGE");
	strict_drift = import_strict;

	if (force && strcmp(command, "adopt") != 0)
		bad_usage("--force goes with adopt");
	if (tenants_given())
	{
		if (strcmp(command, "upgrade") != 0 && strcmp(command, "downgrade") != 0 &&
			strcmp(command, "stamp") != 0 && strcmp(command, "current") != 0)
			bad_usage("--tenants and --all-tenants go with upgrade, downgrade, stamp and current");
		if (sql || plan)
			bad_usage("%s does not go with --tenants or --all-tenants",
					  sql ? "--sql" : "--plan");
		if (each && strcmp(command, "stamp") != 0 && dry_run)
			bad_usage("--dry-run and --each do not go together");
	}
	if ((strcmp(command, "adopt") == 0 ||
		 strcmp(command, "return-to-alembic") == 0) && optind < argc)
		bad_usage("too many arguments for %s", command);

	/* the commands that load the files read them while connecting */
	if (plan || strcmp(command, "upgrade") == 0 ||
		strcmp(command, "downgrade") == 0 || strcmp(command, "stamp") == 0 ||
		strcmp(command, "adopt") == 0 || strcmp(command, "check") == 0 ||
		strcmp(command, "test") == 0 || strcmp(command, "checkpoint") == 0 ||
		strcmp(command, "status") == 0 ||
		(strcmp(command, "lint") == 0 && lint_file == NULL))
		prefetch_versions();
	/* over a fleet: from here on, in a child per database */
	if (fleet_given())
		fleet_run();

	/*
	 * The commands that migrate create the extension when it is missing, in
	 * their transaction, as Alembic creates its version table: a new
	 * environment needs no "init".  The others only look.
	 */
	migrating = (strcmp(command, "upgrade") == 0 ||
				 strcmp(command, "downgrade") == 0 ||
				 strcmp(command, "stamp") == 0) && !plan;
	conn = connect_db(!(strcmp(command, "adopt") == 0 || migrating ||
						strcmp(command, "status") == 0));
	/* a fleet's summary: status says it itself, a migration once loaded */
	if (!migrating && strcmp(command, "status") != 0)
		fleet_report_current(conn, "from");
	if (plan)
		status = cmd_plan(conn, optind < argc ? argv[optind] : "head");
	else if (strcmp(command, "lint") == 0)
		status = cmd_lint(conn, optind < argc ? argv[optind] : "head", lint_file);
	else if (tenants_given() && strcmp(command, "current") == 0)
		status = cmd_current_tenants(conn);
	else if (tenants_given())
		status = cmd_migrate_tenants(conn, command,
									 optind < argc ? argv[optind] : "head",
									 dry_run, each, purge);
	else if (strcmp(command, "upgrade") == 0 || strcmp(command, "downgrade") == 0 ||
			 strcmp(command, "stamp") == 0)
	{
		status = cmd_migrate(conn, command, optind < argc ? argv[optind] : "head",
							 sql, dry_run, each, purge);
		if (status == 0)
			fleet_report_current(conn, "to");
	}
	else if (strcmp(command, "status") == 0)
		status = cmd_status(conn);
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
	else if (strcmp(command, "drift") == 0)
		status = cmd_drift(conn);
	else if (strcmp(command, "test") == 0)
		status = cmd_test(conn, optind < argc ? argv[optind] : "head");
	else if (strcmp(command, "checkpoint") == 0)
		status = cmd_checkpoint(conn, optind < argc ? argv[optind] : NULL,
								message, rev_id);
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
