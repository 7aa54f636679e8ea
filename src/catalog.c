/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reads and writes pim_migrate.revision, .version and .log.
 *
 * Every access goes through SPI with a plan prepared once per backend and
 * kept (SPI_keepplan); the plan cache replans them if the tables change.
 * The caller holds an SPI connection (one per SQL entry point).
 *
 * The tables are owned by the extension's owner and nothing on them is
 * granted to PUBLIC, while the SQL functions are SECURITY INVOKER so that
 * revision scripts run with the caller's privileges.  Catalog statements
 * therefore run as the owner of schema pim_migrate (the role that created
 * the extension), switched in and out around each statement here, exactly
 * as long as the statement runs.  An error on the way restores the user id
 * through transaction abort.
 *
 * Values returned to callers are allocated in the memory context that was
 * current when the function was called, not in SPI's, so a caller looping
 * over revisions can reset its own context per item.
 *
 * src/catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

/*
 * The statements, schema-qualified down to the operators.
 *
 * The column "checkpoint" came with version 1.1: a database still at 1.0
 * reads a constant false instead (CKPT_10), so the statements that read
 * it come in two spellings, chosen by pick_query at each call.
 */
#define CKPT_11 "checkpoint"
#define CKPT_10 "false"

#define Q_LOAD_GRAPH(ckpt) \
	"SELECT revision, down_revisions, depends_on, branch_labels, message," \
	" downgrade_sql IS NULL, transactional, " ckpt " FROM pim_migrate.revision"

/*
 * The version rows and the log gained the schema they are about with 1.1
 * (tenants): '' is the ordinary case.  On a 1.0 database, whose rows are
 * all the ordinary case's, the statements read and write without it
 * (their *_10 spelling takes the same parameters and leaves the schema
 * out); pick_tenant_query chooses.
 */
#define SCHEMA_IS(p) " schema OPERATOR(pg_catalog.=) " p

#define Q_VERSION_ROWS_10 \
	"SELECT revision FROM pim_migrate.version"
#define Q_VERSION_ROWS_11 \
	Q_VERSION_ROWS_10 " WHERE" SCHEMA_IS("$1")

#define Q_FETCH_REVISION(ckpt) \
	"SELECT revision, message, down_revisions, branch_labels, depends_on," \
	" upgrade_sql, downgrade_sql, transactional, checksum, created_at, " ckpt \
	" FROM pim_migrate.revision WHERE revision OPERATOR(pg_catalog.=) $1"

/* in strcmp order, for binary search */
#define Q_ALL_DEFINITIONS(ckpt) \
	"SELECT revision, message, down_revisions, branch_labels, depends_on," \
	" transactional, checksum, " ckpt " FROM pim_migrate.revision" \
	" ORDER BY revision COLLATE pg_catalog.\"C\""

/*
 * The inserts and updates below leave checkpoint at its default (false):
 * a revision is marked a checkpoint by this one, after it is stored, so
 * that they work on a 1.0 database unchanged.
 */
#define Q_SET_CHECKPOINT \
	"UPDATE pim_migrate.revision SET checkpoint = $2" \
	" WHERE revision OPERATOR(pg_catalog.=) $1"

/*
 * Registering forgets the kept heads (pim_migrate.graph_state): the next
 * migration reads the whole graph anyway, since something is pending, and
 * works them out again.  Once per transaction the UPDATE finds its row.
 */
#define Q_FORGET_HEADS \
	"UPDATE pim_migrate.graph_state SET heads_known = false WHERE heads_known"

#define Q_INSERT_REVISION \
	"WITH f AS (" Q_FORGET_HEADS ")" \
	" INSERT INTO pim_migrate.revision (revision, message," \
	" down_revisions, branch_labels, depends_on, upgrade_sql, downgrade_sql," \
	" transactional, checksum, created_at)" \
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9," \
	"  COALESCE($10, pg_catalog.now()))"

/*
 * Many new revisions in one statement (registering a directory of files):
 * the columns as arrays, the three name lists as array literals, since an
 * array of arrays must be rectangular.
 */
#define Q_INSERT_REVISIONS \
	"WITH f AS (" Q_FORGET_HEADS ")" \
	" INSERT INTO pim_migrate.revision (revision, message," \
	" down_revisions, branch_labels, depends_on, upgrade_sql, downgrade_sql," \
	" transactional, checksum, created_at)" \
	" SELECT r, m, d::pg_catalog.text[], l::pg_catalog.text[]," \
	"  p::pg_catalog.text[], u, g, t, c, COALESCE(a, pg_catalog.now())" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)," \
	"  pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5)," \
	"  pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)," \
	"  pg_catalog.unnest($9), pg_catalog.unnest($10))" \
	"  AS x(r, m, d, l, p, u, g, t, c, a)"

#define Q_REPLACE_REVISION \
	"WITH f AS (" Q_FORGET_HEADS ")" \
	" UPDATE pim_migrate.revision SET message = $2, down_revisions = $3," \
	" branch_labels = $4, depends_on = $5, upgrade_sql = $6," \
	" downgrade_sql = $7, transactional = $8, checksum = $9," \
	" created_at = COALESCE($10, pg_catalog.now())" \
	" WHERE revision OPERATOR(pg_catalog.=) $1"

#define Q_REVISION_EXISTS \
	"SELECT 1 FROM pim_migrate.revision" \
	" WHERE revision OPERATOR(pg_catalog.=) $1"

/* A head is a revision that is nobody's down_revision (Alembic's rule). */
#define Q_GRAPH_HEADS \
	"SELECT revision FROM pim_migrate.revision" \
	" EXCEPT SELECT pg_catalog.unnest(down_revisions)" \
	" FROM pim_migrate.revision ORDER BY 1"

/* the kept heads, whether they are up to date, and the version rows */
#define Q_KEPT_HEADS(where) \
	"SELECT s.heads_known, s.heads," \
	" ARRAY(SELECT revision FROM pim_migrate.version" where " ORDER BY revision)" \
	" FROM pim_migrate.graph_state s"

#define Q_SET_HEADS \
	"UPDATE pim_migrate.graph_state SET heads_known = true, heads = $1"

/* indexed (GIN on depends_on), for the same reason */
#define Q_LABEL_USER \
	"SELECT revision FROM pim_migrate.revision" \
	" WHERE depends_on OPERATOR(pg_catalog.@>)" \
	" pg_catalog.array_append('{}'::pg_catalog.text[], $1)" \
	" ORDER BY revision LIMIT 1"

/* whether pim_migrate ever ran a step (upgrade, downgrade, stamp, adopt) */
#define Q_HAS_STEPS(where) \
	"SELECT 1 FROM pim_migrate.log" where " LIMIT 1"

/* what any migration, stamp or registration changes */
#define Q_FINGERPRINT \
	"SELECT (SELECT pg_catalog.count(*) FROM pim_migrate.revision)," \
	" (SELECT COALESCE(pg_catalog.max(id), 0) FROM pim_migrate.log)," \
	" (SELECT pg_catalog.count(*) FROM pim_migrate.version)"

/* ids shorter than PM_PREFIX_MIN_ID_LEN are never matched by a prefix */
#define Q_FIND_PREFIX \
	"SELECT revision FROM pim_migrate.revision" \
	" WHERE pg_catalog.starts_with(revision, $1)" \
	" AND pg_catalog.length(revision) OPERATOR(pg_catalog.>=) " \
	CppAsString2(PM_PREFIX_MIN_ID_LEN) \
	" ORDER BY revision LIMIT 2"

