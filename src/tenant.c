/*-------------------------------------------------------------------------
 *
 * tenant.c
 *	  Tenants: one revision history applied to many schemas of the
 *	  database, each with its own version rows, as a team with a schema per
 *	  customer migrates them.
 *
 * A tenant is a schema that a row of pim_migrate.tenant declares: a
 * schema name, or, when it holds a %, a LIKE pattern, which also takes in
 * the schemas created later (a new tenant has no version rows, so the
 * next run brings it up from base).  The same rule reads the schemas
 * argument of the migrating functions: each element a tenant, or with a
 * % a LIKE pattern of tenants ('{%}': every one).
 *
 * The version rows and the log rows of a tenant carry its name; the
 * ordinary case's carry ''.  A run over tenants reads the graph once and
 * plans each tenant on it, its applied state set from that tenant's rows
 * (pm_graph_set_version); the executor then runs the steps with the
 * tenant first on search_path and records them as the tenant's
 * (PmGraph.schema).  Nothing else differs from the ordinary case: the
 * target grammar, the checks before anything runs, checkpoints (a new
 * tenant with nothing applied runs the checkpoint alone), the NOTICE per
 * step.  Only the drift fingerprint is not taken: describing each schema
 * costs more than migrating it (pim_migrate_drift still reports the DDL
 * the watch recorded in a tenant).
 *
 * Locking: the one migration lock, as for every mutating call.  In one
 * transaction it is held from the first tenant to the last; the _each
 * loop takes it anew in each of its transactions, one per tenant and
 * revision, reads that tenant's version rows again and plans again when
 * another session moved them.  A failed tenant stops at its last
 * committed revision (its step ran in a subtransaction, rolled back) and
 * the loop goes on with the next; the call ends with an error that names
 * the failed ones.
 *
 * src/tenant.c
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

/*
 * pm_tenant_refused_schema
 *		Whether schema can never be a tenant: the system's schemas and
 *		pim_migrate's catalog.  A pattern never takes them in either.
 */
bool
pm_tenant_refused_schema(const char *schema)
{
	return strncmp(schema, "pg_", 3) == 0 ||
		strcmp(schema, "information_schema") == 0 ||
		strcmp(schema, PM_SCHEMA_NAME) == 0;
}

/* A declaration or an element of schemas holding a % is a LIKE pattern. */
static bool
is_pattern(const char *text)
{
	return strchr(text, '%') != NULL;
}

/* An element of a declaration or of schemas: refuse what names nothing. */
static void
check_element(const char *text)
{
	if (*text == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tenant schema name must not be empty")));
	if (strlen(text) >= NAMEDATALEN && !is_pattern(text))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schema name \"%s\" is too long", text),
				 errdetail("A schema name has at most %d bytes.",
						   NAMEDATALEN - 1)));
	for (const char *p = text; *p; p++)
		if (iscntrl((unsigned char) *p))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a tenant schema name must not hold control characters")));
}

/* A schema that must exist: 3F000 as the server says it, if it does not. */
static void
check_schema_exists(const char *schema)
{
	if (!OidIsValid(get_namespace_oid(schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));
}

static void
check_not_refused(const char *schema)
{
	if (pm_tenant_refused_schema(schema))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("schema \"%s\" cannot be a tenant", schema),
				 errdetail("System schemas and pim_migrate's own are never tenants.")));
}

/*
 * pm_tenant_add
 *		Declare a tenant: an existing schema, or a LIKE pattern (holding %);
 *		false if it was declared already.  The caller holds the lock.
 */
bool
pm_tenant_add(const char *schema)
{
	check_element(schema);
	if (!is_pattern(schema))
	{
		check_not_refused(schema);
		check_schema_exists(schema);
	}
	return pm_catalog_add_tenant(schema);
}

/*
 * pm_tenant_remove
 *		Remove a declaration; a schema that no longer exists loses its
 *		version rows too, so that a new schema of that name starts from
 *		base.  A schema that exists keeps them: declared again, it goes on
 *		where it was.  False when nothing was removed.
 */
