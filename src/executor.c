/*-------------------------------------------------------------------------
 *
 * executor.c
 *	  Runs the steps of a plan: each revision's script, statement by
 *	  statement, then its bookkeeping, all in the caller's transaction.
 *
 * Scripts are split by the server's own parser (pg_parse_query), never by
 * a scanner of ours, and each statement is analyzed, planned and run the
 * way CREATE EXTENSION runs an extension script (execute_sql_string in
 * commands/extension.c), with a CommandCounterIncrement between them so
 * that each sees what the previous one did.  Transaction control is
 * refused: a revision runs inside the migration's transaction.
 *
 * An error keeps its own SQLSTATE; an error context callback adds the
 * revision, the direction and the line within the script, and turns a
 * syntax error position into one within the failing statement.
 *
 * Memory: one context per step and one per statement, reset as we go, so
 * a long upgrade runs in memory bounded by its largest revision, plus the
 * graph it was planned on.
 *
 * src/executor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "storage/lmgr.h"
#include "tcop/dest.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "pim_migrate.h"

/*
 * pim_migrate.lock_timeout and pim_migrate.statement_timeout (defined in
 * _PG_init): guards for the statements of revision scripts, in
 * milliseconds; 0: off
 */
int			pm_lock_timeout = 0;
int			pm_statement_timeout = 0;

typedef struct ScriptPosition
{
	const char *revision;
	PmDirection direction;
	const char *sql;
	int			stmt_location;	/* bytes; -1 while parsing the whole script */
	int			stmt_len;		/* bytes; 0 means to the end */
	int			stmt_line;		/* line of the statement's first token */
	const char *what;			/* without a revision; NULL: desired schema */
} ScriptPosition;

/* 1-based line of a byte offset. */
static int
line_of_offset(const char *sql, int offset)
{
	int			line = 1;

	for (int i = 0; i < offset && sql[i]; i++)
		if (sql[i] == '\n')
			line++;
	return line;
}

/* Byte offset of a 1-based character position. */
static int
offset_of_position(const char *sql, int position)
{
	int			offset = 0;

	for (int c = 1; c < position && sql[offset]; c++)
		offset += pg_mblen(sql + offset);
	return offset;
}

/*
 * Byte offset of the first token of the statement starting at location:
 * RawStmt locations include the white space and comments before it.
 */
