/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  The checks of pim_migrate_verify, and the one check of stored scripts
 *	  against their checksum, which a migration makes too before it runs
 *	  anything.
 *
 * Problems are gathered, not raised: verify reports every one of them, as
 * contrib/amcheck's verify_heapam does, sorted by revision and text.  The
 * scripts are read by a cursor (pm_catalog_scan_scripts) and hashed by the
 * one checksum there is, pm_revfile_checksum, so memory stays flat
 * however long the history.
 *
 * src/verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "pim_migrate.h"

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

/*
 * Whether a revision's stored scripts still hash to the checksum stored
 * with them; scripts->checksum is left holding the stored one.
 */
static bool
scripts_match_checksum(PmRevisionDef *scripts)
{
	char		stored[sizeof(scripts->checksum)];

	strlcpy(stored, scripts->checksum, sizeof(stored));
	pm_revfile_checksum(scripts);
	if (strcmp(stored, scripts->checksum) == 0)
		return true;
	strlcpy(scripts->checksum, stored, sizeof(scripts->checksum));
	return false;
}

/* The ids of pm_verify_changed_scripts, as the scan meets them. */
typedef struct ChangedScripts
{
	MemoryContext cxt;			/* where the list lives */
	List	   *ids;
} ChangedScripts;

static void
collect_changed(void *arg, const char *revision, PmRevisionDef *scripts,
				const char *applied_checksum)
{
	ChangedScripts *changed = (ChangedScripts *) arg;

	if (!scripts_match_checksum(scripts))
	{
		MemoryContext old = MemoryContextSwitchTo(changed->cxt);

		changed->ids = lappend(changed->ids, pstrdup(revision));
		MemoryContextSwitchTo(old);
	}
}

/*
 * pm_verify_changed_scripts
 *		Ids of the revisions whose stored scripts no longer match their
 *		checksum, in id order, in the current context.  The caller holds an
 *		SPI connection.
 */
List *
pm_verify_changed_scripts(void)
{
	ChangedScripts changed = {CurrentMemoryContext, NIL};

	pm_catalog_scan_scripts(false, collect_changed, &changed);
	return changed.ids;
}

static void
verify_scripts(void *arg, const char *revision, PmRevisionDef *scripts,
			   const char *applied_checksum)
{
	VerifyState *state = (VerifyState *) arg;
	const char *problem = NULL;
	int			rev = pm_graph_find(state->graph, revision);

	if (!scripts_match_checksum(scripts))
		problem = "its scripts do not match its stored checksum";
	else if (applied_checksum && rev >= 0 && state->graph->revs[rev].applied &&
			 strcmp(applied_checksum, scripts->checksum) != 0)
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

/*
 * Each tenant's version rows, as the graph reads them (1.1): they name
 * registered revisions and are the minimal set of its applied heads.  The
 * graph is left with the applied state of the last tenant.
 */
static void
verify_tenants(VerifyState *state)
{
	ListCell   *lc;

	if (!pm_catalog_has_tenants())
		return;
	foreach(lc, pm_catalog_tenants(NIL, NIL, false))
	{
		PmTenant   *tenant = lfirst(lc);
		List	   *known = NIL;
		ListCell   *lc2;

		foreach(lc2, tenant->version)
		{
			char	   *id = lfirst(lc2);

			if (pm_graph_find(state->graph, id) >= 0)
				known = lappend(known, id);
			else
				add_problem(state, id,
							psprintf("version row of tenant \"%s\" names revision \"%s\", which is not registered",
									 tenant->schema, id));
		}
		pm_graph_set_version(state->graph, tenant->schema, known);
		foreach(lc2, pm_graph_current(state->graph))
		{
			PmNode	   *node = &state->graph->revs[lfirst_int(lc2)];

			if (node->napplied_children > 0)
				add_problem(state, node->id,
							psprintf("version row \"%s\" of tenant \"%s\" stands below another applied revision",
									 node->id, tenant->schema));
		}
	}
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
 * pm_verify
 *		Every problem of the catalog (PmProblem), sorted by revision, then
 *		text, in the current context: what the graph finds (unknown
 *		down_revisions and dependencies, cycles, labels declared twice or
 *		equal to an id, version rows naming unknown revisions), version rows
 *		standing below another applied revision, scripts that no longer
 *		match their checksum or changed since they were applied, kept
 *		heads that are not the heads, and the same faults in the version
 *		rows of each tenant.  The caller holds an SPI connection.
 */
List *
pm_verify(void)
{
	VerifyState state = {0};
	ListCell   *lc;

	state.cxt = CurrentMemoryContext;
	state.graph = pm_catalog_load_graph(&state.problems);

	/* version rows must be the minimal set of applied heads */
	foreach(lc, pm_graph_current(state.graph))
	{
		PmNode	   *node = &state.graph->revs[lfirst_int(lc)];

		if (node->napplied_children > 0)
			add_problem(&state, node->id,
						psprintf("version row \"%s\" stands below another applied revision",
								 node->id));
	}
	pm_catalog_scan_scripts(true, verify_scripts, &state);
	verify_kept_heads(&state);
	/* last: it changes the graph's applied state */
	verify_tenants(&state);

	list_sort(state.problems, problem_cmp);
	return state.problems;
}
