/*-------------------------------------------------------------------------
 *
 * watch.c
 *	  What each statement of a migration really does, watched while it
 *	  runs in a dry run (pim_migrate_plan): how long it takes on the real
 *	  data, the relation locks it takes, and the relations it rewrites.
 *
 * Locks come from the lock manager (this backend's relation locks, fast
 * path included).  The lock manager does not say which statement asked
 * for a lock the transaction already holds, so a statement is credited
 * with the relations on which it took a mode not held before it, and for
 * each the strongest mode held while it ran (marked when an earlier
 * statement of the migration took that one).
 *
 * A rewrite is a relation whose relfilenode the statement changed.  The
 * file of every relation is read once, when the plan begins; after each
 * statement only the relations its writes invalidated are looked up.
 *
 * The watch is a value the caller passes down to the executor
 * (pm_exec_plan); the only statics are those of the relcache callback
 * below, which the server calls with nothing but a Datum fixed when it is
 * registered, once per backend.
 *
 * src/watch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

/*
 * A relation's file when the plan began (or when it was created), and its
 * name, for the locks of a statement that drops it.
 */
typedef struct FileEntry
{
	Oid			relid;			/* hash key */
	Oid			filenode;
	Oid			relnamespace;
	char		relkind;
	NameData	relname;
} FileEntry;

/* The lock modes this backend holds on a relation. */
typedef struct HeldEntry
{
	Oid			relid;			/* hash key */
	LOCKMASK	modes;
} HeldEntry;

typedef struct WatchState
{
	PmStatementWatch watch;		/* first: what the executor calls */
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	HTAB	   *files;
	HTAB	   *held;			/* before the statement */
	List	   *replication;	/* its logical replication findings */
	instr_time	start;
	MemoryContext cxt;
} WatchState;

static HTAB *
oid_hash(const char *name, Size entrysize, MemoryContext cxt)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* This backend's relation locks in this database, by relation. */
static HTAB *
held_locks(MemoryContext cxt)
{
	HTAB	   *held = oid_hash("pim_migrate held locks", sizeof(HeldEntry), cxt);
	LockData   *data = GetLockStatusData();

	for (int i = 0; i < data->nelements; i++)
	{
		LockInstanceData *inst = &data->locks[i];
		HeldEntry  *entry;
		bool		found;

		if (inst->pid != MyProcPid ||
			inst->locktag.locktag_type != LOCKTAG_RELATION ||
			inst->locktag.locktag_field1 != MyDatabaseId ||
			inst->holdMask == 0)
			continue;
		entry = hash_search(held, &inst->locktag.locktag_field2, HASH_ENTER,
							&found);
		entry->modes = (found ? entry->modes : 0) | inst->holdMask;
	}
	return held;
}

/* Remember a pg_class row's file and name. */
static FileEntry *
remember_file(HTAB *files, Form_pg_class form, bool *found)
{
	FileEntry  *entry = hash_search(files, &form->oid, HASH_ENTER, found);

	if (!*found)
		entry->filenode = form->relfilenode;
	entry->relnamespace = form->relnamespace;
	entry->relkind = form->relkind;
	entry->relname = form->relname;
	return entry;
}

/* "name", or "schema.name" outside public and pg_catalog */
static char *
relation_label(const FileEntry *entry)
{
	char	   *nspname = get_namespace_name(entry->relnamespace);
	const char *name = NameStr(entry->relname);

	if (nspname && strcmp(nspname, "public") != 0 &&
		strcmp(nspname, "pg_catalog") != 0)
		return quote_qualified_identifier(nspname, name);
	return pstrdup(quote_identifier(name));
}

/* Labels as a sorted text[], each once (a rebuilt index has its old name). */
static Datum
label_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(items) + 1));
	const char *prev = NULL;
	int			n = 0;
	ListCell   *lc;

	list_sort(items, pm_cstring_cmp);
	foreach(lc, items)
	{
		if (prev == NULL || strcmp(prev, lfirst(lc)) != 0)
			elems[n++] = CStringGetTextDatum(lfirst(lc));
		prev = lfirst(lc);
	}
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