/* indexed (GIN on branch_labels): registration must not scan the history */
#define Q_LABEL_OWNER \
	"SELECT revision FROM pim_migrate.revision" \
	" WHERE branch_labels OPERATOR(pg_catalog.@>)" \
	" pg_catalog.array_append('{}'::pg_catalog.text[], $1)"

/*
 * each revision's scripts, and the checksum of its last upgrade if it ran
 * after the last stamp (a stamp applies revisions without running them,
 * so what ran before one says nothing about what is applied)
 */
#define Q_SCAN_SCRIPTS(and) \
	"SELECT r.revision, r.upgrade_sql, r.downgrade_sql, r.checksum," \
	" l.checksum FROM pim_migrate.revision r LEFT JOIN" \
	" (SELECT DISTINCT ON (revision) revision, checksum" \
	"  FROM pim_migrate.log WHERE operation OPERATOR(pg_catalog.=) 'upgrade'" and \
	"  AND id OPERATOR(pg_catalog.>) (SELECT COALESCE(pg_catalog.max(id), 0)" \
	"   FROM pim_migrate.log WHERE operation OPERATOR(pg_catalog.=) 'stamp'" and ")" \
	"  ORDER BY revision, id DESC) l" \
	" ON l.revision OPERATOR(pg_catalog.=) r.revision" \
	" ORDER BY r.revision"

/* the ordinary case's rows of the version table and the log, in 1.1 */
#define ORDINARY_WHERE " WHERE" SCHEMA_IS("''")
#define ORDINARY_AND " AND" SCHEMA_IS("''")

/*
 * each revision's scripts and stored checksum only, for the check that a
 * migration makes before it runs (the checksum itself is computed in C,
 * by pm_revfile_checksum, and nowhere else)
 */
#define Q_SCAN_SCRIPT_TEXTS \
	"SELECT revision, upgrade_sql, downgrade_sql, checksum, NULL::pg_catalog.text" \
	" FROM pim_migrate.revision ORDER BY revision"

/* $8: the schema (1.1) */
#define Q_RECORD_STEP_10 \
	"WITH d AS (DELETE FROM pim_migrate.version" \
	"  WHERE revision OPERATOR(pg_catalog.=) ANY ($1))," \
	" i AS (INSERT INTO pim_migrate.version (revision)" \
	"  SELECT pg_catalog.unnest($2))" \
	" INSERT INTO pim_migrate.log (revision, operation, applied_at," \
	" applied_by, duration, checksum)" \
	" VALUES ($3, $4, $5, $6," \
	"  pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $5, $7)"
#define Q_RECORD_STEP_11 \
	"WITH d AS (DELETE FROM pim_migrate.version" \
	"  WHERE" SCHEMA_IS("$8") " AND revision OPERATOR(pg_catalog.=) ANY ($1))," \
	" i AS (INSERT INTO pim_migrate.version (schema, revision)" \
	"  SELECT $8, pg_catalog.unnest($2))" \
	" INSERT INTO pim_migrate.log (revision, operation, applied_at," \
	" applied_by, duration, checksum, schema)" \
	" VALUES ($3, $4, $5, $6," \
	"  pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) $5, $7, $8)"

/* the log rows of many steps (see PmRun); $7: their schemas (1.1) */
#define Q_LOG_STEPS_10 \
	"INSERT INTO pim_migrate.log (revision, operation, applied_at," \
	" applied_by, duration, checksum)" \
	" SELECT r, o, a, $4, d, c" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)," \
	"  pg_catalog.unnest($3), pg_catalog.unnest($5), pg_catalog.unnest($6))" \
	"  AS u(r, o, a, d, c)"
#define Q_LOG_STEPS_11 \
	"INSERT INTO pim_migrate.log (revision, operation, applied_at," \
	" applied_by, duration, checksum, schema)" \
	" SELECT r, o, a, $4, d, c, s" \
	" FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)," \
	"  pg_catalog.unnest($3), pg_catalog.unnest($5), pg_catalog.unnest($6)," \
	"  pg_catalog.unnest($7))" \
	"  AS u(r, o, a, d, c, s)"

/* $3: the schema (1.1) */
#define Q_CHANGE_VERSION_10 \
	"WITH d AS (DELETE FROM pim_migrate.version" \
	"  WHERE revision OPERATOR(pg_catalog.=) ANY ($1))" \
	" INSERT INTO pim_migrate.version (revision)" \
	" SELECT pg_catalog.unnest($2)"
#define Q_CHANGE_VERSION_11 \
	"WITH d AS (DELETE FROM pim_migrate.version" \
	"  WHERE" SCHEMA_IS("$3") " AND revision OPERATOR(pg_catalog.=) ANY ($1))" \
	" INSERT INTO pim_migrate.version (schema, revision)" \
	" SELECT $3, pg_catalog.unnest($2)"

/*
 * Tenants (1.1): the schemas a declaration of pim_migrate.tenant names
 * (a name, or with a % a LIKE pattern), of those requested ($1 names, $2
 * patterns; both NULL: all), in name order, with ($3) when their last
 * step ran.  System schemas are left out in C (pm_tenant_refused_schema).
 */
#define Q_TENANTS \
	"SELECT n.nspname," \
	" CASE WHEN $3 THEN (SELECT l.applied_at FROM pim_migrate.log l" \
	"  WHERE l.schema OPERATOR(pg_catalog.=) n.nspname ORDER BY l.id DESC LIMIT 1) END" \
	" FROM pg_catalog.pg_namespace n" \
	" WHERE EXISTS (SELECT 1 FROM pim_migrate.tenant t WHERE" \
	"  CASE WHEN pg_catalog.strpos(t.schema, '%') OPERATOR(pg_catalog.>) 0" \
	"  THEN n.nspname OPERATOR(pg_catalog.~~) t.schema" \
	"  ELSE n.nspname OPERATOR(pg_catalog.=) t.schema END)" \
	" AND (($1 IS NULL AND $2 IS NULL)" \
	"  OR n.nspname OPERATOR(pg_catalog.=) ANY ($1)" \
	"  OR n.nspname OPERATOR(pg_catalog.~~) ANY ($2))" \
	" ORDER BY n.nspname COLLATE \"C\""

/*
 * The version rows of the tenants, in id order, given to each in C: one
 * index scan, where an aggregate per schema would sort each one's rows.
 */
#define Q_TENANT_VERSIONS \
	"SELECT schema, revision FROM pim_migrate.version" \
	" WHERE schema OPERATOR(pg_catalog.<>) '' ORDER BY schema, revision"

#define Q_ADD_TENANT \
	"INSERT INTO pim_migrate.tenant (schema) VALUES ($1)" \
	" ON CONFLICT (schema) DO NOTHING"

#define Q_REMOVE_TENANT \
	"DELETE FROM pim_migrate.tenant WHERE schema OPERATOR(pg_catalog.=) $1"

/* the version rows of a schema that is gone */
#define Q_FORGET_SCHEMA \
	"DELETE FROM pim_migrate.version WHERE" SCHEMA_IS("$1")

