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

/*
 * pim_migrate_revision(message text, upgrade text, downgrade text,
 *						down_revision text[], revision text,
 *						branch_labels text[], depends_on text[]) -> text
 *
 * Registers a revision and returns its id.  revision NULL: a new random
 * id.  down_revision NULL: the single head of the graph (none: a base;
 * several: 21000); '{}' starts a new base.  downgrade NULL: irreversible.
 */
PG_FUNCTION_INFO_V1(pim_migrate_revision);
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

	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();

	if (PG_ARGISNULL(4))
		def->revision = pm_new_revision_id();
	else
	{
		/* a bad id is the first thing to hear about, before the heads */
		def->revision = text_to_cstring(PG_GETARG_TEXT_PP(4));
		pm_revfile_check_name(def->revision, "revision id");
	}
	if (!PG_ARGISNULL(3))
		def->down_revisions = text_array_arg(fcinfo, 3, "down_revision");
	else
		def->down_revisions = pm_new_revision_parent(def->revision);

	pm_revfile_checksum(def);
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
PG_FUNCTION_INFO_V1(pim_migrate_load);
Datum
pim_migrate_load(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = pm_revfile_parse(required_text(fcinfo, 0, "script"));
	char	   *id;

	pm_migrate_check_not_running();
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
PG_FUNCTION_INFO_V1(pim_migrate_load_files);
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
	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	changed = pm_register_files(scripts, names);
	/* a no-op deploy: see pm_migrate_keep_heads_if_unknown */
	if (changed == 0)
		pm_migrate_keep_heads_if_unknown();
	pm_catalog_disconnect(&call);
	PG_RETURN_INT32(changed);
}

/*
 * The rows a migrating function returns for the steps it ran: (step,
 * revision, operation, message).
 */
static void
put_steps(ReturnSetInfo *rsinfo, PmGraph *graph, List *steps)
{
	ListCell   *lc;

	foreach(lc, steps)
	{
		PmStep	   *step = lfirst(lc);

		pm_exec_put_step(rsinfo->setResult, rsinfo->setDesc,
						 foreach_current_index(lc) + 1,
						 &graph->revs[step->rev], step->direction);
	}
}

/*
 * Shared by upgrade, downgrade and plan: the steps pm_migrate_run ran, as
 * rows; or, with a watch (pim_migrate_plan), one row per statement, which
 * the watch puts.
 */
static Datum
migrate(FunctionCallInfo fcinfo, PmDirection direction, bool watched)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	bool		dry_run = PG_NARGS() > 1 && !PG_ARGISNULL(1) &&
	PG_GETARG_BOOL(1);
	PmStatementWatch *watch = NULL;
	PmGraph    *graph;
	List	   *steps;

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	if (watched)
		watch = pm_watch_create(rsinfo->setResult, rsinfo->setDesc);
	steps = pm_migrate_run(target_text, direction, dry_run, watch, &graph);
	if (!watched)
		put_steps(rsinfo, graph, steps);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_test(target text DEFAULT 'head')
 *		-> TABLE(revision text, step text, problem text, detail text)
 *
 * Upgrades, downgrades, compares and upgrades again each pending revision
 * up to target, then rolls everything back (migration_test.c).
 */
PG_FUNCTION_INFO_V1(pim_migrate_test);
Datum
pim_migrate_test(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	List	   *problems;
	ListCell   *lc;

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	problems = pm_migration_test(target_text);
	foreach(lc, problems)
	{
		PmTestProblem *p = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, p->detail == NULL};

		values[0] = CStringGetTextDatum(p->revision);
		values[1] = CStringGetTextDatum(p->step);
		values[2] = CStringGetTextDatum(p->problem);
		values[3] = p->detail ? CStringGetTextDatum(p->detail) : (Datum) 0;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_checkpoint_sql(revision text DEFAULT 'head') -> text
 *
 * The upgrade script of a checkpoint of revision: the schema the
 * migrations run in as that revision leaves it, from an empty schema;
 * written by migrating to it and rolling back (checkpoint.c).
 */
PG_FUNCTION_INFO_V1(pim_migrate_checkpoint_sql);
Datum
pim_migrate_checkpoint_sql(PG_FUNCTION_ARGS)
{
	PmCall		call;
	char	   *revision = required_text(fcinfo, 0, "revision");
	char	   *script;

	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	script = MemoryContextStrdup(call.caller_cxt, pm_checkpoint_sql(revision));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(script));
}

