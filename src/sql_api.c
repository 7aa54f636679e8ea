/*-------------------------------------------------------------------------
 *
 * sql_api.c
 *	  Every SQL-callable function of pim_migrate: argument checks, the SPI
 *	  connection, the migration lock, set-returning plumbing, and calls
 *	  into the modules that do the work.
 *
 * Each entry point opens one SPI connection and closes it before it
 * returns; whatever it returns is built before that, in the caller's
 * context or in the tuplestore.  Mutating entry points take the migration
 * lock before they read anything.
 *
 * src/sql_api.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/resowner.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

PG_FUNCTION_INFO_V1(pim_migrate_revision);
PG_FUNCTION_INFO_V1(pim_migrate_load);
PG_FUNCTION_INFO_V1(pim_migrate_load_files);
PG_FUNCTION_INFO_V1(pim_migrate_upgrade);
PG_FUNCTION_INFO_V1(pim_migrate_downgrade);
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_each);
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_sql);
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_sql);
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_each);
PG_FUNCTION_INFO_V1(pim_migrate_current);
PG_FUNCTION_INFO_V1(pim_migrate_heads);
PG_FUNCTION_INFO_V1(pim_migrate_history);
PG_FUNCTION_INFO_V1(pim_migrate_show);
PG_FUNCTION_INFO_V1(pim_migrate_status);
PG_FUNCTION_INFO_V1(pim_migrate_branches);
PG_FUNCTION_INFO_V1(pim_migrate_stamp);
PG_FUNCTION_INFO_V1(pim_migrate_merge);
PG_FUNCTION_INFO_V1(pim_migrate_verify);
PG_FUNCTION_INFO_V1(pim_migrate_diff);
PG_FUNCTION_INFO_V1(pim_migrate_check);
PG_FUNCTION_INFO_V1(pim_migrate_autogenerate);
PG_FUNCTION_INFO_V1(pim_migrate_adopt_alembic);
PG_FUNCTION_INFO_V1(pim_migrate_steps);
PG_FUNCTION_INFO_V1(pim_migrate_plan);
PG_FUNCTION_INFO_V1(pim_migrate_lint);
PG_FUNCTION_INFO_V1(pim_migrate_lint_script);
PG_FUNCTION_INFO_V1(pim_migrate_lint_file);
PG_FUNCTION_INFO_V1(pim_migrate_statements);
PG_FUNCTION_INFO_V1(pim_migrate_apply);
PG_FUNCTION_INFO_V1(pim_migrate_lock);
PG_FUNCTION_INFO_V1(pim_migrate_unlock);
PG_FUNCTION_INFO_V1(pim_migrate_revision_changed);

/*
 * True while this backend runs revision scripts.  A script that called a
 * mutating function would change the graph under the plan being run (and
 * an upgrade would start the running revision again), so that is refused.
 * A static, so it is reset with PG_FINALLY: abort knows nothing of it.
 */
static bool migrating = false;

static void
check_not_migrating(void)
{
	if (migrating)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision scripts cannot register, upgrade or downgrade revisions"),
				 errhint("Run each migration from its own call.")));
}

/*
 * Do the version rows still say what the graph holds?  Cost: the rows,
 * not the graph.
 */
static bool
same_version_rows(List *rows, PmGraph *graph)
{
	ListCell   *lc;

	if (list_length(rows) != graph->nversion)
		return false;
	foreach(lc, rows)
	{
		int			rev = pm_graph_find(graph, lfirst(lc));

		if (rev < 0 || !graph->revs[rev].in_version)
			return false;
	}
	return true;
}

/*
 * Does the registered revision still say what the graph was built from?
 * Another session may replace a revision that is not applied yet.
 */
static bool
same_revision(PmRevisionDef *def, PmNode *node)
{
	ListCell   *lc;
	int			i = 0;

	if (def == NULL || list_length(def->down_revisions) != node->nparent_names ||
		list_length(def->depends_on) != node->ndep_names ||
		strcmp(def->message, node->message) != 0)
		return false;
	foreach(lc, def->down_revisions)
		if (strcmp(lfirst(lc), node->parent_names[i++]) != 0)
		return false;
	i = 0;
	foreach(lc, def->depends_on)
		if (strcmp(lfirst(lc), node->dep_names[i++]) != 0)
		return false;
	return true;
}

/* A required argument: raise 22004 if it is NULL. */
static char *
required_text(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
	return text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

/* A text[] argument as a List of C strings; NULL elements are refused. */
static List *
text_array_arg(FunctionCallInfo fcinfo, int argno, const char *name)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	List	   *result = NIL;

	if (PG_ARGISNULL(argno))
		return NIL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not contain nulls", name)));
		result = lappend(result, TextDatumGetCString(elems[i]));
	}
	return result;
}

/* text[] of revision ids, from an integer List of graph indexes. */
static Datum
ids_array(const PmGraph *graph, List *revs)
{
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(revs) + 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, revs)
		elems[n++] = CStringGetTextDatum(graph->revs[lfirst_int(lc)].id);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/* text[] from an array of C strings. */