typedef struct PmQuery
{
	const char *sql;
	int			nargs;
	Oid			argtypes[11];
	bool		whole_table;	/* reads a whole table; see no_jit */
	bool		indexed;		/* see run_query */
	SPIPlanPtr	plan;
} PmQuery;

/*
 * Turn JIT off until AtEOXact_GUC(true, the level returned).  A statement
 * that reads a long history costs more than jit_above_cost, and so does
 * one planned with enable_seqscan off, but compiling it would take longer
 * than running it, at every call.
 */
static int
no_jit(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

static PmQuery q_load_graph = {.sql = Q_LOAD_GRAPH(CKPT_11),.whole_table = true};
static PmQuery q_load_graph_10 = {.sql = Q_LOAD_GRAPH(CKPT_10),.whole_table = true};
static PmQuery q_version_rows_10 = {.sql = Q_VERSION_ROWS_10,.nargs = 1,
.argtypes = {NAMEOID}};
static PmQuery q_version_rows = {.sql = Q_VERSION_ROWS_11,.nargs = 1,
.argtypes = {NAMEOID},.indexed = true};
static PmQuery q_all_definitions = {.sql = Q_ALL_DEFINITIONS(CKPT_11),.whole_table = true};
static PmQuery q_all_definitions_10 = {.sql = Q_ALL_DEFINITIONS(CKPT_10),.whole_table = true};
static PmQuery q_fetch_revision = {.sql = Q_FETCH_REVISION(CKPT_11),.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_fetch_revision_10 = {.sql = Q_FETCH_REVISION(CKPT_10),.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_set_checkpoint = {.sql = Q_SET_CHECKPOINT,.nargs = 2,
.argtypes = {TEXTOID, BOOLOID}};
static PmQuery q_insert_revision = {.sql = Q_INSERT_REVISION,.nargs = 10,
	.argtypes = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
TEXTOID, TEXTOID, BOOLOID, TEXTOID, TIMESTAMPTZOID}};
static PmQuery q_insert_revisions = {.sql = Q_INSERT_REVISIONS,.nargs = 10,
	.argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID, TEXTARRAYOID,
TIMESTAMPTZARRAYOID}};
static PmQuery q_replace_revision = {.sql = Q_REPLACE_REVISION,.nargs = 10,
	.argtypes = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
TEXTOID, TEXTOID, BOOLOID, TEXTOID, TIMESTAMPTZOID}};
static PmQuery q_revision_exists = {.sql = Q_REVISION_EXISTS,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_graph_heads = {.sql = Q_GRAPH_HEADS,.whole_table = true};
static PmQuery q_kept_heads_10 = {.sql = Q_KEPT_HEADS("")};
static PmQuery q_kept_heads = {.sql = Q_KEPT_HEADS(ORDINARY_WHERE),.indexed = true};
static PmQuery q_forget_heads = {.sql = Q_FORGET_HEADS};
static PmQuery q_set_heads = {.sql = Q_SET_HEADS,.nargs = 1,
.argtypes = {TEXTARRAYOID}};
static PmQuery q_label_user = {.sql = Q_LABEL_USER,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_fingerprint = {.sql = Q_FINGERPRINT,.whole_table = true};
static PmQuery q_has_steps_10 = {.sql = Q_HAS_STEPS("")};
static PmQuery q_has_steps = {.sql = Q_HAS_STEPS(ORDINARY_WHERE),.indexed = true};
static PmQuery q_find_prefix = {.sql = Q_FIND_PREFIX,.whole_table = true,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_label_owner = {.sql = Q_LABEL_OWNER,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_scan_scripts_10 = {.sql = Q_SCAN_SCRIPTS("")};
static PmQuery q_scan_scripts = {.sql = Q_SCAN_SCRIPTS(ORDINARY_AND)};
static PmQuery q_scan_script_texts = {.sql = Q_SCAN_SCRIPT_TEXTS};
static PmQuery q_log_steps_10 = {.sql = Q_LOG_STEPS_10,.nargs = 7,
	.argtypes = {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTOID,
INTERVALARRAYOID, TEXTARRAYOID, NAMEARRAYOID}};
static PmQuery q_log_steps = {.sql = Q_LOG_STEPS_11,.nargs = 7,
	.argtypes = {TEXTARRAYOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTOID,
INTERVALARRAYOID, TEXTARRAYOID, NAMEARRAYOID}};
static PmQuery q_change_version_10 = {.sql = Q_CHANGE_VERSION_10,.nargs = 3,
.argtypes = {TEXTARRAYOID, TEXTARRAYOID, NAMEOID},.indexed = true};
static PmQuery q_change_version = {.sql = Q_CHANGE_VERSION_11,.nargs = 3,
.argtypes = {TEXTARRAYOID, TEXTARRAYOID, NAMEOID},.indexed = true};
static PmQuery q_record_step_10 = {.sql = Q_RECORD_STEP_10,.nargs = 8,
	.argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID,
TIMESTAMPTZOID, TEXTOID, TEXTOID, NAMEOID},.indexed = true};
static PmQuery q_record_step = {.sql = Q_RECORD_STEP_11,.nargs = 8,
	.argtypes = {TEXTARRAYOID, TEXTARRAYOID, TEXTOID, TEXTOID,
TIMESTAMPTZOID, TEXTOID, TEXTOID, NAMEOID},.indexed = true};
static PmQuery q_tenants = {.sql = Q_TENANTS,.nargs = 3,
.argtypes = {NAMEARRAYOID, TEXTARRAYOID, BOOLOID}};
static PmQuery q_tenant_versions = {.sql = Q_TENANT_VERSIONS,.indexed = true};
static PmQuery q_add_tenant = {.sql = Q_ADD_TENANT,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_remove_tenant = {.sql = Q_REMOVE_TENANT,.nargs = 1,
.argtypes = {TEXTOID}};
static PmQuery q_forget_schema = {.sql = Q_FORGET_SCHEMA,.nargs = 1,
.argtypes = {NAMEOID},.indexed = true};

/*
 * Whether the innermost entry point only reads; see run_query.  Entry
 * points nest (a revision script may call a read-only one), and an inner
 * one can end in an error that the script catches, so each outer value is
 * kept on a stack with the subtransaction it was pushed in, and the abort
 * of a subtransaction pops what was pushed in it (catalog_at_abort).
 */
#define MAX_NESTING 32

static struct
{
	SubTransactionId subid;
	bool		prev;
}			read_only_stack[MAX_NESTING];
static int	read_only_depth = 0;
static bool catalog_read_only = false;

/* one of our statements is running: its writes keep the kept heads right */
static bool catalog_writing = false;

static void
push_read_only(bool read_only)
{
	if (read_only_depth >= MAX_NESTING)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("pim_migrate functions are nested too deeply")));
	read_only_stack[read_only_depth].subid = GetCurrentSubTransactionId();
	read_only_stack[read_only_depth].prev = catalog_read_only;
	read_only_depth++;
	catalog_read_only = read_only;
}

static void
pop_read_only(void)
{
	/* a commit inside a procedure (catalog_at_abort) may have reset it */
	if (read_only_depth == 0)
	{
		catalog_read_only = false;
		return;
	}
	read_only_depth--;
	catalog_read_only = read_only_stack[read_only_depth].prev;
}

/*
 * Called when a subtransaction aborts (subid) or a transaction ends
 * (InvalidSubTransactionId): forget the entry points it left.
 */
static void
catalog_at_abort(SubTransactionId subid)
{
	catalog_writing = false;
	if (subid == InvalidSubTransactionId)
	{
		read_only_depth = 0;
		catalog_read_only = false;
		return;
	}
	while (read_only_depth > 0 &&
		   read_only_stack[read_only_depth - 1].subid >= subid)
		pop_read_only();
}

static void
catalog_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		catalog_at_abort(mySubid);
}

static void
catalog_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE)
		catalog_at_abort(InvalidSubTransactionId);
}