static int
skip_to_token(const char *sql, int location)
{
	const char *p = sql + location;

	for (;;)
	{
		while (*p && isspace((unsigned char) *p))
			p++;
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
		{
			/* block comments nest in PostgreSQL's SQL */
			int			depth = 0;

			do
			{
				if (p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else
					p++;
			} while (*p && depth > 0);
		}
		else
			break;
	}
	return p - sql;
}

static void
script_error_callback(void *arg)
{
	ScriptPosition *pos = (ScriptPosition *) arg;
	int			cursor = geterrposition();
	int			line = pos->stmt_line;

	if (cursor > 0)
	{
		int			offset = offset_of_position(pos->sql, cursor);
		int			start;
		int			len;

		line = line_of_offset(pos->sql, offset);
		if (pos->stmt_location >= 0)
		{
			int			end = pos->stmt_len > 0 ?
			pos->stmt_location + pos->stmt_len :
			(int) strlen(pos->sql);

			/* show the statement from its first token on */
			start = skip_to_token(pos->sql, pos->stmt_location);
			len = Max(end - start, 0);
		}
		else
		{
			/* no statement bounds (raw parsing): show the line */
			start = offset;
			while (start > 0 && pos->sql[start - 1] != '\n')
				start--;
			len = strcspn(pos->sql + start, "\n");
		}
		if (offset >= start && offset <= start + len)
		{
			errposition(0);
			internalerrposition(cursor -
								pg_mbstrlen_with_len(pos->sql, start));
			internalerrquery(pnstrdup(pos->sql + start, len));
		}
	}
	if (pos->revision == NULL)
		errcontext("%s, line %d", pos->what ? pos->what : "desired schema",
				   line);
	else if (line > 0)
		errcontext("revision %s, %s, line %d", pos->revision,
				   pm_direction_name(pos->direction), line);
	else
		errcontext("revision %s, %s", pos->revision,
				   pm_direction_name(pos->direction));
}

/*
 * Name pos in the context lines of errors, until error_context_stack is
 * popped back to cb->previous.
 */
static void
push_position(ErrorContextCallback *cb, ScriptPosition *pos)
{
	cb->callback = script_error_callback;
	cb->arg = pos;
	cb->previous = error_context_stack;
	error_context_stack = cb;
}

/*
 * pm_exec_needs_own_transaction
 *		The command name if stmt refuses to run inside a transaction block
 *		(PreventInTransactionBlock in the server), NULL otherwise.  Those
 *		that refuse only with some options (subscriptions) are left to the
 *		server's own error when they run.
 *
 * The server cannot be asked: it calls PreventInTransactionBlock from deep
 * inside each command's execution (ProcessUtility and the commands it
 * calls), so the only way to learn is to run the statement.  This is
 * therefore a copy of the server's list, the only one in pim_migrate
 * (parse_script asks it when a revision is registered), taken from the
 * PreventInTransactionBlock calls of PostgreSQL 15: tcop/utility.c
 * (CREATE/DROP DATABASE, ALTER SYSTEM, CREATE/DROP TABLESPACE, CREATE and
 * DROP INDEX CONCURRENTLY), commands/indexcmds.c (REINDEX SCHEMA, SYSTEM,
 * DATABASE, CONCURRENTLY), commands/dbcommands.c (ALTER DATABASE SET
 * TABLESPACE), commands/vacuum.c (VACUUM), commands/cluster.c (CLUSTER of
 * every table) and commands/tablecmds.c (DETACH PARTITION CONCURRENTLY).
 * Check it against those files when a major version adds one.
 */
const char *
pm_exec_needs_own_transaction(Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_DropStmt:
			return ((DropStmt *) stmt)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			switch (((ReindexStmt *) stmt)->kind)
			{
				case REINDEX_OBJECT_SCHEMA:
					return "REINDEX SCHEMA";
				case REINDEX_OBJECT_SYSTEM:
					return "REINDEX SYSTEM";
				case REINDEX_OBJECT_DATABASE:
					return "REINDEX DATABASE";
				default:
					break;
			}
			foreach(lc, ((ReindexStmt *) stmt)->params)
				if (strcmp(lfirst_node(DefElem, lc)->defname, "concurrently") == 0 &&
					defGetBoolean(lfirst_node(DefElem, lc)))
				return "REINDEX CONCURRENTLY";
			return NULL;
		case T_AlterDatabaseStmt:
			foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
				if (strcmp(lfirst_node(DefElem, lc)->defname, "tablespace") == 0)
				return "ALTER DATABASE SET TABLESPACE";
			return NULL;
		case T_VacuumStmt:
			return ((VacuumStmt *) stmt)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_ClusterStmt:
			return ((ClusterStmt *) stmt)->relation == NULL ? "CLUSTER" : NULL;
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_DetachPartition &&
					((PartitionCmd *) cmd->def)->concurrent)
					return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
			}
			return NULL;
		default:
			return NULL;
	}
}

/*
 * Raw-parse a script, refusing transaction control, and, in a revision
 * that runs in a transaction, what no transaction may hold.
 */
static List *
parse_script(ScriptPosition *pos, bool transactional)
{
	List	   *stmts = raw_parser(pos->sql, RAW_PARSE_DEFAULT);
	ListCell   *lc;

	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		const char *own;

		if (IsA(raw->stmt, CopyStmt) &&
			((CopyStmt *) raw->stmt)->filename == NULL)
		{
			pos->stmt_line = line_of_offset(pos->sql,
											skip_to_token(pos->sql,
														  raw->stmt_location));
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("COPY to or from the client is not allowed in a revision script"),
					 errhint("Use INSERT, or COPY with a file on the server.")));
		}
		if (IsA(raw->stmt, TransactionStmt))
		{
			pos->stmt_line = line_of_offset(pos->sql,
											skip_to_token(pos->sql,
														  raw->stmt_location));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("transaction control statements are not allowed in a revision script"),
					 errhint("A revision runs inside the migration's transaction.")));
		}
		if (transactional && (own = pm_exec_needs_own_transaction(raw->stmt)) != NULL)
		{
			pos->stmt_line = line_of_offset(pos->sql,
											skip_to_token(pos->sql,
														  raw->stmt_location));
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("%s cannot run inside a transaction block", own),
					 errhint("Mark the revision \"-- Transactional: false\" in its file header: the pim_migrate command then runs its statements one by one, outside a transaction.")));
		}
	}
	return stmts;
}

/*
 * pm_exec_check_script
 *		Parse a script at registration, so that a syntax error, a COMMIT or
 *		a statement that the revision's transaction could not hold is
 *		reported when the revision is loaded rather than when it runs.
 */
void
pm_exec_check_script(const char *revision, PmDirection direction,
					 const char *sql, bool transactional)
{
	ScriptPosition pos = {revision, direction, sql, -1, 0, 0, NULL};
	ErrorContextCallback errcallback;

	push_position(&errcallback, &pos);

	list_free_deep(parse_script(&pos, transactional));

	error_context_stack = errcallback.previous;
}

