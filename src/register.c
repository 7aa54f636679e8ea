/*-------------------------------------------------------------------------
 *
 * register.c
 *	  The rules for registering a revision, shared by pim_migrate_revision()
 *	  and pim_migrate_load().
 *
 * Loading is idempotent so that a deploy can load every file every time:
 * the same content again is a no-op; other content under the id of a
 * revision that is not applied replaces it; under the id of an applied
 * revision it is an error, since the database already ran the old scripts.
 *
 * The common cases cost a few index lookups, never a scan of the history:
 * a new revision can only close a cycle through itself, since its parents
 * must already exist and nothing can name it yet.  Only a replacement
 * builds the whole graph (to know whether the revision is applied and
 * whether its new parents descend from it).
 *
 * The caller holds the migration lock and an SPI connection.
 *
 * src/register.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/sha2.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "pim_migrate.h"

static void
check_names(List *names, const char *what, const char *self)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		const char *name = lfirst(lc);
		ListCell   *lc2;

		pm_revfile_check_name(name, what);
		if (self && strcmp(name, self) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" names itself as %s", self, what)));
		for_each_cell(lc2, names, lnext(names, lc))
			if (strcmp(name, lfirst(lc2)) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s \"%s\" is given twice", what, name)));
	}
}

/*
 * A message is written into "--" comment lines: of offline scripts, of
 * revision files, of the log.  A line end in it would end the comment and
 * let the rest run as SQL (a message "x\nDROP TABLE t; --" made the
 * offline script drop t), so no control character may be in it.
 */
static void
check_message(const char *message)
{
	for (const char *p = message; *p; p++)
		if (iscntrl((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision message has a control character at position %d",
							pg_mbstrlen_with_len(message, p - message) + 1),
					 errdetail("Messages are written into comment lines of generated scripts, which a line end would end."),
					 errhint("Write the message on one line, without tabs or other control characters.")));
}

/* What can be checked of a definition without reading the catalog */
static void
check_definition(const PmRevisionDef *def)
{
	pm_revfile_check_name(def->revision, "revision id");
	check_message(def->message);
	check_names(def->down_revisions, "down_revision", def->revision);
	check_names(def->depends_on, "dependency", def->revision);
	check_names(def->branch_labels, "branch label", NULL);
}

/* The scripts must parse, and fit the revision's transactional setting. */
static void
check_scripts(const PmRevisionDef *def)
{
	pm_exec_check_script(def->revision, PM_UPGRADE, def->upgrade_sql,
						 def->transactional);
	if (def->downgrade_sql)
		pm_exec_check_script(def->revision, PM_DOWNGRADE, def->downgrade_sql,
							 def->transactional);
}

static bool
same_content(const PmRevisionDef *a, const PmRevisionDef *b)
{
	return strcmp(a->checksum, b->checksum) == 0 &&
		strcmp(a->message, b->message) == 0 &&
		a->transactional == b->transactional &&
		a->checkpoint == b->checkpoint &&
		pm_names_equal(a->down_revisions, b->down_revisions) &&
		pm_names_equal(a->branch_labels, b->branch_labels) &&
		pm_names_equal(a->depends_on, b->depends_on);
}

/*
 * Parents and dependencies must exist.  A dependency may name a branch
 * label, kept as written; a unique prefix (of an id of four characters
 * or more, pm_catalog_find_prefix) is replaced by the full id, as
 * Alembic's command line does.  Returns the
 * names to store.  keep_unknown: a name that is neither is kept as
 * written (the down_revision of a checkpoint, whose files may be gone).
 */