static Datum
names_array(char **names, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * (n + 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(names[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

static Datum
list_array(List *names)
{
	char	  **items = palloc(sizeof(char *) * (list_length(names) + 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, names)
		items[n++] = lfirst(lc);
	return names_array(items, n);
}

/* A fresh 12-hex-digit id, as Alembic makes them, not yet registered. */
static char *
new_revision_id(void)
{
	for (;;)
	{
		uint8		bytes[6];
		char	   *id = palloc(sizeof(bytes) * 2 + 1);

		if (!pg_strong_random(bytes, sizeof(bytes)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random revision id")));
		hex_encode((const char *) bytes, sizeof(bytes), id);
		id[sizeof(bytes) * 2] = '\0';
		if (pm_catalog_fetch_revision(id) == NULL)
			return id;
	}
}

/*
 * pim_migrate_revision(message text, upgrade text, downgrade text,
 *						down_revision text[], revision text,
 *						branch_labels text[], depends_on text[]) -> text
 *
 * Registers a revision and returns its id.  revision NULL: a new random
 * id.  down_revision NULL: the single head of the graph (none: a base;
 * several: 21000); '{}' starts a new base.  downgrade NULL: irreversible.
 */
Datum
pim_migrate_revision(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	char	   *id;

	def->message = required_text(fcinfo, 0, "message");
	def->upgrade_sql = required_text(fcinfo, 1, "upgrade");
	def->downgrade_sql = PG_ARGISNULL(2) ? NULL :
		text_to_cstring(PG_GETARG_TEXT_PP(2));
	def->branch_labels = text_array_arg(fcinfo, 5, "branch_labels");
	def->depends_on = text_array_arg(fcinfo, 6, "depends_on");
	def->transactional = true;

	check_not_migrating();
	pm_catalog_connect(&call, false);
	pm_lock_migration();

	if (PG_ARGISNULL(4))
		def->revision = new_revision_id();
	else
	{
		/* a bad id is the first thing to hear about, before the heads */
		def->revision = text_to_cstring(PG_GETARG_TEXT_PP(4));
		pm_register_check_name(def->revision, "revision id");
	}
	if (!PG_ARGISNULL(3))
		def->down_revisions = text_array_arg(fcinfo, 3, "down_revision");
	else
	{
		List	   *heads = NIL;
		ListCell   *lc;

		/* re-registering a head under its own id: it is not its parent */
		foreach(lc, pm_catalog_graph_heads())
			if (strcmp(lfirst(lc), def->revision) != 0)
				heads = lappend(heads, lfirst(lc));
		if (list_length(heads) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("Multiple heads are present; please specify the head revision on which the new revision should be based"),
					 errdetail("Heads: %s.", pm_join_list(heads)),
					 errhint("Pass down_revision, or merge the heads with pim_migrate_merge().")));
		def->down_revisions = heads;
	}

	id = MemoryContextStrdup(call.caller_cxt, pm_register_revision(def));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * pim_migrate_load(script text) -> text
 *
 * Registers a revision from the text of a revision file and returns its
 * id.  The same content again is a no-op.
 */
Datum
pim_migrate_load(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = pm_revfile_parse(required_text(fcinfo, 0, "script"));
	char	   *id;

	check_not_migrating();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	id = MemoryContextStrdup(call.caller_cxt, pm_register_revision(def));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * pim_migrate_load_files(scripts text[], names text[] DEFAULT NULL) -> int
 *
 * pim_migrate_load for each script in order (parents first), in one call:
 * what a deploy does with a versions directory.  names, when given, name
 * the files in error context lines.  Returns how many registered or
 * replaced a revision (0 when every file was loaded before).
 */
Datum
pim_migrate_load_files(PG_FUNCTION_ARGS)
{
	PmCall		call;
	List	   *scripts = text_array_arg(fcinfo, 0, "scripts");
	List	   *names = text_array_arg(fcinfo, 1, "names");
	int			changed;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"scripts\" must not be null")));
	check_not_migrating();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	changed = pm_register_files(scripts, names);

	/*
	 * A deploy that loads nothing new then asks what there is to run, and
	 * with the heads kept that is one row.  A migration keeps them, but a
	 * deploy with nothing to run runs none: after a stamp, a restore or a
	 * write by hand, every no-op deploy would read the whole history.  The
	 * graph is read (and checked) once here instead.
	 */
	if (changed == 0)
	{
		List	   *heads;

		if (!pm_catalog_kept_heads(&heads, NULL) &&
			pm_lock_revisions_for_keeping())
			pm_catalog_keep_heads(pm_graph_head_ids(pm_catalog_load_graph(NULL)));
	}
	pm_catalog_disconnect(&call);
	PG_RETURN_INT32(changed);
}

/*
 * Whether an upgrade to target_text is known to have nothing to do without
 * reading the history: "head" or "heads", and the version rows are the
 * kept heads (so every revision is applied: each is an ancestor of a
 * head).  Anything else, or kept heads not up to date, takes the whole
 * graph.  *kept (if not NULL) gets the kept heads, NIL when they are not
 * up to date.
 */
static bool
known_up_to_date(const char *target_text, List **kept)
{
	List	   *heads = NIL;
	List	   *version = NIL;
	PmTargetWord word = pm_target_word(target_text);
	bool		known = pm_catalog_kept_heads(&heads, &version);

	if (kept)
		*kept = known ? heads : NIL;
	if (!known || heads == NIL || !pm_names_equal(heads, version))
		return false;
	/* "head" with several heads is an error the whole graph explains */
	return word == PM_TARGET_HEADS ||
		(word == PM_TARGET_HEAD && list_length(heads) == 1);
}

/*
 * After a migration read the whole graph: make the kept heads its heads
 * when they are not (not up to date, or damaged by hand).
 */
static void
keep_heads(PmGraph *graph, List *kept)
{
	List	   *heads = pm_graph_head_ids(graph);

	if (kept == NIL || !pm_names_equal(kept, heads))
		pm_catalog_keep_heads(heads);
}

/* What a dry run says when it ends. */
static void
dry_run_notice(int nsteps)
{
	ereport(NOTICE,
			(errmsg("dry run: %d %s ran and %s rolled back", nsteps,
					nsteps == 1 ? "step" : "steps",
					nsteps == 1 ? "was" : "were")));
}

/*
 * The plan for an upgrade or a downgrade to target_text, after the checks
 * that must pass before anything runs.  The caller holds the lock.
 */
static List *
plan_migration(PmGraph *graph, const char *target_text, PmDirection direction)
{
	List	   *plan;
	List	   *changed;

	/* applied revisions are immutable: a tampered one stops everything */
	changed = pm_catalog_changed_scripts();
	if (changed != NIL)
	{
		ListCell   *lc;

		foreach(lc, changed)
		{
			int			rev = pm_graph_find(graph, lfirst(lc));

			if (rev >= 0 && graph->revs[rev].applied)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("applied revision \"%s\" was changed", (char *) lfirst(lc)),
						 errdetail("Its stored scripts no longer match their checksum; the database ran other scripts."),
						 errhint("Restore the revision as it was applied, and see pim_migrate_verify().")));
		}
	}

	if (direction == PM_UPGRADE)
		plan = pm_graph_plan_upgrade(graph,
									 pm_target_upgrade(graph, target_text));
	else
	{
		List	   *roots;
		int			rev = pm_target_downgrade(graph, target_text, &roots);
		int		   *arr = palloc(sizeof(int) * (list_length(roots) + 1));
		int			n = 0;
		ListCell   *lc;

		foreach(lc, roots)
			arr[n++] = lfirst_int(lc);
		plan = pm_graph_plan_downgrade(graph, arr, n);

		/* nothing above the target, and it is no current head: not below */
		if (plan == NIL && rev >= 0 && !graph->revs[rev].in_version)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("Destination %s is not a valid downgrade target from current head(s)",
							target_text),
					 errdetail("Revision \"%s\" is not below the current revisions.",
							   graph->revs[rev].id),
					 errhint("Use pim_migrate_upgrade() to move forward.")));
	}
	return plan;
}

/*
 * One transaction holds a lock on every relation its scripts create, alter
 * or drop, and the lock table has room for max_locks_per_transaction per
 * connection: a long history of CREATE TABLE fills it in one transaction
 * ("out of shared memory").  Say what to do about it in our terms.
 */
static void
lock_table_hint(ErrorData *edata, PmDirection direction)
{
	if (edata->sqlerrcode != ERRCODE_OUT_OF_MEMORY || edata->hint == NULL ||
		strstr(edata->hint, "max_locks_per_transaction") == NULL)
		return;
	edata->detail = pstrdup("A migration holds a lock on every table it creates, alters or drops until it commits, and the lock table is full.");
	edata->hint = psprintf("Run it with CALL pim_migrate_%s_each(...), which commits after each revision, or increase max_locks_per_transaction.",
						   pm_direction_name(direction));
}

/*
 * Shared by upgrade and downgrade: resolve the target, plan, run, and
 * return the steps as rows (step, revision, operation, message).  A dry
 * run runs everything in a subtransaction that it then rolls back: the
 * steps really execute against the real data (and the first error is
 * raised as a real run raises it), and afterwards the schema, the data,
 * the version rows and the log are as they were.  Sequences advanced by
 * the scripts stay advanced, as after any rollback.
 */
static Datum
migrate(FunctionCallInfo fcinfo, PmDirection direction, bool watched)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	bool		dry_run = watched ||
		(PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1));
	PmStatementWatch *watch = NULL;
	PmGraph    *graph;
	List	   *plan;
	MemoryContext cxt;
	ResourceOwner owner = CurrentResourceOwner;
	List	   *kept;
	bool		up_to_date;
	bool		keep;

	check_not_migrating();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();

	up_to_date = known_up_to_date(target_text, &kept);
	if (up_to_date && direction == PM_UPGRADE)
	{
		if (dry_run)
			dry_run_notice(0);
		pm_catalog_disconnect(&call);
		return (Datum) 0;
	}
	/* a dry run leaves everything as it was */
	keep = !dry_run && pm_lock_revisions_for_keeping();
	graph = pm_catalog_load_graph(NULL);
	plan = plan_migration(graph, target_text, direction);
	pm_exec_check_plan(graph, plan, true);
	if (keep)
		keep_heads(graph, kept);

	cxt = CurrentMemoryContext;
	if (watched)
		watch = pm_plan_watch_create(rsinfo->setResult, rsinfo->setDesc);
	if (dry_run)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
	}
	migrating = true;
	pm_exec_watch = watch;
	PG_TRY();
	{
		int			n = pm_exec_plan(graph, plan,
									 watched ? NULL : rsinfo->setResult,
									 rsinfo->setDesc);

		pm_exec_watch = NULL;

		if (dry_run)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			dry_run_notice(n);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		migrating = false;
		pm_exec_watch = NULL;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (dry_run)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
		}
		lock_table_hint(edata, direction);
		ReThrowError(edata);
	}
	PG_END_TRY();
	migrating = false;

	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * Shared by the _each procedures: the same plan, each step in a
 * transaction of its own, committed before the next begins.  Each step
 * takes the migration lock anew and checks that the version rows are
 * still those the plan expects; if another session moved them, the plan
 * is made again.  A failing step leaves every earlier one committed, and
 * a new call resumes there.
 */
