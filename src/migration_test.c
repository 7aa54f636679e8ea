/*-------------------------------------------------------------------------
 *
 * migration_test.c
 *	  pim_migrate_test: every pending revision up to a target, upgraded,
 *	  downgraded, compared with the schema before it, and upgraded again,
 *	  on the live database, in a subtransaction that is always rolled
 *	  back.
 *
 * Each step runs in a subtransaction of its own, so that a failure is a
 * problem to report, not the end of the run: a downgrade that fails is
 * rolled back and the run goes on from the upgraded state; an upgrade
 * that fails the second time takes its downgrade back with it.  Only an
 * upgrade that fails the first time ends the run, as it would end a real
 * one.  The comparison is the autogenerate one (diff_describe.c) of the
 * schema the scripts run in; data are not compared.
 *
 * src/migration_test.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "pim_migrate.h"
#include "diff.h"

typedef struct TestRun
{
	PmGraph    *graph;
	const char *schema;
	const char *applied_by;
	PmRun	   *run;
	MemoryContext cxt;
	ResourceOwner owner;
	List	   *problems;		/* PmTestProblem */
} TestRun;

static void
add_problem(TestRun *t, int rev, const char *step, const char *problem,
			const char *detail)
{
	MemoryContext old = MemoryContextSwitchTo(t->cxt);
	PmTestProblem *p = palloc(sizeof(PmTestProblem));

	p->revision = pstrdup(t->graph->revs[rev].id);
	p->step = pstrdup(step);
	p->problem = pstrdup(problem);
	p->detail = detail ? pstrdup(detail) : NULL;
	t->problems = lappend(t->problems, p);
	MemoryContextSwitchTo(old);
}

/* The schema the scripts run in, described; an empty set when there is none. */
static DiffSet
describe(TestRun *t)
{
	DiffSet		set = {NULL, 0, NULL};

	if (t->schema == NULL)
		return set;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	{
		/* SPI leaves CurrentMemoryContext at its own: the path first */
		char	   *path = pm_diff_schema_path(NULL, t->schema);
		MemoryContext old = MemoryContextSwitchTo(t->cxt);

		set = pm_diff_describe(t->schema, path, (Datum) 0, (Datum) 0);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return set;
}

/*
 * Run one step in a subtransaction: true when it ran, and then the
 * subtransaction is kept open for the caller to release or roll back;
 * false when it failed, and then it is rolled back and *error says why.
 */
static bool
try_step(TestRun *t, int rev, PmDirection direction, char **error)
{
	PmStep		step = {rev, direction};
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(t->cxt);
	PG_TRY();
	{
		pm_exec_step(t->graph, &step, t->applied_by, t->run, NULL);
	}
	PG_CATCH();
	{
		ErrorData  *edata = pm_exec_catch_subxact(t->cxt, t->owner);

		*error = psprintf("%s: %s", unpack_sql_state(edata->sqlerrcode),
						  edata->message);
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* Release (keep) or roll back the subtransaction try_step left open. */
static void
end_step(TestRun *t, bool keep)
{
	if (keep)
		ReleaseCurrentSubTransaction();
	else
		RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(t->cxt);
	CurrentResourceOwner = t->owner;
}

/* The differences of two descriptions, as one detail line: what, and how for a change. */
static char *
differences(List *changes)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, changes)
	{
		DiffChange *c = lfirst(lc);

		appendStringInfo(&buf, "%s%s", buf.len ? "; " : "", c->what);
		if (c->changed)
			appendStringInfo(&buf, " (%s)", c->detail);
	}
	return buf.data;
}

/*
 * Test one revision of the plan: false when the run cannot go on (its
 * upgrade failed, or it cannot run in a transaction).
 */
static bool
test_revision(TestRun *t, int rev)
{
	PmNode	   *node = &t->graph->revs[rev];
	DiffSet		before;
	DiffSet		after;
	List	   *changes;
	char	   *error;

	if (!node->transactional)
	{
		add_problem(t, rev, "upgrade", "not tested",
					"It runs outside a transaction block, which a test cannot roll back; the revisions above it are not tested either.");
		return false;
	}
	before = describe(t);
	if (!try_step(t, rev, PM_UPGRADE, &error))
	{
		add_problem(t, rev, "upgrade", "upgrade failed", error);
		return false;
	}
	end_step(t, true);
	if (node->irreversible)
	{
		add_problem(t, rev, "downgrade", "irreversible",
					"It has no downgrade; the test goes on from its upgraded state.");
		return true;
	}

	if (!try_step(t, rev, PM_DOWNGRADE, &error))
	{
		add_problem(t, rev, "downgrade", "downgrade failed", error);
		return true;
	}
	after = describe(t);
	changes = pm_diff_changes(&before, &after, "the schema before the upgrade",
							  "the schema after the downgrade");
	if (changes != NIL)
	{
		PmStep		up = {rev, PM_UPGRADE};
		List	   *deletes = NIL;
		List	   *inserts = NIL;

		/*
		 * Upgrading what was not taken down would fail for that alone: go on
		 * from the upgraded state, and say the problem once.
		 */
		add_problem(t, rev, "downgrade", "downgrade leaves the schema different",
					differences(changes));
		end_step(t, false);
		pm_graph_apply_step(t->graph, &up, &deletes, &inserts);
		return true;
	}

	/* inside the downgrade's subtransaction: a failure takes both back */
	if (!try_step(t, rev, PM_UPGRADE, &error))
	{
		PmStep		up = {rev, PM_UPGRADE};
		List	   *deletes = NIL;
		List	   *inserts = NIL;

		add_problem(t, rev, "upgrade again", "upgrade is not repeatable", error);
		end_step(t, false);
		/* the graph follows the database back to the upgraded state */
		pm_graph_apply_step(t->graph, &up, &deletes, &inserts);
		return true;
	}
	end_step(t, true);
	end_step(t, true);
	return true;
}

/*
 * pm_migration_test
 *		Test the revisions an upgrade to target_text would apply; return
 *		the problems found (PmTestProblem), none when every revision is
 *		reversible and repeatable here.  The caller holds the migration
 *		lock and an SPI connection.  Nothing stays: not the schema, not
 *		the data, not the version rows or the log.
 */
List *
pm_migration_test(const char *target_text)
{
	TestRun		t;
	List	   *plan;

	/*
	 * Not the entry point's SPI context: the steps' catalog calls connect and
	 * finish SPI in between, and the descriptions must outlive them
	 */
	t.cxt = AllocSetContextCreate(TopTransactionContext, "pim_migrate test",
								  ALLOCSET_DEFAULT_SIZES);
	t.owner = CurrentResourceOwner;
	t.problems = NIL;
	t.schema = pm_drift_current_schema();
	t.applied_by = GetUserNameFromId(GetUserId(), false);
	t.graph = pm_catalog_load_graph(NULL);
	/* offline: each step is checked for a transaction block as it comes */
	plan = pm_migrate_plan(t.graph, target_text, PM_UPGRADE, false);
	if (plan == NIL)
		return NIL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(t.cxt);
	pm_migrate_set_running(true);
	PG_TRY();
	{
		ListCell   *lc;

		t.run = pm_exec_run_begin(t.applied_by);
		foreach(lc, plan)
		{
			PmStep	   *step = lfirst(lc);

			CHECK_FOR_INTERRUPTS();
			if (!test_revision(&t, step->rev))
				break;
		}
	}
	PG_FINALLY();
	{
		pm_migrate_set_running(false);
	}
	PG_END_TRY();
	/* nothing of it stays, however it went */
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(t.cxt);
	CurrentResourceOwner = t.owner;
	return t.problems;
}