/*
 * pim_migrate.statement_timeout: the server arms statement_timeout for
 * top-level statements only, so the script's statements get the timer
 * here, each for itself.  The timer is the server's own STATEMENT_TIMEOUT,
 * so expiry is the usual "canceling statement due to statement timeout"
 * (57014), with our context line; the caller's own statement_timeout, if
 * armed, is put back afterwards with whatever time it had left, and never
 * lengthened by ours.
 */
static bool timer_armed = false;	/* ours is set */
static bool outer_active = false;	/* the caller's was set */
static TimestampTz outer_finish;

static void
arm_statement_timeout(void)
{
	int			ms = pm_statement_timeout;

	outer_active = get_timeout_active(STATEMENT_TIMEOUT);
	if (outer_active)
	{
		long		secs;
		int			usecs;

		outer_finish = get_timeout_finish_time(STATEMENT_TIMEOUT);
		TimestampDifference(GetCurrentTimestamp(), outer_finish, &secs, &usecs);
		if (secs * 1000 + usecs / 1000 < ms)
			return;				/* the caller's timer fires first anyway */
	}
	enable_timeout_after(STATEMENT_TIMEOUT, ms);
	timer_armed = true;
}

/* Put the caller's timer back; also after an error (PG_FINALLY below). */
static void
disarm_statement_timeout(void)
{
	if (!timer_armed)
		return;
	timer_armed = false;
	if (outer_active)
		enable_timeout_at(STATEMENT_TIMEOUT, outer_finish);
	else
		disable_timeout(STATEMENT_TIMEOUT, false);
}

/*
 * pm_exec_catch_subxact
 *		In a PG_CATCH: roll back the internal subtransaction the caller
 *		began (only its owner may end it), put back the caller's memory
 *		context and resource owner, and return the error, copied into cxt,
 *		for the caller to report or rethrow.
 */
ErrorData *
pm_exec_catch_subxact(MemoryContext cxt, ResourceOwner owner)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(cxt);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	return edata;
}

/*
 * pm_exec_abort_subxact
 *		The same, rethrowing the error.
 */
void
pm_exec_abort_subxact(MemoryContext cxt, ResourceOwner owner)
{
	ReThrowError(pm_exec_catch_subxact(cxt, owner));
}

/* Byte offset just past a raw statement (the end of the script if last). */
static int
statement_end(const char *sql, RawStmt *raw)
{
	return raw->stmt_len > 0 ? raw->stmt_location + raw->stmt_len :
		(int) strlen(sql);
}

/*
 * The statements of raw parse trees (PmStatement: each from its first
 * token to its end, without the semicolon, the line where it starts, and
 * its parse tree).
 */
static List *
describe_statements(const char *sql, List *raws)
{
	List	   *result = NIL;
	ListCell   *lc;
	int			line = 1;
	int			counted = 0;

	foreach(lc, raws)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		int			start = skip_to_token(sql, raw->stmt_location);
		int			end = statement_end(sql, raw);
		PmStatement *stmt = palloc(sizeof(PmStatement));

		/* count lines from the previous statement on, not from the top */
		line += line_of_offset(sql + counted, start - counted) - 1;
		counted = start;
		stmt->line = line;
		stmt->sql = pnstrdup(sql + start, Max(end - start, 0));
		stmt->stmt = raw->stmt;
		stmt->offset = start;
		stmt->end = Max(end, start);
		result = lappend(result, stmt);
	}
	return result;
}

/*
 * The statements of a script (describe_statements), under an error context
 * that names it; refused is whether to refuse what a revision may not hold
 * (parse_script), or else only a syntax error.
 */
static List *
script_statements(const char *revision, PmDirection direction,
				  const char *sql, bool refused)
{
	ScriptPosition pos = {revision, direction, sql, -1, 0, 0, "script"};
	ErrorContextCallback errcallback;
	List	   *result;

	push_position(&errcallback, &pos);
	result = describe_statements(sql, refused ? parse_script(&pos, false) :
								 raw_parser(sql, RAW_PARSE_DEFAULT));
	error_context_stack = errcallback.previous;
	return result;
}

/*
 * pm_exec_split_script
 *		The statements of a script as the server's parser splits them:
 *		for writing a script out and for a client that runs them one by
 *		one.  Errors as at registration.
 */
List *
pm_exec_split_script(const char *revision, PmDirection direction,
					 const char *sql)
{
	return script_statements(revision, direction, sql, true);
}

