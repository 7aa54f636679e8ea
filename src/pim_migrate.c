/*-------------------------------------------------------------------------
 *
 * pim_migrate.c
 *	  Module magic and initialization of pim_migrate.
 *
 * Nothing else lives here: see pim_migrate.h for where each concern is.
 *
 * src/pim_migrate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "access/xact.h"
#include "fmgr.h"
#include "utils/guc.h"

#include "pim_migrate.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Guards for the statements of revision scripts, in milliseconds; 0: off */
int			pm_lock_timeout = 0;
int			pm_statement_timeout = 0;

/* Keep catalog.c's stack of entry points right across aborts. */
static void
pm_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		pm_catalog_at_abort(mySubid);
}

static void
pm_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
		pm_catalog_at_abort(InvalidSubTransactionId);
}

void
_PG_init(void)
{
	RegisterSubXactCallback(pm_subxact_callback, NULL);
	RegisterXactCallback(pm_xact_callback, NULL);

	DefineCustomIntVariable("pim_migrate.lock_timeout",
							"Sets lock_timeout for the statements of revision scripts.",
							"A migration that would queue behind a long transaction fails fast instead of blocking the queries that queue behind it.  0 turns it off.",
							&pm_lock_timeout,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pim_migrate.statement_timeout",
							"Sets a statement timeout for each statement of revision scripts.",
							"0 turns it off.",
							&pm_statement_timeout,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pim_migrate.lint_warning_size",
							"Size of an existing table from which pim_migrate_lint calls a lock or rewrite on it a warning.",
							"Below it, such a finding is a notice; on an empty table there is none.",
							&pm_lint_warning_size,
							1024, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pim_migrate.lint_error_size",
							"Size of an existing table from which pim_migrate_lint calls a lock or rewrite on it an error.",
							"The pim_migrate command's lint exits with status 1 on an error.",
							&pm_lint_error_size,
							1024 * 1024, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("pim_migrate");
}