/*
 * pm_catalog_init
 *		At load (_PG_init): keep the stack of entry points right across
 *		aborts and commits.
 */
void
pm_catalog_init(void)
{
	RegisterSubXactCallback(catalog_subxact_callback, NULL);
	RegisterXactCallback(catalog_xact_callback, NULL);
}

/*
 * pm_catalog_connect
 *		Open the entry point's SPI connection.  read_only: the function is
 *		declared STABLE and its catalog statements run on its snapshot.
 */
void
pm_catalog_connect(PmCall *call, bool read_only)
{
	call->caller_cxt = CurrentMemoryContext;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	push_read_only(read_only);
}

/*
 * pm_catalog_connect_nonatomic
 *		The same for a procedure that commits (SPI_commit) as it goes: the
 *		SPI context then outlives each transaction.
 */
void
pm_catalog_connect_nonatomic(PmCall *call)
{
	call->caller_cxt = CurrentMemoryContext;
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	push_read_only(false);
}

void
pm_catalog_disconnect(PmCall *call)
{
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	pop_read_only();
}

/*
 * pm_catalog_become_owner
 *		Switch the current user to the owner of schema pim_migrate; save
 *		what to restore in *save.
 */
void
pm_catalog_become_owner(PmUserContext *save)
{
	Oid			nspid;
	HeapTuple	tup;
	Oid			owner;

	nspid = get_namespace_oid(PM_SCHEMA_NAME, false);
	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for namespace %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save->userid, &save->sec_context);
	SetUserIdAndSecContext(owner,
						   save->sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
pm_catalog_restore_user(const PmUserContext *save)
{
	SetUserIdAndSecContext(save->userid, save->sec_context);
}

/*
 * Prepare q once per backend (the caller is the catalog owner).  An
 * indexed one always gets the generic plan: see run_query.
 */
static void
prepare_query(PmQuery *q)
{
	SPIPlanPtr	plan;

	if (q->plan != NULL)
		return;
	plan = SPI_prepare_cursor(q->sql, q->nargs, q->argtypes,
							  q->indexed ? CURSOR_OPT_GENERIC_PLAN : 0);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 q->sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	q->plan = plan;
}

/*
 * run_query
 *		Execute one of the statements above as the catalog owner and leave
 *		its result in SPI_tuptable.  The memory context current on entry is
 *		current again on return (SPI would leave its own).
 *
 * Read-only entry points see the calling statement's snapshot; mutating
 * ones run each statement on a new one so that, in READ COMMITTED, a
 * statement run after the migration lock was granted sees what the
 * previous holder committed.
 */
static void
run_query(PmQuery *q, Datum *values, const char *nulls, int expected)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	PmUserContext save;
	int			level = q->whole_table || q->indexed ? no_jit() : 0;
	int			rc;

	/*
	 * An indexed statement finds a few rows by key in a table that a long
	 * migration or registration, in one transaction, fills with rows or dead
	 * rows: the version rows are tiny and leave a dead row per step, and the
	 * planner, seeing a small table, would scan it at every step (quadratic).
	 * So it is planned once (a custom plan per call would cost more than
	 * running it) with its indexes in use.
	 */
	if (q->indexed)
		(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);

	/* prepared as the owner too: parse analysis checks schema usage */
	pm_catalog_become_owner(&save);
	prepare_query(q);
	catalog_writing = true;
	rc = SPI_execute_plan(q->plan, values, nulls, catalog_read_only, 0);
	catalog_writing = false;
	pm_catalog_restore_user(&save);
	MemoryContextSwitchTo(caller_cxt);
	if (level)
		AtEOXact_GUC(true, level);

	if (rc != expected)
		elog(ERROR, "SPI_execute_plan failed for \"%s\": %s",
			 q->sql, SPI_result_code_string(rc));
}

/*
 * Column accessors for the current SPI_tuptable.  Strings are copied into
 * arena, or (NULL) palloc'd in the caller's current context.
 */
static void *
alloc_in(PmArena *arena, Size size)
{
	return arena ? pm_arena_alloc(arena, size) : palloc(size);
}

static char *
text_copy(PmArena *arena, Datum d)
{
	text	   *t = DatumGetTextPP(d);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *result = alloc_in(arena, len + 1);

	memcpy(result, VARDATA_ANY(t), len);
	result[len] = '\0';
	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return result;
}

static char *
column_text(PmArena *arena, int row, int col, bool *isnull)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &null);

	if (isnull)
		*isnull = null;
	return null ? NULL : text_copy(arena, d);
}

/* A text[] column: NULL for an empty one, *n its length. */
static char **
column_text_array(PmArena *arena, int row, int col, int *n)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &null);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *elemnulls;
	char	  **result;

	*n = 0;
	if (null)
		return NULL;
	arr = DatumGetArrayTypeP(d);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &elemnulls, n);
	result = *n == 0 ? NULL : alloc_in(arena, sizeof(char *) * *n);
	for (int i = 0; i < *n; i++)
	{
		if (elemnulls[i])
		{
			result[i] = alloc_in(arena, 1);
			result[i][0] = '\0';
		}
		else
			result[i] = text_copy(arena, elems[i]);
	}
	pfree(elems);
	pfree(elemnulls);
	if ((Pointer) arr != DatumGetPointer(d))
		pfree(arr);
	return result;
}

/* A name column that is never NULL, copied. */
static char *
get_text_name(int row, int col)
{
	bool		null;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &null);

	if (null)
		elog(ERROR, "unexpected null in column %d", col);
	return pstrdup(NameStr(*DatumGetName(d)));
}

static char *
get_text(int row, int col, bool *isnull)
{
	return column_text(NULL, row, col, isnull);
}

static char **
get_text_array(int row, int col, int *n)
{
	return column_text_array(NULL, row, col, n);
}

static List *
get_text_list(int row, int col)
{
	int			n;
	char	  **items = get_text_array(row, col, &n);
	List	   *result = NIL;

	for (int i = 0; i < n; i++)
		result = lappend(result, items[i]);
	return result;
}

/* Run a query without arguments; its first column as a List of strings. */
static List *
first_column(PmQuery *q)
{
	List	   *result = NIL;

	run_query(q, NULL, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result, get_text(i, 1, NULL));
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * A cursor over a query without arguments that reads a whole table, for
 * reading it in batches (fetch_batch): memory stays flat however long the
 * history.  Opened as the catalog owner.
 */
static Portal
open_scan(PmQuery *q)
{
	PmUserContext save;
	Portal		portal;
	int			level;

	pm_catalog_become_owner(&save);
	prepare_query(q);
	level = no_jit();
	portal = SPI_cursor_open(NULL, q->plan, NULL, NULL, catalog_read_only);
	AtEOXact_GUC(true, level);
	pm_catalog_restore_user(&save);
	return portal;
}

/*
 * The next rows of portal into SPI_tuptable (the previous batch freed);
 * how many.  After the last, the portal is closed.
 */
static uint64
fetch_batch(Portal portal)
{
	MemoryContext cxt = CurrentMemoryContext;
	PmUserContext save;

	SPI_freetuptable(SPI_tuptable);
	pm_catalog_become_owner(&save);
	SPI_cursor_fetch(portal, true, 1000);
	pm_catalog_restore_user(&save);
	MemoryContextSwitchTo(cxt);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		SPI_cursor_close(portal);
	}
	return SPI_processed;
}