static void
migrate_each(FunctionCallInfo fcinfo, PmDirection direction)
{
	char	   *target_text = required_text(fcinfo, 0, "target");
	const char *name = direction == PM_UPGRADE ?
		"pim_migrate_upgrade_each" : "pim_migrate_downgrade_each";
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	PmCall		call;
	PmGraph    *graph = NULL;
	List	   *plan = NIL;
	MemoryContext stepcxt;
	int			nstep = 0;
	int			next = 0;

	/* a transaction block or a function around us: nothing to commit */
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		castNode(CallContext, fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s() cannot run inside a transaction block or a function", name),
				 errdetail("It commits after each revision."),
				 errhint("Use SELECT * FROM %s(...) to migrate in the current transaction.",
						 direction == PM_UPGRADE ? "pim_migrate_upgrade" :
						 "pim_migrate_downgrade")));
	check_not_migrating();

	pm_catalog_connect_nonatomic(&call);
	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate step",
									ALLOCSET_DEFAULT_SIZES);
	migrating = true;
	PG_TRY();
	{
		for (;;)
		{
			MemoryContext oldcxt;
			PmStep	   *step = NULL;
			PmRevisionDef *def = NULL;

			pm_lock_migration();
			oldcxt = MemoryContextSwitchTo(stepcxt);
			if (graph != NULL)
			{
				/* someone else migrated, or replaced what comes next */
				if (!same_version_rows(pm_catalog_version_rows(), graph))
					graph = NULL;
				else if (next < list_length(plan))
				{
					step = list_nth(plan, next);
					def = pm_catalog_fetch_revision(graph->revs[step->rev].id);
					if (!same_revision(def, &graph->revs[step->rev]))
						graph = NULL;
				}
			}
			MemoryContextSwitchTo(oldcxt);
			if (graph == NULL)
			{
				MemoryContextReset(stepcxt);
				graph = pm_catalog_load_graph(NULL);
				plan = plan_migration(graph, target_text, direction);
				pm_exec_check_plan(graph, plan, true);
				next = 0;
				continue;
			}
			if (next >= list_length(plan))
				break;

			oldcxt = MemoryContextSwitchTo(stepcxt);
			pm_exec_step(graph, step, applied_by, NULL);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(stepcxt);
			next++;
			nstep++;
			SPI_commit();
		}
	}
	PG_FINALLY();
	{
		migrating = false;
	}
	PG_END_TRY();

	ereport(NOTICE,
			(errmsg("%d %s committed", nstep, nstep == 1 ? "step" : "steps")));
	pm_catalog_disconnect(&call);
}

/*
 * pim_migrate_upgrade(target text DEFAULT 'head', dry_run bool DEFAULT false)
 *		-> TABLE(step int, revision text, operation text, message text)
 *
 * Applies every revision needed to reach target, ancestors first, in the
 * caller's transaction.
 */
Datum
pim_migrate_upgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, PM_UPGRADE, false);
}

/*
 * pim_migrate_downgrade(target text, dry_run bool DEFAULT false)
 *		-> same as upgrade
 *
 * Runs the downgrade scripts of every applied revision that stands on
 * target, newest first.
 */
Datum
pim_migrate_downgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, PM_DOWNGRADE, false);
}

/*
 * Shared by the offline functions: the script, made from the same plan as
 * an online call, as text in the caller's context.
 */
static Datum
offline(FunctionCallInfo fcinfo, PmDirection direction)
{
	PmCall		call;
	char	   *target_text = required_text(fcinfo, 0, "target");
	PmGraph    *graph;
	List	   *plan;
	char	   *script;

	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	plan = plan_migration(graph, target_text, direction);
	pm_exec_check_plan(graph, plan, false);
	script = MemoryContextStrdup(call.caller_cxt,
								 pm_offline_script(graph, plan, target_text,
												   direction));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(script));
}

/*
 * pim_migrate_upgrade_sql(target text DEFAULT 'head') -> text
 *
 * Offline mode (Alembic's upgrade --sql): the psql script, one
 * transaction, that performs the steps and bookkeeping the online call
 * would.  Nothing is run.
 */
Datum
pim_migrate_upgrade_sql(PG_FUNCTION_ARGS)
{
	return offline(fcinfo, PM_UPGRADE);
}

/*
 * pim_migrate_downgrade_sql(target text) -> text
 *
 * The same for a downgrade.
 */
Datum
pim_migrate_downgrade_sql(PG_FUNCTION_ARGS)
{
	return offline(fcinfo, PM_DOWNGRADE);
}

/*
 * CALL pim_migrate_upgrade_each(target text DEFAULT 'head')
 *
 * pim_migrate_upgrade, committing after each revision.
 */
Datum
pim_migrate_upgrade_each(PG_FUNCTION_ARGS)
{
	migrate_each(fcinfo, PM_UPGRADE);
	PG_RETURN_VOID();
}

/*
 * CALL pim_migrate_downgrade_each(target text)
 *
 * pim_migrate_downgrade, committing after each revision.
 */
Datum
pim_migrate_downgrade_each(PG_FUNCTION_ARGS)
{
	migrate_each(fcinfo, PM_DOWNGRADE);
	PG_RETURN_VOID();
}