bool
pm_tenant_remove(const char *schema)
{
	bool		removed;
	int			forgotten = 0;

	check_element(schema);
	removed = pm_catalog_remove_tenant(schema);
	if (!is_pattern(schema) && !OidIsValid(get_namespace_oid(schema, true)))
		forgotten = pm_catalog_forget_schema(schema);
	if (forgotten > 0)
		ereport(NOTICE,
				(errmsg_plural("forgot %d version row of schema \"%s\", which no longer exists",
							   "forgot %d version rows of schema \"%s\", which no longer exists",
							   forgotten, forgotten, schema)));
	return removed || forgotten > 0;
}

/* Is name one of tenants (PmTenant, in strcmp order)? */
static bool
tenant_listed(List *tenants, const char *name)
{
	ListCell   *lc;

	foreach(lc, tenants)
	{
		int			c = strcmp(((PmTenant *) lfirst(lc))->schema, name);

		if (c == 0)
			return true;
		if (c > 0)
			break;
	}
	return false;
}

/*
 * pm_tenant_resolve
 *		The tenants (PmTenant, in name order) that the elements of a schemas
 *		argument name: a schema, which must exist (3F000) and be a tenant
 *		(42704), or a LIKE pattern of tenants, which may match none.  No
 *		element: no tenant.  with_last: see pm_catalog_tenants.
 */
List *
pm_tenant_resolve(List *elements, bool with_last)
{
	List	   *names = NIL;
	List	   *patterns = NIL;
	List	   *tenants;
	ListCell   *lc;

	if (elements == NIL)
		return NIL;
	foreach(lc, elements)
	{
		char	   *element = lfirst(lc);

		check_element(element);
		if (is_pattern(element))
			patterns = lappend(patterns, element);
		else
			names = lappend(names, element);
	}
	tenants = pm_catalog_tenants(names, patterns, with_last);
	foreach(lc, names)
	{
		char	   *name = lfirst(lc);

		if (tenant_listed(tenants, name))
			continue;
		check_not_refused(name);
		check_schema_exists(name);
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("schema \"%s\" is not a tenant", name),
				 errhint("Declare it with pim_migrate_add_tenant(%s), or a pattern that matches it.",
						 quote_literal_cstr(name))));
	}
	return tenants;
}

/* The context line of an error or notice while a tenant migrates. */
static void
tenant_error_callback(void *arg)
{
	errcontext("tenant \"%s\"", (const char *) arg);
}

static void
push_tenant(ErrorContextCallback *cb, const char *schema)
{
	cb->callback = tenant_error_callback;
	cb->arg = (void *) schema;
	cb->previous = error_context_stack;
	error_context_stack = cb;
}

/*
 * Whether an upgrade of every tenant to target_text is known to have
 * nothing to do without reading the history: "head" or "heads", and each
 * tenant's version rows are the kept heads (pm_migrate_known_up_to_date,
 * per tenant).  *kept gets the kept heads, NIL when not up to date.
 */
static bool
tenants_known_up_to_date(const char *target_text, List *tenants, List **kept)
{
	List	   *heads = NIL;
	PmTargetWord word = pm_target_word(target_text);
	bool		known = pm_catalog_kept_heads(&heads, NULL);
	ListCell   *lc;

	*kept = known ? heads : NIL;
	if (!known || heads == NIL)
		return false;
	if (!(word == PM_TARGET_HEADS ||
		  (word == PM_TARGET_HEAD && list_length(heads) == 1)))
		return false;
	foreach(lc, tenants)
		if (!pm_names_equal(heads, ((PmTenant *) lfirst(lc))->version))
		return false;
	return true;
}

/*
 * The graph for a run over tenants, read once, its scripts checked once;
 * keep: whether the kept heads may be set from it (see pm_migrate_run).
 */
static PmGraph *
tenants_graph(bool keep, List *kept)
{
	PmGraph    *graph = pm_catalog_load_graph_of(NULL, NULL);

	pm_migrate_check_unchanged(graph);
	if (keep)
		pm_migrate_keep_heads(graph, kept);
	return graph;
}

/* What a tenant's steps begin with: which tenant, how many steps. */
static void
tenant_notice(const char *schema, PmDirection direction, int nsteps)
{
	if (direction == PM_STAMP)
		ereport(NOTICE,
				(errmsg("Stamping schema \"%s\"", schema),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, schema)));
	else
		ereport(NOTICE,
				(errmsg_plural("%s schema \"%s\": %d step",
							   "%s schema \"%s\": %d steps", nsteps,
							   direction == PM_UPGRADE ? "Upgrading" :
							   "Downgrading", schema, nsteps),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, schema)));
}