/*
 * Whether a catalog table has a column of version 1.1: two syscache
 * lookups, asked at each call since ALTER EXTENSION UPDATE may add it in
 * the middle of a session.
 */
static bool
has_column(const char *table, const char *column)
{
	Oid			relid = get_relname_relid(table,
										  get_namespace_oid(PM_SCHEMA_NAME, false));

	return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

static bool
has_checkpoint_column(void)
{
	return has_column(PM_REVISION_TABLE, "checkpoint");
}

/* The spelling of a statement that this database's catalog can run. */
static PmQuery *
pick_query(PmQuery *q11, PmQuery *q10)
{
	return has_checkpoint_column() ? q11 : q10;
}

/*
 * pm_catalog_has_tenants
 *		Whether pim_migrate.version has the column "schema" (version 1.1):
 *		asked at each call, as has_checkpoint_column is.
 */
bool
pm_catalog_has_tenants(void)
{
	return has_column(PM_VERSION_TABLE, "schema");
}

/*
 * The spelling of a statement on the version rows or the log for schema
 * ("" the ordinary case); a tenant on a 1.0 catalog cannot happen, since
 * only the 1.1 functions name tenants.
 */
static PmQuery *
pick_tenant_query(PmQuery *q11, PmQuery *q10, const char *schema)
{
	if (pm_catalog_has_tenants())
		return q11;
	if (schema != NULL && *schema != '\0')
		elog(ERROR, "tenant \"%s\" on a catalog at version 1.0", schema);
	return q10;
}

/* A schema as a name datum ("" the ordinary case). */
static Datum
schema_datum(const char *schema)
{
	return DirectFunctionCall1(namein, CStringGetDatum(schema));
}

/*
 * Mark revision a checkpoint, or not; on a 1.0 database only "not" can be
 * stored, and it is what every revision is there.
 */
static void
set_checkpoint(const char *revision, bool checkpoint)
{
	Datum		values[2];

	if (!has_checkpoint_column())
	{
		if (checkpoint)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("checkpoint revision \"%s\" needs version 1.1 of the extension pim_migrate",
							revision),
					 errdetail("The catalog of this database is at version 1.0, which has no column for checkpoints."),
					 errhint("Run ALTER EXTENSION pim_migrate UPDATE.")));
		return;
	}
	values[0] = CStringGetTextDatum(revision);
	values[1] = BoolGetDatum(checkpoint);
	run_query(&q_set_checkpoint, values, NULL, SPI_OK_UPDATE);
}

/*
 * pm_catalog_load_graph
 *		Read every registered revision and the version rows, and build the
 *		graph.  One scan of each table; the scripts are not read.  The rows
 *		come 1,000 at a time and what is kept of them is carved from an
 *		arena, so a long history costs little more than its ids, names and
 *		messages (PmArena).  problems: see pm_graph_build.
 */
PmGraph *
pm_catalog_load_graph(List **problems)
{
	return pm_catalog_load_graph_of("", problems);
}

/*
 * pm_catalog_load_graph_of
 *		The same, its applied state from the version rows of schema ("" the
 *		ordinary case), or none (schema NULL), for a loop over tenants.
 */
PmGraph *
pm_catalog_load_graph_of(const char *schema, List **problems)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	PmGraph    *graph;
	PmArena		arena = {0};
	PmNode	   *nodes;
	int			cap = 1024;
	int			n = 0;
	List	   *version;
	Portal		portal;

	nodes = palloc0(sizeof(PmNode) * cap);
	portal = open_scan(pick_query(&q_load_graph, &q_load_graph_10));
	while (fetch_batch(portal) > 0)
	{
		MemoryContextSwitchTo(caller_cxt);
		if ((uint64) n + SPI_processed >= INT_MAX / 2)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many revisions")));
		while (n + (int) SPI_processed + 1 > cap)
		{
			nodes = repalloc(nodes, sizeof(PmNode) * cap * 2);
			memset(nodes + cap, 0, sizeof(PmNode) * cap);
			cap *= 2;
		}
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			PmNode	   *node = &nodes[n++];
			bool		isnull;

			CHECK_FOR_INTERRUPTS();
			node->id = column_text(&arena, i, 1, NULL);
			node->parent_names = column_text_array(&arena, i, 2,
												   &node->nparent_names);
			node->dep_names = column_text_array(&arena, i, 3, &node->ndep_names);
			node->nparents = node->nparent_names;
			node->ndeps = node->ndep_names;
			node->labels = column_text_array(&arena, i, 4, &node->nlabels);
			node->message = column_text(&arena, i, 5, &isnull);
			if (isnull)
				node->message = "";
			node->irreversible = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															SPI_tuptable->tupdesc,
															6, &isnull));
			node->transactional = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
															 SPI_tuptable->tupdesc,
															 7, &isnull));
			node->checkpoint = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
														  SPI_tuptable->tupdesc,
														  8, &isnull));
		}
	}
	MemoryContextSwitchTo(caller_cxt);
	/* the array doubled as it grew: give back what is left over */
	nodes = repalloc(nodes, sizeof(PmNode) * (n + 1));

	/* a graph for tenants gets each one's rows later (pm_graph_set_version) */
	version = schema ? pm_catalog_version_rows(schema) : NIL;
	graph = pm_graph_build(nodes, n, &arena, version, problems);
	graph->schema = schema ? pstrdup(schema) : "";
	return graph;
}

/*
 * pm_catalog_version_rows
 *		The rows of pim_migrate.version of schema ("" the ordinary case), as
 *		a List of C strings, sorted.
 */
List *
pm_catalog_version_rows(const char *schema)
{
	Datum		arg = schema_datum(schema);
	List	   *result = NIL;

	run_query(pick_tenant_query(&q_version_rows, &q_version_rows_10, schema),
			  &arg, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result, get_text(i, 1, NULL));
	SPI_freetuptable(SPI_tuptable);
	list_sort(result, pm_cstring_cmp);
	return result;
}

/*
 * pm_catalog_fetch_revision
 *		One revision with its scripts, or NULL if there is none by that id.
 */
