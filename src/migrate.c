/*-------------------------------------------------------------------------
 *
 * migrate.c
 *	  Plan and run a migration: the checks before anything runs, the run in
 *	  the caller's transaction (or a dry run rolled back), the _each loop
 *	  that commits after each revision and plans again when another
 *	  session moved the catalog, the steps a client runs itself, and the
 *	  bookkeeping of stamp and adopt, which move the version rows without
 *	  running any script.
 *
 * Every function here takes C values and returns C values; the entry
 * points in sql_api.c check the arguments, open the SPI connection, take
 * the migration lock and build the rows.  The caller holds the lock and
 * the connection, except for pm_migrate_each, which takes the lock anew
 * in each of its transactions.
 *
 * A revision script that called a mutating function would change the
 * graph under the plan being run: while one runs, "migrating" is set and
 * pm_migrate_check_not_running refuses.  It is a static, so it is reset
 * with PG_FINALLY (or PG_CATCH): abort knows nothing of it.
 *
 * src/migrate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

/* True while this backend runs revision scripts: see the file header. */
static bool migrating = false;

/*
 * pm_migrate_set_running
 *		For a module that runs scripts by itself (migration_test.c): the
 *		guard holds while they run.
 */
void
pm_migrate_set_running(bool running)
{
	migrating = running;
}

/*
 * pm_migrate_check_not_running
 *		Refuse a mutating call from within a revision script.
 */
void
pm_migrate_check_not_running(void)
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
 * pm_migrate_same_revision
 *		Does the registered revision still say what the graph was built
 *		from?  Another session may replace a revision that is not applied
 *		yet.
 */
bool
pm_migrate_same_revision(PmRevisionDef *def, PmNode *node)
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

/*
 * pm_migrate_known_up_to_date
 *		Whether an upgrade to target_text is known to have nothing to do
 *		without reading the history: "head" or "heads", and the version
 *		rows are the kept heads (so every revision is applied: each is an
 *		ancestor of a head).  Anything else, or kept heads not up to date,
 *		takes the whole graph.  *kept (if not NULL) gets the kept heads,
 *		NIL when they are not up to date.
 */
bool
pm_migrate_known_up_to_date(const char *target_text, List **kept)
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
 * pm_migrate_keep_heads
 *		After a migration read the whole graph: make the kept heads its heads
 *		when they are not (not up to date, or damaged by hand).  kept: the
 *		kept heads, NIL when they are not up to date.
 */
void
pm_migrate_keep_heads(PmGraph *graph, List *kept)
{
	List	   *heads = pm_graph_head_ids(graph);

	if (kept == NIL || !pm_names_equal(kept, heads))
		pm_catalog_keep_heads(heads);
}

/*
 * pm_migrate_keep_heads_if_unknown
 *		Work the kept heads out when they are unknown, if no other session
 *		is at it.  A deploy that loads nothing new then asks what there is
 *		to run, and with the heads kept that is one row.  A migration keeps
 *		them, but a deploy with nothing to run runs none: after a stamp, a
 *		restore or a write by hand, every no-op deploy would read the whole
 *		history.  The graph is read (and checked) once here instead.
 */
void
pm_migrate_keep_heads_if_unknown(void)
{
	List	   *heads;

	if (!pm_catalog_kept_heads(&heads, NULL) &&
		pm_lock_revisions_for_keeping())
		pm_catalog_keep_heads(pm_graph_head_ids(pm_catalog_load_graph(NULL)));
}

/* pm_migrate_dry_run_notice: what a dry run says when it ends. */
void
pm_migrate_dry_run_notice(int nsteps)
{
	ereport(NOTICE,
			(errmsg_plural("dry run: %d step ran and was rolled back",
						   "dry run: %d steps ran and were rolled back",
						   nsteps, nsteps)));
}

/*
 * pm_migrate_check_unchanged
 *		Refuse to migrate a database whose applied revisions were changed
 *		since they ran (their scripts no longer match their checksum).
 */