static List *
resolve_existing(const char *revision, List *names, bool allow_label,
				 bool keep_unknown, const char *what)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, names)
	{
		char	   *name = lfirst(lc);
		List	   *candidates;

		if (pm_catalog_revision_exists(name) ||
			(allow_label && pm_catalog_label_owner(name) != NULL))
		{
			result = lappend(result, name);
			continue;
		}
		candidates = *name ? pm_catalog_find_prefix(name) : NIL;
		if (list_length(candidates) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision prefix \"%s\" is ambiguous", name),
					 errdetail("It matches %s and more.",
							   (char *) linitial(candidates)),
					 errhint("Give more characters of the revision id.")));
		if (candidates == NIL && keep_unknown)
		{
			result = lappend(result, name);
			continue;
		}
		if (candidates == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" has unknown %s \"%s\"",
							revision, what, name),
					 errhint("Register revisions in order, parents first.")));
		result = lappend(result, linitial(candidates));
	}
	return result;
}

/*
 * Replacing a registered revision: refuse if it is applied or if its new
 * parents descend from it.
 */
static void
check_replace(const PmRevisionDef *def)
{
	PmGraph    *graph = pm_catalog_load_graph(NULL);
	int			self = pm_graph_find(graph, def->revision);
	int		   *start;
	int			nstart = 0;
	int			mark;
	ListCell   *lc;

	Assert(self >= 0);
	if (graph->revs[self].applied)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("revision \"%s\" is already applied with other content",
						def->revision),
				 errdetail("Applied revisions cannot change: the database ran the scripts registered before."),
				 errhint("Write a new revision for the new change, or downgrade below this one first.")));

	start = palloc(sizeof(int) *
				   (list_length(def->down_revisions) +
					list_length(def->depends_on) + 1));
	foreach(lc, def->down_revisions)
	{
		int			rev = pm_graph_find(graph, lfirst(lc));

		/* a checkpoint's unknown down_revision stands on nothing */
		if (rev >= 0)
			start[nstart++] = rev;
	}
	foreach(lc, def->depends_on)
	{
		int			rev = pm_graph_find(graph, lfirst(lc));

		start[nstart++] = rev >= 0 ? rev :
			pm_graph_find_label(graph, lfirst(lc));
	}
	mark = pm_graph_new_mark(graph);
	pm_graph_mark_ancestors(graph, start, nstart, mark, false);
	if (graph->revs[self].mark == mark)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("revision \"%s\" would descend from itself",
						def->revision),
				 errdetail("A revision it names as down_revision or dependency already stands on it.")));
}

/*
 * pm_register_revision
 *		Register def (scripts, names and checksum filled in: by
 *		pm_revfile_parse, or pm_revfile_checksum for a definition made up
 *		otherwise, so that a file is hashed once), or do nothing if the
 *		same content is registered.  Returns the revision id.
 */
char *
pm_register_revision(PmRevisionDef *def)
{
	PmRevisionDef *existing;
	ListCell   *lc;

	check_definition(def);

	/*
	 * A deploy loads every file every time: the same content as stored
	 * (parents given in full) passed every check when it was stored, so it
	 * returns before the parser runs.
	 */
	existing = pm_catalog_fetch_revision(def->revision);
	if (existing && same_content(existing, def))
		return def->revision;

	check_scripts(def);

	def->down_revisions = resolve_existing(def->revision, def->down_revisions,
										   false, def->checkpoint,
										   "down_revision");
	def->depends_on = resolve_existing(def->revision, def->depends_on, true,
									   false, "dependency");
	/* a prefix may have turned into a name given in full as well */
	check_names(def->down_revisions, "down_revision", def->revision);
	check_names(def->depends_on, "dependency", def->revision);
	if (existing && same_content(existing, def))
		return def->revision;

	/* labels and ids share one namespace, as in Alembic's revision map */
	if (pm_catalog_label_owner(def->revision) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("revision id \"%s\" is already a branch label of revision \"%s\"",
						def->revision, pm_catalog_label_owner(def->revision))));
	foreach(lc, def->branch_labels)
	{
		const char *label = lfirst(lc);
		char	   *owner = pm_catalog_label_owner(label);

		if (owner != NULL && strcmp(owner, def->revision) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("branch label \"%s\" is already declared by revision \"%s\"",
							label, owner)));
		if (strcmp(label, def->revision) == 0 ||
			pm_catalog_fetch_revision(label) != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("branch label \"%s\" is also a revision id", label)));
	}

	if (existing)
	{
		check_replace(def);

		/* a label that a dependency names must stay where it is */
		foreach(lc, existing->branch_labels)
		{
			char	   *label = lfirst(lc);
			char	   *user;

			if (pm_name_in_list(def->branch_labels, label))
				continue;
			user = pm_catalog_label_user(label);
			if (user != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("branch label \"%s\" of revision \"%s\" is named by the depends_on of revision \"%s\"",
								label, def->revision, user),
						 errhint("Keep the label, or change that revision first.")));
		}
	}
	pm_catalog_store_revision(def, existing != NULL);
	return def->revision;
}