PmRevisionDef *
pm_catalog_fetch_revision(const char *revision)
{
	Datum		arg = CStringGetTextDatum(revision);
	PmRevisionDef *def;
	bool		isnull;
	char	   *checksum;

	run_query(pick_query(&q_fetch_revision, &q_fetch_revision_10), &arg, NULL,
			  SPI_OK_SELECT);
	if (SPI_processed == 0)
	{
		SPI_freetuptable(SPI_tuptable);
		return NULL;
	}

	def = palloc0(sizeof(PmRevisionDef));
	def->revision = get_text(0, 1, NULL);
	def->message = get_text(0, 2, &isnull);
	if (isnull)
		def->message = pstrdup("");
	def->down_revisions = get_text_list(0, 3);
	def->branch_labels = get_text_list(0, 4);
	def->depends_on = get_text_list(0, 5);
	def->upgrade_sql = get_text(0, 6, NULL);
	def->downgrade_sql = get_text(0, 7, NULL);
	def->transactional = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc,
													8, &isnull));
	checksum = get_text(0, 9, NULL);
	strlcpy(def->checksum, checksum, sizeof(def->checksum));
	def->created_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
														SPI_tuptable->tupdesc,
														10, &isnull));
	def->has_created_at = !isnull;
	def->checkpoint = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc,
												 11, &isnull));
	SPI_freetuptable(SPI_tuptable);
	return def;
}

/*
 * pm_catalog_all_definitions
 *		Every registered revision without its scripts (upgrade_sql and
 *		downgrade_sql are NULL), sorted by id in strcmp order; *n is set to
 *		their number.  For comparing many files with what is stored in one
 *		read.
 */
PmRevisionDef *
pm_catalog_all_definitions(int *n)
{
	PmRevisionDef *defs;
	bool		isnull;

	run_query(pick_query(&q_all_definitions, &q_all_definitions_10), NULL, NULL,
			  SPI_OK_SELECT);
	*n = (int) SPI_processed;
	defs = palloc0(sizeof(PmRevisionDef) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		PmRevisionDef *def = &defs[i];

		def->revision = get_text(i, 1, NULL);
		def->message = get_text(i, 2, &isnull);
		if (isnull)
			def->message = pstrdup("");
		def->down_revisions = get_text_list(i, 3);
		def->branch_labels = get_text_list(i, 4);
		def->depends_on = get_text_list(i, 5);
		def->transactional = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
														SPI_tuptable->tupdesc,
														6, &isnull));
		strlcpy(def->checksum, get_text(i, 7, NULL), sizeof(def->checksum));
		def->checkpoint = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
													 SPI_tuptable->tupdesc,
													 8, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	return defs;
}

/*
 * The columns a revision is stored in, in the order of Q_INSERT_REVISION
 * and Q_REPLACE_REVISION ($1 to $10); the name lists as text[].
 */
#define PM_REVISION_COLUMNS 10

static void
revision_row(const PmRevisionDef *def, Datum *values, bool *isnull)
{
	memset(isnull, 0, sizeof(bool) * PM_REVISION_COLUMNS);
	values[0] = CStringGetTextDatum(def->revision);
	values[1] = CStringGetTextDatum(def->message);
	values[2] = pm_text_array(def->down_revisions);
	values[3] = pm_text_array(def->branch_labels);
	values[4] = pm_text_array(def->depends_on);
	values[5] = CStringGetTextDatum(def->upgrade_sql);
	isnull[6] = def->downgrade_sql == NULL;
	values[6] = isnull[6] ? (Datum) 0 : CStringGetTextDatum(def->downgrade_sql);
	values[7] = BoolGetDatum(def->transactional);
	values[8] = CStringGetTextDatum(def->checksum);
	isnull[9] = !def->has_created_at;
	values[9] = TimestampTzGetDatum(def->created_at);
}

/*
 * pm_catalog_store_revision
 *		Insert a revision; with replace, overwrite the row of the same id.
 *		The caller has checked that this is allowed.
 */
void
pm_catalog_store_revision(const PmRevisionDef *def, bool replace)
{
	Datum		values[PM_REVISION_COLUMNS];
	bool		isnull[PM_REVISION_COLUMNS];
	char		nulls[PM_REVISION_COLUMNS];

	revision_row(def, values, isnull);
	for (int c = 0; c < PM_REVISION_COLUMNS; c++)
		nulls[c] = isnull[c] ? 'n' : ' ';
	run_query(replace ? &q_replace_revision : &q_insert_revision, values,
			  nulls, replace ? SPI_OK_UPDATE : SPI_OK_INSERT);
	if (SPI_processed != 1)
		elog(ERROR, "revision \"%s\" was not stored", def->revision);
	/* a replaced row may have been a checkpoint */
	if (def->checkpoint || replace)
		set_checkpoint(def->revision, def->checkpoint);
}

/*
 * A batch of new revisions for pm_catalog_insert_batch: each column's
 * values, copied into the batch's own context, which a flush resets.
 */
#define PM_BATCH_ROWS		1000
#define PM_BATCH_BYTES		(16 * 1024 * 1024)

struct PmInsertBatch
{
	MemoryContext cxt;
	int			n;
	Size		bytes;			/* of scripts held */
	Datum		values[PM_REVISION_COLUMNS][PM_BATCH_ROWS];
	bool		nulls[PM_REVISION_COLUMNS][PM_BATCH_ROWS];
	List	   *checkpoints;	/* ids to mark once inserted */
};

/*
 * pm_catalog_batch_create
 *		An empty batch of new revisions, in CurrentMemoryContext.
 */
PmInsertBatch *
pm_catalog_batch_create(void)
{
	PmInsertBatch *batch = palloc0(sizeof(PmInsertBatch));

	batch->cxt = AllocSetContextCreate(CurrentMemoryContext,
									   "pim_migrate insert batch",
									   ALLOCSET_DEFAULT_SIZES);
	return batch;
}

/*
 * pm_catalog_batch_add
 *		Add a new revision (the caller has checked that it may be stored) to
 *		the batch, which is inserted when full or at pm_catalog_batch_flush.
 *		Until then the revision is not in the catalog.
 */
void
pm_catalog_batch_add(PmInsertBatch *batch, const PmRevisionDef *def)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(batch->cxt);
	Datum		values[PM_REVISION_COLUMNS];
	bool		isnull[PM_REVISION_COLUMNS];
	int			i = batch->n++;

	revision_row(def, values, isnull);
	for (int c = 0; c < PM_REVISION_COLUMNS; c++)
	{
		/* the name lists go as array literals: see Q_INSERT_REVISIONS */
		batch->values[c][i] = c >= 2 && c <= 4 ?
			CStringGetTextDatum(OidOutputFunctionCall(F_ARRAY_OUT, values[c])) :
			values[c];
		batch->nulls[c][i] = isnull[c];
	}
	batch->bytes += strlen(def->upgrade_sql) +
		(def->downgrade_sql ? strlen(def->downgrade_sql) : 0);
	if (def->checkpoint)
		batch->checkpoints = lappend(batch->checkpoints, pstrdup(def->revision));
	MemoryContextSwitchTo(oldcxt);

	if (batch->n == PM_BATCH_ROWS || batch->bytes >= PM_BATCH_BYTES)
		pm_catalog_batch_flush(batch);
}

/*
 * pm_catalog_batch_flush
 *		Insert the revisions of the batch in one statement and empty it.
 */