/* A row of the result of the migrating functions over tenants. */
static void
put_tenant_step(Tuplestorestate *tupstore, TupleDesc tupdesc,
				const char *schema, int nstep, const PmNode *node,
				PmDirection direction)
{
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	values[1] = Int32GetDatum(nstep);
	values[2] = CStringGetTextDatum(node->id);
	values[3] = CStringGetTextDatum(pm_direction_name(direction));
	values[4] = CStringGetTextDatum(node->message);
	tuplestore_putvalues(tupstore, tupdesc, values, nulls);
}

/*
 * Plan and run one tenant's steps in the current transaction, one row per
 * step into tupstore; returns the number of steps.
 */
static int
migrate_tenant(PmGraph *graph, PmTenant *tenant, const char *target_text,
			   PmDirection direction, const char *applied_by, PmRun *run,
			   Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	MemoryContext stepcxt;
	List	   *plan;
	ListCell   *lc;
	int			nstep = 0;

	pm_graph_set_version(graph, tenant->schema, tenant->version);
	plan = pm_migrate_plan_again(graph, target_text, direction, true);
	if (plan == NIL)
		return 0;
	tenant_notice(tenant->schema, direction, list_length(plan));
	pm_exec_run_tenant_begin(run, tenant->version);
	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate step",
									ALLOCSET_DEFAULT_SIZES);
	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);
		MemoryContext oldcxt = MemoryContextSwitchTo(stepcxt);

		pm_exec_step(graph, step, applied_by, run, NULL);
		MemoryContextSwitchTo(oldcxt);
		put_tenant_step(tupstore, tupdesc, tenant->schema, ++nstep,
						&graph->revs[step->rev], step->direction);
		MemoryContextReset(stepcxt);
	}
	MemoryContextDelete(stepcxt);
	pm_exec_run_tenant_done(run, graph);
	return nstep;
}

static void migrate_tenants(List *tenants, const char *target_text,
							PmDirection direction, bool dry_run,
							Tuplestorestate *tupstore, TupleDesc tupdesc);

/*
 * pm_tenant_migrate
 *		Upgrade or downgrade each tenant that elements name to target_text,
 *		all in the caller's transaction (dry_run: in a subtransaction rolled
 *		back at the end), one row per step into tupstore (schema, step,
 *		revision, operation, message).  An error in any tenant is the
 *		call's, with a context line naming the tenant.  The caller holds
 *		the lock and an SPI connection.
 */
void
pm_tenant_migrate(List *elements, const char *target_text,
				  PmDirection direction, bool dry_run,
				  Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	/*
	 * The tenants resolved here, the run in a function of its own: a compiler
	 * may keep an argument in a register that PG_TRY's longjmp does not
	 * restore (gcc's -Wclobbered, with PostgreSQL 17's headers).
	 */
	migrate_tenants(pm_tenant_resolve(elements, false), target_text,
					direction, dry_run, tupstore, tupdesc);
}