/*
 * pm_exec_parse_script
 *		The same for any script, refusing nothing but a syntax error: for
 *		reading what a script would do (pim_migrate_lint).
 */
List *
pm_exec_parse_script(const char *revision, PmDirection direction,
					 const char *sql)
{
	return script_statements(revision, direction, sql, false);
}

/*
 * A tenant's scripts run as the ordinary case's do, with one difference:
 * its schema comes first on search_path, before the caller's, so that
 * what they create lands there and what they name is found there first.
 * Set at the script's GUC nest level (run_script), which ends with it.
 */
static void
set_tenant_search_path(const char *schema)
{
	const char *caller = GetConfigOption("search_path", false, false);
	char	   *path;
	Oid			nspid;

	/*
	 * A schema missing from search_path is skipped: were the tenant dropped
	 * meanwhile, what its scripts create would land in the caller's schemas.
	 * So it must exist, and is locked against DROP SCHEMA till the end of the
	 * transaction, as creating a table in it locks it
	 * (RangeVarGetAndCheckCreationNamespace), then checked again.
	 */
	nspid = get_namespace_oid(schema, false);
	LockDatabaseObject(NamespaceRelationId, nspid, 0, AccessShareLock);
	if (!SearchSysCacheExists1(NAMESPACEOID, ObjectIdGetDatum(nspid)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema),
				 errdetail("It was dropped while it was being migrated.")));

	if (caller && *caller)
		path = psprintf("%s, %s", quote_identifier(schema), caller);
	else
		path = pstrdup(quote_identifier(schema));

	(void) set_config_option("search_path", path, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	pfree(path);
}

/*
 * run_script
 *		Run every statement of a script in the current transaction; watch
 *		(pim_migrate_plan's, see watch.c), if not NULL, is told before and
 *		after each.  It is passed down, not kept in a global, so that a
 *		statement that runs a script in turn (pim_migrate_diff) runs that
 *		one unwatched: pim_migrate_plan watches the migration's own
 *		statements only.  schema, unless "" (the ordinary case: the
 *		caller's search_path as it is), is a tenant, put first on
 *		search_path for the script.
 */
static void
run_script(const char *revision, PmDirection direction, const char *sql,
		   const char *schema, PmStatementWatch *watch)
{
	ScriptPosition pos = {revision, direction, sql, -1, 0, 0, NULL};
	ErrorContextCallback errcallback;
	DestReceiver *dest = CreateDestReceiver(DestNone);
	List	   *stmts;
	ListCell   *lc;
	int			line = 1;
	int			counted = 0;
	MemoryContext stmtcxt;
	int			guc_level;

	push_position(&errcallback, &pos);

	stmts = parse_script(&pos, false);
	stmtcxt = AllocSetContextCreate(CurrentMemoryContext,
									"pim_migrate statement",
									ALLOCSET_DEFAULT_SIZES);

	/*
	 * pim_migrate.lock_timeout applies to this script only: a nested GUC
	 * level, as a function's SET clause makes, undone below or by abort.
	 */
	guc_level = NewGUCNestLevel();
	(void) set_config_option("pim_migrate.running_revision", revision,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true,
							 0, false);
	if (*schema != '\0')
		set_tenant_search_path(schema);
	if (pm_lock_timeout > 0)
	{
		char		value[32];

		snprintf(value, sizeof(value), "%d", pm_lock_timeout);
		(void) set_config_option("lock_timeout", value, PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
								 false);
	}

	/* the timer is ours to put back, whatever happens to the statement */
	PG_TRY();
	{
		foreach(lc, stmts)
		{
			RawStmt    *raw = lfirst_node(RawStmt, lc);
			MemoryContext oldcxt;
			List	   *planned;
			ListCell   *lc2;
			int			token = skip_to_token(sql, raw->stmt_location);

			CHECK_FOR_INTERRUPTS();

			/* count lines incrementally: linear in the script's length */
			for (; counted < token; counted++)
				if (sql[counted] == '\n')
					line++;
			pos.stmt_location = raw->stmt_location;
			pos.stmt_len = raw->stmt_len;
			pos.stmt_line = line;

			oldcxt = MemoryContextSwitchTo(stmtcxt);
			if (pm_statement_timeout > 0)
				arm_statement_timeout();
			CommandCounterIncrement();
			if (watch)
				watch->before(watch, raw->stmt, sql + raw->stmt_location,
							  token - raw->stmt_location);
			planned = pg_analyze_and_rewrite_fixedparams(raw, sql, NULL, 0, NULL);
			planned = pg_plan_queries(planned, sql, CURSOR_OPT_PARALLEL_OK, NULL);

			foreach(lc2, planned)
			{
				PlannedStmt *stmt = lfirst_node(PlannedStmt, lc2);

				CommandCounterIncrement();
				PushActiveSnapshot(GetTransactionSnapshot());
				if (stmt->utilityStmt == NULL)
				{
					QueryDesc  *qdesc = CreateQueryDesc(stmt, sql,
														GetActiveSnapshot(), NULL,
														dest, NULL, NULL, 0);

					ExecutorStart(qdesc, 0);
#if PG_VERSION_NUM >= 180000
					/* PostgreSQL 18 dropped ExecutorRun()'s execute_once */
					ExecutorRun(qdesc, ForwardScanDirection, 0);
#else
					ExecutorRun(qdesc, ForwardScanDirection, 0, true);
#endif
					ExecutorFinish(qdesc);
					ExecutorEnd(qdesc);
					FreeQueryDesc(qdesc);
				}
				else
					ProcessUtility(stmt, sql, false, PROCESS_UTILITY_QUERY,
								   NULL, NULL, dest, NULL);
				PopActiveSnapshot();
			}
			disarm_statement_timeout();
			if (watch)
				watch->after(watch, revision, line,
							 pnstrdup(sql + token,
									  Max(statement_end(sql, raw) - token, 0)),
							 raw->stmt);
			MemoryContextSwitchTo(oldcxt);
			MemoryContextReset(stmtcxt);
		}
	}
	PG_FINALLY();
	{
		disarm_statement_timeout();
	}
	PG_END_TRY();
	CommandCounterIncrement();
	MemoryContextDelete(stmtcxt);
	AtEOXact_GUC(true, guc_level);

	error_context_stack = errcallback.previous;
}

