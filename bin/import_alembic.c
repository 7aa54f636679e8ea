/*-------------------------------------------------------------------------
 *
 * import_alembic.c
 *	  pim_migrate import-alembic: an Alembic project's revisions as
 *	  revision files.
 *
 * The SQL must come from Alembic itself (its offline mode, through the
 * project's env.py), so the work is done in Python by
 * pim_migrate_import_alembic.py, installed beside this program.  It runs
 * under the Python that runs the project's Alembic: PIM_MIGRATE_PYTHON if
 * set, else the interpreter named by the "alembic" script found on PATH
 * (a virtualenv's, or the system's), else python3.
 *
 * bin/import_alembic.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <unistd.h>

#include "cli.h"

/*
 * The Python on the "#!" line of the first alembic script on PATH, or
 * NULL.  "#!/usr/bin/env python3" gives "python3".
 */
static char *
alembic_python(void)
{
	const char *path = getenv("PATH");
	char	   *dirs;

	if (path == NULL)
		return NULL;
	dirs = pg_strdup(path);
	for (char *dir = strtok(dirs, ":"); dir; dir = strtok(NULL, ":"))
	{
		char	   *script = psprintf("%s/alembic", *dir ? dir : ".");
		FILE	   *f;
		char		line[MAXPGPATH];
		char	   *interp;

		if (access(script, X_OK) != 0 || (f = fopen(script, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) == NULL || strncmp(line, "#!", 2) != 0)
		{
			fclose(f);
			continue;
		}
		fclose(f);
		interp = strtok(line + 2, " \t\r\n");
		if (interp && strcmp(interp, "/usr/bin/env") == 0)
			interp = strtok(NULL, " \t\r\n");
		/* a shell wrapper (pyenv's shims) says nothing of its Python */
		if (interp && strncmp(last_dir_separator(interp) ?
							  last_dir_separator(interp) + 1 : interp,
							  "python", 6) == 0)
			return pg_strdup(interp);
		return NULL;
	}
	return NULL;
}

int
cmd_import_alembic(const char *config, bool strict, bool skeletons,
				   const char *argv0)
{
	char		self[MAXPGPATH];
	char	   *helper;
	const char *python = getenv("PIM_MIGRATE_PYTHON");
	const char *args[12];
	int			n = 0;

	if (find_my_exec(argv0, self) != 0)
		fail("could not find the pim_migrate program's own path");
	get_parent_directory(self);
	helper = psprintf("%s/pim_migrate_import_alembic.py", self);
	if (access(helper, R_OK) != 0)
		fail("could not read \"%s\": %m (reinstall pim_migrate)", helper);

	if (python == NULL || *python == '\0')
		python = alembic_python();
	if (python == NULL)
		python = "python3";

	args[n++] = python;
	args[n++] = helper;
	args[n++] = "--config";
	args[n++] = config;
	args[n++] = "--dir";
	args[n++] = versions_dir;
	if (verbosity == 0)
		args[n++] = "--quiet";
	else if (verbosity > 1)
		args[n++] = "--verbose";
	if (strict)
		args[n++] = "--strict";
	if (skeletons)
		args[n++] = "--skeletons";
	args[n] = NULL;
	fflush(NULL);
	execvp(python, (char *const *) args);
	fail("could not run \"%s\" for import-alembic: %m (set PIM_MIGRATE_PYTHON to a Python with Alembic)",
		 python);
}