static void check_can_commit(FunctionCallInfo fcinfo, PmDirection direction);

/*
 * Shared by the _each procedures: pm_migrate_each, refused where it could
 * not commit.
 */
static void
migrate_each(FunctionCallInfo fcinfo, PmDirection direction)
{
	char	   *target_text = required_text(fcinfo, 0, "target");
	PmCall		call;

	check_can_commit(fcinfo, direction);
	pm_migrate_check_not_running();

	pm_catalog_connect_nonatomic(&call);
	(void) pm_migrate_each(target_text, direction);
	pm_catalog_disconnect(&call);
}

/* A transaction block or a function around an _each procedure: refused. */
static void
check_can_commit(FunctionCallInfo fcinfo, PmDirection direction)
{
	const char *name = direction == PM_UPGRADE ?
	"pim_migrate_upgrade_each" : "pim_migrate_downgrade_each";

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
}

/*
 * pim_migrate_upgrade(target text DEFAULT 'head', dry_run bool DEFAULT false)
 *		-> TABLE(step int, revision text, operation text, message text)
 *
 * Applies every revision needed to reach target, ancestors first, in the
 * caller's transaction.
 */
PG_FUNCTION_INFO_V1(pim_migrate_upgrade);
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
PG_FUNCTION_INFO_V1(pim_migrate_downgrade);
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
	plan = pm_migrate_plan(graph, target_text, direction, false);
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
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_sql);
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
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_sql);
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
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_each);
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
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_each);
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
PG_FUNCTION_INFO_V1(pim_migrate_current);
Datum
pim_migrate_current(PG_FUNCTION_ARGS)
{
	PmCall		call;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, true);
	put_text_rows((ReturnSetInfo *) fcinfo->resultinfo,
				  pm_catalog_version_rows(""));
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_heads() -> TABLE(revision text, branch_labels text[],
 *								message text)
 *
 * The heads of the revision graph, in id order.
 */
PG_FUNCTION_INFO_V1(pim_migrate_heads);
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
PG_FUNCTION_INFO_V1(pim_migrate_history);
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
PG_FUNCTION_INFO_V1(pim_migrate_show);
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
	values[1] = pm_text_array(def->down_revisions);
	values[2] = pm_text_array(def->branch_labels);
	values[3] = pm_text_array(def->depends_on);
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
 *								 up_to_date bool, drifted bool)
 *
 * One row for scripts and health checks.  pending counts the revisions
 * that pim_migrate_upgrade('heads') would apply; drifted says whether the
 * schema changed since its last migration (NULL: no fingerprint).
 */
PG_FUNCTION_INFO_V1(pim_migrate_status);
Datum
pim_migrate_status(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[5];
	bool		nulls[5] = {0};
	List	   *heads;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);

	/* up to date: the version rows are the heads, and nothing is pending */
	if (pm_migrate_known_up_to_date("heads", &heads))
	{
		values[0] = values[1] = pm_text_array(heads);
		values[2] = Int32GetDatum(0);
		values[3] = BoolGetDatum(true);
	}
	else
	{
		PmGraph    *graph = pm_catalog_load_graph(NULL);

		values[0] = ids_array(graph, pm_graph_current(graph));
		values[1] = ids_array(graph, pm_graph_heads(graph));
		values[2] = Int32GetDatum(graph->n - graph->napplied);
		values[3] = BoolGetDatum(graph->n == graph->napplied);
	}

	/* 1.1 added drifted; the 1.0 signature has four columns */
	if (rsinfo->setDesc->natts > 4)
	{
		int			drifted = pm_drift_status();

		values[4] = BoolGetDatum(drifted == 1);
		nulls[4] = drifted < 0;
	}
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
PG_FUNCTION_INFO_V1(pim_migrate_branches);
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
 * pim_migrate_stamp(target text, purge bool DEFAULT false) -> SETOF text
 *
 * Sets the version rows to target without running any script, as
 * Alembic's stamp: several targets separated by commas stamp several
 * heads; a target below the current rows stamps down.  Each target gets a
 * log row (operation stamp).  Returns the new current, in id order.
 */
