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
 * A migration writes, so it needs a read-write transaction.  On a standby
 * every transaction is read-only, and the lock manager refuses the
 * migration lock during recovery with an error about lock modes: the lock
 * is not asked for there.  The caller gets the server's error for a write
 * in a read-only transaction (25006) instead, before anything waits, and
 * on a standby the hint that migrations run on the primary.
 *
 * src/lock.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"

#include "pim_migrate.h"

/* PostgreSQL 17 gave LockHeldByMe() an orstronger argument */
#if PG_VERSION_NUM >= 170000
#define lock_held_by_me(tag, mode) LockHeldByMe(tag, mode, false)
#else
#define lock_held_by_me(tag, mode) LockHeldByMe(tag, mode)
#endif

static Oid
catalog_table_oid(const char *name)
{
	Oid			nspid = get_namespace_oid(PM_SCHEMA_NAME, false);
	Oid			relid = get_relname_relid(name, nspid);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s.%s\" does not exist",
						PM_SCHEMA_NAME, name),
				 errhint("Recreate the extension pim_migrate.")));
	return relid;
}

static Oid
version_table_oid(void)
{
	return catalog_table_oid(PM_VERSION_TABLE);
}

/*
 * pm_lock_revisions_for_keeping
 *		Whether the graph about to be read may be kept as the heads
 *		(pim_migrate.graph_state).  Registering waits for the migration
 *		lock, but a write by hand, a script of another session or a
 *		restore does not: such a write, not yet committed while the graph
 *		is read, would clear heads_known before we set it, and be lost.
 *		So the revision table is locked against writers (SHARE, till the
 *		end of the transaction) if that can be had at once; if not, or if
 *		the transaction's snapshot is older than the lock (REPEATABLE
 *		READ), nothing is kept and the next migration tries again.
 */
bool
pm_lock_revisions_for_keeping(void)
{
	if (IsolationUsesXactSnapshot())
		return false;
	return ConditionalLockRelationOid(catalog_table_oid(PM_REVISION_TABLE),
									  ShareLock);
}

/*
 * The hold of a client run (pim_migrate_lock): a session-level lock of the
 * user lock method, as pg_advisory_lock's, because that one survives an
 * error in the holder's transactions (a session lock on a relation does
 * not).  Its tag is this database and the version table, with a kind
 * (field4) that SQL's advisory functions never use, so no application key
 * can meet it.
 */
#define PM_RUN_LOCK_KIND 3

static void
run_lock_tag(LOCKTAG *tag)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, version_table_oid(), 0,
						 PM_RUN_LOCK_KIND);
}

/*
 * pm_lock_read_only_hint
 *		The detail and hint of an error about a write that a read-only
 *		transaction refuses: on a standby, where to run it.  For use inside
 *		ereport(), as errdetail() is.
 */
int
pm_lock_read_only_hint(void)
{
	if (RecoveryInProgress())
	{
		errdetail("This server is a standby: every transaction on it is read-only.");
		return errhint("Migrations run on the primary: the standby replays what they commit.");
	}
	return errhint("Run it in a read-write transaction: not one begun READ ONLY, nor under default_transaction_read_only.");
}

/* No migration in a read-only transaction: see the file header. */
static void
refuse_read_only(void)
{
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot run a migration in a read-only transaction"),
				 pm_lock_read_only_hint()));
}

/*
 * pm_lock_migration
 *		Take the migration lock for the rest of the transaction.
 */
void
pm_lock_migration(void)
{
	LOCKTAG		tag;

	refuse_read_only();
	LockRelationOid(version_table_oid(), ExclusiveLock);

	/*
	 * While another session runs revisions from a client, between its
	 * transactions, fail at once rather than wait: a migration waiting here
	 * holds a snapshot, which that client's CREATE INDEX CONCURRENTLY would
	 * wait for in turn, a deadlock.
	 */
	run_lock_tag(&tag);
	if (!lock_held_by_me(&tag, ExclusiveLock))
	{
		if (LockAcquire(&tag, ShareLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("another session is running a migration from a client"),
					 errdetail("It holds the migration lock across its transactions (pim_migrate_lock()), to run revisions outside a transaction."),
					 errhint("Migrate again when that run has finished.")));
		LockRelease(&tag, ShareLock, false);
	}

	/*
	 * A snapshot older than the last change another transaction committed
	 * would plan from a stale catalog: whether we waited for that one or it
	 * finished before we asked.
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
 *		migrators out between them.  Taking it waits, as any migration does,
 *		for the migration in flight, then holds the run lock until it is let
 *		go or the session ends, errors notwithstanding; other sessions'
 *		migrations then fail at once (pm_lock_migration).  Returns whether
 *		anything changed.
 */
bool
pm_lock_session(bool acquire)
{
	LOCKTAG		tag;

	run_lock_tag(&tag);
	if (acquire == lock_held_by_me(&tag, ExclusiveLock))
		return false;
	if (!acquire)
		return LockRelease(&tag, ExclusiveLock, true);

	refuse_read_only();
	LockRelationOid(version_table_oid(), ExclusiveLock);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("another session is running a migration from a client"),
				 errdetail("It holds the migration lock across its transactions (pim_migrate_lock())."),
				 errhint("Migrate again when that run has finished.")));
	return true;
}