/* One row per C string of texts, into a SETOF text result. */
static void
put_text_rows(ReturnSetInfo *rsinfo, List *texts)
{
	ListCell   *lc;

	foreach(lc, texts)
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
							 &isnull);
	}
}

/*
 * pim_migrate_current() -> SETOF text
 *
 * The applied heads (rows of pim_migrate.version) in id order; none at
 * base.
 */
Datum
pim_migrate_current(PG_FUNCTION_ARGS)
{
	PmCall		call;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, true);
	put_text_rows((ReturnSetInfo *) fcinfo->resultinfo,
				  pm_catalog_version_rows());
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_heads() -> TABLE(revision text, branch_labels text[],
 *								message text)
 *
 * The heads of the revision graph, in id order.
 */
Datum
pim_migrate_heads(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PmGraph    *graph;
	List	   *heads;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	heads = pm_graph_heads(graph);
	pm_graph_inherit_labels(graph, heads);
	foreach(lc, heads)
	{
		PmNode	   *node = &graph->revs[lfirst_int(lc)];
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(node->id);
		values[1] = names_array(node->eff_labels, node->neff_labels);
		values[2] = CStringGetTextDatum(node->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_history(range text DEFAULT NULL)
 *		-> TABLE(revision text, down_revisions text[], branch_labels text[],
 *				 depends_on text[], message text, is_head bool,
 *				 is_branch_point bool, is_merge bool, is_applied bool)
 *
 * The graph, newest first.  range is Alembic's -r: "start:end", either
 * side optional, "current" allowed on either side; both ends included.
 */
Datum
pim_migrate_history(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PmGraph    *graph;
	List	   *shown = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	if (PG_ARGISNULL(0))
	{
		for (int i = graph->n - 1; i >= 0; i--)
			shown = lappend_int(shown, graph->topo[i]);
		pm_graph_inherit_all_labels(graph);
	}
	else
	{
		int			mark = pm_target_history(graph,
											 text_to_cstring(PG_GETARG_TEXT_PP(0)));

		for (int i = graph->n - 1; i >= 0; i--)
			if (graph->revs[graph->topo[i]].mark == mark)
				shown = lappend_int(shown, graph->topo[i]);
		/* the range is taken first: working out labels uses the marks */
		pm_graph_inherit_labels(graph, shown);
	}

	foreach(lc, shown)
	{
		PmNode	   *node = &graph->revs[lfirst_int(lc)];
		Datum		values[9];
		bool		nulls[9] = {0};

		values[0] = CStringGetTextDatum(node->id);
		values[1] = names_array(node->parent_names, node->nparent_names);
		values[2] = names_array(node->eff_labels, node->neff_labels);
		values[3] = names_array(node->dep_names, node->ndep_names);
		values[4] = CStringGetTextDatum(node->message);
		values[5] = BoolGetDatum(node->nchildren == 0);
		values[6] = BoolGetDatum(node->nchildren > 1);
		values[7] = BoolGetDatum(node->nparents > 1);
		values[8] = BoolGetDatum(node->applied);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_show(revision text)
 *		-> TABLE(revision text, down_revisions text[], branch_labels text[],
 *				 depends_on text[], message text, upgrade_sql text,
 *				 downgrade_sql text, transactional bool, checksum text,
 *				 created_at timestamptz)
 *
 * One revision, named by any target that resolves to exactly one.
 */
Datum
pim_migrate_show(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *text = required_text(fcinfo, 0, "revision");
	PmGraph    *graph;
	PmRevisionDef *def;
	Datum		values[10];
	bool		nulls[10] = {0};

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	def = pm_catalog_fetch_revision(graph->revs[pm_target_resolve_one(graph, text)].id);

	values[0] = CStringGetTextDatum(def->revision);
	values[1] = list_array(def->down_revisions);
	values[2] = list_array(def->branch_labels);
	values[3] = list_array(def->depends_on);
	values[4] = CStringGetTextDatum(def->message);
	values[5] = CStringGetTextDatum(def->upgrade_sql);
	if (def->downgrade_sql)
		values[6] = CStringGetTextDatum(def->downgrade_sql);
	else
		nulls[6] = true;
	values[7] = BoolGetDatum(def->transactional);
	values[8] = CStringGetTextDatum(def->checksum);
	values[9] = TimestampTzGetDatum(def->created_at);
	nulls[9] = !def->has_created_at;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_status() -> TABLE(current text[], heads text[], pending int,
 *								 up_to_date bool)
 *
 * One row for scripts and health checks.  pending counts the revisions
 * that pim_migrate_upgrade('heads') would apply.
 */
Datum
pim_migrate_status(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PmGraph    *graph;
	Datum		values[4];
	bool		nulls[4] = {0};
	List	   *heads;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);

	/* up to date: the version rows are the heads, and nothing is pending */
	if (known_up_to_date("heads", &heads))
	{
		values[0] = values[1] = list_array(heads);
		values[2] = Int32GetDatum(0);
		values[3] = BoolGetDatum(true);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		pm_catalog_disconnect(&call);
		return (Datum) 0;
	}
	graph = pm_catalog_load_graph(NULL);

	values[0] = ids_array(graph, pm_graph_current(graph));
	values[1] = ids_array(graph, pm_graph_heads(graph));
	values[2] = Int32GetDatum(graph->n - graph->napplied);
	values[3] = BoolGetDatum(graph->n == graph->napplied);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_branches() -> TABLE(revision text, next_revisions text[],
 *								   message text)
 *
 * The branch points (revisions that are the down_revision of several), in
 * id order, with the revisions that follow each.
 */
Datum
pim_migrate_branches(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	PmGraph    *graph;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	for (int i = 0; i < graph->n; i++)
	{
		PmNode	   *node = &graph->revs[i];
		List	   *next = NIL;
		Datum		values[3];
		bool		nulls[3] = {0};

		if (node->nchildren < 2)
			continue;
		for (int j = 0; j < node->nchildren; j++)
			next = lappend_int(next, node->children[j]);
		values[0] = CStringGetTextDatum(node->id);
		values[1] = ids_array(graph, next);
		values[2] = CStringGetTextDatum(node->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * Make rows (graph indexes) the version rows, recording one step of
 * operation per destination (or "base"), and return them in rsinfo.
 */
static void
set_version_rows(PmGraph *graph, List *rows, List *dests,
				 PmDirection operation, ReturnSetInfo *rsinfo)
{
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	TimestampTz now = GetCurrentTimestamp();
	List	   *deletes = NIL;
	List	   *inserts = NIL;
	ListCell   *lc;

	for (int i = 0; i < graph->n; i++)
	{
		bool		stays = list_member_int(rows, i);

		if (graph->revs[i].in_version && !stays)
			deletes = lappend(deletes, graph->revs[i].id);
		else if (!graph->revs[i].in_version && stays)
			inserts = lappend(inserts, graph->revs[i].id);
	}
	if (dests == NIL)
		pm_catalog_record_step("base", operation, deletes, inserts, now,
							   applied_by, NULL);
	foreach(lc, dests)
	{
		PmNode	   *node = &graph->revs[lfirst_int(lc)];

		ereport(NOTICE,
				(errmsg("%s %s, %s", operation == PM_STAMP ? "Stamping" : "Adopting",
						node->id, node->message)));
		pm_catalog_record_step(node->id, operation, deletes, inserts, now,
							   applied_by, NULL);
		deletes = inserts = NIL;
	}

	foreach(lc, rows)
	{
		Datum		value = CStringGetTextDatum(graph->revs[lfirst_int(lc)].id);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
							 &isnull);
	}
}

/*
 * pim_migrate_stamp(target text, purge bool DEFAULT false) -> SETOF text
 *
 * Sets the version rows to target without running any script, as
 * Alembic's stamp: several targets separated by commas stamp several
 * heads; a target below the current rows stamps down.  Each target gets a
 * log row (operation stamp).  Returns the new current, in id order.
 */
Datum
pim_migrate_stamp(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *text = required_text(fcinfo, 0, "target");
	bool		purge = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	PmGraph    *graph;
	List	   *rows;
	List	   *dests;

	check_not_migrating();
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	graph = pm_catalog_load_graph(NULL);
	rows = pm_target_stamp(graph, text, purge, &dests);
	set_version_rows(graph, rows, dests, PM_STAMP, rsinfo);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * The version rows an Alembic version table holds (its column version_num),
 * read with the caller's rights, as "r1,r2" for the stamp grammar; "" when
 * it is empty (Alembic's base).  *sorted gets them as a list, in id order.
 */
static char *
alembic_versions(Oid relid, List **sorted)
{
	char	   *relname = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
												  get_rel_name(relid));
	StringInfoData ids;
	List	   *versions = NIL;
	ListCell   *lc;
	int			rc;

	if (get_attnum(relid, "version_num") == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table %s has no column \"version_num\"", relname),
				 errhint("Name Alembic's version table (version_table in its env.py).")));
	rc = SPI_execute(psprintf("SELECT version_num::text FROM %s ORDER BY 1", relname),
					 true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read %s: %s", relname, SPI_result_code_string(rc));
	/* copied out first: the checks below run queries of their own */
	for (uint64 i = 0; i < SPI_processed; i++)
		versions = lappend(versions, SPI_getvalue(SPI_tuptable->vals[i],
												  SPI_tuptable->tupdesc, 1));
	initStringInfo(&ids);
	foreach(lc, versions)
	{
		char	   *id = lfirst(lc);

		if (id == NULL || *id == '\0' || strchr(id, ',') != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s holds a version that is not a revision id: \"%s\"",
							relname, id ? id : "NULL")));
		if (pm_catalog_fetch_revision(id) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("Can't locate revision identified by '%s'", id),
					 errdetail("%s names it, but it is not registered.", relname),
					 errhint("Register the project's revisions first: the command's adopt loads the files of its versions directory, pim_migrate_load() one file.")));
		appendStringInfo(&ids, "%s%s", ids.len > 0 ? "," : "", id);
	}
	list_sort(versions, pm_cstring_cmp);
	*sorted = versions;
	return ids.data;
}

/*
 * pim_migrate_adopt_alembic(version_table regclass DEFAULT 'alembic_version',
 *							 force boolean DEFAULT false) -> SETOF text
 *
 * A database that Alembic migrated, whose revisions are now registered
 * (import-alembic), goes on with pim_migrate: its version rows become
 * those of Alembic's version table, which is left as it is so that the
 * team may go back.  Every id must be registered.  Returns the new current
 * revisions; records an "adopt" step in the log.
 *
 * Once pim_migrate has run a step in the database and its version rows
 * have moved away from Alembic's, adopting again would replace them
 * without running a script (typically: set the database back to where
 * Alembic left it, after upgrades): refused (55000) unless force.  With the
 * same rows it is a no-op, so a deploy may adopt every time.  Version
 * 1.0 of the extension declares no force argument, hence PG_NARGS().
 */
Datum
pim_migrate_adopt_alembic(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		force = PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	PmGraph    *graph;
	List	   *rows;
	List	   *dests;
	List	   *alembic;
	List	   *current;
	bool		migrated;
	char	   *ids;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("version_table must not be null")));
	check_not_migrating();
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	ids = alembic_versions(PG_GETARG_OID(0), &alembic);
	current = pm_catalog_version_rows();
	migrated = pm_catalog_has_steps();
	if (migrated && pm_names_equal(current, alembic))
	{
		/* adopted already, and nothing moved since */
		put_text_rows(rsinfo, current);
		pm_catalog_disconnect(&call);
		return (Datum) 0;
	}
	if (migrated && !force)
	{
		char	   *table = DatumGetCString(DirectFunctionCall1(regclassout,
																PG_GETARG_DATUM(0)));

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pim_migrate has migrated this database past Alembic's version table %s",
						table),
				 errdetail("The current revisions are %s; %s holds %s.  Adopting it again would replace them without running any script.",
						   current ? pm_join_list(current) : "none (base)",
						   table, alembic ? pm_join_list(alembic) : "none (base)"),
				 errhint("To replace them anyway, pass force => true (the command's adopt --force).")));
	}
	graph = pm_catalog_load_graph(NULL);
	/* Alembic's rows are the whole truth: as a stamp with purge */
	rows = *ids ? pm_target_stamp(graph, ids, true, &dests) : NIL;
	set_version_rows(graph, rows, *ids ? dests : NIL, PM_ADOPT, rsinfo);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_merge(revisions text[] DEFAULT '{heads}', message text
 *					 DEFAULT 'merge', revision text DEFAULT NULL,
 *					 branch_labels text[] DEFAULT NULL) -> text
 *
 * Registers an empty revision whose down_revisions are the revisions the
 * targets name (Alembic's merge; revision and branch_labels as its
 * --rev-id and --branch-label).  Returns its id.
 */
Datum
pim_migrate_merge(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	List	   *targets = text_array_arg(fcinfo, 0, "revisions");
	PmGraph    *graph;
	List	   *parents = NIL;
	int		   *arr;
	int			n = 0;
	char	   *id;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		targets = list_make1(pstrdup("heads"));
	def->message = PG_ARGISNULL(1) ? pstrdup("merge") :
		text_to_cstring(PG_GETARG_TEXT_PP(1));
	def->branch_labels = text_array_arg(fcinfo, 3, "branch_labels");
	def->upgrade_sql = pstrdup("");
	def->downgrade_sql = pstrdup("");
	def->transactional = true;

	check_not_migrating();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	def->revision = PG_ARGISNULL(2) ? new_revision_id() :
		text_to_cstring(PG_GETARG_TEXT_PP(2));
	pm_register_check_name(def->revision, "revision id");

	graph = pm_catalog_load_graph(NULL);
	foreach(lc, targets)
	{
		PmTarget   *t = pm_target_resolve(graph, lfirst(lc));

		for (int i = 0; i < t->nrevs; i++)
		{
			if (list_member_int(parents, t->revs[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("Duplicate head revisions specified"),
						 errdetail("Revision \"%s\" is named twice.",
								   graph->revs[t->revs[i]].id)));
			parents = lappend_int(parents, t->revs[i]);
		}
	}
	if (parents == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("nothing to merge"),
				 errdetail("The targets name no revision.")));

	/* a merge of a revision with its own ancestor would merge nothing */
	arr = palloc(sizeof(int) * list_length(parents));
	foreach(lc, parents)
	{
		int			mark = pm_graph_new_mark(graph);
		ListCell   *lc2;

		arr[n] = lfirst_int(lc);
		pm_graph_mark_ancestors(graph, &arr[n], 1, mark, false);
		foreach(lc2, parents)
			if (lfirst_int(lc2) != arr[n] &&
				graph->revs[lfirst_int(lc2)].mark == mark)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("Requested revision %s overlaps with other requested revisions %s",
								graph->revs[lfirst_int(lc2)].id,
								graph->revs[arr[n]].id),
						 errhint("Merge heads: revisions that do not stand on each other.")));
		def->down_revisions = lappend(def->down_revisions,
									  graph->revs[arr[n]].id);
		n++;
	}

	id = MemoryContextStrdup(call.caller_cxt, pm_register_revision(def));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/* What pim_migrate_verify gathers while it scans the scripts. */
