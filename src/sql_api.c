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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

PG_FUNCTION_INFO_V1(pim_migrate_revision);
PG_FUNCTION_INFO_V1(pim_migrate_load);
PG_FUNCTION_INFO_V1(pim_migrate_upgrade);
PG_FUNCTION_INFO_V1(pim_migrate_downgrade);
PG_FUNCTION_INFO_V1(pim_migrate_current);
PG_FUNCTION_INFO_V1(pim_migrate_heads);
PG_FUNCTION_INFO_V1(pim_migrate_history);
PG_FUNCTION_INFO_V1(pim_migrate_show);
PG_FUNCTION_INFO_V1(pim_migrate_status);

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
 * Shared by upgrade and downgrade: resolve the target, plan, run, and
 * return the steps as rows (step, revision, operation, message).
 */
static Datum
migrate(FunctionCallInfo fcinfo, PmDirection direction)
{
	PmCall		call;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *target_text = required_text(fcinfo, 0, "target");
	PmGraph    *graph;
	List	   *plan;

	check_not_migrating();
	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, false);
	pm_lock_migration();

	graph = pm_catalog_load_graph();
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

	migrating = true;
	PG_TRY();
	{
		pm_exec_plan(graph, plan, rsinfo->setResult, rsinfo->setDesc);
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
 * pim_migrate_upgrade(target text DEFAULT 'head')
 *		-> TABLE(step int, revision text, operation text, message text)
 *
 * Applies every revision needed to reach target, ancestors first, in the
 * caller's transaction.
 */
Datum
pim_migrate_upgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, PM_UPGRADE);
}

/*
 * pim_migrate_downgrade(target text) -> same as upgrade
 *
 * Runs the downgrade scripts of every applied revision that stands on
 * target, newest first.
 */
Datum
pim_migrate_downgrade(PG_FUNCTION_ARGS)
{
	return migrate(fcinfo, PM_DOWNGRADE);
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
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	pm_catalog_connect(&call, true);
	foreach(lc, pm_catalog_version_rows())
	{
		Datum		value = CStringGetTextDatum(lfirst(lc));
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
							 &isnull);
	}
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
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph();
	foreach(lc, pm_graph_heads(graph))
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
	int			mark;

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph();

	if (PG_ARGISNULL(0))
	{
		mark = pm_graph_new_mark(graph);
		for (int i = 0; i < graph->n; i++)
			graph->revs[i].mark = mark;
	}
	else
		mark = pm_target_history(graph, text_to_cstring(PG_GETARG_TEXT_PP(0)));

	for (int i = graph->n - 1; i >= 0; i--)
	{
		PmNode	   *node = &graph->revs[graph->topo[i]];
		Datum		values[9];
		bool		nulls[9] = {0};

		if (node->mark != mark)
			continue;
		values[0] = CStringGetTextDatum(node->id);
		values[1] = names_array(node->parent_names, node->nparents);
		values[2] = names_array(node->eff_labels, node->neff_labels);
		values[3] = names_array(node->dep_names, node->ndeps);
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
	graph = pm_catalog_load_graph();
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

	InitMaterializedSRF(fcinfo, 0);
	pm_catalog_connect(&call, true);
	graph = pm_catalog_load_graph();

	values[0] = ids_array(graph, pm_graph_current(graph));
	values[1] = ids_array(graph, pm_graph_heads(graph));
	values[2] = Int32GetDatum(graph->n - graph->napplied);
	values[3] = BoolGetDatum(graph->n == graph->napplied);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);

	pm_catalog_disconnect(&call);
	return (Datum) 0;
}