/* error context of pm_register_files: which file */
static void
file_error_callback(void *arg)
{
	const char *name = *(const char **) arg;

	if (name)
		errcontext("revision file \"%s\"", name);
}

static int
def_id_cmp(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const PmRevisionDef *) elem)->revision);
}

/*
 * The names a new revision may use, when many files are registered in one
 * call: every registered id and branch label, and those of the files
 * registered before it.  An exact answer in memory where
 * pm_register_revision asks the catalog a few index probes per name.
 * Longer names are left out: no valid name can equal them.
 */
typedef struct PmKnownName
{
	char		name[PM_MAX_NAME_LEN + 1];	/* hash key */
	bool		is_label;
} PmKnownName;

static void
add_known(HTAB *known, const char *name, bool is_label)
{
	if (strlen(name) <= PM_MAX_NAME_LEN)
		((PmKnownName *) hash_search(known, name, HASH_ENTER, NULL))->is_label =
			is_label;
}

static void
add_known_def(HTAB *known, const PmRevisionDef *def)
{
	ListCell   *lc;

	add_known(known, def->revision, false);
	foreach(lc, def->branch_labels)
		add_known(known, lfirst(lc), true);
}

static PmKnownName *
find_known(HTAB *known, const char *name)
{
	if (strlen(name) > PM_MAX_NAME_LEN)
		return NULL;
	return hash_search(known, name, HASH_FIND, NULL);
}