typedef struct VerifyState
{
	PmGraph    *graph;
	MemoryContext cxt;			/* where problems live */
	List	   *problems;
} VerifyState;

static void
add_problem(VerifyState *state, const char *revision, const char *problem)
{
	MemoryContext old = MemoryContextSwitchTo(state->cxt);
	PmProblem  *p = palloc(sizeof(PmProblem));

	p->revision = pstrdup(revision);
	p->problem = pstrdup(problem);
	state->problems = lappend(state->problems, p);
	MemoryContextSwitchTo(old);
}

static void
verify_scripts(void *arg, const char *revision, PmRevisionDef *scripts,
			   const char *applied_checksum)
{
	VerifyState *state = (VerifyState *) arg;
	char		stored[sizeof(scripts->checksum)];
	const char *problem = NULL;
	int			rev;

	strlcpy(stored, scripts->checksum, sizeof(stored));
	pm_revfile_checksum(scripts);
	rev = pm_graph_find(state->graph, revision);
	if (strcmp(stored, scripts->checksum) != 0)
		problem = "its scripts do not match its stored checksum";
	else if (applied_checksum && rev >= 0 && state->graph->revs[rev].applied &&
			 strcmp(applied_checksum, stored) != 0)
		problem = "its scripts changed since it was applied";
	if (problem)
		add_problem(state, revision, problem);
}