void
pm_catalog_batch_flush(PmInsertBatch *batch)
{
	static const Oid elemtypes[PM_REVISION_COLUMNS] = {TEXTOID, TEXTOID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, BOOLOID, TEXTOID,
	TIMESTAMPTZOID};
	MemoryContext oldcxt;
	Datum		args[PM_REVISION_COLUMNS];
	int			dims[1];
	int			lbs[1] = {1};
	ListCell   *lc;

	if (batch->n == 0)
		return;
	oldcxt = MemoryContextSwitchTo(batch->cxt);
	dims[0] = batch->n;
	for (int c = 0; c < PM_REVISION_COLUMNS; c++)
	{
		int16		typlen;
		bool		typbyval;
		char		typalign;

		get_typlenbyvalalign(elemtypes[c], &typlen, &typbyval, &typalign);
		args[c] = PointerGetDatum(construct_md_array(batch->values[c],
													 batch->nulls[c], 1, dims,
													 lbs, elemtypes[c], typlen,
													 typbyval, typalign));
	}
	MemoryContextSwitchTo(oldcxt);

	run_query(&q_insert_revisions, args, NULL, SPI_OK_INSERT);
	if (SPI_processed != (uint64) batch->n)
		elog(ERROR, "%d revisions were not stored", batch->n);
	foreach(lc, batch->checkpoints)
		set_checkpoint(lfirst(lc), true);
	batch->checkpoints = NIL;
	batch->n = 0;
	batch->bytes = 0;
	MemoryContextReset(batch->cxt);
}

/*
 * pm_catalog_revision_exists
 *		Whether a revision of this id is registered (an index probe; its
 *		row is not read).
 */
