/*-------------------------------------------------------------------------
 *
 * drift.c
 *	  Changes to a migrated schema that no migration made: recorded as they
 *	  happen by an opt-in event trigger, and found as they stand by
 *	  comparing the live schema with the fingerprint the last migration
 *	  left.
 *
 * The fingerprint is the diff module's description of the schema
 * (diff_describe.c), one row per object in pim_migrate.schema_object,
 * without the oids: a dump and restore keeps it true.  The event trigger
 * must never make a user's DDL fail, so all it does runs in a
 * subtransaction whose errors become a WARNING.
 *
 * src/drift.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_extension.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "pim_migrate.h"
#include "diff.h"

/*
 * The revision whose script runs now, set by run_script for its statements
 * and by the command around the statements it runs itself; empty outside
 * a migration.  The event trigger records only what runs with it empty.
 */
char	   *pm_running_revision = NULL;

/* the event triggers pim_migrate_watch_ddl creates, and their events */
static const struct
{
	const char *name;
	const char *event;
}			watch_triggers[] =

{
	{"pim_migrate_watch_ddl", "ddl_command_end"},
	{"pim_migrate_watch_drop", "sql_drop"},
};

/*
 * Temporary objects are a session's own, not the schema's; objects made
 * by CREATE EXTENSION are the extension's.
 */
#define Q_RECORD_DDL \
"INSERT INTO pim_migrate.ddl_event (at, by, command_tag, object_type, schema_name, object_identity) " \
"SELECT pg_catalog.statement_timestamp(), $1, c.command_tag, c.object_type, c.schema_name, c.object_identity " \
"FROM pg_catalog.pg_event_trigger_ddl_commands() c " \
"WHERE NOT c.in_extension AND c.schema_name IS DISTINCT FROM 'pim_migrate' " \
"AND (c.schema_name IS NULL OR c.schema_name !~ '^pg_(toast_)?temp')"

#define Q_RECORD_DROP \
"INSERT INTO pim_migrate.ddl_event (at, by, command_tag, object_type, schema_name, object_identity) " \
"SELECT pg_catalog.statement_timestamp(), $1, $2, d.object_type, d.schema_name, d.object_identity " \
"FROM pg_catalog.pg_event_trigger_dropped_objects() d " \
"WHERE d.original AND NOT d.is_temporary AND d.schema_name IS DISTINCT FROM 'pim_migrate'"

/*
 * The inserts, planned once per session: the trigger fires for every DDL
 * command.  A plan kept across transactions is invalidated and replanned
 * by the plan cache when the table changes.
 */
static SPIPlanPtr ddl_plan = NULL;
static SPIPlanPtr drop_plan = NULL;

/*
 * record_event
 *		Insert the rows of one event into pim_migrate.ddl_event, as the
 *		catalog's owner: the role running the DDL need not be allowed to
 *		write there, and is recorded as by.
 */
static void
record_event(EventTriggerData *trigdata)
{
	PmUserContext save;
	Datum		args[2];
	bool		drop = strcmp(trigdata->event, "sql_drop") == 0;
	SPIPlanPtr *plan;
	int			rc;

	args[0] = DirectFunctionCall1(namein,
								  CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	args[1] = CStringGetTextDatum(GetCommandTagName(trigdata->tag));

	pm_catalog_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = drop ? &drop_plan : &ddl_plan;
	if (*plan == NULL)
	{
		Oid			types[2] = {NAMEOID, TEXTOID};
		SPIPlanPtr	p = SPI_prepare(drop ? Q_RECORD_DROP : Q_RECORD_DDL,
									drop ? 2 : 1, types);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR, "could not prepare the DDL watch's insert: %s",
				 SPI_result_code_string(SPI_result));
		*plan = p;
	}
	rc = SPI_execute_plan(*plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not record a DDL command: %s",
			 SPI_result_code_string(rc));
	SPI_finish();
	pm_catalog_restore_user(&save);
}

/*
 * pim_migrate.ddl_watch
 *		The event trigger function: record a DDL command that runs outside
 *		a migration.  Whatever goes wrong is rolled back with a
 *		subtransaction and reported as a WARNING; the user's command goes
 *		on.
 */