/*
 * The kept heads (pim_migrate.graph_state), when they claim to be up to
 * date, must be the heads of the graph: a migration with nothing to do
 * trusts them.
 */
static void
verify_kept_heads(VerifyState *state)
{
	List	   *kept;
	List	   *heads;
	ListCell   *lc;

	if (!pm_catalog_kept_heads(&kept, NULL))
		return;
	heads = pm_graph_head_ids(state->graph);
	if (pm_names_equal(kept, heads))
		return;
	foreach(lc, heads)
		if (!pm_name_in_list(kept, lfirst(lc)))
			add_problem(state, lfirst(lc), "a head is missing from the kept heads (pim_migrate.graph_state)");
	foreach(lc, kept)
		if (!pm_name_in_list(heads, lfirst(lc)))
			add_problem(state, lfirst(lc), "the kept heads (pim_migrate.graph_state) name a revision that is not a head");
}

static int
problem_cmp(const ListCell *a, const ListCell *b)
{
	const PmProblem *pa = lfirst(a);
	const PmProblem *pb = lfirst(b);
	int			c = strcmp(pa->revision, pb->revision);

	return c != 0 ? c : strcmp(pa->problem, pb->problem);
}

/*
 * pim_migrate_verify() -> TABLE(revision text, problem text)
 *
 * Zero rows when healthy.  Reports, without stopping at the first: unknown
 * down_revisions and dependencies, cycles, a branch label declared twice
 * or equal to a revision id, version rows naming unknown revisions or
 * standing below another version row, and revisions whose scripts no
 * longer match their checksum or changed since they were applied.
 */
Datum
pim_migrate_verify(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	VerifyState state = {0};
	List	   *rows;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	state.cxt = CurrentMemoryContext;
	state.graph = pm_catalog_load_graph(&state.problems);

	/* version rows must be the minimal set of applied heads */
	rows = pm_graph_current(state.graph);
	foreach(lc, rows)
	{
		PmNode	   *node = &state.graph->revs[lfirst_int(lc)];

		if (node->napplied_children > 0)
			add_problem(&state, node->id,
						psprintf("version row \"%s\" stands below another applied revision",
								 node->id));
	}
	pm_catalog_scan_scripts(verify_scripts, &state);
	verify_kept_heads(&state);

	list_sort(state.problems, problem_cmp);
	foreach(lc, state.problems)
	{
		PmProblem  *p = lfirst(lc);
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = CStringGetTextDatum(p->revision);
		values[1] = CStringGetTextDatum(p->problem);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * The schema argument of the autogenerate functions: a name, which must
 * exist.
 */
static char *
schema_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema must not be null")));
	return pstrdup(NameStr(*PG_GETARG_NAME(argno)));
}

/*
 * The include or exclude patterns of the autogenerate functions: argument
 * argno as a text[] Datum, or 0 when it is NULL or not there (the 1.0
 * signatures have neither).  A NULL element would match nothing and
 * exclude nothing silently: refused.
 */
static Datum
patterns_arg(FunctionCallInfo fcinfo, int argno)
{
	ArrayType  *arr;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return (Datum) 0;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	if (array_contains_nulls(arr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("include and exclude patterns must not be null")));
	return PointerGetDatum(arr);
}

/*
 * pim_migrate_diff(desired text, schema name, include text[],
 *					exclude text[]) -> TABLE(upgrade_sql text,
 *											 downgrade_sql text)
 *
 * The scripts that turn schema into the one desired describes, and back.
 * One row; both NULL when there is nothing to do.  include and exclude
 * (1.1): LIKE patterns of the tables, views, sequences and types to
 * compare, and to leave out.
 */
Datum
pim_migrate_diff(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *desired = required_text(fcinfo, 0, "desired");
	char	   *schema = schema_arg(fcinfo, 1);
	char	   *upgrade;
	char	   *downgrade;
	Datum		values[2];
	bool		nulls[2] = {0};

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_diff(desired, schema, patterns_arg(fcinfo, 2), patterns_arg(fcinfo, 3),
			&upgrade, &downgrade);
	nulls[0] = upgrade == NULL;
	nulls[1] = downgrade == NULL;
	values[0] = upgrade ? CStringGetTextDatum(upgrade) : (Datum) 0;
	values[1] = downgrade ? CStringGetTextDatum(downgrade) : (Datum) 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_check(desired text, schema name, include text[],
 *					 exclude text[]) -> boolean
 *
 * True when the live schema is the desired one: nothing to autogenerate.
 */
Datum
pim_migrate_check(PG_FUNCTION_ARGS)
{
	PmCall		call;
	char	   *desired = required_text(fcinfo, 0, "desired");
	char	   *schema = schema_arg(fcinfo, 1);
	char	   *upgrade;
	char	   *downgrade;

	pm_catalog_connect(&call, false);
	pm_diff(desired, schema, patterns_arg(fcinfo, 2), patterns_arg(fcinfo, 3),
			&upgrade, &downgrade);
	pm_catalog_disconnect(&call);
	PG_RETURN_BOOL(upgrade == NULL);
}

/*
 * pim_migrate_autogenerate(message text, desired text, schema name,
 *							include text[], exclude text[]) -> text
 *
 * Registers the diff between the live schema and the desired one as a new
 * revision on the current head, as "alembic revision --autogenerate" does,
 * and returns its id; NULL, with a notice, when there is no difference.
 */
Datum
pim_migrate_autogenerate(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	char	   *desired = required_text(fcinfo, 1, "desired");
	char	   *schema = schema_arg(fcinfo, 2);
	PmGraph    *graph;
	List	   *heads;
	char	   *id;

	def->message = required_text(fcinfo, 0, "message");
	def->transactional = true;

	check_not_migrating();
	pm_catalog_connect(&call, false);
	pm_lock_migration();

	/* the diff is against the live schema: it must be the head's */
	graph = pm_catalog_load_graph(NULL);
	if (graph->n != graph->napplied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("Target database is not up to date"),
				 errdetail_plural("%d revision is not applied.",
								  "%d revisions are not applied.",
								  graph->n - graph->napplied,
								  graph->n - graph->napplied),
				 errhint("Run pim_migrate_upgrade('heads') first.")));
	heads = pm_graph_heads(graph);
	if (list_length(heads) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("Multiple heads are present; please specify the head revision on which the new revision should be based"),
				 errhint("Merge the heads with pim_migrate_merge() first.")));

	pm_diff(desired, schema, patterns_arg(fcinfo, 3), patterns_arg(fcinfo, 4),
			&def->upgrade_sql, &def->downgrade_sql);
	if (def->upgrade_sql == NULL)
	{
		ereport(NOTICE,
				(errmsg("No changes in schema detected")));
		pm_catalog_disconnect(&call);
		PG_RETURN_NULL();
	}
	if (heads != NIL)
		def->down_revisions = list_make1(pstrdup(graph->revs[linitial_int(heads)].id));
	def->revision = new_revision_id();
	id = MemoryContextStrdup(call.caller_cxt, pm_register_revision(def));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(id));
}