bool
pm_catalog_revision_exists(const char *revision)
{
	Datum		arg = CStringGetTextDatum(revision);
	bool		found;

	run_query(&q_revision_exists, &arg, NULL, SPI_OK_SELECT);
	found = SPI_processed > 0;
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * pm_catalog_has_steps
 *		Whether the log records any step in this database.
 */
bool
pm_catalog_has_steps(void)
{
	bool		found;

	run_query(pick_tenant_query(&q_has_steps, &q_has_steps_10, ""), NULL, NULL,
			  SPI_OK_SELECT);
	found = SPI_processed > 0;
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * pm_catalog_graph_heads
 *		The heads of the registered graph, without building it: the kept
 *		heads, or else a hash anti-join in the server, linear in the number
 *		of revisions.
 */
List *
pm_catalog_graph_heads(void)
{
	List	   *heads;

	if (pm_catalog_kept_heads(&heads, NULL))
		return heads;
	return first_column(&q_graph_heads);
}

/*
 * pm_catalog_kept_heads
 *		Whether the kept heads are up to date; if so *heads gets them, and
 *		*version (if not NULL) the version rows, both in id order.
 */
bool
pm_catalog_kept_heads(List **heads, List **version)
{
	bool		known = false;

	run_query(pick_tenant_query(&q_kept_heads, &q_kept_heads_10, ""), NULL,
			  NULL, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		bool		isnull;

		known = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
		if (known)
		{
			*heads = get_text_list(0, 2);
			if (version)
				*version = get_text_list(0, 3);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	return known;
}

/*
 * pm_catalog_keep_heads
 *		Make the kept heads these (the graph's), up to date.
 */
void
pm_catalog_keep_heads(List *heads)
{
	Datum		arg = pm_text_array(heads);

	run_query(&q_set_heads, &arg, NULL, SPI_OK_UPDATE);
}

/*
 * pm_catalog_revision_changed
 *		pim_migrate.revision was written: unless by one of our statements,
 *		the kept heads can no longer be trusted.
 */
void
pm_catalog_revision_changed(void)
{
	PmCall		call;

	if (catalog_writing)
		return;
	pm_catalog_connect(&call, false);
	run_query(&q_forget_heads, NULL, NULL, SPI_OK_UPDATE);
	pm_catalog_disconnect(&call);
}

/* The first column of the first row q returns for label, or NULL. */
static char *
first_text(PmQuery *q, const char *label)
{
	Datum		arg = CStringGetTextDatum(label);
	char	   *result = NULL;

	run_query(q, &arg, NULL, SPI_OK_SELECT);
	if (SPI_processed > 0)
		result = get_text(0, 1, NULL);
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * pm_catalog_label_user
 *		A revision whose depends_on names label, or NULL.
 */
char *
pm_catalog_label_user(const char *label)
{
	return first_text(&q_label_user, label);
}

/* The catalog's fingerprint as seen by one snapshot. */
static char *
fingerprint(Snapshot snapshot)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	PmUserContext save;
	int			rc;
	char	   *result;

	if (q_fingerprint.plan == NULL)
	{
		run_query(&q_fingerprint, NULL, NULL, SPI_OK_SELECT);
		SPI_freetuptable(SPI_tuptable);
	}
	pm_catalog_become_owner(&save);
	rc = SPI_execute_snapshot(q_fingerprint.plan, NULL, NULL, snapshot,
							  InvalidSnapshot, true, false, 0);
	pm_catalog_restore_user(&save);
	MemoryContextSwitchTo(caller_cxt);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "SPI_execute_snapshot failed: %s",
			 SPI_result_code_string(rc));
	result = psprintf("%s/%s/%s",
					  SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
					  SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
					  SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3));
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * pm_catalog_moved_since_snapshot
 *		Whether another transaction changed the catalog after this
 *		transaction's snapshot was taken (REPEATABLE READ, SERIALIZABLE).
 */
bool
pm_catalog_moved_since_snapshot(void)
{
	char	   *mine = fingerprint(GetTransactionSnapshot());
	char	   *latest = fingerprint(GetLatestSnapshot());

	return strcmp(mine, latest) != 0;
}

/*
 * pm_catalog_find_prefix
 *		Up to two revision ids that start with prefix, in id order; ids
 *		shorter than PM_PREFIX_MIN_ID_LEN do not count, as in Alembic.
 */
List *
pm_catalog_find_prefix(const char *prefix)
{
	Datum		arg = CStringGetTextDatum(prefix);
	List	   *result = NIL;

	run_query(&q_find_prefix, &arg, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result, get_text(i, 1, NULL));
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * pm_catalog_label_owner
 *		The revision that declares a branch label, or NULL.
 */
char *
pm_catalog_label_owner(const char *label)
{
	return first_text(&q_label_owner, label);
}

/*
 * pm_catalog_record_step
 *		The bookkeeping of one step, in one statement: version rows removed
 *		and added, and the log row, whose duration runs from "started" to
 *		now.
 */
void
pm_catalog_record_step(const char *schema, const char *revision,
					   PmDirection direction, List *version_deletes,
					   List *version_inserts, TimestampTz started,
					   const char *applied_by, const char *checksum)
{
	Datum		values[8];
	char		nulls[8];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = pm_text_array(version_deletes);
	values[1] = pm_text_array(version_inserts);
	values[2] = CStringGetTextDatum(revision);
	values[3] = CStringGetTextDatum(pm_direction_name(direction));
	values[4] = TimestampTzGetDatum(started);
	values[5] = CStringGetTextDatum(applied_by);
	if (checksum)
		values[6] = CStringGetTextDatum(checksum);
	else
		nulls[6] = 'n';
	values[7] = schema_datum(schema);

	run_query(pick_tenant_query(&q_record_step, &q_record_step_10, schema),
			  values, nulls, SPI_OK_INSERT);
}

/*
 * pm_catalog_log_steps
 *		The log rows of n steps, in one statement.
 */
void
pm_catalog_log_steps(int n, Datum *revisions, Datum *operations,
					 Datum *applied_at, Datum *durations, Datum *checksums,
					 bool *checksum_nulls, Datum *schemas,
					 const char *applied_by)
{
	Datum		values[7];
	int			dims[1] = {n};
	int			lbs[1] = {1};

	values[0] = PointerGetDatum(construct_array(revisions, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(operations, n, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[2] = PointerGetDatum(construct_array(applied_at, n, TIMESTAMPTZOID,
												sizeof(TimestampTz),
												FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[3] = CStringGetTextDatum(applied_by);
	values[4] = PointerGetDatum(construct_array(durations, n, INTERVALOID,
												sizeof(Interval), false,
												TYPALIGN_DOUBLE));
	values[5] = PointerGetDatum(construct_md_array(checksums, checksum_nulls,
												   1, dims, lbs, TEXTOID, -1,
												   false, TYPALIGN_INT));
	values[6] = PointerGetDatum(construct_array(schemas, n, NAMEOID,
												NAMEDATALEN, false,
												TYPALIGN_CHAR));
	/* a batch of tenant steps is never written to a 1.0 catalog */
	run_query(pick_tenant_query(&q_log_steps, &q_log_steps_10, ""), values,
			  NULL, SPI_OK_INSERT);
}

/*
 * pm_catalog_change_version
 *		Remove and add version rows (Lists of ids) of schema ("" the
 *		ordinary case).
 */
void
pm_catalog_change_version(const char *schema, List *deletes, List *inserts)
{
	Datum		values[3];

	values[0] = pm_text_array(deletes);
	values[1] = pm_text_array(inserts);
	values[2] = schema_datum(schema);
	run_query(pick_tenant_query(&q_change_version, &q_change_version_10,
								schema),
			  values, NULL, SPI_OK_INSERT);
}

/*
 * pm_catalog_scan_scripts
 *		Call visit for every revision with its scripts and stored checksum
 *		(in a PmRevisionDef whose other fields are unset) and the checksum
 *		of its last upgrade in the log (NULL if none, or when with_applied
 *		is false: the log is not read then).  A cursor reads 1,000
 *		revisions at a time, in a context reset between batches, so memory
 *		stays flat however long the history and its scripts.
 */
void
pm_catalog_scan_scripts(bool with_applied, PmScriptVisitor visit, void *arg)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	MemoryContext batch_cxt = AllocSetContextCreate(caller_cxt,
													"pim_migrate scan",
													ALLOCSET_DEFAULT_SIZES);
	Portal		portal = open_scan(with_applied ?
								   pick_tenant_query(&q_scan_scripts,
													 &q_scan_scripts_10, "") :
								   &q_scan_script_texts);

	while (fetch_batch(portal) > 0)
	{
		MemoryContextSwitchTo(batch_cxt);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			PmRevisionDef def = {0};
			char	   *revision = get_text(i, 1, NULL);
			char	   *stored = get_text(i, 4, NULL);

			CHECK_FOR_INTERRUPTS();
			def.revision = revision;
			def.upgrade_sql = get_text(i, 2, NULL);
			def.downgrade_sql = get_text(i, 3, NULL);
			strlcpy(def.checksum, stored, sizeof(def.checksum));
			visit(arg, revision, &def, get_text(i, 5, NULL));
		}
		MemoryContextSwitchTo(caller_cxt);
		MemoryContextReset(batch_cxt);
	}
	MemoryContextSwitchTo(caller_cxt);
	MemoryContextDelete(batch_cxt);
}

/* PmTenant pointers by schema, in strcmp order (as COLLATE "C" sorts). */
static int
tenant_cmp(const void *a, const void *b)
{
	return strcmp((*(PmTenant *const *) a)->schema,
				  (*(PmTenant *const *) b)->schema);
}

/* A List of C strings as a name[] datum. */
static Datum
list_to_name_array(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(items) + 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, items)
		elems[i++] = schema_datum(lfirst(lc));
	return PointerGetDatum(construct_array(elems, i, NAMEOID, NAMEDATALEN,
										   false, TYPALIGN_CHAR));
}

/*
 * pm_catalog_tenants
 *		The tenants (PmTenant, in name order) among those requested: names
 *		(schema names) and patterns (LIKE patterns), both NIL for all of
 *		them; each with its version rows, and with_last when its last step
 *		ran.  A schema is a tenant when it exists, a declaration names it
 *		or matches it, and it is not one pim_migrate refuses
 *		(pm_tenant_refused_schema).
 */
List *
pm_catalog_tenants(List *names, List *patterns, bool with_last)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	List	   *result = NIL;
	PmTenant  **sorted;
	int			n;
	int			ntenants = 0;

	if (!pm_catalog_has_tenants())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("tenants need version 1.1 of the extension pim_migrate"),
				 errhint("Run ALTER EXTENSION pim_migrate UPDATE.")));
	if (names == NIL && patterns == NIL)
		nulls[0] = nulls[1] = 'n';
	values[0] = list_to_name_array(names);
	values[1] = pm_text_array(patterns);
	values[2] = BoolGetDatum(with_last);
	run_query(&q_tenants, values, nulls, SPI_OK_SELECT);
	n = (int) SPI_processed;
	sorted = palloc(sizeof(PmTenant *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		last;
		PmTenant   *tenant;
		char	   *schema = get_text_name(i, 1);

		if (pm_tenant_refused_schema(schema))
			continue;
		tenant = palloc0(sizeof(PmTenant));
		tenant->schema = schema;
		last = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2,
							 &isnull);
		tenant->migrated = !isnull;
		if (!isnull)
			tenant->last_migrated_at = DatumGetTimestampTz(last);
		result = lappend(result, tenant);
		sorted[ntenants++] = tenant;
	}
	SPI_freetuptable(SPI_tuptable);
	if (ntenants == 0)
		return NIL;

	/* each version row to its tenant, if it is one of them */
	run_query(&q_tenant_versions, NULL, NULL, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char	   *schema = get_text_name(i, 1);
		PmTenant	key = {.schema = schema};
		PmTenant   *keyp = &key;
		PmTenant  **found = bsearch(&keyp, sorted, ntenants, sizeof(PmTenant *),
									tenant_cmp);

		if (found)
			(*found)->version = lappend((*found)->version, get_text(i, 2, NULL));
		pfree(schema);
	}
	SPI_freetuptable(SPI_tuptable);
	return result;
}

/*
 * pm_catalog_add_tenant
 *		Declare a tenant (a schema name, or a LIKE pattern); false if it
 *		was declared already.
 */
bool
pm_catalog_add_tenant(const char *schema)
{
	Datum		arg = CStringGetTextDatum(schema);

	run_query(&q_add_tenant, &arg, NULL, SPI_OK_INSERT);
	return SPI_processed > 0;
}

/*
 * pm_catalog_remove_tenant
 *		Remove a declaration; false if there was none.
 */
bool
pm_catalog_remove_tenant(const char *schema)
{
	Datum		arg = CStringGetTextDatum(schema);

	run_query(&q_remove_tenant, &arg, NULL, SPI_OK_DELETE);
	return SPI_processed > 0;
}

/*
 * pm_catalog_forget_schema
 *		Delete the version rows of a tenant schema; how many there were.
 */
int
pm_catalog_forget_schema(const char *schema)
{
	Datum		arg = schema_datum(schema);

	run_query(&q_forget_schema, &arg, NULL, SPI_OK_DELETE);
	return (int) SPI_processed;
}