static void
migrate_tenants(List *tenants, const char *target_text,
				PmDirection direction, bool dry_run,
				Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	MemoryContext tenantcxt;
	PmGraph    *volatile graph;
	List	   *kept = NIL;
	volatile int nsteps = 0;

	if (tenants == NIL ||
		(direction == PM_UPGRADE &&
		 tenants_known_up_to_date(target_text, tenants, &kept)))
	{
		if (dry_run)
			pm_migrate_dry_run_notice(0);
		return;
	}
	if (direction != PM_UPGRADE && !pm_catalog_kept_heads(&kept, NULL))
		kept = NIL;
	graph = tenants_graph(!dry_run && pm_lock_revisions_for_keeping(), kept);

	tenantcxt = AllocSetContextCreate(cxt, "pim_migrate tenant",
									  ALLOCSET_DEFAULT_SIZES);
	if (dry_run)
	{
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(cxt);
	}
	pm_migrate_set_running(true);
	PG_TRY();
	{
		PmRun	   *run = pm_exec_run_begin_tenants(applied_by);
		ListCell   *lc;

		foreach(lc, tenants)
		{
			PmTenant   *tenant = lfirst(lc);
			ErrorContextCallback errcallback;
			MemoryContext oldcxt = MemoryContextSwitchTo(tenantcxt);

			CHECK_FOR_INTERRUPTS();
			push_tenant(&errcallback, tenant->schema);
			nsteps += migrate_tenant(graph, tenant, target_text, direction,
									 applied_by, run, tupstore, tupdesc);
			error_context_stack = errcallback.previous;
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(tenantcxt);
		}
		pm_exec_run_end(run);
		if (dry_run)
		{
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(cxt);
			CurrentResourceOwner = owner;
			pm_migrate_dry_run_notice(nsteps);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		pm_migrate_set_running(false);
		MemoryContextSwitchTo(cxt);
		if (dry_run)
			edata = pm_exec_catch_subxact(cxt, owner);
		else
		{
			edata = CopyErrorData();
			FlushErrorState();
		}
		pm_migrate_lock_table_hint(edata, direction);
		ReThrowError(edata);
	}
	PG_END_TRY();
	pm_migrate_set_running(false);
	MemoryContextDelete(tenantcxt);
}

/* A tenant that failed in the _each loop, and its error. */
typedef struct FailedTenant
{
	char	   *schema;
	char	   *stopped_at;		/* its version rows, as text */
	ErrorData  *edata;
} FailedTenant;

/*
 * What the _each loop carries from one transaction to the next.  It lives
 * in the procedure's context (cxt), which outlives each commit; the graph
 * in graphcxt, each tenant's plan in plancxt, each step in stepcxt.
 */
typedef struct EachRun
{
	const char *target_text;
	PmDirection direction;
	const char *applied_by;
	MemoryContext cxt;
	MemoryContext graphcxt;
	MemoryContext plancxt;
	MemoryContext stepcxt;
	PmGraph    *graph;
	PmTenant   *tenant;			/* the one migrating */
	List	   *plan;			/* its plan, made in plancxt */
	int			next;			/* its next step in the plan */
	int			nsteps;			/* steps committed in all */
	List	   *failed;			/* FailedTenant */
} EachRun;

/*
 * The work of one transaction of the _each loop, under the lock: plan the
 * tenant again if its version rows are no longer those the graph holds
 * (another session migrated it) or its next revision changed, then run
 * its next step.  Returns false when it has no step left.  Errors are the
 * caller's.
 */
static bool
each_step(EachRun *r)
{
	List	   *rows = pm_catalog_version_rows(r->tenant->schema);
	bool		again = r->plan == NIL && r->next == 0;
	MemoryContext oldcxt;

	if (strcmp(r->graph->schema, r->tenant->schema) != 0 ||
		!pm_names_equal(rows, pm_graph_version_ids(r->graph)))
		again = true;
	else if (r->next < list_length(r->plan))
	{
		PmStep	   *step = list_nth(r->plan, r->next);
		PmNode	   *node = &r->graph->revs[step->rev];

		if (!pm_migrate_same_revision(pm_catalog_fetch_revision(node->id), node))
		{
			/* replaced by another session: read the graph again */
			MemoryContextReset(r->graphcxt);
			oldcxt = MemoryContextSwitchTo(r->graphcxt);
			r->graph = tenants_graph(false, NIL);
			MemoryContextSwitchTo(oldcxt);
			again = true;
		}
	}
	if (again)
	{
		MemoryContextReset(r->plancxt);
		oldcxt = MemoryContextSwitchTo(r->plancxt);
		pm_graph_set_version(r->graph, r->tenant->schema, rows);
		r->plan = pm_migrate_plan_again(r->graph, r->target_text,
										r->direction, true);
		MemoryContextSwitchTo(oldcxt);
		r->next = 0;
		if (r->plan != NIL)
			tenant_notice(r->tenant->schema, r->direction,
						  list_length(r->plan));
	}
	if (r->next >= list_length(r->plan))
		return false;
	pm_exec_step(r->graph, list_nth(r->plan, r->next), r->applied_by, NULL,
				 NULL);
	r->next++;
	return true;
}

/*
 * One transaction of the _each loop for the tenant r->tenant, committed at
 * the end: its next step, in a subtransaction, so that a failure is that
 * tenant's alone (it goes to r->failed, with a WARNING).  Returns whether
 * the tenant has more to do.
 */
static bool
each_transaction(EachRun *r)
{
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool more = false;

	CHECK_FOR_INTERRUPTS();
	pm_lock_migration();
	/* no tenant context line: the WARNING and the ERROR name the tenant */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(r->stepcxt);
	PG_TRY();
	{
		more = each_step(r);
		ReleaseCurrentSubTransaction();
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = pm_exec_catch_subxact(r->cxt, owner);
		FailedTenant *f = palloc(sizeof(FailedTenant));
		List	   *rows;

		pm_migrate_lock_table_hint(edata, r->direction);
		rows = pm_catalog_version_rows(r->tenant->schema);
		f->schema = r->tenant->schema;
		f->stopped_at = rows ? pm_join_list(rows) : pstrdup("base");
		f->edata = edata;
		r->failed = lappend(r->failed, f);
		ereport(WARNING,
				(errcode(edata->sqlerrcode),
				 errmsg("tenant \"%s\" stopped at %s: %s",
						f->schema, f->stopped_at, edata->message),
				 edata->detail ? errdetail("%s", edata->detail) : 0,
				 edata->context ? errcontext("%s", edata->context) : 0,
				 err_generic_string(PG_DIAG_SCHEMA_NAME, f->schema)));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(r->cxt);
	MemoryContextReset(r->stepcxt);
	if (more)
	{
		r->nsteps++;
	}
	SPI_commit();
	return more;
}

/* The error that ends an _each loop in which some tenants failed. */
pg_noreturn static void
report_failed(List *failed, int ntenants)
{
	FailedTenant *first = linitial(failed);
	StringInfoData names;
	StringInfoData detail;
	ListCell   *lc;

	initStringInfo(&names);
	initStringInfo(&detail);
	foreach(lc, failed)
	{
		FailedTenant *f = lfirst(lc);

		appendStringInfo(&names, "%s\"%s\"", names.len > 0 ? ", " : "",
						 f->schema);
		appendStringInfo(&detail, "%sTenant \"%s\" stopped at %s: %s",
						 detail.len > 0 ? "\n" : "", f->schema,
						 f->stopped_at, f->edata->message);
		/* where: the context's first line (the revision's line) */
		if (f->edata->context)
			appendStringInfo(&detail, " (%.*s)",
							 (int) strcspn(f->edata->context, "\n"),
							 f->edata->context);
		appendStringInfoChar(&detail, '.');
	}
	ereport(ERROR,
			(errcode(first->edata->sqlerrcode),
			 errmsg_plural("the migration failed in %d of %d tenant: %s",
						   "the migration failed in %d of %d tenants: %s",
						   ntenants, list_length(failed), ntenants,
						   names.data),
			 errdetail("%s", detail.data),
			 errhint("The other tenants are where this call took them.  Call again once the failed ones are fixed: each tenant goes on from where it stands.")));
}

/*
 * pm_tenant_migrate_each
 *		pm_tenant_migrate, committing after each step of each tenant, one
 *		tenant after the other.  A tenant that fails (its plan or one of
 *		its steps) stops at its last committed step, with a WARNING, and
 *		the next tenant goes on; at the end, if any failed, an error names
 *		them all, with the SQLSTATE of the first failure.  A new call
 *		resumes each where it stands.  The caller holds a non-atomic SPI
 *		connection and no lock.  Returns the number of steps committed.
 */
int
pm_tenant_migrate_each(List *elements, const char *target_text,
					   PmDirection direction)
{
	EachRun    *r = palloc0(sizeof(EachRun));
	List	   *tenants;
	List	   *kept = NIL;
	ListCell   *lc;

	r->target_text = target_text;
	r->direction = direction;
	r->applied_by = GetUserNameFromId(GetUserId(), false);
	r->cxt = CurrentMemoryContext;
	r->graphcxt = AllocSetContextCreate(r->cxt, "pim_migrate graph",
										ALLOCSET_DEFAULT_SIZES);
	r->plancxt = AllocSetContextCreate(r->cxt, "pim_migrate plan",
									   ALLOCSET_DEFAULT_SIZES);
	r->stepcxt = AllocSetContextCreate(r->cxt, "pim_migrate step",
									   ALLOCSET_DEFAULT_SIZES);

	pm_lock_migration();
	tenants = pm_tenant_resolve(elements, false);
	if (tenants != NIL && direction == PM_UPGRADE &&
		tenants_known_up_to_date(target_text, tenants, &kept))
		tenants = NIL;
	if (tenants != NIL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(r->graphcxt);

		if (direction != PM_UPGRADE && !pm_catalog_kept_heads(&kept, NULL))
			kept = NIL;
		r->graph = tenants_graph(pm_lock_revisions_for_keeping(), kept);
		MemoryContextSwitchTo(oldcxt);
	}

	pm_migrate_set_running(true);
	PG_TRY();
	{
		foreach(lc, tenants)
		{
			r->tenant = lfirst(lc);
			r->plan = NIL;
			r->next = 0;
			while (each_transaction(r))
				;
		}
	}
	PG_FINALLY();
	{
		pm_migrate_set_running(false);
	}
	PG_END_TRY();

	ereport(NOTICE,
			(errmsg_plural("%d step committed", "%d steps committed",
						   r->nsteps, r->nsteps)));
	if (r->failed != NIL)
		report_failed(r->failed, list_length(tenants));
	return r->nsteps;
}

/*
 * pm_tenant_stamp
 *		Stamp each tenant that elements name (pm_migrate_stamp per tenant),
 *		in the caller's transaction; one row per tenant (schema, current).
 *		The caller holds the lock and an SPI connection.
 */
void
pm_tenant_stamp(List *elements, const char *target_text, bool purge,
				Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	List	   *tenants = pm_tenant_resolve(elements, false);
	PmGraph    *graph;
	ListCell   *lc;

	if (tenants == NIL)
		return;
	graph = pm_catalog_load_graph_of(NULL, NULL);
	foreach(lc, tenants)
	{
		PmTenant   *tenant = lfirst(lc);
		ErrorContextCallback errcallback;
		List	   *rows;
		Datum		values[2];
		bool		nulls[2] = {false, false};

		push_tenant(&errcallback, tenant->schema);
		pm_graph_set_version(graph, tenant->schema, tenant->version);
		tenant_notice(tenant->schema, PM_STAMP, 0);
		rows = pm_migrate_stamp_graph(graph, target_text, purge);
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(tenant->schema));
		values[1] = pm_text_array(rows);
		tuplestore_putvalues(tupstore, tupdesc, values, nulls);
		error_context_stack = errcallback.previous;
	}
}

/*
 * pm_tenant_current
 *		One row (schema, revision) per version row of each tenant that
 *		elements name, in name and id order; none for one at base.
 */
void
pm_tenant_current(List *elements, Tuplestorestate *tupstore,
				  TupleDesc tupdesc)
{
	ListCell   *lc;

	foreach(lc, pm_tenant_resolve(elements, false))
	{
		PmTenant   *tenant = lfirst(lc);
		ListCell   *lc2;

		foreach(lc2, tenant->version)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = DirectFunctionCall1(namein, CStringGetDatum(tenant->schema));
			values[1] = CStringGetTextDatum(lfirst(lc2));
			tuplestore_putvalues(tupstore, tupdesc, values, nulls);
		}
	}
}

