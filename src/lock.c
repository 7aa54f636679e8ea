/*-------------------------------------------------------------------------
 *
 * lock.c
 *	  The migration lock.
 *
 * Every mutating function takes ExclusiveLock on pim_migrate.version before
 * it reads the graph, and keeps it to the end of the transaction.  The lock
 * manager does the rest: a second migrator queues (honouring lock_timeout,
 * which raises 55P03 itself), deadlocks are detected, an error or a crash
 * cannot leave the lock behind, and pg_locks shows who holds it.
 * ExclusiveLock conflicts with itself and with writers, not with readers,
 * so pim_migrate_current() and pg_dump go on while a migration runs.
 *
 * A session that waited must see what the holder committed.  In READ
 * COMMITTED each catalog statement that follows takes a new snapshot; in
 * REPEATABLE READ or SERIALIZABLE the transaction's snapshot may predate
 * another transaction's commit (waited for or not), so the catalog is
 * compared under that snapshot and the latest one, and a difference is a
 * serialization failure instead of revisions applied a second time.
 *
 * src/lock.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"

#include "pim_migrate.h"

/* The session-level hold of pim_migrate_lock(), if any. */
static LockRelId session_lock;
static bool session_locked = false;

static Oid
version_table_oid(void)
{
	Oid			nspid = get_namespace_oid(PM_SCHEMA_NAME, false);
	Oid			relid = get_relname_relid(PM_VERSION_TABLE, nspid);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.%s\" does not exist",
						PM_SCHEMA_NAME, PM_VERSION_TABLE),
				 errhint("Recreate the extension pim_migrate.")));
	return relid;
}

/*
 * pm_lock_migration
 *		Take the migration lock for the rest of the transaction.
 */
void
pm_lock_migration(void)
{
	LockRelationOid(version_table_oid(), ExclusiveLock);

	/*
	 * A snapshot older than the last change another transaction committed
	 * would plan from a stale catalog: whether we waited for that one or
	 * it finished before we asked.
	 */
	if (IsolationUsesXactSnapshot() && pm_catalog_moved_since_snapshot())
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to a concurrent migration"),
				 errdetail("Another transaction changed pim_migrate's catalog after this transaction's snapshot was taken."),
				 errhint("Retry the transaction, or migrate in READ COMMITTED.")));
}

/*
 * pm_lock_session
 *		Take (acquire) or let go of the migration lock at session level, for
 *		a client that migrates in several transactions and must keep other
 *		migrators out between them: the same lock, so in-server calls of
 *		every other session queue behind it, while this session's own calls
 *		find it held already.  A lock manager session lock outlives
 *		commits and errors and goes with the connection.  Returns whether
 *		anything changed.
 */
bool
pm_lock_session(bool acquire)
{
	if (acquire == session_locked)
		return false;
	if (acquire)
	{
		session_lock.relId = version_table_oid();
		session_lock.dbId = MyDatabaseId;
		LockRelationIdForSession(&session_lock, ExclusiveLock);
	}
	else
		UnlockRelationIdForSession(&session_lock, ExclusiveLock);
	session_locked = acquire;
	return true;
}