static HTAB *
known_names_create(const PmRevisionDef *stored, int nstored)
{
	HASHCTL		ctl;
	HTAB	   *known;

	ctl.keysize = PM_MAX_NAME_LEN + 1;
	ctl.entrysize = sizeof(PmKnownName);
	ctl.hcxt = CurrentMemoryContext;
	known = hash_create("pim_migrate known names", Max(2 * nstored, 256),
						&ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (int i = 0; i < nstored; i++)
		add_known_def(known, &stored[i]);
	return known;
}

/*
 * Register a new revision whose parents and dependencies are known names
 * and whose id and labels are not, checking in memory what
 * pm_register_revision checks in the catalog; the row goes into batch.
 * Returns false, having done nothing, when anything needs the catalog's
 * word: a prefix to resolve, a name taken, an unknown parent (then the
 * catalog path gives the error).
 */
static bool
register_new(HTAB *known, PmInsertBatch *batch, PmRevisionDef *def)
{
	PmKnownName *k;
	ListCell   *lc;

	check_definition(def);
	if (find_known(known, def->revision))
		return false;
	foreach(lc, def->down_revisions)
	{
		k = find_known(known, lfirst(lc));
		if (k == NULL || k->is_label)
			return false;
	}
	foreach(lc, def->depends_on)
		if (find_known(known, lfirst(lc)) == NULL)
		return false;
	foreach(lc, def->branch_labels)
		if (find_known(known, lfirst(lc)) != NULL ||
			strcmp(lfirst(lc), def->revision) == 0)
		return false;

	check_scripts(def);
	pm_catalog_batch_add(batch, def);
	add_known_def(known, def);
	return true;
}

typedef struct NameIndex
{
	char		name[PM_MAX_NAME_LEN + 1];	/* hash key */
	int			file;
}			NameIndex;

/*
 * The order to register parsed files in: each after the files whose id or
 * label its Revises and Depends On name, otherwise as given.  The server
 * orders them, with the header as it reads it, so that no client needs a
 * parser of its own for it.  Files caught in a cycle come last, as given,
 * for registration to name the cycle; when an id is given twice the
 * order is left as it is (the second file replaces the first).
 */
static int *
load_order(PmRevisionDef **defs, int n)
{
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	int		   *waiting = palloc0(sizeof(int) * Max(n, 1));
	List	  **waiters = palloc0(sizeof(List *) * Max(n, 1));
	bool	   *placed = palloc0(sizeof(bool) * Max(n, 1));
	HASHCTL		ctl;
	HTAB	   *names;
	int			nplaced = 0;
	int			head = 0;
	bool		found;

	for (int i = 0; i < n; i++)
		order[i] = i;
	ctl.keysize = PM_MAX_NAME_LEN + 1;
	ctl.entrysize = sizeof(NameIndex);
	ctl.hcxt = CurrentMemoryContext;
	names = hash_create("pim_migrate file names", Max(2 * n, 64), &ctl,
						HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (int i = 0; i < n; i++)
	{
		NameIndex  *e = hash_search(names, defs[i]->revision, HASH_ENTER, &found);
		ListCell   *lc;

		if (found)
			return order;		/* an id given twice: as given */
		e->file = i;
		foreach(lc, defs[i]->branch_labels)
		{
			e = hash_search(names, lfirst(lc), HASH_ENTER, &found);
			if (!found)
				e->file = i;
		}
	}
	for (int i = 0; i < n; i++)
	{
		List	   *parents = list_concat_copy(defs[i]->down_revisions,
											   defs[i]->depends_on);
		ListCell   *lc;

		foreach(lc, parents)
		{
			NameIndex  *e = strlen(lfirst(lc)) > PM_MAX_NAME_LEN ? NULL :
			hash_search(names, lfirst(lc), HASH_FIND, NULL);

			if (e == NULL || e->file == i)
				continue;
			waiters[e->file] = lappend_int(waiters[e->file], i);
			waiting[i]++;
		}
	}
	/* Kahn's: ready files in the order given, each releasing its waiters */
	for (int i = 0; i < n; i++)
		if (waiting[i] == 0)
		{
			order[nplaced++] = i;
			placed[i] = true;
		}
	while (head < nplaced)
	{
		ListCell   *lc;

		foreach(lc, waiters[order[head++]])
			if (--waiting[lfirst_int(lc)] == 0)
		{
			order[nplaced++] = lfirst_int(lc);
			placed[lfirst_int(lc)] = true;
		}
	}
	for (int i = 0; i < n; i++)
		if (!placed[i])
			order[nplaced++] = i;
	return order;
}

/*
 * pm_register_files
 *		Register revision files, parents first whatever the order given
 *		(load_order), as pim_migrate_load would one by one; names (or NIL)
 *		name them in error context lines.  Returns how many files
 *		registered or replaced a revision.
 *
 * A deploy loads every file every time, so what is stored is read once
 * and an unchanged file costs a parse, a checksum and a binary search,
 * its memory freed at once: only new or changed files are kept, ordered
 * and registered.  New files are checked against the names in memory and
 * inserted in batches.
 */
int
pm_register_files(List *scripts, List *names)
{
	int			nstored;
	PmRevisionDef *stored = pm_catalog_all_definitions(&nstored);
	MemoryContext filecxt = AllocSetContextCreate(CurrentMemoryContext,
												  "pim_migrate file",
												  ALLOCSET_DEFAULT_SIZES);
	HTAB	   *known = NULL;	/* built at the first new file */
	bool		use_known = true;
	PmInsertBatch *batch = pm_catalog_batch_create();
	ErrorContextCallback errcallback;
	const char *name = NULL;
	int			changed = 0;
	MemoryContext keptcxt = AllocSetContextCreate(CurrentMemoryContext,
												  "pim_migrate new files",
												  ALLOCSET_DEFAULT_SIZES);
	MemoryContext parsecxt = NULL;
	PmRevisionDef **defs = palloc(sizeof(PmRevisionDef *) * Max(list_length(scripts), 1));
	PmRevisionDef **olds = palloc(sizeof(PmRevisionDef *) * Max(list_length(scripts), 1));
	int		   *file = palloc(sizeof(int) * Max(list_length(scripts), 1));
	int			nfiles = 0;
	int		   *order;
	List	   *sums = NIL;		/* of every text, for known_files.c */
	List	   *ids = NIL;
	ListCell   *lc;

	errcallback.callback = file_error_callback;
	errcallback.arg = &name;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	/*
	 * Every file parsed first; what is new or changed is kept (its parse
	 * context moves under keptcxt), to be ordered by what it names
	 */
	foreach(lc, scripts)
	{
		int			i = foreach_current_index(lc);
		MemoryContext oldcxt;
		PmRevisionDef *def;
		PmRevisionDef *old;

		if (parsecxt == NULL)
			parsecxt = AllocSetContextCreate(CurrentMemoryContext,
											 "pim_migrate parsed file",
											 ALLOCSET_SMALL_SIZES);
		name = i < list_length(names) ? list_nth(names, i) : NULL;
		oldcxt = MemoryContextSwitchTo(parsecxt);
		def = pm_revfile_parse(lfirst(lc)); /* checksum included */
		MemoryContextSwitchTo(oldcxt);
		sums = lappend(sums, palloc(2 * PG_SHA256_DIGEST_LENGTH + 1));
		pm_known_file_checksum(lfirst(lc), llast(sums));
		ids = lappend(ids, pstrdup(def->revision));
		old = bsearch(def->revision, stored, nstored, sizeof(PmRevisionDef),
					  def_id_cmp);
		if (old != NULL && same_content(old, def))
		{
			MemoryContextReset(parsecxt);
			continue;
		}
		MemoryContextSetParent(parsecxt, keptcxt);
		parsecxt = NULL;
		defs[nfiles] = def;
		olds[nfiles] = old;
		file[nfiles++] = i;
	}
	name = NULL;
	if (parsecxt)
		MemoryContextDelete(parsecxt);
	order = load_order(defs, nfiles);

	for (int k = 0; k < nfiles; k++)
	{
		MemoryContext oldcxt;
		PmRevisionDef *def = defs[order[k]];
		PmRevisionDef *old = olds[order[k]];
		int			i = file[order[k]];

		name = i < list_length(names) ? list_nth(names, i) : NULL;
		changed++;
		if (use_known && known == NULL)
			known = known_names_create(stored, nstored);

		oldcxt = MemoryContextSwitchTo(filecxt);
		if (old == NULL && use_known && register_new(known, batch, def))
		{
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(filecxt);
			continue;
		}

		/* the catalog decides, having seen the files before this one */
		pm_catalog_batch_flush(batch);
		pm_register_revision(def);
		MemoryContextSwitchTo(oldcxt);
		if (use_known)
		{
			ListCell   *lc2;

			/*
			 * A second file of an id registered by this call replaced it:
			 * which labels that dropped is not known here, so the catalog
			 * decides for the rest.
			 */
			if (old == NULL && find_known(known, def->revision))
				use_known = false;
			if (old != NULL)
				foreach(lc2, old->branch_labels)
					if (find_known(known, lfirst(lc2)))
					hash_search(known, lfirst(lc2), HASH_REMOVE, NULL);
			add_known_def(known, def);
		}
		MemoryContextReset(filecxt);
	}
	name = NULL;
	pm_catalog_batch_flush(batch);
	/* every text now loads as a no-op: the next deploy need not send it */
	pm_known_files_remember(sums, ids);

	error_context_stack = errcallback.previous;
	MemoryContextDelete(filecxt);
	MemoryContextDelete(keptcxt);
	return changed;
}