/*
 * pm_exec_run_desired
 *		Run the statements of a desired schema (pim_migrate_diff) in the
 *		current schema search path, after check approved each of them; an
 *		error names the line of the file ("desired schema, line N").  A
 *		statement check returns false for is left out: it is blanked in a
 *		copy of the file, so that lines keep their numbers.
 */
void
pm_exec_run_desired(const char *sql, bool (*check) (Node *stmt))
{
	ScriptPosition pos = {NULL, PM_UPGRADE, sql, -1, 0, 0, NULL};
	ErrorContextCallback errcallback;
	ListCell   *lc;
	char	   *kept = pstrdup(sql);
	size_t		len = strlen(sql);

	push_position(&errcallback, &pos);
	foreach(lc, raw_parser(sql, RAW_PARSE_DEFAULT))
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);

		/* script_error_callback reads pos, through errcallback.arg */
		/* cppcheck-suppress unreadVariable */
		pos.stmt_location = raw->stmt_location;
		/* cppcheck-suppress unreadVariable */
		pos.stmt_len = raw->stmt_len;
		/* cppcheck-suppress unreadVariable */
		pos.stmt_line = line_of_offset(sql, skip_to_token(sql, raw->stmt_location));
		if (!check(raw->stmt))
		{
			size_t		end = raw->stmt_len > 0 ?
			(size_t) raw->stmt_location + raw->stmt_len : len;

			for (size_t i = raw->stmt_location; i < end && i < len; i++)
				if (kept[i] != '\n')
					kept[i] = ' ';
		}
	}
	error_context_stack = errcallback.previous;
	run_script(NULL, PM_UPGRADE, kept, "", NULL);
}

/*
 * pm_exec_check_checkpoint
 *		Refuse a step of a checkpoint that cannot work: a downgrade (its
 *		script built the schema of everything below it, which nothing
 *		takes back), and bookkeeping only (builds false) on a database
 *		where what it stands for is not there, since its down_revision is
 *		not registered.
 */
void
pm_exec_check_checkpoint(PmGraph *graph, const PmStep *step, bool builds)
{
	PmNode	   *node = &graph->revs[step->rev];

	if (!node->checkpoint)
		return;
	if (step->direction == PM_DOWNGRADE)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot downgrade below checkpoint \"%s\"", node->id),
				 errdetail("The checkpoint's script built the schema of every revision below it, which no downgrade takes back; nothing was run."),
				 errhint("Downgrade to \"%s\" or a revision above it.", node->id)));
	if (!builds && node->nparents < node->nparent_names)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("checkpoint \"%s\" cannot be applied to a database that has revisions applied",
						node->id),
				 errdetail("Its down_revision \"%s\" is not registered, so the revisions it stands for cannot be applied first, and its script builds the whole schema.",
						   node->parent_names[0]),
				 errhint("Register the revisions below the checkpoint, or upgrade a database that has nothing applied.")));
}