/*
 * pm_tenant_status
 *		The state of each tenant that elements name (all: every tenant), as
 *		pim_migrate_status gives the ordinary case's: a List of
 *		PmTenantStatus, in name order.  Reads the graph only when some
 *		tenant is not known to be at the kept heads.
 */
List *
pm_tenant_status(List *elements, bool all, bool with_last)
{
	List	   *tenants = all ? pm_catalog_tenants(NIL, NIL, with_last) :
	pm_tenant_resolve(elements, with_last);
	List	   *kept = NIL;
	bool		known = pm_catalog_kept_heads(&kept, NULL);
	PmGraph    *graph = NULL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, tenants)
	{
		PmTenant   *tenant = lfirst(lc);
		PmTenantStatus *status = palloc(sizeof(PmTenantStatus));
		ErrorContextCallback errcallback;

		push_tenant(&errcallback, tenant->schema);
		status->tenant = tenant;
		if (known && kept != NIL && pm_names_equal(kept, tenant->version))
		{
			status->heads = kept;
			status->pending = 0;
			status->up_to_date = true;
		}
		else
		{
			if (graph == NULL)
				graph = pm_catalog_load_graph_of(NULL, NULL);
			pm_graph_set_version(graph, tenant->schema, tenant->version);
			status->heads = pm_graph_head_ids(graph);
			status->pending = graph->n - graph->napplied;
			status->up_to_date = graph->n == graph->napplied;
		}
		result = lappend(result, status);
		error_context_stack = errcallback.previous;
	}
	return result;
}