void
pm_migrate_check_unchanged(PmGraph *graph)
{
	ListCell   *lc;

	foreach(lc, pm_verify_changed_scripts())
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

/*
 * pm_migrate_plan
 *		The plan for an upgrade or a downgrade to target_text, after the
 *		checks that must pass before anything runs (pm_exec_check_plan:
 *		online, when it is to run in this transaction).  The caller holds
 *		the lock, or reads only.
 */
List *
pm_migrate_plan(PmGraph *graph, const char *target_text,
				PmDirection direction, bool online)
{
	/* applied revisions are immutable: a tampered one stops everything */
	pm_migrate_check_unchanged(graph);
	return pm_migrate_plan_again(graph, target_text, direction, online);
}

/*
 * pm_migrate_plan_again
 *		The same, on a graph whose scripts were checked already
 *		(pm_migrate_check_unchanged) and whose applied state changed since:
 *		a loop over tenants plans each one on one graph.
 */
List *
pm_migrate_plan_again(PmGraph *graph, const char *target_text,
					  PmDirection direction, bool online)
{
	List	   *plan;
	ListCell   *lc;

	if (direction == PM_UPGRADE)
		plan = pm_graph_plan_upgrade(graph,
									 pm_target_upgrade(graph, target_text));
	else
	{
		List	   *roots;
		int			rev = pm_target_downgrade(graph, target_text, &roots);
		int		   *arr = palloc(sizeof(int) * (list_length(roots) + 1));
		int			n = 0;

		foreach(lc, roots)
			arr[n++] = lfirst_int(lc);
		plan = pm_graph_plan_downgrade(graph, arr, n);

		/* nothing above the target, and it is no current head: not below */
		if (plan == NIL && rev >= 0 && !graph->revs[rev].in_version)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("\"%s\" is not a valid downgrade target from the current revisions",
							target_text),
					 errdetail("Revision \"%s\" is not below the current revisions.",
							   graph->revs[rev].id),
					 errhint("Use pim_migrate_upgrade() to move forward.")));
	}
	pm_exec_check_plan(graph, plan, online);
	return plan;
}

/*
 * pm_migrate_steps
 *		The plan an upgrade (or downgrade) to target_text would run, after
 *		the same checks, for a client that runs it: NIL, and *graph NULL,
 *		when an upgrade is known to have nothing to do.
 */
List *
pm_migrate_steps(const char *target_text, PmDirection direction,
				 PmGraph **graph)
{
	*graph = NULL;
	if (direction == PM_UPGRADE &&
		pm_migrate_known_up_to_date(target_text, NULL))
		return NIL;
	*graph = pm_catalog_load_graph(NULL);
	return pm_migrate_plan(*graph, target_text, direction, false);
}

/*
 * One transaction holds a lock on every relation its scripts create, alter
 * or drop, and the lock table has room for max_locks_per_transaction per
 * connection: a long history of CREATE TABLE fills it in one transaction
 * ("out of shared memory").  Say what to do about it in our terms, in the
 * copy of the error that the caller rethrows.
 */
void
pm_migrate_lock_table_hint(ErrorData *edata, PmDirection direction)
{
	if (edata->sqlerrcode != ERRCODE_OUT_OF_MEMORY || edata->hint == NULL ||
		strstr(edata->hint, "max_locks_per_transaction") == NULL)
		return;
	edata->detail = pstrdup("A migration holds a lock on every table it creates, alters or drops until it commits, and the lock table is full.");
	edata->hint = psprintf("Run it with CALL pim_migrate_%s_each(...), which commits after each revision, or increase max_locks_per_transaction.",
						   pm_direction_name(direction));
}

/*
 * pm_migrate_run
 *		Resolve the target, plan, run in the caller's transaction, and
 *		return the steps that ran (PmStep, of *graph; NIL, and *graph NULL,
 *		when an upgrade is known to have nothing to do).  The caller holds
 *		the lock.  watch (pim_migrate_plan's, see watch.c), if not NULL, is
 *		told about each statement, and implies a dry run.
 *
 * A dry run runs everything in a subtransaction that it then rolls back:
 * the steps really execute against the real data (and the first error is
 * raised as a real run raises it), and afterwards the schema, the data,
 * the version rows and the log are as they were.  Sequences advanced by
 * the scripts stay advanced, as after any rollback.  The plan and the
 * graph are allocated in the caller's context, which outlives the
 * subtransaction.
 */