/*
 * pm_exec_check_plan
 *		Refuse a plan before anything runs: a downgrade through a revision
 *		that has no downgrade script, and, when it is to run in this
 *		transaction (online), a revision that no transaction may hold.
 */
void
pm_exec_check_plan(PmGraph *graph, List *plan, bool online)
{
	ListCell   *lc;

	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);

		/* only the first step runs on a database with nothing applied */
		pm_exec_check_checkpoint(graph, step,
								 foreach_current_index(lc) == 0 &&
								 pm_graph_checkpoint_builds(graph, step->rev));

		/* the command and offline scripts run them, but not per tenant */
		if (online && !graph->revs[step->rev].transactional &&
			*graph->schema != '\0')
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" cannot run inside a transaction",
							graph->revs[step->rev].id),
					 errdetail("It is marked \"Transactional: false\"; nothing was run."),
					 errhint("Tenants cannot run such a revision yet: run its statements in each tenant schema by hand, then record it with pim_migrate_stamp(..., schemas => ...).")));
		if (online && !graph->revs[step->rev].transactional)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" cannot run inside a transaction",
							graph->revs[step->rev].id),
					 errdetail("It is marked \"Transactional: false\"; nothing was run."),
					 errhint("Run the migration with the pim_migrate command (pim_migrate %s), which runs such a revision statement by statement outside a transaction, or write it with pim_migrate_%s_sql() and run that script with psql.",
							 pm_direction_name(step->direction),
							 pm_direction_name(step->direction))));
		if (step->direction == PM_DOWNGRADE && graph->revs[step->rev].irreversible)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" has no downgrade script",
							graph->revs[step->rev].id),
					 errdetail_plural("The downgrade would have to take back %d revision; nothing was run.",
									  "The downgrade would have to take back %d revisions; nothing was run.",
									  list_length(plan), list_length(plan)),
					 errhint("Downgrade to a revision above it, or register the revision again with a downgrade section while it is not applied.")));
	}
}

/*
 * A run of steps in one transaction writes its log rows in bulk, every
 * PM_LOG_BATCH steps and at its end: a row per step, each its own
 * statement, cost more than the scripts of small revisions (an executor
 * start each, the CHECK constraint parsed each time).  Nobody else sees the
 * transaction, and an error takes everything back, so nothing is lost by
 * waiting.  The version rows are written at each step, so that a script
 * that looks at the migration it is part of sees where it stands; in a run
 * over tenants, where that statement would cost a tenth of small
 * revisions, once per tenant, when its steps are done
 * (pm_exec_run_tenant_done): a script sees where its tenant stood before
 * the run.
 */
#define PM_LOG_BATCH 1000

struct PmRun
{
	MemoryContext cxt;			/* the batch lives here */
	const char *applied_by;
	int			n;				/* log rows buffered */
	int			nsteps;			/* steps run or recorded in all */

	/*
	 * A run over tenants applies the same revisions again and again: their
	 * scripts are read once, into defcxt, indexed by graph position.  The
	 * migration lock, held for the whole transaction, keeps them as read.
	 */
	MemoryContext defcxt;		/* NULL: no cache (a run of one schema) */
	PmRevisionDef **defs;
	int			ndefs;
	List	   *tenant_version; /* the version rows the tenant began with */
	Datum		schemas[PM_LOG_BATCH];
	Datum		revisions[PM_LOG_BATCH];
	Datum		operations[PM_LOG_BATCH];
	Datum		applied_at[PM_LOG_BATCH];
	Datum		durations[PM_LOG_BATCH];
	Datum		checksums[PM_LOG_BATCH];
	bool		checksum_nulls[PM_LOG_BATCH];
};

/*
 * pm_exec_run_begin
 *		Start a run of steps in the current transaction.
 */
PmRun *
pm_exec_run_begin(const char *applied_by)
{
	PmRun	   *run = palloc0(sizeof(PmRun));

	run->cxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate log batch",
									 ALLOCSET_DEFAULT_SIZES);
	run->applied_by = applied_by;
	return run;
}

/*
 * pm_exec_run_begin_tenants
 *		The same for a run over tenants on one graph, which reads each
 *		revision's scripts once.
 */
PmRun *
pm_exec_run_begin_tenants(const char *applied_by)
{
	PmRun	   *run = pm_exec_run_begin(applied_by);

	run->defcxt = AllocSetContextCreate(CurrentMemoryContext,
										"pim_migrate scripts",
										ALLOCSET_DEFAULT_SIZES);
	return run;
}

