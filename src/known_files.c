/*-------------------------------------------------------------------------
 *
 * known_files.c
 *	  Which revision files a deploy need not send: the texts whose loading
 *	  is known to be a no-op.
 *
 * A deploy loads every file every time, and almost always every file is
 * loaded already; parsing them all again is most of what a no-op deploy
 * costs.  pim_migrate.known_file holds the sha256 of each whole file text
 * that pim_migrate_load_files loaded, with the revision it became.  While
 * no revision row has been changed since, loading such a text again is a
 * no-op: it parses into the content stored.  The command sends the
 * checksums of its files first (pim_migrate_unknown_files) and the texts
 * of the others only.
 *
 * Invariant: a row of known_file names a text that loads as a no-op.
 * Inserting revisions keeps it; any UPDATE, DELETE or TRUNCATE of
 * pim_migrate.revision (a replacement, a hand-written change) empties the
 * table, in the same transaction (known_files_changed), and the next
 * deploy sends every text again.  known_file_set holds the sha256 of the
 * last list of checksums found all known, emptied with it.  Derived
 * data: not dumped.
 *
 * The caller holds the migration lock and an SPI connection, except for
 * the trigger.
 *
 * src/known_files.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"

#include "pim_migrate.h"

#define Q_KNOWN_CHECKSUMS \
	"SELECT checksum FROM pim_migrate.known_file"
#define Q_REMEMBER \
	"INSERT INTO pim_migrate.known_file (checksum, revision)" \
	" SELECT DISTINCT ON (f.checksum) f.checksum, f.revision" \
	" FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[])," \
	"  pg_catalog.unnest($2::pg_catalog.text[])) AS f (checksum, revision)" \
	" WHERE f.revision OPERATOR(pg_catalog.=) ANY (" \
	"  SELECT g.revision FROM pg_catalog.unnest($2::pg_catalog.text[]) AS g (revision)" \
	"  GROUP BY g.revision HAVING pg_catalog.count(*) OPERATOR(pg_catalog.=) 1)" \
	" ON CONFLICT (checksum) DO UPDATE SET revision = excluded.revision"
#define Q_FORGET \
	"DELETE FROM pim_migrate.known_file"
#define Q_FORGET_SET \
	"DELETE FROM pim_migrate.known_file_set"
#define Q_KNOWN_SET \
	"SELECT checksum, file_stats FROM pim_migrate.known_file_set"
#define Q_REMEMBER_SET \
	"INSERT INTO pim_migrate.known_file_set (checksum, file_stats)" \
	" VALUES ($1, $2) ON CONFLICT (one) DO UPDATE" \
	" SET checksum = excluded.checksum, file_stats = excluded.file_stats"
#define Q_STATS_KNOWN \
	"SELECT 1 FROM pim_migrate.known_file_set" \
	" WHERE file_stats OPERATOR(pg_catalog.=) $1"

/*
 * Hex sha256 (65 bytes) of the texts, each followed by a line end: of a
 * file, or of the list of a deploy's checksums.
 */
static void
sha256_hex(const char *const *texts, int n, bool line_ends, char *hex)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);
	uint8		digest[PG_SHA256_DIGEST_LENGTH];
	int			i = 0;

	if (pg_cryptohash_init(ctx) < 0)
		goto fail;
	for (i = 0; i < n; i++)
		if (pg_cryptohash_update(ctx, (const uint8 *) texts[i],
								 strlen(texts[i])) < 0 ||
			(line_ends &&
			 pg_cryptohash_update(ctx, (const uint8 *) "\n", 1) < 0))
			goto fail;
	if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0)
		goto fail;
	pg_cryptohash_free(ctx);
	hex_encode((const char *) digest, sizeof(digest), hex);
	hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
	return;

fail:
	elog(ERROR, "could not compute a sha256: %s", pg_cryptohash_error(ctx));
}

/*
 * pm_known_file_checksum
 *		Hex sha256 of a whole file text into hex (65 bytes).
 */