PG_FUNCTION_INFO_V1(pim_migrate_ddl_watch);
Datum
pim_migrate_ddl_watch(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function pim_migrate.ddl_watch must be called as an event trigger")));
	if (pm_running_revision != NULL && pm_running_revision[0] != '\0')
		PG_RETURN_VOID();

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		record_event((EventTriggerData *) fcinfo->context);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = pm_exec_catch_subxact(cxt, owner);

		ereport(WARNING,
				(errmsg("pim_migrate could not record a DDL command: %s",
						edata->message),
				 errdetail("The command itself was not affected.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/*
 * pim_migrate_watch_ddl(on boolean) RETURNS boolean
 *		Create or drop the event triggers that record DDL run outside
 *		migrations; returns whether they were on before.  They are not
 *		members of the extension, so that pg_dump carries them, and depend
 *		on it automatically, so that DROP EXTENSION takes them along.
 */
PG_FUNCTION_INFO_V1(pim_migrate_watch_ddl);
Datum
pim_migrate_watch_ddl(PG_FUNCTION_ARGS)
{
	bool		on = PG_GETARG_BOOL(0);
	bool		was_on = false;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to watch DDL"),
				 errdetail("Watching DDL creates event triggers, which only superusers may create.")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	for (size_t i = 0; i < lengthof(watch_triggers); i++)
	{
		const char *name = watch_triggers[i].name;
		bool		exists = OidIsValid(get_event_trigger_oid(name, true));
		char	   *sql = NULL;

		was_on |= exists;
		if (on && !exists)
			sql = psprintf("CREATE EVENT TRIGGER %s ON %s "
						   "EXECUTE FUNCTION pim_migrate.ddl_watch()",
						   quote_identifier(name), watch_triggers[i].event);
		else if (!on && exists)
			sql = psprintf("DROP EVENT TRIGGER %s", quote_identifier(name));
		if (sql == NULL)
			continue;
		if (SPI_execute(sql, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not run \"%s\"", sql);
		if (on)
		{
			ObjectAddress trigger;
			ObjectAddress extension;

			ObjectAddressSet(trigger, EventTriggerRelationId,
							 get_event_trigger_oid(name, false));
			ObjectAddressSet(extension, ExtensionRelationId,
							 get_extension_oid("pim_migrate", false));
			recordDependencyOn(&trigger, &extension, DEPENDENCY_AUTO);
		}
	}
	SPI_finish();
	PG_RETURN_BOOL(was_on);
}

/*
 * pm_drift_take_fingerprint
 *		Store the fingerprint of schema as it stands, replacing the one
 *		before.  The caller holds an SPI connection, as after a migration.
 */
void
pm_drift_take_fingerprint(const char *schema)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "pim_migrate fingerprint",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	DiffSet		set;
	ArrayBuildState *cols[9];
	Datum		args[10];
	Oid			types[10] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TEXTARRAYOID, BOOLARRAYOID, BOOLARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID};
	int			rc;

	set = pm_diff_describe(schema, pm_diff_schema_path(NULL, schema),
						   (Datum) 0, (Datum) 0);
	for (int c = 0; c < 9; c++)
		cols[c] = initArrayResult(types[c + 1] == BOOLARRAYOID ? BOOLOID : TEXTOID,
								  cxt, false);
	for (int i = 0; i < set.n; i++)
	{
		DiffObj    *o = &set.objs[i];
		const char *texts[9] = {o->kind, o->parent, o->name, o->def, o->extra,
		NULL, NULL, o->clause, o->opts};
		bool		flags[9] = {false, false, false, false, false,
		o->notnull, o->atomic, false, false};

		for (int c = 0; c < 9; c++)
		{
			if (types[c + 1] == BOOLARRAYOID)
				accumArrayResult(cols[c], BoolGetDatum(flags[c]), false,
								 BOOLOID, cxt);
			else
				accumArrayResult(cols[c],
								 texts[c] ? CStringGetTextDatum(texts[c]) : (Datum) 0,
								 texts[c] == NULL, TEXTOID, cxt);
		}
	}
	args[0] = CStringGetTextDatum(schema);
	for (int c = 0; c < 9; c++)
		args[c + 1] = makeArrayResult(cols[c], cxt);

	rc = SPI_execute_with_args("DELETE FROM pim_migrate.schema_object WHERE schema = $1",
							   1, types, args, NULL, false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "could not replace the fingerprint: %s",
			 SPI_result_code_string(rc));
	rc = SPI_execute_with_args("INSERT INTO pim_migrate.schema_object "
							   "SELECT $1, u.* FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3), "
							   "pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), "
							   "pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9), "
							   "pg_catalog.unnest($10)) "
							   "AS u(kind, parent, name, def, extra, not_null, atomic, clause, opts)",
							   10, types, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not store the fingerprint: %s",
			 SPI_result_code_string(rc));
	rc = SPI_execute_with_args("INSERT INTO pim_migrate.fingerprint AS f (schema, taken_at) "
							   "VALUES ($1, pg_catalog.statement_timestamp()) ON CONFLICT (schema) "
							   "DO UPDATE SET taken_at = excluded.taken_at",
							   1, types, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not store the fingerprint: %s",
			 SPI_result_code_string(rc));
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* A database still at version 1.0 of the extension has no fingerprints. */
static bool
have_fingerprints(void)
{
	return OidIsValid(get_relname_relid("fingerprint",
										get_namespace_oid(PM_SCHEMA_NAME, false)));
}

/*
 * pm_drift_current_schema
 *		The schema a migration runs in: the first schema of search_path
 *		that exists, where its unqualified names go.  NULL when none.
 */
char *
pm_drift_current_schema(void)
{
	List	   *path = fetch_search_path(false);

	return path == NIL ? NULL : get_namespace_name(linitial_oid(path));
}

/*
 * pm_drift_fingerprint_current
 *		The fingerprint of the schema a migration ran in.
 */
void
pm_drift_fingerprint_current(void)
{
	char	   *schema = pm_drift_current_schema();
	PmUserContext save;

	if (schema == NULL || !have_fingerprints())
		return;
	pm_catalog_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pm_drift_take_fingerprint(schema);
	SPI_finish();
	pm_catalog_restore_user(&save);
}

/* One row of pim_migrate_drift's result. */
static void
put_drift(Tuplestorestate *store, TupleDesc desc, const char *source,
		  Datum at, bool at_null, const char *by, const char *what,
		  const char *detail)
{
	Datum		values[5];
	bool		nulls[5] = {false, at_null, by == NULL, false, detail == NULL};

	values[0] = CStringGetTextDatum(source);
	values[1] = at;
	values[2] = by ? DirectFunctionCall1(namein, CStringGetDatum(by)) : (Datum) 0;
	values[3] = CStringGetTextDatum(what);
	values[4] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	tuplestore_putvalues(store, desc, values, nulls);
}

/*
 * What schema, as it stands, adds, drops or changes against its
 * fingerprint (DiffChange).  The caller holds an SPI connection and reads
 * as the catalog's owner.
 */
static List *
fingerprint_changes(const char *schema)
{
	MemoryContext cxt = CurrentMemoryContext;
	DiffSet		live;
	DiffSet		was = {NULL, 0, NULL};
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			rc;

	args[0] = CStringGetTextDatum(schema);
	live = pm_diff_describe(schema, pm_diff_schema_path(NULL, schema),
							(Datum) 0, (Datum) 0);
	rc = SPI_execute_with_args("SELECT kind, parent, name, def, extra, not_null, atomic, clause, opts "
							   "FROM pim_migrate.schema_object WHERE schema = $1",
							   1, argtypes, args, NULL, true, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the fingerprint: %s",
			 SPI_result_code_string(rc));
	was.n = (int) SPI_processed;
	was.objs = palloc0(sizeof(DiffObj) * (was.n + 1));
	for (int k = 0; k < was.n; k++)
	{
		HeapTuple	tup = SPI_tuptable->vals[k];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		DiffObj    *o = &was.objs[k];

		o->kind = SPI_getvalue(tup, td, 1);
		o->parent = SPI_getvalue(tup, td, 2);
		if (o->parent == NULL)
			o->parent = pstrdup("");
		o->name = SPI_getvalue(tup, td, 3);
		o->def = SPI_getvalue(tup, td, 4);
		o->extra = SPI_getvalue(tup, td, 5);
		o->notnull = DatumGetBool(SPI_getbinval(tup, td, 6, &isnull));
		o->atomic = DatumGetBool(SPI_getbinval(tup, td, 7, &isnull));
		o->clause = SPI_getvalue(tup, td, 8);
		o->opts = SPI_getvalue(tup, td, 9);
		if (o->def == NULL)
			o->def = pstrdup("");
	}
	return pm_diff_changes(&was, &live, "the fingerprint of the last migration",
						   "the schema");
}

/*
 * pm_drift_status
 *		Whether the schema migrations run in drifted since its last
 *		migration: 1 when it did, 0 when not, -1 when nothing can tell (no
 *		fingerprint of it, or the extension still at 1.0).  For
 *		pim_migrate_status and the command; the caller holds an SPI
 *		connection.
 */
int
pm_drift_status(void)
{
	char	   *schema = pm_drift_current_schema();
	PmUserContext save;
	int			result = -1;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			rc;

	if (schema == NULL || !have_fingerprints())
		return -1;
	/* a text argument: schema is a C string, not a NameData */
	args[0] = CStringGetTextDatum(schema);
	pm_catalog_become_owner(&save);
	rc = SPI_execute_with_args("SELECT 1 FROM pim_migrate.fingerprint WHERE schema = $1",
							   1, argtypes, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the fingerprints: %s",
			 SPI_result_code_string(rc));
	if (SPI_processed > 0)
		result = fingerprint_changes(schema) != NIL;
	pm_catalog_restore_user(&save);
	return result;
}

/*
 * The rows of schema's fingerprint compared with the schema as it stands:
 * what was added, dropped or changed since the last migration.
 */
static void
compare_fingerprint(Tuplestorestate *store, TupleDesc desc,
					const char *schema, Datum taken_at)
{
	ListCell   *lc;

	foreach(lc, fingerprint_changes(schema))
	{
		DiffChange *c = lfirst(lc);

		put_drift(store, desc, "schema", taken_at, true, NULL, c->what, c->detail);
	}
}

/*
 * pim_migrate_drift(schema name DEFAULT NULL)
 *		RETURNS TABLE(source text, at timestamptz, by name, what text,
 *					  detail text)
 *		What changed in the migrated schemas (schema, or every one with a
 *		fingerprint) since their last migration: the DDL the event trigger
 *		recorded (source 'ddl'), and the differences between the live
 *		schema and the fingerprint (source 'schema'), which exist even
 *		where the trigger was off.
 */
PG_FUNCTION_INFO_V1(pim_migrate_drift);
Datum
pim_migrate_drift(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext cxt;
	Datum		schema = PG_ARGISNULL(0) ? (Datum) 0 : NameGetDatum(PG_GETARG_NAME(0));
	Oid			nametype[1] = {NAMEOID};
	int			rc;
	int			nschemas;
	char	  **schemas;
	Datum	   *taken;

	PmUserContext save;

	InitMaterializedSRF(fcinfo, 0);
	cxt = CurrentMemoryContext;
	pm_catalog_become_owner(&save);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * The DDL recorded since the fingerprint of its schema; DDL of no schema
	 * or of one never migrated, since the last migration of any.
	 */
	rc = SPI_execute_with_args("SELECT e.at, e.by, e.command_tag || ' ' || "
							   "COALESCE(e.object_identity, e.object_type), e.object_type "
							   "FROM pim_migrate.ddl_event e "
							   "LEFT JOIN pim_migrate.fingerprint f ON f.schema = e.schema_name "
							   "WHERE ($1 IS NULL OR e.schema_name = $1) "
							   "AND e.at > COALESCE(f.taken_at, "
							   " (SELECT pg_catalog.max(taken_at) FROM pim_migrate.fingerprint), '-infinity') "
							   "ORDER BY e.at, e.id",
							   1, nametype, &schema, schema ? NULL : "n", true, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the recorded DDL: %s",
			 SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;

		put_drift(rsinfo->setResult, rsinfo->setDesc, "ddl",
				  SPI_getbinval(tup, td, 1, &isnull), false,
				  SPI_getvalue(tup, td, 2), SPI_getvalue(tup, td, 3),
				  SPI_getvalue(tup, td, 4));
	}

	/* the schemas with a fingerprint */
	rc = SPI_execute_with_args("SELECT schema, taken_at FROM pim_migrate.fingerprint "
							   "WHERE ($1 IS NULL OR schema = $1) "
							   "AND pg_catalog.to_regnamespace(pg_catalog.quote_ident(schema)) IS NOT NULL "
							   "ORDER BY schema",
							   1, nametype, &schema, schema ? NULL : "n", true, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the fingerprints: %s",
			 SPI_result_code_string(rc));
	nschemas = (int) SPI_processed;
	schemas = palloc(sizeof(char *) * (nschemas + 1));
	taken = palloc(sizeof(Datum) * (nschemas + 1));
	for (int i = 0; i < nschemas; i++)
	{
		bool		isnull;

		schemas[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		taken[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);
	}
	for (int i = 0; i < nschemas; i++)
		compare_fingerprint(rsinfo->setResult, rsinfo->setDesc, schemas[i], taken[i]);

	SPI_finish();
	pm_catalog_restore_user(&save);
	return (Datum) 0;
}