List *
pm_migrate_run(const char *target_text, PmDirection direction, bool dry_run,
			   PmStatementWatch *watch, PmGraph **graph)
{
	List	   *plan;
	MemoryContext cxt;
	ResourceOwner owner = CurrentResourceOwner;
	List	   *kept;
	bool		up_to_date;
	bool		keep;

	dry_run = dry_run || watch != NULL;
	*graph = NULL;
	up_to_date = pm_migrate_known_up_to_date(target_text, &kept);
	if (up_to_date && direction == PM_UPGRADE)
	{
		if (dry_run)
			pm_migrate_dry_run_notice(0);
		return NIL;
	}
	/* a dry run leaves everything as it was */
	keep = !dry_run && pm_lock_revisions_for_keeping();
	*graph = pm_catalog_load_graph(NULL);
	plan = pm_migrate_plan(*graph, target_text, direction, true);
	if (keep)
		pm_migrate_keep_heads(*graph, kept);

	cxt = CurrentMemoryContext;
	if (dry_run)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
	}
	migrating = true;
	PG_TRY();
	{
		int			n = pm_exec_plan(*graph, plan, NULL, NULL, watch);

		if (dry_run)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			pm_migrate_dry_run_notice(n);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		migrating = false;
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (dry_run)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
		}
		pm_migrate_lock_table_hint(edata, direction);
		ReThrowError(edata);
	}
	PG_END_TRY();
	migrating = false;
	return plan;
}

/*
 * pm_migrate_each
 *		The same plan as pm_migrate_run, each step in a transaction of its
 *		own, committed before the next begins.  The caller holds a
 *		non-atomic SPI connection, and no lock: each step takes the
 *		migration lock anew and checks that the version rows are still
 *		those the plan expects; if another session moved them, the plan
 *		is made again.  A failing step leaves every earlier one committed,
 *		and a new call resumes there.  Returns the number of steps
 *		committed.
 */
int
pm_migrate_each(const char *target_text, PmDirection direction)
{
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	PmGraph    *graph = NULL;
	List	   *plan = NIL;
	MemoryContext stepcxt;
	int			nstep = 0;
	int			next = 0;

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
				if (!same_version_rows(pm_catalog_version_rows(""), graph))
					graph = NULL;
				else if (next < list_length(plan))
				{
					step = list_nth(plan, next);
					def = pm_catalog_fetch_revision(graph->revs[step->rev].id);
					if (!pm_migrate_same_revision(def, &graph->revs[step->rev]))
						graph = NULL;
				}
			}
			MemoryContextSwitchTo(oldcxt);
			if (graph == NULL)
			{
				MemoryContextReset(stepcxt);
				graph = pm_catalog_load_graph(NULL);
				plan = pm_migrate_plan(graph, target_text, direction, true);
				next = 0;
				continue;
			}
			if (next >= list_length(plan))
			{
				/*
				 * The fingerprint once, in the last transaction: one per step
				 * would describe the schema as often as it has revisions.  A
				 * run that fails part way leaves none for its committed
				 * steps, and drift reports them.
				 */
				if (nstep > 0)
					pm_drift_fingerprint_current();
				break;
			}

			oldcxt = MemoryContextSwitchTo(stepcxt);
			pm_exec_step(graph, step, applied_by, NULL, NULL);
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
			(errmsg_plural("%d step committed", "%d steps committed",
						   nstep, nstep)));
	return nstep;
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
		/* a checkpoint that builds stands on nothing applied */
		if (pm_graph_checkpoint_builds(graph, step->rev))
			return;
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
 * pm_migrate_apply
 *		Run exactly the steps ids name, in that order, in the caller's
 *		transaction, each one a step the graph allows next; return them
 *		(PmStep, of *graph).  record_only: the steps are revisions marked
 *		Transactional: false whose statements the caller ran itself; only
 *		their bookkeeping (version rows and log) is done, as an upgrade
 *		would have done it.  The caller holds the lock.
 */