PG_FUNCTION_INFO_V1(pim_migrate_stamp);
Datum
pim_migrate_stamp(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *text = required_text(fcinfo, 0, "target");
	bool		purge = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	put_text_rows(rsinfo, pm_migrate_stamp(text, purge));
	pm_catalog_disconnect(&call);
	return (Datum) 0;
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
PG_FUNCTION_INFO_V1(pim_migrate_adopt_alembic);
Datum
pim_migrate_adopt_alembic(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		force = PG_NARGS() > 1 && !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("version_table must not be null")));
	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	put_text_rows(rsinfo, pm_migrate_adopt(PG_GETARG_OID(0), force));
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
PG_FUNCTION_INFO_V1(pim_migrate_merge);
Datum
pim_migrate_merge(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	List	   *targets = text_array_arg(fcinfo, 0, "revisions");
	char	   *id;

	if (PG_ARGISNULL(0))
		targets = list_make1(pstrdup("heads"));
	def->message = PG_ARGISNULL(1) ? pstrdup("merge") :
		text_to_cstring(PG_GETARG_TEXT_PP(1));
	def->branch_labels = text_array_arg(fcinfo, 3, "branch_labels");
	def->upgrade_sql = pstrdup("");
	def->downgrade_sql = pstrdup("");
	def->transactional = true;

	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	def->revision = PG_ARGISNULL(2) ? pm_new_revision_id() :
		text_to_cstring(PG_GETARG_TEXT_PP(2));
	pm_revfile_check_name(def->revision, "revision id");
	def->down_revisions = pm_new_revision_merge_parents(targets);

	pm_revfile_checksum(def);
	id = MemoryContextStrdup(call.caller_cxt, pm_register_revision(def));
	pm_catalog_disconnect(&call);
	PG_RETURN_TEXT_P(cstring_to_text(id));
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
PG_FUNCTION_INFO_V1(pim_migrate_verify);
Datum
pim_migrate_verify(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	foreach(lc, pm_verify())
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
PG_FUNCTION_INFO_V1(pim_migrate_diff);
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
PG_FUNCTION_INFO_V1(pim_migrate_check);
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
PG_FUNCTION_INFO_V1(pim_migrate_autogenerate);
Datum
pim_migrate_autogenerate(PG_FUNCTION_ARGS)
{
	PmCall		call;
	PmRevisionDef *def = palloc0(sizeof(PmRevisionDef));
	char	   *desired = required_text(fcinfo, 1, "desired");
	char	   *schema = schema_arg(fcinfo, 2);
	char	   *id;

	def->message = required_text(fcinfo, 0, "message");
	def->transactional = true;

	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	if (!pm_new_revision_autogenerate(def, desired, schema,
									  patterns_arg(fcinfo, 3),
									  patterns_arg(fcinfo, 4)))
	{
		pm_catalog_disconnect(&call);
		PG_RETURN_NULL();
	}
	def->revision = pm_new_revision_id();
	pm_revfile_checksum(def);
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
PG_FUNCTION_INFO_V1(pim_migrate_steps);
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
	plan = pm_migrate_steps(target_text, direction, &graph);
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
 * watch on each statement: see watch.c.
 */
PG_FUNCTION_INFO_V1(pim_migrate_plan);
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
PG_FUNCTION_INFO_V1(pim_migrate_lint);
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
	plan = pm_migrate_plan(graph, target_text, PM_UPGRADE, false);
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
PG_FUNCTION_INFO_V1(pim_migrate_lint_script);
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
PG_FUNCTION_INFO_V1(pim_migrate_lint_file);
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
PG_FUNCTION_INFO_V1(pim_migrate_statements);
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
PG_FUNCTION_INFO_V1(pim_migrate_apply);
Datum
pim_migrate_apply(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *ids = text_array_arg(fcinfo, 0, "revisions");
	PmDirection direction = direction_arg(fcinfo, 1);
	bool		record_only = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	PmGraph    *graph;
	List	   *steps;

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	steps = pm_migrate_apply(ids, direction, record_only, &graph);
	put_steps(rsinfo, graph, steps);
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
PG_FUNCTION_INFO_V1(pim_migrate_lock);
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
PG_FUNCTION_INFO_V1(pim_migrate_unlock);
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
PG_FUNCTION_INFO_V1(pim_migrate_revision_changed);
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

/*
 * Tenants (tenant.c)
 *
 * The 1.1 signatures that name tenants sit beside the 1.0 ones, with C
 * entry points of their own (suffixed _tenants), so that every 1.0 call
 * resolves and runs as before.
 */

/*
 * The schemas argument: required, without nulls.  (It has a default in
 * the signatures whose target is a bpchar, to keep their second argument
 * where the 1.0 ones have theirs: see the 1.1 update script.)
 */
static List *
schemas_arg(FunctionCallInfo fcinfo, int argno)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"schemas\" must not be null"),
				 errhint("Name the tenants with schemas => ..., or pass the target as text for the ordinary case.")));
	return text_array_arg(fcinfo, argno, "schemas");
}