/*
 * The revision of a step with its scripts, from the run's cache when it
 * has one, or NULL if it is gone from the catalog.
 */
static PmRevisionDef *
step_definition(PmGraph *graph, int rev, PmRun *run)
{
	MemoryContext oldcxt;

	if (run == NULL || run->defcxt == NULL)
		return pm_catalog_fetch_revision(graph->revs[rev].id);
	if (run->defs == NULL)
	{
		run->ndefs = graph->n;
		run->defs = MemoryContextAllocZero(run->defcxt,
										   sizeof(PmRevisionDef *) * (graph->n + 1));
	}
	Assert(rev < run->ndefs);
	if (run->defs[rev] == NULL)
	{
		oldcxt = MemoryContextSwitchTo(run->defcxt);
		run->defs[rev] = pm_catalog_fetch_revision(graph->revs[rev].id);
		MemoryContextSwitchTo(oldcxt);
	}
	return run->defs[rev];
}

static void
flush_log(PmRun *run)
{
	if (run->n == 0)
		return;
	pm_catalog_log_steps(run->n, run->revisions, run->operations,
						 run->applied_at, run->durations, run->checksums,
						 run->checksum_nulls, run->schemas, run->applied_by);
	MemoryContextReset(run->cxt);
	run->n = 0;
}

static void
buffer_log(PmRun *run, const char *schema, const char *revision,
		   PmDirection direction, TimestampTz started, const char *checksum)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(run->cxt);
	int			k = run->n++;

	run->nsteps++;

	run->schemas[k] = DirectFunctionCall1(namein, CStringGetDatum(schema));
	run->revisions[k] = CStringGetTextDatum(revision);
	run->operations[k] = CStringGetTextDatum(pm_direction_name(direction));
	run->applied_at[k] = TimestampTzGetDatum(started);
	/* the interval "clock_timestamp() - started" would give */
	run->durations[k] = DirectFunctionCall2(timestamp_mi,
											TimestampTzGetDatum(GetCurrentTimestamp()),
											TimestampTzGetDatum(started));
	run->checksum_nulls[k] = (checksum == NULL);
	run->checksums[k] = checksum ? CStringGetTextDatum(checksum) : (Datum) 0;
	MemoryContextSwitchTo(oldcxt);
	if (run->n == PM_LOG_BATCH)
		flush_log(run);
}

/*
 * pm_exec_run_end
 *		Write the log rows the run still buffers, and the fingerprint of
 *		the schema the run left (a run over tenants takes none: see
 *		tenant.c).
 */
void
pm_exec_run_end(PmRun *run)
{
	flush_log(run);
	if (run->nsteps > 0 && run->defcxt == NULL)
		pm_drift_fingerprint_current();
	MemoryContextDelete(run->cxt);
	if (run->defcxt)
		MemoryContextDelete(run->defcxt);
	pfree(run);
}

/*
 * pm_exec_run_tenant_begin
 *		In a run over tenants, the steps of graph->schema begin, from these
 *		version rows (the graph's now; kept, not copied, till the tenant is
 *		done).
 */
void
pm_exec_run_tenant_begin(PmRun *run, List *version)
{
	Assert(run->defcxt != NULL);
	run->tenant_version = version;
}

/*
 * pm_exec_run_tenant_done
 *		The steps of graph->schema are done: write its version rows as the
 *		graph now holds them.
 */
void
pm_exec_run_tenant_done(PmRun *run, PmGraph *graph)
{
	List	   *now = pm_graph_version_ids(graph);
	List	   *deletes = NIL;
	List	   *inserts = NIL;
	ListCell   *lc;

	Assert(run->defcxt != NULL);
	foreach(lc, run->tenant_version)
		if (!pm_name_in_list(now, lfirst(lc)))
		deletes = lappend(deletes, lfirst(lc));
	foreach(lc, now)
		if (!pm_name_in_list(run->tenant_version, lfirst(lc)))
		inserts = lappend(inserts, lfirst(lc));
	if (deletes != NIL || inserts != NIL)
		pm_catalog_change_version(graph->schema, deletes, inserts);
	run->tenant_version = NIL;
}

/*
 * pm_exec_record_only
 *		The bookkeeping of a step whose statements a client ran itself.
 */
void
pm_exec_record_only(PmGraph *graph, const PmStep *step, PmRun *run,
					TimestampTz started)
{
	List	   *deletes = NIL;
	List	   *inserts = NIL;

	pm_graph_apply_step(graph, step, &deletes, &inserts);
	pm_catalog_change_version(graph->schema, deletes, inserts);
	buffer_log(run, graph->schema, graph->revs[step->rev].id, step->direction,
			   started,
			   pm_catalog_fetch_revision(graph->revs[step->rev].id)->checksum);
}