List *
pm_migrate_apply(List *ids, PmDirection direction, bool record_only,
				 PmGraph **graph_out)
{
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	PmGraph    *graph = pm_catalog_load_graph(NULL);
	List	   *plan = NIL;
	ListCell   *lc;
	MemoryContext stepcxt;
	PmRun	   *run;

	*graph_out = graph;
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
				pm_exec_step(graph, step, applied_by, run, NULL);
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
	MemoryContextDelete(stepcxt);
	return plan;
}

/*
 * Make rows (graph indexes) the version rows, recording one step of
 * operation per destination (or "base"), and return their ids.
 */
static List *
set_version_rows(PmGraph *graph, List *rows, List *dests,
				 PmDirection operation)
{
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	TimestampTz now = GetCurrentTimestamp();
	List	   *deletes = NIL;
	List	   *inserts = NIL;
	List	   *result = NIL;
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
		pm_catalog_record_step(graph->schema, "base", operation, deletes,
							   inserts, now, applied_by, NULL);
	foreach(lc, dests)
	{
		PmNode	   *node = &graph->revs[lfirst_int(lc)];

		/* each step is announced, as "Running upgrade" announces its own */
		ereport(NOTICE,
				(errmsg("%s %s, %s", operation == PM_STAMP ? "Stamping" : "Adopting",
						node->id, node->message)));
		pm_catalog_record_step(graph->schema, node->id, operation, deletes,
							   inserts, now, applied_by, NULL);
		deletes = inserts = NIL;
	}

	foreach(lc, rows)
		result = lappend(result, graph->revs[lfirst_int(lc)].id);
	return result;
}

/*
 * pm_migrate_stamp
 *		Set the version rows to target_text without running any script, as
 *		Alembic's stamp (pm_target_stamp says which rows); each destination
 *		gets a log row.  Returns the new version rows, in id order.  The
 *		caller holds the lock.
 */
List *
pm_migrate_stamp(const char *target_text, bool purge)
{
	return pm_migrate_stamp_graph(pm_catalog_load_graph(NULL), target_text,
								  purge);
}

/*
 * pm_migrate_stamp_graph
 *		The same on a graph already read, for the schema whose version rows
 *		it holds (graph->schema); the graph's applied state is left as it
 *		was.
 */
List *
pm_migrate_stamp_graph(PmGraph *graph, const char *target_text, bool purge)
{
	List	   *dests;
	List	   *rows = pm_target_stamp(graph, target_text, purge, &dests);

	return set_version_rows(graph, rows, dests, PM_STAMP);
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
 * pm_migrate_adopt
 *		Make the version rows those of Alembic's version table relid (see
 *		pim_migrate_adopt_alembic), recording an "adopt" step; returns the
 *		new version rows.  Once pim_migrate has run a step and its version
 *		rows moved away from Alembic's, refused unless force; with the same
 *		rows, a no-op.  The caller holds the lock.
 */
List *
pm_migrate_adopt(Oid relid, bool force)
{
	PmGraph    *graph;
	List	   *rows;
	List	   *dests;
	List	   *alembic;
	List	   *current;
	bool		migrated;
	char	   *ids;

	ids = alembic_versions(relid, &alembic);
	current = pm_catalog_version_rows("");
	migrated = pm_catalog_has_steps();
	/* adopted already, and nothing moved since */
	if (migrated && pm_names_equal(current, alembic))
		return current;
	if (migrated && !force)
	{
		char	   *table = DatumGetCString(DirectFunctionCall1(regclassout,
																ObjectIdGetDatum(relid)));

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
	return set_version_rows(graph, rows, *ids ? dests : NIL, PM_ADOPT);
}