/*
 * Client-run revisions
 *
 * A revision marked Transactional: false cannot run in the server's
 * transaction, so a client (the pim_migrate command) runs it: it holds the
 * migration lock for its session, asks for the plan (pim_migrate_steps),
 * applies the transactional steps between two such revisions in one
 * transaction (pim_migrate_apply), runs each such revision's statements
 * (pim_migrate_statements) one by one as top-level commands, and records
 * it (pim_migrate_apply, record_only).  The plan is made once, so a
 * relative target means what it meant when the run began.
 */

/* 'upgrade' or 'downgrade' */
static PmDirection
direction_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name = required_text(fcinfo, argno, "operation");

	if (strcmp(name, "upgrade") == 0)
		return PM_UPGRADE;
	if (strcmp(name, "downgrade") == 0)
		return PM_DOWNGRADE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid operation \"%s\"", name),
			 errhint("The operation is \"upgrade\" or \"downgrade\".")));
	pg_unreachable();
}

/*
 * pim_migrate_steps(target text DEFAULT 'head', operation text DEFAULT 'upgrade')
 *		-> TABLE(step int, revision text, operation text, message text,
 *				 down_revisions text[], transactional bool)
 *
 * The plan an upgrade (or downgrade) to target would run, after the same
 * checks; nothing is run.
 */
Datum
pim_migrate_steps(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	PmDirection direction = direction_arg(fcinfo, 1);
	PmGraph    *graph;
	List	   *plan;
	ListCell   *lc;
	int			nstep = 0;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	if (direction == PM_UPGRADE && known_up_to_date(target_text, NULL))
	{
		pm_catalog_disconnect(&call);
		return (Datum) 0;
	}
	graph = pm_catalog_load_graph(NULL);
	plan = plan_migration(graph, target_text, direction);
	pm_exec_check_plan(graph, plan, false);
	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);
		PmNode	   *node = &graph->revs[step->rev];
		Datum		values[6];
		bool		nulls[6] = {0};

		values[0] = Int32GetDatum(++nstep);
		values[1] = CStringGetTextDatum(node->id);
		values[2] = CStringGetTextDatum(pm_direction_name(step->direction));
		values[3] = CStringGetTextDatum(node->message);
		values[4] = names_array(node->parent_names, node->nparent_names);
		values[5] = BoolGetDatum(node->transactional);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_plan(target text DEFAULT 'head')
 *		-> TABLE(revision, line, statement, duration, locks, rewritten)
 *
 * The upgrade to target, run as a dry run (everything rolled back) with a
 * watch on each statement: see plan.c.
 */
Datum
pim_migrate_plan(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, PM_UPGRADE, true);
}

/*
 * The findings of a lint function go to its result set; what the lint
 * remembers across scripts lives as long as the call.
 */
static void
lint_begin(FunctionCallInfo fcinfo, PmLintState *state)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	memset(state, 0, sizeof(PmLintState));
	state->tupstore = rsinfo->setResult;
	state->tupdesc = rsinfo->setDesc;
	state->cxt = CurrentMemoryContext;
}

/*
 * pim_migrate_lint(target text DEFAULT 'head')
 *		-> TABLE(revision, line, statement, rule, severity, message, hint)
 *
 * The findings of lint.c for the upgrade scripts of every step an
 * upgrade to target would run, in order; nothing is run.
 */
Datum
pim_migrate_lint(PG_FUNCTION_ARGS)
{
	PmCall		call;
	char	   *target_text = required_text(fcinfo, 0, "target");
	PmLintState state;
	MemoryContext revcxt;
	PmGraph    *graph;
	List	   *plan;
	ListCell   *lc;

	lint_begin(fcinfo, &state);
	pm_catalog_connect(&call, true);
	revcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate lint",
								   ALLOCSET_DEFAULT_SIZES);
	graph = pm_catalog_load_graph(NULL);
	plan = plan_migration(graph, target_text, PM_UPGRADE);
	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);
		PmNode	   *node = &graph->revs[step->rev];
		MemoryContext oldcxt = MemoryContextSwitchTo(revcxt);
		PmRevisionDef *def = pm_catalog_fetch_revision(node->id);

		pm_lint_script(&state, node->id, def->upgrade_sql, def->transactional,
					   1);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(revcxt);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_lint_script(script text, transactional bool DEFAULT true,
 *						   first_line int DEFAULT 1) -> same as lint
 *
 * The findings for one script (a file not yet registered), its lines
 * counted from first_line.
 */
Datum
pim_migrate_lint_script(PG_FUNCTION_ARGS)
{
	char	   *script = required_text(fcinfo, 0, "script");
	bool		transactional = PG_ARGISNULL(1) || PG_GETARG_BOOL(1);
	int			first_line = PG_ARGISNULL(2) ? 1 : PG_GETARG_INT32(2);
	PmLintState state;

	if (first_line < 1 || first_line > PG_INT32_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("first_line must be a line number, not %d", first_line)));
	lint_begin(fcinfo, &state);
	pm_lint_script(&state, NULL, script, transactional, first_line);
	return (Datum) 0;
}

/*
 * pim_migrate_lint_file(file text) -> same as lint
 *
 * The findings for the upgrade script of a revision file that is not
 * loaded, read as pim_migrate_load reads it (its Transactional header
 * too), its lines those of the file.
 */