/*
 * For each relation on which the statement took a lock mode this backend
 * did not hold before it: the strongest mode held on it while it ran,
 * "stocks AccessExclusiveLock", or "... (held before)" when an earlier
 * statement of the migration took that one.
 */
static Datum
taken_locks(HTAB *files, HTAB *before, HTAB *after, List *rewritten)
{
	HASH_SEQ_STATUS seq;
	HeldEntry  *entry;
	List	   *items = NIL;

	hash_seq_init(&seq, after);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		HeldEntry  *old = hash_search(before, &entry->relid, HASH_FIND, NULL);
		LOCKMASK	taken = entry->modes & ~(old ? old->modes : 0);
		FileEntry  *file = hash_search(files, &entry->relid, HASH_FIND, NULL);

		/*
		 * Not the locks on what the statement made and dropped (a rewrite's
		 * transient heap, never seen in pg_class) or on TOAST tables: they
		 * follow their table's.
		 */
		if ((taken == 0 && !list_member_oid(rewritten, entry->relid)) ||
			file == NULL || file->relkind == RELKIND_TOASTVALUE ||
			file->relnamespace == PG_TOAST_NAMESPACE)
			continue;
		for (LOCKMODE mode = MaxLockMode; mode > NoLock; mode--)
			if (entry->modes & LOCKBIT_ON(mode))
			{
				items = lappend(items,
								psprintf("%s %s%s", relation_label(file),
										 GetLockmodeName(DEFAULT_LOCKMETHOD, mode),
										 (taken & LOCKBIT_ON(mode)) ? "" :
										 " (held before)"));
				break;
			}
	}
	return label_array(items);
}

/*
 * The relations whose pg_class row changed while a statement ran: the
 * relcache invalidations our own writes send, which CommandCounterIncrement
 * delivers to this backend.  Kept in a fixed array, since a relcache
 * callback must not allocate; when it overflows, or the whole relcache is
 * invalidated, every relation is looked at.  Statics, because a relcache
 * callback cannot be unregistered and gets no pointer to the watch: it is
 * registered once per backend and only records while a watched statement
 * runs (one at a time: migrations do not nest).
 */
#define WATCH_MAX_CHANGED 256

static bool relcache_callback_registered = false;
static bool watching_relcache = false;	/* an error may leave it on: harmless */
static int	nchanged;
static bool changed_all;
static Oid	changed[WATCH_MAX_CHANGED];

static void
relcache_changed(Datum arg, Oid relid)
{
	if (!watching_relcache)
		return;
	if (relid == InvalidOid || nchanged == WATCH_MAX_CHANGED)
		changed_all = true;
	else
		changed[nchanged++] = relid;
}

/*
 * Remember a relation's row as it is now; add it to *rewritten when its
 * file is not the one it had (not for TOAST tables: they follow theirs).
 */
static void
check_file(WatchState *pw, Form_pg_class form, List **rewritten)
{
	bool		found;
	FileEntry  *entry = remember_file(pw->files, form, &found);

	if (found && entry->filenode != form->relfilenode &&
		form->relfilenode != InvalidOid &&
		form->relkind != RELKIND_TOASTVALUE &&
		!list_member_oid(*rewritten, form->oid))
		*rewritten = lappend_oid(*rewritten, form->oid);
	entry->filenode = form->relfilenode;
}

/*
 * Relations whose file the statement changed, against the files known;
 * relations it created are remembered, not reported.  Only the relations
 * it invalidated are looked up.
 */
static List *
rewritten_relations(WatchState *pw)
{
	List	   *result = NIL;

	if (changed_all)
	{
		Relation	pg_class = table_open(RelationRelationId, AccessShareLock);
		SysScanDesc scan = systable_beginscan(pg_class, InvalidOid, false,
											  NULL, 0, NULL);
		HeapTuple	tup;

		while ((tup = systable_getnext(scan)) != NULL)
			check_file(pw, (Form_pg_class) GETSTRUCT(tup), &result);
		systable_endscan(scan);
		table_close(pg_class, AccessShareLock);
		return result;
	}
	for (int i = 0; i < nchanged; i++)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(changed[i]));

		/* dropped: its entry keeps its name, for its locks */
		if (!HeapTupleIsValid(tup))
			continue;
		check_file(pw, (Form_pg_class) GETSTRUCT(tup), &result);
		ReleaseSysCache(tup);
	}
	return result;
}

