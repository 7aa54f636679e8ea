/*-------------------------------------------------------------------------
 *
 * models.c
 *	  The project: its [tool.pim_migrate] configuration in pyproject.toml,
 *	  and the desired schema autogenerate compares the database with (the
 *	  SQLAlchemy models, rendered by SQLAlchemy, and SQL schema files).
 *
 * Both need Python (tomllib, SQLAlchemy): pim_migrate_models.py does the
 * work, this file runs it and keeps what it says.  The configuration is
 * only asked for when pyproject.toml mentions [tool.pim_migrate], so a
 * project without it pays no Python start-up on every command.
 *
 * bin/models.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <unistd.h>

#include "cli.h"

#define HELPER "pim_migrate_models.py"
#define PYPROJECT "pyproject.toml"

ProjectConfig project = {.schema = "public"};

static void
add_item(char ***items, int *n, const char *value)
{
	*items = pg_realloc(*items, sizeof(char *) * (*n + 1));
	(*items)[(*n)++] = pg_strdup(value);
}

/* Whether the file mentions the table: only a gate, tomllib reads it. */
static bool
mentions_tool_table(const char *path)
{
	char	   *text;
	bool		found;

	if (access(path, R_OK) != 0)
		return false;
	text = read_file(path);

	found = strstr(text, "tool.pim_migrate") != NULL;
	pg_free(text);
	return found;
}

/*
 * load_project_config
 *		Read [tool.pim_migrate] of ./pyproject.toml, if any, into project
 *		and versions_dir: each key the command line did not give.
 */
void
load_project_config(const char *argv0, bool dir_given)
{
	const char *python;
	char	   *helper;
	char	   *out;

	if (!mentions_tool_table(PYPROJECT))
		return;
	helper = locate_helper(argv0, HELPER, &python);
	{
		/*
		 * tomllib is the standard library's: no site-packages to set up (-S),
		 * nothing of the environment (-I); every command pays this
		 */
		const char *args[] = {python, "-I", "-S", helper, "config", "--file",
		PYPROJECT, NULL};

		out = helper_output(args, "reading " PYPROJECT);
	}
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
	{
		char	   *tab = strchr(line, '\t');
		const char *value;

		if (tab == NULL)
			continue;
		*tab = '\0';
		value = tab + 1;
		if (strcmp(line, "versions") == 0)
		{
			if (!dir_given)
				versions_dir = pg_strdup(value);
		}
		else if (strcmp(line, "metadata") == 0)
		{
			if (project.metadata == NULL)
				project.metadata = pg_strdup(value);
		}
		else if (strcmp(line, "schema") == 0)
			project.schema = pg_strdup(value);
		else if (strcmp(line, "schema_files") == 0)
		{
			if (!project.schema_files_given)
				add_item(&project.schema_files, &project.nschema_files, value);
		}
		else if (strcmp(line, "include") == 0)
		{
			if (!project.include_given)
				add_item(&project.include, &project.ninclude, value);
		}
		else if (strcmp(line, "exclude") == 0)
		{
			if (!project.exclude_given)
				add_item(&project.exclude, &project.nexclude, value);
		}
	}
}

/*
 * project_add_option
 *		A --schema-file, --include or --exclude of the command line: given
 *		there, pyproject.toml's list for that key is not used.
 */
void
project_add_option(const char *key, const char *value)
{
	if (strcmp(key, "schema-file") == 0)
	{
		project.schema_files_given = true;
		add_item(&project.schema_files, &project.nschema_files, value);
	}
	else if (strcmp(key, "include") == 0)
	{
		project.include_given = true;
		add_item(&project.include, &project.ninclude, value);
	}
	else
	{
		project.exclude_given = true;
		add_item(&project.exclude, &project.nexclude, value);
	}
}

/* A pattern excluded whatever the configuration says. */
void
project_add_default_exclude(const char *pattern)
{
	add_item(&project.exclude, &project.nexclude, pattern);
}

static int
count_lines(const char *str)
{
	int			n = 0;

	for (; *str; str++)
		n += *str == '\n';
	return n;
}

/*
 * desired_schema
 *		The desired schema as SQL: the models' DDL (when there are models),
 *		then each schema file; NULL when the project names neither.  *what
 *		names it for errors, whose lines are the whole text's: one source
 *		by its name, several with the line each starts on.
 */
char *
desired_schema(const char *argv0, const char **what)
{
	StringInfoData desired;
	StringInfoData parts;
	int			nsources = (project.metadata != NULL) + project.nschema_files;
	int			line = 1;		/* where the next source starts */

	if (nsources == 0)
		return NULL;
	initStringInfo(&desired);
	initStringInfo(&parts);
	if (project.metadata)
	{
		const char *python;
		char	   *helper = locate_helper(argv0, HELPER, &python);
		const char *args[] = {python, helper, "render", "--metadata",
		project.metadata, "--schema", project.schema, NULL};

		appendStringInfoString(&desired, helper_output(args, "--metadata"));
		appendStringInfo(&parts, "the models of %s", project.metadata);
		line += count_lines(desired.data);
	}
	for (int i = 0; i < project.nschema_files; i++)
	{
		char	   *text = read_file(project.schema_files[i]);

		if (parts.len > 0)
			appendStringInfoString(&parts, ", ");
		appendStringInfoString(&parts, project.schema_files[i]);
		if (nsources > 1)
			appendStringInfo(&parts, " from line %d", line);
		appendStringInfo(&desired, "%s\n", text);
		line += count_lines(text) + 1;
	}
	*what = nsources > 1 ? psprintf("the desired schema (%s)", parts.data) : parts.data;
	return desired.data;
}