Datum
pim_migrate_lint_file(PG_FUNCTION_ARGS)
{
	PmRevisionDef *def = pm_revfile_parse(required_text(fcinfo, 0, "file"));
	PmLintState state;

	lint_begin(fcinfo, &state);
	pm_lint_script(&state, def->revision, def->upgrade_sql, def->transactional,
				   def->upgrade_line);
	return (Datum) 0;
}

/*
 * pim_migrate_statements(revision text, operation text DEFAULT 'upgrade')
 *		-> TABLE(line int, statement text)
 *
 * The statements of one script of a revision, as the server's parser
 * splits them, each with the line where it starts in the script.
 */
Datum
pim_migrate_statements(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *text = required_text(fcinfo, 0, "revision");
	PmDirection direction = direction_arg(fcinfo, 1);
	PmGraph    *graph;
	PmRevisionDef *def;
	const char *sql;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph(NULL);
	def = pm_catalog_fetch_revision(graph->revs[pm_target_resolve_one(graph, text)].id);
	sql = direction == PM_UPGRADE ? def->upgrade_sql : def->downgrade_sql;
	if (sql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" has no downgrade script", def->revision)));
	foreach(lc, pm_exec_split_script(def->revision, direction, sql))
	{
		PmStatement *stmt = lfirst(lc);
		Datum		values[2];
		bool		nulls[2] = {0};

		values[0] = Int32GetDatum(stmt->line);
		values[1] = CStringGetTextDatum(stmt->sql);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * Refuse a step that the graph, as the steps before it left it, does not
 * allow next: an upgrade of a revision applied already or standing on one
 * that is not; a downgrade of anything but a current head.
 */
static void
check_next_step(PmGraph *graph, const PmStep *step)
{
	PmNode	   *node = &graph->revs[step->rev];

	if (step->direction == PM_UPGRADE)
	{
		int		   *edges[2] = {node->parents, node->deps};
		int			nedges[2] = {node->nparents, node->ndeps};

		if (node->applied)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" is applied already", node->id)));
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < nedges[k]; j++)
				if (!graph->revs[edges[k][j]].applied)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("revision \"%s\" cannot be applied before \"%s\"",
									node->id, graph->revs[edges[k][j]].id),
							 errdetail("It stands on \"%s\", which is not applied.",
									   graph->revs[edges[k][j]].id)));
	}
	else if (!node->in_version)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not a current head", node->id),
				 errdetail(node->applied ?
						   "Applied revisions stand on it; they are downgraded first." :
						   "It is not applied.")));
}

/*
 * When a client-run step began: the client says so in the setting
 * pim_migrate_client.started (the pim_migrate command sets it before the
 * first statement), so the log's duration covers the statements and not
 * only the bookkeeping.
 */
static TimestampTz
client_started(void)
{
	const char *value = GetConfigOption("pim_migrate_client.started", true, false);
	char	   *end;
	double		epoch;

	if (value == NULL || *value == '\0')
		return GetCurrentStatementStartTimestamp();
	/* seconds since 1970, whatever the session's DateStyle */
	epoch = strtod(value, &end);
	if (*end != '\0' || end == value)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for pim_migrate_client.started: \"%s\"", value),
				 errhint("Set it to the step's start in seconds since 1970, as extract(epoch FROM clock_timestamp()) gives it.")));
	return DatumGetTimestampTz(DirectFunctionCall1(float8_timestamptz,
												   Float8GetDatum(epoch)));
}

/*
 * pim_migrate_apply(revisions text[], operation text DEFAULT 'upgrade',
 *					 record_only bool DEFAULT false)
 *		-> TABLE(step int, revision text, operation text, message text)
 *
 * Runs exactly the given steps, in the given order, in the caller's
 * transaction, each one a step the graph allows next.  record_only: the
 * steps are revisions marked Transactional: false whose statements the
 * caller ran itself; only their bookkeeping (version rows and log) is
 * done, as pim_migrate_upgrade would have done it, with the log's start
 * taken from pim_migrate_client.started (seconds since 1970) when set.
 */
Datum
pim_migrate_apply(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *ids = text_array_arg(fcinfo, 0, "revisions");
	PmDirection direction = direction_arg(fcinfo, 1);
	bool		record_only = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	PmGraph    *graph;
	List	   *plan = NIL;
	ListCell   *lc;
	MemoryContext stepcxt;
	PmRun	   *run;
	int			nstep = 0;

	check_not_migrating();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	graph = pm_catalog_load_graph(NULL);

	foreach(lc, ids)
	{
		PmStep	   *step = palloc(sizeof(PmStep));

		step->rev = pm_target_resolve_one(graph, lfirst(lc));
		step->direction = direction;
		if (record_only && graph->revs[step->rev].transactional)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" runs in a transaction",
							graph->revs[step->rev].id),
					 errdetail("Only a revision marked \"Transactional: false\" is run by the client and recorded afterwards."),
					 errhint("Apply it without record_only.")));
		plan = lappend(plan, step);
	}
	if (!record_only)
		pm_exec_check_plan(graph, plan, true);
	run = pm_exec_run_begin(applied_by);

	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate step",
									ALLOCSET_DEFAULT_SIZES);
	migrating = true;
	PG_TRY();
	{
		foreach(lc, plan)
		{
			PmStep	   *step = lfirst(lc);
			PmNode	   *node = &graph->revs[step->rev];
			MemoryContext oldcxt = MemoryContextSwitchTo(stepcxt);

			check_next_step(graph, step);
			if (record_only)
			{
				if (direction == PM_DOWNGRADE && node->irreversible)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("revision \"%s\" has no downgrade script", node->id)));
				pm_exec_record_only(graph, step, run, client_started());
			}
			else
				pm_exec_step(graph, step, applied_by, run);

			pm_exec_put_step(rsinfo->setResult, rsinfo->setDesc, ++nstep, node,
							 direction);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(stepcxt);
		}
		pm_exec_run_end(run);
	}
	PG_FINALLY();
	{
		migrating = false;
	}
	PG_END_TRY();

	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_lock() -> void
 *
 * Takes the migration lock for the rest of the session (until
 * pim_migrate_unlock() or the end of the connection), waiting as the
 * mutating functions wait and honouring lock_timeout.  Taking it again is
 * a no-op.
 */
Datum
pim_migrate_lock(PG_FUNCTION_ARGS)
{
	pm_lock_session(true);
	PG_RETURN_VOID();
}

/*
 * pim_migrate_unlock() -> bool
 *
 * Lets go of the session's migration lock; false if it held none.
 */
Datum
pim_migrate_unlock(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(pm_lock_session(false));
}

/*
 * pim_migrate.revision_changed() -> trigger
 *
 * After each statement that writes pim_migrate.revision: the kept heads
 * (pim_migrate.graph_state) are unknown until the next migration works them
 * out again.  pim_migrate's own statements clear them themselves (see
 * Q_INSERT_REVISION); this is for a revision script, a restore, a
 * hand-written UPDATE.
 */
Datum
pim_migrate_revision_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("pim_migrate.revision_changed() must be called as a trigger")));
	pm_catalog_revision_changed();
	return PointerGetDatum(NULL);
}