void
pm_known_file_checksum(const char *text, char *hex)
{
	sha256_hex(&text, 1, false, hex);
}

/* Run sql as the catalog owner; anything but the expected code is a bug. */
static void
run_as_owner(const char *sql, int nargs, Oid *types, Datum *args,
			 const char *nulls, int expected)
{
	PmUserContext save;
	int			rc;

	pm_catalog_become_owner(&save);
	rc = SPI_execute_with_args(sql, nargs, types, args, nulls, false, 0);
	pm_catalog_restore_user(&save);
	if (rc != expected)
		elog(ERROR, "SPI_execute_with_args failed: %s",
			 SPI_result_code_string(rc));
}

static ArrayType *
text_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	ListCell   *lc;

	foreach(lc, items)
		elems[foreach_current_index(lc)] = CStringGetTextDatum(lfirst(lc));
	return construct_array(elems, list_length(items), TEXTOID, -1, false,
						   TYPALIGN_INT);
}

/*
 * pm_known_files_remember
 *		The texts of checksums (hex, pm_known_file_checksum) loaded as the
 *		revisions of the same place in revisions: remember them, as the
 *		catalog owner.  An id given by several texts in one call is left
 *		out: the catalog holds the last one only.
 */
void
pm_known_files_remember(List *checksums, List *revisions)
{
	Datum		args[2];
	Oid			types[2] = {TEXTARRAYOID, TEXTARRAYOID};

	if (checksums == NIL)
		return;
	args[0] = PointerGetDatum(text_array(checksums));
	args[1] = PointerGetDatum(text_array(revisions));
	run_as_owner(Q_REMEMBER, 2, types, args, NULL, SPI_OK_INSERT);
}

PG_FUNCTION_INFO_V1(pim_migrate_unknown_files);

/*
 * The positions (from 1) of the checksums not in known_file, into unknown;
 * returns how many.
 */
static int
unknown_checksums(char **sums, int n, Datum *unknown)
{
	HASHCTL		ctl;
	HTAB	   *known;
	int			nunknown = 0;

	run_as_owner(Q_KNOWN_CHECKSUMS, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	ctl.keysize = 2 * PG_SHA256_DIGEST_LENGTH + 1;
	ctl.entrysize = ctl.keysize;
	ctl.hcxt = CurrentMemoryContext;
	known = hash_create("pim_migrate known files", Max(SPI_processed, 64),
						&ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *sum = SPI_getvalue(SPI_tuptable->vals[i],
									   SPI_tuptable->tupdesc, 1);

		if (strlen(sum) < ctl.keysize)
			hash_search(known, sum, HASH_ENTER, NULL);
	}
	for (int i = 0; i < n; i++)
		if (strlen(sums[i]) >= ctl.keysize ||
			hash_search(known, sums[i], HASH_FIND, NULL) == NULL)
			unknown[nunknown++] = Int32GetDatum(i + 1);
	return nunknown;
}

/* The known set's row, if any: its checksum and file_stats (NULL if none). */
static bool
known_set(char **checksum, char **file_stats)
{
	run_as_owner(Q_KNOWN_SET, 0, NULL, NULL, NULL, SPI_OK_SELECT);
	if (SPI_processed != 1)
		return false;
	*checksum = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	*file_stats = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	return true;
}

/*
 * pim_migrate_unknown_files(checksums text[], file_stats text) -> integer[]
 *
 * Under the migration lock, the positions (from 1) of the checksums that
 * are not of a text known to load as a no-op: the files a deploy must
 * send to pim_migrate_load_files.  A deploy sends the same list as the
 * last one most of the time: known_file_set holds the sha256 of the last
 * list found all known, which answers without reading known_file.  When
 * every one is known, the kept heads are worked out if they are not, as
 * pim_migrate_load_files does when it loads nothing new, and file_stats
 * (the command's digest of the files' stat keys, NULL when it has none) is
 * remembered with the list: the next deploy of files with the same stat
 * keys asks pim_migrate_files_unchanged and reads none of them.
 */
Datum
pim_migrate_unknown_files(PG_FUNCTION_ARGS)
{
	ArrayType  *array;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **sums;
	char		set_sum[2 * PG_SHA256_DIGEST_LENGTH + 1];
	char	   *stats = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	char	   *known_sum;
	char	   *known_stats;
	bool		remember;
	PmCall		call;
	Datum	   *unknown;
	int			nunknown = 0;
	ArrayType  *result;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"checksums\" must not be null")));
	array = PG_GETARG_ARRAYTYPE_P(0);
	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems,
					  &nulls, &n);
	sums = palloc(sizeof(char *) * Max(n, 1));
	unknown = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		sums[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	sha256_hex((const char *const *) sums, n, true, set_sum);

	pm_catalog_connect(&call, false);
	pm_lock_migration();
	if (!known_set(&known_sum, &known_stats) ||
		strcmp(known_sum, set_sum) != 0)
	{
		nunknown = unknown_checksums(sums, n, unknown);
		remember = nunknown == 0;
	}
	else
		/* the same list: only stat keys new to it are worth a write */
		remember = stats != NULL &&
			(known_stats == NULL || strcmp(known_stats, stats) != 0);
	if (remember)
	{
		Datum		args[2];
		Oid			types[2] = {TEXTOID, TEXTOID};

		args[0] = CStringGetTextDatum(set_sum);
		args[1] = stats ? CStringGetTextDatum(stats) : (Datum) 0;
		run_as_owner(Q_REMEMBER_SET, 2, types, args, stats ? NULL : " n",
					 SPI_OK_INSERT);
	}

	/* nothing to load: what pim_migrate_load_files does then */
	if (nunknown == 0)
		pm_migrate_keep_heads_if_unknown();
	/* the result outlives SPI_finish, in the caller's context */
	MemoryContextSwitchTo(call.caller_cxt);
	result = construct_array(unknown, nunknown, INT4OID, sizeof(int32), true,
							 TYPALIGN_INT);
	pm_catalog_disconnect(&call);
	PG_RETURN_ARRAYTYPE_P(result);
}

