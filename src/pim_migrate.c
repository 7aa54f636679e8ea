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

#include "fmgr.h"
#include "utils/guc.h"

#include "pim_migrate.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* settings come with the issues that need them; the prefix is ours */
	MarkGUCPrefixReserved("pim_migrate");
}