/*
 * Shared by add_tenant and remove_tenant: the change to the declarations,
 * under the lock.
 */
static Datum
declare_tenant(FunctionCallInfo fcinfo, bool (*change) (const char *schema))
{
	PmCall		call;
	char	   *schema = required_text(fcinfo, 0, "schema");
	bool		changed;

	pm_migrate_check_not_running();
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	changed = change(schema);
	pm_catalog_disconnect(&call);
	PG_RETURN_BOOL(changed);
}

/*
 * pim_migrate_add_tenant(schema text) -> boolean
 *
 * Declares a tenant: a schema, which must exist, or, holding a %, a LIKE
 * pattern of schemas, now and later.  False if it was declared already.
 */
PG_FUNCTION_INFO_V1(pim_migrate_add_tenant);
Datum
pim_migrate_add_tenant(PG_FUNCTION_ARGS)
{
	return declare_tenant(fcinfo, pm_tenant_add);
}

/*
 * pim_migrate_remove_tenant(schema text) -> boolean
 *
 * Removes a declaration (as it was written: a name or a pattern); the
 * version rows of a schema that no longer exists go with it.  False if
 * nothing was removed.
 */
PG_FUNCTION_INFO_V1(pim_migrate_remove_tenant);
Datum
pim_migrate_remove_tenant(PG_FUNCTION_ARGS)
{
	return declare_tenant(fcinfo, pm_tenant_remove);
}

/*
 * pim_migrate_tenants() -> TABLE(schema name, current text[], pending int,
 *								  up_to_date bool, last_migrated_at timestamptz)
 *
 * Every tenant, in name order; last_migrated_at NULL for one that never
 * ran a step.
 */
PG_FUNCTION_INFO_V1(pim_migrate_tenants);
Datum
pim_migrate_tenants(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	foreach(lc, pm_tenant_status(NIL, true, true))
	{
		PmTenantStatus *s = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, !s->tenant->migrated};

		values[0] = DirectFunctionCall1(namein, CStringGetDatum(s->tenant->schema));
		values[1] = pm_text_array(s->tenant->version);
		values[2] = Int32GetDatum(s->pending);
		values[3] = BoolGetDatum(s->up_to_date);
		values[4] = TimestampTzGetDatum(s->tenant->last_migrated_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/* Shared by upgrade and downgrade over tenants. */
static Datum
migrate_tenants(FunctionCallInfo fcinfo, PmDirection direction)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	bool		dry_run = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	List	   *schemas = schemas_arg(fcinfo, 2);

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	pm_tenant_migrate(schemas, target_text, direction, dry_run,
					  rsinfo->setResult, rsinfo->setDesc);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_upgrade(target bpchar, dry_run bool DEFAULT false,
 *					   schemas text[] DEFAULT NULL)
 *		-> TABLE(schema name, step int, revision text, operation text,
 *				 message text)
 *
 * Upgrades each tenant that schemas names (each element a tenant, or with
 * a % a LIKE pattern of tenants) to target, one after the other, in the
 * caller's transaction; steps are numbered per tenant.
 */
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_tenants);
Datum
pim_migrate_upgrade_tenants(PG_FUNCTION_ARGS)
{
	return migrate_tenants(fcinfo, PM_UPGRADE);
}

/*
 * pim_migrate_downgrade(target bpchar, dry_run bool DEFAULT false,
 *						 schemas text[] DEFAULT NULL) -> same
 *
 * The same for a downgrade.
 */
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_tenants);
Datum
pim_migrate_downgrade_tenants(PG_FUNCTION_ARGS)
{
	return migrate_tenants(fcinfo, PM_DOWNGRADE);
}

