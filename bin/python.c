/*-------------------------------------------------------------------------
 *
 * python.c
 *	  Running the command's Python helpers: the Python to use, the helper
 *	  scripts installed beside the program, and a helper's output.
 *
 * What only Alembic, SQLAlchemy or tomllib can do is done in Python:
 * import-alembic (Alembic's offline mode), the project's models rendered
 * as DDL (SQLAlchemy's compiler) and pyproject.toml (tomllib).  Every
 * helper runs under one Python: PIM_MIGRATE_PYTHON if set, else the
 * interpreter named by the "alembic" script found on PATH (a virtualenv's,
 * or the system's), else python3.
 *
 * bin/python.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <sys/wait.h>
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

/*
 * locate_helper
 *		The helper script "name" installed beside this program, and in
 *		*python the Python to run it with.
 */
char *
locate_helper(const char *argv0, const char *name, const char **python)
{
	char		self[MAXPGPATH];
	char	   *helper;

	if (find_my_exec(argv0, self) != 0)
		fail("could not find the pim_migrate program's own path");
	get_parent_directory(self);
	helper = psprintf("%s/%s", self, name);
	if (access(helper, R_OK) != 0)
		fail("could not read \"%s\": %m (reinstall pim_migrate)", helper);

	*python = getenv("PIM_MIGRATE_PYTHON");
	if (*python == NULL || **python == '\0')
		*python = alembic_python();
	if (*python == NULL)
		*python = "python3";
	return helper;
}

/*
 * helper_output
 *		Run args (args[0] the Python) as a child whose standard output is a
 *		pipe, and return all it wrote; its messages go to our standard
 *		error.  No shell: the arguments go as they are.  Exits, after the
 *		helper's own message, when it fails; "what" names the work.
 */
char *
helper_output(const char *const *args, const char *what)
{
	int			fds[2];
	pid_t		pid;
	StringInfoData out;
	char		buf[8192];
	ssize_t		n;
	int			status;

	fflush(NULL);
	if (pipe(fds) != 0)
		fail("could not create a pipe: %m");
	pid = fork();
	if (pid < 0)
		fail("could not fork: %m");
	if (pid == 0)
	{
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(126);
		close(fds[1]);
		execvp(args[0], (char *const *) args);
		fprintf(stderr, "%s: could not run \"%s\" for %s: %m (set PIM_MIGRATE_PYTHON to the Python of the project)\n",
				progname, args[0], what);
		_exit(127);
	}
	close(fds[1]);
	initStringInfo(&out);
	while ((n = read(fds[0], buf, sizeof(buf))) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			fail("could not read from the helper: %m");
		}
		appendBinaryStringInfo(&out, buf, n);
	}
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid)
		fail("could not wait for the helper: %m");
	/* exit status 1: the helper said what went wrong */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		exit(EXIT_ERROR);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail("the Python helper for %s failed (%s %d)", what,
			 WIFEXITED(status) ? "exit status" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return out.data;
}
