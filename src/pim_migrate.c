/*-------------------------------------------------------------------------
 *
 * pim_migrate.c
 *	  Module magic and initialization of pim_migrate.
 *
 * Nothing else lives here: each setting's variable lives in the module
 * that reads it, and pim_migrate.h says where each concern is.
 *
 * src/pim_migrate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "pim_migrate.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	pm_catalog_init();

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
	DefineCustomStringVariable("pim_migrate.running_revision",
							   "The revision whose script runs now; empty outside a migration.",
							   "Set by pim_migrate for the statements of a revision script, and by the pim_migrate command for those it runs itself.  The DDL watch does not record what runs while it is set.",
							   &pm_running_revision,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   NULL, NULL, NULL);
	MarkGUCPrefixReserved("pim_migrate");
}