PG_FUNCTION_INFO_V1(pim_migrate_files_unchanged);

/*
 * pim_migrate_files_unchanged(file_stats text) -> boolean
 *
 * Under the migration lock, whether file_stats is the digest remembered
 * with the last list of texts found all known: the command's sha256 of
 * its versions directory, each file's name and stat keys (device, inode,
 * size, modification and change times), taken only when every file is
 * older than the clock's granularity could hide a change.  Same keys,
 * same texts, as git's index and make assume; the texts of a list found
 * all known load as a no-op, and any change of a revision row forgets the
 * list (known_files_changed).  True: what pim_migrate_load_files does when
 * it loads nothing new is done, and the command sends nothing.
 */
Datum
pim_migrate_files_unchanged(PG_FUNCTION_ARGS)
{
	Datum		arg = PG_GETARG_DATUM(0);
	Oid			argtype = TEXTOID;
	PmCall		call;
	bool		unchanged;

	pm_catalog_connect(&call, false);
	pm_lock_migration();
	run_as_owner(Q_STATS_KNOWN, 1, &argtype, &arg, NULL, SPI_OK_SELECT);
	unchanged = SPI_processed == 1;
	if (unchanged)
		pm_migrate_keep_heads_if_unknown();
	pm_catalog_disconnect(&call);
	PG_RETURN_BOOL(unchanged);
}

PG_FUNCTION_INFO_V1(pim_migrate_known_files_changed);

/*
 * pim_migrate.known_files_changed() trigger: after a statement that
 * updated, deleted or truncated revision rows, no text is known any more.
 */
Datum
pim_migrate_known_files_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "pim_migrate_known_files_changed: not called as a trigger");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	run_as_owner(Q_FORGET, 0, NULL, NULL, NULL, SPI_OK_DELETE);
	run_as_owner(Q_FORGET_SET, 0, NULL, NULL, NULL, SPI_OK_DELETE);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	return PointerGetDatum(NULL);
}