/*
 * pm_exec_step
 *		Run one step: its script, then its bookkeeping, and update the
 *		graph's applied state.  Allocates in the current context, which the
 *		caller resets between steps.  applied_by names the caller.  With a
 *		run (pm_exec_run_begin), the bookkeeping is buffered for
 *		pm_exec_run_end; without, it is written now (a step that commits on
 *		its own).  watch: see run_script.
 */
void
pm_exec_step(PmGraph *graph, const PmStep *step, const char *applied_by,
			 PmRun *run, PmStatementWatch *watch)
{
	PmNode	   *node = &graph->revs[step->rev];
	PmRevisionDef *def;
	TimestampTz started;
	List	   *deletes = NIL;
	List	   *inserts = NIL;
	char	   *parents;
	bool		builds;

	CHECK_FOR_INTERRUPTS();
	def = step_definition(graph, step->rev, run);
	if (def == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" was removed from the catalog during the migration",
						node->id),
				 errhint("A revision script must not edit pim_migrate's catalog.")));

	builds = pm_graph_checkpoint_builds(graph, step->rev);
	pm_exec_check_checkpoint(graph, step, builds);
	parents = pm_join_array(node->parent_names, node->nparent_names);
	if (step->direction == PM_UPGRADE)
		ereport(NOTICE,
				(errmsg("Running upgrade %s -> %s, %s",
						parents, node->id, node->message),
				 !node->checkpoint ? 0 : builds ?
				 errdetail("%s", PM_CHECKPOINT_BUILDS) :
				 errdetail("%s", PM_CHECKPOINT_RECORDS)));
	else
		ereport(NOTICE,
				(errmsg("Running downgrade %s -> %s, %s",
						node->id, parents, node->message)));

	started = GetCurrentTimestamp();
	if (!node->checkpoint || builds)
		run_script(node->id, step->direction,
				   step->direction == PM_UPGRADE ? def->upgrade_sql :
				   def->downgrade_sql, graph->schema, watch);

	pm_graph_apply_step(graph, step, &deletes, &inserts);
	if (run)
	{
		/* over tenants, at pm_exec_run_tenant_done */
		if (run->defcxt == NULL)
			pm_catalog_change_version(graph->schema, deletes, inserts);
		buffer_log(run, graph->schema, node->id, step->direction, started,
				   def->checksum);
	}
	else
		pm_catalog_record_step(graph->schema, node->id, step->direction,
							   deletes, inserts, started, applied_by,
							   def->checksum);
}

/*
 * pm_exec_put_step
 *		The row a migrating function returns for a step it ran: (step,
 *		revision, operation, message).
 */
void
pm_exec_put_step(Tuplestorestate *tupstore, TupleDesc tupdesc, int nstep,
				 const PmNode *node, PmDirection direction)
{
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	values[0] = Int32GetDatum(nstep);
	values[1] = CStringGetTextDatum(node->id);
	values[2] = CStringGetTextDatum(pm_direction_name(direction));
	values[3] = CStringGetTextDatum(node->message);
	tuplestore_putvalues(tupstore, tupdesc, values, nulls);
}

/*
 * pm_exec_plan
 *		Run the steps of a plan (from pm_graph_plan_*), updating the graph's
 *		applied state as it goes, and put one row per step into tupstore
 *		(step, revision, operation, message) unless it is NULL; watch: see
 *		run_script.  The caller holds the migration lock and an SPI
 *		connection, and checked the plan (pm_exec_check_plan) before it
 *		did anything else.  Returns the number of steps.
 */
int
pm_exec_plan(PmGraph *graph, List *plan, Tuplestorestate *tupstore,
			 TupleDesc tupdesc, PmStatementWatch *watch)
{
	MemoryContext stepcxt;
	char	   *applied_by = GetUserNameFromId(GetUserId(), false);
	ListCell   *lc;
	int			nstep = 0;

	PmRun	   *run = pm_exec_run_begin(applied_by);

	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate step",
									ALLOCSET_DEFAULT_SIZES);
	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);
		PmNode	   *node = &graph->revs[step->rev];
		MemoryContext oldcxt = MemoryContextSwitchTo(stepcxt);

		pm_exec_step(graph, step, applied_by, run, watch);
		++nstep;
		if (tupstore)
			pm_exec_put_step(tupstore, tupdesc, nstep, node, step->direction);

		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(stepcxt);
	}
	MemoryContextDelete(stepcxt);
	pm_exec_run_end(run);
	return nstep;
}
