/*-------------------------------------------------------------------------
 *
 * checkpoint.c
 *	  pim_migrate_checkpoint_sql: the upgrade script of a checkpoint
 *	  revision, which builds from an empty schema what the revisions up to
 *	  one revision leave.
 *
 * It is written from the live database, in a subtransaction that is
 * always rolled back: the normal planner and executor migrate it to the
 * revision (downgrading what is applied and does not stand below it, then
 * upgrading what it stands on), the autogenerate module describes the
 * schema the migrations run in (diff_describe.c) and writes the script
 * that makes it from nothing (diff_script.c).  Nothing stays: not the
 * schema, not the data, not the version rows or the log.
 *
 * Only what the diff compares can be written, so a schema holding
 * anything else is refused rather than left half built.  Extensions and
 * data are left out, as the script's first comment says.
 *
 * src/checkpoint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "pim_migrate.h"
#include "diff.h"

/* error context: which checkpoint was being written */
static void
checkpoint_error_callback(void *arg)
{
	errcontext("writing the checkpoint of revision %s (a migration to it, rolled back)",
			   (const char *) arg);
}

/*
 * Refuse a step that no transaction can hold: the migration to the
 * revision runs in one, to be rolled back.
 */
static void
refuse_outside_transaction(PmGraph *graph, List *plan, const char *revision)
{
	ListCell   *lc;

	foreach(lc, plan)
	{
		PmNode	   *node = &graph->revs[((PmStep *) lfirst(lc))->rev];

		if (!node->transactional)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot write the checkpoint of \"%s\": revision \"%s\" cannot run inside a transaction",
							revision, node->id),
					 errdetail("It is marked \"Transactional: false\", and the checkpoint is written by migrating this database to \"%s\" in a transaction that is rolled back.",
							   revision),
					 errhint("Write the checkpoint on a database that stands at \"%s\" already.",
							 revision)));
	}
}

/* Check and run one plan; the graph follows it. */
static void
run_plan(PmGraph *graph, List *plan, const char *revision)
{
	refuse_outside_transaction(graph, plan, revision);
	pm_exec_check_plan(graph, plan, true);
	(void) pm_exec_plan(graph, plan, NULL, NULL, NULL);
}

/*
 * Migrate the database to exactly rev: take back what is applied and does
 * not stand below it (other branches too: the checkpoint is the schema of
 * rev alone), then apply what it stands on.
 */
static void
migrate_to(PmGraph *graph, int rev)
{
	int			below = pm_graph_new_mark(graph);
	int		   *roots = palloc(sizeof(int) * (graph->n + 1));
	int			nroots = 0;
	PmTarget	target = {graph->revs[rev].id, 1, &rev};

	pm_graph_mark_ancestors(graph, &rev, 1, below, false);
	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].applied && graph->revs[i].mark != below)
			roots[nroots++] = i;
	if (nroots > 0)
		run_plan(graph, pm_graph_plan_downgrade(graph, roots, nroots),
				 graph->revs[rev].id);
	run_plan(graph, pm_graph_plan_upgrade(graph, &target), graph->revs[rev].id);
}

/*
 * The first comment lines: what the script is, and what it leaves out
 * (the extensions installed here, which its definitions may use).  Every
 * name goes through pm_comment_text.
 */
static void
append_header(StringInfo out, const char *schema, const char *revision)
{
	int			rc;

	appendStringInfo(out,
					 "-- pim_migrate checkpoint: schema %s as the revisions up to %s leave it\n",
					 pm_comment_text(quote_identifier(schema)),
					 pm_comment_text(revision));
	rc = SPI_execute("SELECT pg_catalog.string_agg(pg_catalog.quote_ident(extname), ', ' ORDER BY extname)"
					 " FROM pg_catalog.pg_extension"
					 " WHERE extname NOT IN ('plpgsql', 'pim_migrate')",
					 true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the extensions: %s",
			 SPI_result_code_string(rc));
	appendStringInfoString(out,
						   "-- Extensions and data are not included: it builds the objects of the schema only.\n");
	if (SPI_processed == 1 &&
		SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) != NULL)
		appendStringInfo(out,
						 "-- Create the extensions it may use first: %s\n",
						 pm_comment_text(SPI_getvalue(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc, 1)));
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Describe the schema as the migration left it and write the script that
 * builds it from nothing, in the caller's context cxt.
 */
static char *
write_script(const char *schema, const char *revision, MemoryContext cxt)
{
	MemoryContext old;
	DiffSet		empty = {NULL, 0, NULL};
	DiffSet		described;
	List	   *unhandled;
	StringInfoData out;
	char	   *script;
	int			line;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	old = MemoryContextSwitchTo(cxt);
	unhandled = pm_diff_unhandled(get_namespace_oid(schema, false), schema,
								  (Datum) 0, (Datum) 0);
	if (unhandled != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot write the checkpoint of \"%s\": schema \"%s\" holds %s, which pim_migrate_diff does not compare",
						revision, schema, (char *) linitial(unhandled)),
				 errdetail_plural("%d object of the schema could not be written into the checkpoint's script.",
								  "%d objects of the schema could not be written into the checkpoint's script.",
								  list_length(unhandled), list_length(unhandled)),
				 errhint("Keep replaying the revisions, or move the object into a revision above the checkpoint.")));
	described = pm_diff_describe(schema, pm_diff_schema_path(NULL, schema),
								 (Datum) 0, (Datum) 0);
	empty.path = described.path;
	script = pm_diff_script(&empty, &described);
	initStringInfo(&out);
	append_header(&out, schema, revision);
	if (script)
		appendStringInfo(&out, "\n%s", script);
	MemoryContextSwitchTo(old);
	SPI_finish();
	MemoryContextSwitchTo(cxt);

	line = pm_revfile_marker_line(out.data);
	if (line > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot write the checkpoint of \"%s\": line %d of its script would end the upgrade section of a revision file",
						revision, line),
				 errdetail("A definition of the schema has a line that reads as \"-- +upgrade\" or \"-- +downgrade\"."),
				 errhint("Change that line in a revision above the checkpoint, then write the checkpoint.")));
	return out.data;
}

/*
 * pm_checkpoint_sql
 *		The upgrade script of a checkpoint of the revision revision_text
 *		names (any target that resolves to exactly one): the schema the
 *		migrations run in (pm_drift_current_schema), as it stands after
 *		that revision, written as CREATE statements, in the caller's
 *		context.  The caller holds the migration lock and an SPI
 *		connection.  Nothing stays.
 */
char *
pm_checkpoint_sql(const char *revision_text)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	PmGraph    *graph = pm_catalog_load_graph(NULL);
	int			rev = pm_target_resolve_one(graph, revision_text);
	char	   *revision = graph->revs[rev].id;
	char	   *schema = pm_drift_current_schema();
	ErrorContextCallback errcallback;
	char	   *script;

	if (schema == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("no schema has been selected to write the checkpoint of"),
				 errhint("Set search_path to the schema the migrations run in.")));
	pm_migrate_check_unchanged(graph);

	errcallback.callback = checkpoint_error_callback;
	errcallback.arg = revision;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	pm_migrate_set_running(true);
	PG_TRY();
	{
		migrate_to(graph, rev);
		script = write_script(schema, revision, cxt);
	}
	PG_CATCH();
	{
		pm_migrate_set_running(false);
		pm_exec_abort_subxact(cxt, owner);
	}
	PG_END_TRY();
	pm_migrate_set_running(false);
	/* nothing of it stays */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;

	error_context_stack = errcallback.previous;
	return script;
}