/* Shared by the _each procedures over tenants: see migrate_each. */
static void
migrate_each_tenants(FunctionCallInfo fcinfo, PmDirection direction)
{
	char	   *target_text = required_text(fcinfo, 0, "target");
	List	   *schemas = schemas_arg(fcinfo, 1);
	PmCall		call;

	check_can_commit(fcinfo, direction);
	pm_migrate_check_not_running();
	pm_catalog_connect_nonatomic(&call);
	(void) pm_tenant_migrate_each(schemas, target_text, direction);
	pm_catalog_disconnect(&call);
}

/*
 * CALL pim_migrate_upgrade_each(target text, schemas text[])
 *
 * Upgrades each tenant of schemas, committing after each of its revisions;
 * a tenant that fails stops at its last committed revision and the others
 * go on; the call then fails naming them.
 */
PG_FUNCTION_INFO_V1(pim_migrate_upgrade_each_tenants);
Datum
pim_migrate_upgrade_each_tenants(PG_FUNCTION_ARGS)
{
	migrate_each_tenants(fcinfo, PM_UPGRADE);
	PG_RETURN_VOID();
}

/*
 * CALL pim_migrate_downgrade_each(target text, schemas text[])
 *
 * The same for a downgrade.
 */
PG_FUNCTION_INFO_V1(pim_migrate_downgrade_each_tenants);
Datum
pim_migrate_downgrade_each_tenants(PG_FUNCTION_ARGS)
{
	migrate_each_tenants(fcinfo, PM_DOWNGRADE);
	PG_RETURN_VOID();
}

/*
 * pim_migrate_stamp(target bpchar, purge bool DEFAULT false,
 *					 schemas text[] DEFAULT NULL)
 *		-> TABLE(schema name, current text[])
 *
 * Stamps each tenant of schemas as pim_migrate_stamp(target, purge) stamps
 * the ordinary case; one row per tenant with its new current.
 */
PG_FUNCTION_INFO_V1(pim_migrate_stamp_tenants);
Datum
pim_migrate_stamp_tenants(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *text = required_text(fcinfo, 0, "target");
	bool		purge = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	List	   *schemas = schemas_arg(fcinfo, 2);

	pm_migrate_check_not_running();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();
	pm_tenant_stamp(schemas, text, purge, rsinfo->setResult, rsinfo->setDesc);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_current(schemas text[]) -> TABLE(schema name, revision text)
 *
 * The applied heads of each tenant of schemas, in name and id order; none
 * for a tenant at base.
 */
PG_FUNCTION_INFO_V1(pim_migrate_current_tenants);
Datum
pim_migrate_current_tenants(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *schemas = schemas_arg(fcinfo, 0);

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	pm_tenant_current(schemas, rsinfo->setResult, rsinfo->setDesc);
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}

/*
 * pim_migrate_status(schemas text[])
 *		-> TABLE(schema name, current text[], heads text[], pending int,
 *				 up_to_date bool)
 *
 * pim_migrate_status() for each tenant of schemas, but drifted: tenants
 * have no fingerprint (tenant.c).
 */
PG_FUNCTION_INFO_V1(pim_migrate_status_tenants);
Datum
pim_migrate_status_tenants(PG_FUNCTION_ARGS)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	List	   *schemas = schemas_arg(fcinfo, 0);
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	foreach(lc, pm_tenant_status(schemas, false, false))
	{
		PmTenantStatus *s = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {0};

		values[0] = DirectFunctionCall1(namein, CStringGetDatum(s->tenant->schema));
		values[1] = pm_text_array(s->tenant->version);
		values[2] = pm_text_array(s->heads);
		values[3] = Int32GetDatum(s->pending);
		values[4] = BoolGetDatum(s->up_to_date);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pm_catalog_disconnect(&call);
	return (Datum) 0;
}