static void
watch_before(PmStatementWatch *watch, Node *stmt, const char *comments,
			 int len)
{
	WatchState *pw = (WatchState *) watch;
	MemoryContext oldcxt;

	MemoryContextReset(pw->cxt);
	pw->held = held_locks(pw->cxt);
	/* the lint's, on the catalog as the migration left it so far */
	oldcxt = MemoryContextSwitchTo(pw->cxt);
	pw->replication = pm_lint_replication(stmt, comments, len);
	MemoryContextSwitchTo(oldcxt);
	nchanged = 0;
	changed_all = false;
	watching_relcache = true;
	INSTR_TIME_SET_CURRENT(pw->start);
}

static void
watch_after(PmStatementWatch *watch, const char *revision, int line,
			const char *sql, Node *stmt)
{
	WatchState *pw = (WatchState *) watch;
	instr_time	elapsed;
	Datum		values[7];
	bool		nulls[7] = {0};
	MemoryContext oldcxt;
	List	   *rewritten;
	List	   *labels = NIL;
	ListCell   *lc;

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, pw->start);
	/* the statement's catalog rows visible, and their invalidations in */
	CommandCounterIncrement();
	watching_relcache = false;

	oldcxt = MemoryContextSwitchTo(pw->cxt);
	values[0] = CStringGetTextDatum(revision);
	values[1] = Int32GetDatum(line);
	values[2] = CStringGetTextDatum(sql);
	values[3] = DirectFunctionCall7(make_interval, Int32GetDatum(0),
									Int32GetDatum(0), Int32GetDatum(0),
									Int32GetDatum(0), Int32GetDatum(0),
									Int32GetDatum(0),
									Float8GetDatum(INSTR_TIME_GET_DOUBLE(elapsed)));
	rewritten = rewritten_relations(pw);
	/* TRUNCATE gives its tables new, empty files: no rewrite of data */
	if (IsA(stmt, TruncateStmt))
		rewritten = NIL;
	foreach(lc, rewritten)
		labels = lappend(labels,
						 relation_label(hash_search(pw->files, &lfirst_oid(lc),
													HASH_FIND, NULL)));
	values[5] = label_array(labels);
	/* a rewritten table is locked by the statement, held before or not */
	values[4] = taken_locks(pw->files, pw->held, held_locks(pw->cxt),
							rewritten);
	/* 1.0's plan has no replication column */
	if (pw->tupdesc->natts > 6)
		values[6] = pm_text_array(pw->replication);
	tuplestore_putvalues(pw->tupstore, pw->tupdesc, values, nulls);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * pm_watch_create
 *		A watch for pm_exec_plan that puts one row per statement into
 *		tupstore (revision, line, statement, duration, locks, rewritten).
 *		The files of every relation are read now, before anything runs.
 */
PmStatementWatch *
pm_watch_create(Tuplestorestate *tupstore, TupleDesc tupdesc)
{
	WatchState *pw = palloc0(sizeof(WatchState));
	Relation	pg_class;
	SysScanDesc scan;
	HeapTuple	tup;

	if (!relcache_callback_registered)
	{
		CacheRegisterRelcacheCallback(relcache_changed, (Datum) 0);
		relcache_callback_registered = true;
	}
	pg_class = table_open(RelationRelationId, AccessShareLock);
	pw->watch.before = watch_before;
	pw->watch.after = watch_after;
	pw->tupstore = tupstore;
	pw->tupdesc = tupdesc;
	pw->files = oid_hash("pim_migrate relation files", sizeof(FileEntry),
						 CurrentMemoryContext);
	pw->cxt = AllocSetContextCreate(CurrentMemoryContext,
									"pim_migrate watched statement",
									ALLOCSET_DEFAULT_SIZES);
	scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 0, NULL);
	while ((tup = systable_getnext(scan)) != NULL)
	{
		bool		found;

		(void) remember_file(pw->files, (Form_pg_class) GETSTRUCT(tup), &found);
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return &pw->watch;
}
