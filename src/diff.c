/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  Autogenerate: the DDL that turns a live schema into the one a file of
 *	  CREATE statements describes, and back.
 *
 * PostgreSQL parses and builds the desired schema itself: its statements
 * run in a scratch schema inside a subtransaction, both schemas are read
 * back from the catalogs (diff_describe.c), compared object by object
 * (diff_script.c), and the subtransaction is rolled back.  No SQL parser
 * of ours.
 *
 * The scratch schema is first on the search_path while the desired file
 * runs, the live schema after it and then the schemas of the database's
 * extensions: the types, functions and operators of an extension the
 * schema holds (hstore, citext) resolve as they do in the live schema.
 * That also lets a name the desired file does not define resolve to the
 * live schema's object; such a dependency is refused after the build
 * (refuse_live_references): the desired schema must stand on its own.
 *
 * A file pg_dump --schema-only wrote is accepted as it is: names qualified
 * with exactly the target schema lose the qualification (blanked, so that
 * error positions and lines stay right), SET lines, ownership, the target
 * schema's CREATE SCHEMA and its extensions' CREATE EXTENSION are left
 * out.  Kinds of objects the diff does not compare are refused in the
 * file (0A000), and reported with a WARNING when the live schema has them.
 *
 * src/diff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/scanner.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "pim_migrate.h"
#include "diff.h"

/* The schema the desired file is for, while check_desired runs. */
static const char *desired_target = NULL;

pg_noreturn static void
refuse_qualified(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the desired schema names an object in another schema"),
			 errhint("Write the desired schema with unqualified names, or names qualified with the target schema; the schema argument says where it goes.")));
}

pg_noreturn static void
refuse_kind(const char *kind)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s are not compared by pim_migrate_diff", kind),
			 errhint("Leave them out of the desired schema and write their migration by hand.")));
}

/* Is stmt "SELECT pg_catalog.set_config(...)" or setval(), as pg_dump writes? */
static bool
is_dump_select(Node *stmt)
{
	SelectStmt *sel = (SelectStmt *) stmt;
	ResTarget  *rt;
	FuncCall   *fc;
	char	   *name;

	if (!IsA(stmt, SelectStmt) || sel->fromClause != NIL ||
		list_length(sel->targetList) != 1)
		return false;
	rt = linitial_node(ResTarget, sel->targetList);
	if (!IsA(rt->val, FuncCall))
		return false;
	fc = (FuncCall *) rt->val;
	name = strVal(llast(fc->funcname));
	return strcmp(name, "set_config") == 0 || strcmp(name, "setval") == 0;
}

/*
 * check_desired
 *		Approve a statement of the desired file: CREATE statements and what
 *		pg_dump writes around them (COMMENT, ALTER, GRANT, policies).
 *		Returns false for a statement left out (SET, ownership, the
 *		extensions and schema themselves).
 */
static bool
check_desired(Node *stmt)
{
	RangeVar   *rel = NULL;
	List	   *name = NIL;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			rel = ((CreateStmt *) stmt)->relation;
			break;
		case T_IndexStmt:
			rel = ((IndexStmt *) stmt)->relation;
			break;
		case T_ViewStmt:
			rel = ((ViewStmt *) stmt)->view;
			break;
		case T_CreateSeqStmt:
			rel = ((CreateSeqStmt *) stmt)->sequence;
			break;
		case T_AlterSeqStmt:
			rel = ((AlterSeqStmt *) stmt)->sequence;
			break;
		case T_CreateTrigStmt:
			rel = ((CreateTrigStmt *) stmt)->relation;
			break;
		case T_CreatePolicyStmt:
			rel = ((CreatePolicyStmt *) stmt)->table;
			break;
		case T_AlterPolicyStmt:
			rel = ((AlterPolicyStmt *) stmt)->table;
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *at = (AlterTableStmt *) stmt;
				ListCell   *lc;
				bool		owner_only = true;

				foreach(lc, at->cmds)
					owner_only &= lfirst_node(AlterTableCmd, lc)->subtype == AT_ChangeOwner;
				if (owner_only)
					return false;	/* owners are not compared */
				rel = at->relation;
			}
			break;
		case T_CreateTableAsStmt:
			if (((CreateTableAsStmt *) stmt)->objtype != OBJECT_MATVIEW)
				goto refuse;
			rel = ((CreateTableAsStmt *) stmt)->into->rel;
			break;
		case T_CreateEnumStmt:
			name = ((CreateEnumStmt *) stmt)->typeName;
			break;
		case T_AlterEnumStmt:
			name = ((AlterEnumStmt *) stmt)->typeName;
			break;
		case T_CreateDomainStmt:
			name = ((CreateDomainStmt *) stmt)->domainname;
			break;
		case T_AlterDomainStmt:
			name = ((AlterDomainStmt *) stmt)->typeName;
			break;
		case T_CreateFunctionStmt:
			name = ((CreateFunctionStmt *) stmt)->funcname;
			break;
		case T_DefineStmt:
			if (((DefineStmt *) stmt)->kind != OBJECT_COLLATION)
				refuse_kind(((DefineStmt *) stmt)->kind == OBJECT_AGGREGATE ? "aggregates" :
							((DefineStmt *) stmt)->kind == OBJECT_OPERATOR ? "operators" :
							"base types, operators and text search objects");
			name = ((DefineStmt *) stmt)->defnames;
			break;
		case T_CompositeTypeStmt:
			refuse_kind("composite types");
			break;
		case T_CreateRangeStmt:
			refuse_kind("range types");
			break;
		case T_RuleStmt:
			refuse_kind("rules");
			break;
		case T_CreateForeignTableStmt:
			refuse_kind("foreign tables");
			break;
		case T_CreateStatsStmt:
			refuse_kind("extended statistics");
			break;
		case T_CommentStmt:
			{
				ObjectType	t = ((CommentStmt *) stmt)->objtype;

				if (t == OBJECT_EXTENSION || t == OBJECT_SCHEMA)
					return false;
			}
			break;
		case T_GrantStmt:
			{
				GrantStmt  *g = (GrantStmt *) stmt;

				if (g->targtype == ACL_TARGET_OBJECT &&
					(g->objtype == OBJECT_TABLE || g->objtype == OBJECT_SEQUENCE))
				{
					ListCell   *lc;

					foreach(lc, g->objects)
						if (((RangeVar *) lfirst(lc))->schemaname)
						refuse_qualified();
					return true;
				}
				ereport(NOTICE,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("pim_migrate_diff compares privileges on tables, views, sequences and columns only; this GRANT or REVOKE is left out")));
				return false;
			}
		case T_AlterDefaultPrivilegesStmt:
			ereport(NOTICE,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("pim_migrate_diff does not compare default privileges; ALTER DEFAULT PRIVILEGES is left out")));
			return false;
		case T_VariableSetStmt:
		case T_AlterOwnerStmt:
			return false;		/* pg_dump's settings and owners */
		case T_SelectStmt:
			if (!is_dump_select(stmt))
				goto refuse;
			return false;
		case T_CreateSchemaStmt:
			if (((CreateSchemaStmt *) stmt)->schemaname == NULL ||
				strcmp(((CreateSchemaStmt *) stmt)->schemaname, desired_target) != 0)
				goto refuse;
			return false;
		case T_CreateExtensionStmt:
			{
				char	   *ext = ((CreateExtensionStmt *) stmt)->extname;

				if (!OidIsValid(get_extension_oid(ext, true)))
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_OBJECT),
							 errmsg("extension \"%s\" is not installed", ext),
							 errdetail("Autogenerate compares the objects of a schema and leaves extensions alone."),
							 errhint("Create the extension in the database first.")));
				return false;
			}
		default:
			goto refuse;
	}
	if (rel && rel->schemaname)
		refuse_qualified();
	if (list_length(name) > 1)
		refuse_qualified();
	return true;

refuse:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the desired schema may hold only CREATE statements, COMMENT, GRANT, ALTER TABLE and what pg_dump writes around them"),
			 errdetail("It describes a schema; it is not run against the database.")));
	return false;				/* keep compiler quiet */
}

/*
 * The scanner's codes for an identifier, a string constant and "::", as
 * the scanner gives them for a string of the three: the header that
 * numbers them (parser/gram.h, through gramparse.h) is not installed since
 * PostgreSQL 16.
 */
static void
scanner_codes(int *ident, int *sconst, int *typecast)
{
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	core_yyscan_t scanner = scanner_init("x 'a'::", &extra, &ScanKeywords,
										 ScanKeywordTokens);

	*ident = core_yylex(&yylval, &yylloc, scanner);
	*sconst = core_yylex(&yylval, &yylloc, scanner);
	*typecast = core_yylex(&yylval, &yylloc, scanner);
	scanner_finish(scanner);
}

/*
 * The desired file with what qualifies a name with the target schema
 * blanked ("public.t" becomes "       t"), and pg_dump's \restrict lines
 * (psql meta-commands) too.  The server's scanner finds the tokens: an
 * identifier equal to schema followed by ".", not itself after a "."; and
 * a string literal cast to a reg* type ('public.t_id_seq'::regclass),
 * whose leading blanks the type's input ignores.
 */
static char *
unqualify(const char *sql, const char *schema)
{
	char	   *out = pstrdup(sql);
	char	   *quoted = psprintf("'%s.", quote_identifier(schema));
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			prev = 0,
				prev2 = 0;
	int			prevloc = -1,
				prev2loc = -1;
	bool		prev_is_schema = false;
	size_t		len = strlen(schema);
	bool		keyword = ScanKeywordLookup(schema, &ScanKeywords) >= 0;
	int			ident,
				sconst,
				typecast;

	scanner_codes(&ident, &sconst, &typecast);

	for (char *p = out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, "\\restrict", 9) == 0 || strncmp(p, "\\unrestrict", 11) == 0)
			for (char *q = p; *q && *q != '\n'; q++)
				*q = ' ';

	scanner = scanner_init(out, &extra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		int			tok = core_yylex(&yylval, &yylloc, scanner);
		bool		is_schema;

		if (tok == 0)
			break;
		is_schema = tok == ident ? strcmp(yylval.str, schema) == 0 :
			(keyword && pg_strncasecmp(out + yylloc, schema, len) == 0 &&
			 !isalnum((unsigned char) out[yylloc + len]) && out[yylloc + len] != '_');
		if (tok == '.' && prev_is_schema && prev2 != '.')
			memset(out + prevloc, ' ', yylloc + 1 - prevloc);
		if (tok == ident && strncmp(yylval.str, "reg", 3) == 0 &&
			prev == typecast && prev2 == sconst &&
			strncmp(out + prev2loc, quoted, strlen(quoted)) == 0)
			memset(out + prev2loc + 1, ' ', strlen(quoted) - 1);
		prev2 = prev;
		prev2loc = prevloc;
		prev = tok;
		prevloc = yylloc;
		prev_is_schema = is_schema;
	}
	scanner_finish(scanner);
	return out;
}

/*
 * The search_path a schema's definitions are built and printed under:
 * the schema (after the scratch one, if any), then the schemas of the
 * database's extensions.
 */
char *
pm_diff_schema_path(const char *scratch, const char *schema)
{
	StringInfoData buf;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	int			rc;

	initStringInfo(&buf);
	args[0] = CStringGetTextDatum(schema);
	if (scratch)
		appendStringInfo(&buf, "%s, ", quote_identifier(scratch));
	appendStringInfoString(&buf, quote_identifier(schema));
	rc = SPI_execute_with_args("SELECT DISTINCT n.nspname::text FROM pg_catalog.pg_extension e "
							   "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
							   "WHERE n.nspname NOT IN ('pg_catalog', $1) ORDER BY 1",
							   1, argtypes, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read the extensions: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
		appendStringInfo(&buf, ", %s",
						 quote_identifier(SPI_getvalue(SPI_tuptable->vals[i],
													   SPI_tuptable->tupdesc, 1)));
	SPI_freetuptable(SPI_tuptable);
	return buf.data;
}

/*
 * Dependencies on the live schema's own objects (tables, views,
 * sequences, types, functions: not its extensions').  Called before and
 * after the desired file runs: a dependency that appears is one of the
 * desired schema's objects standing on the live schema.
 */
#define Q_LIVE_REFS \
"SELECT d.classid::text || ' ' || d.objid || ' ' || d.objsubid || ' ' || d.refclassid::text || ' ' || d.refobjid, " \
" pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0) " \
"FROM pg_catalog.pg_depend d " \
"WHERE d.deptype IN ('n', 'a') AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e " \
"  WHERE e.objid = d.refobjid AND e.classid = d.refclassid AND e.deptype = 'e') " \
" AND ((d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid IN " \
"   (SELECT oid FROM pg_catalog.pg_class WHERE relnamespace = $1)) " \
"  OR (d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.refobjid IN " \
"   (SELECT oid FROM pg_catalog.pg_proc WHERE pronamespace = $1)) " \
"  OR (d.refclassid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.refobjid IN " \
"   (SELECT oid FROM pg_catalog.pg_type WHERE typnamespace = $1 AND typtype IN ('e', 'd')))) " \
"ORDER BY 1"

static List *
live_references(Oid nsp)
{
	List	   *out = NIL;
	MemoryContext cxt = CurrentMemoryContext;
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(nsp)};
	int			rc = SPI_execute_with_args(Q_LIVE_REFS, 1, argtypes, args,
										   NULL, false, 0);

	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read dependencies: %s", SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
		out = lappend(out, psprintf("%s\n%s",
									SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
									SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2)));
	SPI_freetuptable(SPI_tuptable);
	return out;
}

static void
refuse_live_references(List *before, List *after, const char *schema)
{
	ListCell   *lc;

	foreach(lc, after)
	{
		char	   *ref = lfirst(lc);

		if (!pm_name_in_list(before, ref))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the desired schema refers to %s of the live schema \"%s\"",
							strchr(ref, '\n') + 1, schema),
					 errdetail("The desired schema must define every object of the schema that it uses."),
					 errhint("Add its CREATE statement to the desired schema.")));
	}
}

/*
 * The live schema read again after the desired file ran must be as it was
 * (whole: read before, unfiltered): a statement of the file that named one
 * of its tables (ALTER TABLE, COMMENT, GRANT) changed it.
 */
static void
refuse_live_changes(DiffSet *whole, const char *schema)
{
	DiffSet		after = pm_diff_describe(schema, whole->path, (Datum) 0, (Datum) 0);

	if (pm_diff_script(whole, &after) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the desired schema changes objects of the live schema \"%s\"", schema),
				 errdetail("A statement of the desired schema names a table, view or sequence that the desired schema does not define."),
				 errhint("Add its CREATE statement to the desired schema.")));
}

/*
 * Kinds of objects of the live schema that the diff does not compare:
 * each is reported, never silently passed over.
 */
#define Q_UNHANDLED \
"SELECT kind, name FROM ( " \
" SELECT CASE c.relkind WHEN 'c' THEN 'composite type' WHEN 'f' THEN 'foreign table' END AS kind, c.relname::text AS name " \
"  FROM pg_catalog.pg_class c WHERE c.relnamespace = $1 AND c.relkind IN ('c', 'f') " \
"  AND c.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT CASE t.typtype WHEN 'r' THEN 'range type' WHEN 'b' THEN 'base type' END, t.typname::text " \
"  FROM pg_catalog.pg_type t WHERE t.typnamespace = $1 AND t.typtype IN ('r', 'b') AND t.typelem = 0 " \
"  AND t.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END, p.proname::text " \
"  FROM pg_catalog.pg_proc p WHERE p.pronamespace = $1 AND p.prokind IN ('a', 'w') " \
"  AND p.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT 'rule', r.rulename::text FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class " \
"  WHERE c.relnamespace = $1 AND r.rulename <> '_RETURN' " \
" UNION ALL SELECT 'operator', o.oprname::text FROM pg_catalog.pg_operator o WHERE o.oprnamespace = $1 " \
"  AND o.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT 'statistics object', s.stxname::text FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace = $1 " \
" UNION ALL SELECT 'text search configuration', f.cfgname::text FROM pg_catalog.pg_ts_config f WHERE f.cfgnamespace = $1 " \
"  AND f.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT 'text search dictionary', d.dictname::text FROM pg_catalog.pg_ts_dict d WHERE d.dictnamespace = $1 " \
"  AND d.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT 'operator class', o.opcname::text FROM pg_catalog.pg_opclass o WHERE o.opcnamespace = $1 " \
"  AND o.oid NOT IN (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
" UNION ALL SELECT 'conversion', v.conname::text FROM pg_catalog.pg_conversion v WHERE v.connamespace = $1 " \
" UNION ALL SELECT CASE WHEN d.oid IS NOT NULL THEN 'default of inherited column' ELSE 'NOT NULL of inherited column' END, " \
"  c.relname || '.' || a.attname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid " \
"  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum " \
"  WHERE c.relnamespace = $1 AND a.attinhcount > 0 AND NOT a.attisdropped AND (d.oid IS NOT NULL OR a.attnotnull) " \
"  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent " \
"   AND pa.attname = a.attname LEFT JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum " \
"   WHERE i.inhrelid = c.oid AND pa.attnotnull = a.attnotnull " \
"   AND pg_catalog.pg_get_expr(pd.adbin, pd.adrelid) IS NOT DISTINCT FROM pg_catalog.pg_get_expr(d.adbin, d.adrelid)) " \
") x WHERE ($2::text[] IS NULL OR x.name LIKE ANY ($2::text[])) " \
" AND ($3::text[] IS NULL OR NOT x.name LIKE ANY ($3::text[])) ORDER BY 1, 2"

/*
 * pm_diff_unhandled
 *		The objects of schema nsp (named schema) that the diff does not
 *		compare, each as 'kind "name"', in that order; include and exclude
 *		as for pm_diff.  The caller holds an SPI connection.
 */
List *
pm_diff_unhandled(Oid nsp, const char *schema, Datum include, Datum exclude)
{
	char		nulls[3] = {' ', include ? ' ' : 'n', exclude ? ' ' : 'n'};
	MemoryContext cxt = CurrentMemoryContext;
	List	   *result = NIL;
	Oid			argtypes[3] = {OIDOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[3] = {ObjectIdGetDatum(nsp), include, exclude};
	int			rc = SPI_execute_with_args(Q_UNHANDLED, 3, argtypes, args,
										   nulls, false, 0);

	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read schema \"%s\": %s", schema,
			 SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result,
						 psprintf("%s \"%s\"",
								  SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
								  SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2)));
	SPI_freetuptable(SPI_tuptable);
	return result;
}

static void
report_unhandled(Oid nsp, const char *schema, Datum include, Datum exclude)
{
	ListCell   *lc;

	foreach(lc, pm_diff_unhandled(nsp, schema, include, exclude))
		ereport(WARNING,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("pim_migrate_diff does not compare %s of schema \"%s\"",
						(char *) lfirst(lc), schema),
				 errdetail("The generated scripts leave it as it is.")));
}

/*
 * pm_diff
 *		The scripts that turn schema into the one desired describes, and
 *		back; NULL for each when there is no difference.  include and
 *		exclude are text[] Datums of LIKE patterns (0: none) for the
 *		tables, views, sequences and types compared.  The caller holds an
 *		SPI connection.  Nothing stays: the desired objects are built in a
 *		scratch schema inside a subtransaction that is rolled back.
 */
void
pm_diff(const char *desired, const char *schema, Datum include, Datum exclude,
		char **upgrade, char **downgrade)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	Oid			nsp = get_namespace_oid(schema, true);
	DiffSet		live;
	DiffSet		whole;
	DiffSet		want;

	if (!OidIsValid(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));
	/* the scratch schema is a write, if one rolled back */
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot compare with a desired schema in a read-only transaction"),
				 pm_lock_read_only_hint()));

	/* every catalog read in the subtransaction: its locks go with it */
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		int			level;
		int			rc;
		char	   *scratch;
		char	   *path;
		List	   *before;

		report_unhandled(nsp, schema, include, exclude);
		live = pm_diff_describe(schema, pm_diff_schema_path(NULL, schema), include, exclude);
		whole = include || exclude ?
			pm_diff_describe(schema, pm_diff_schema_path(NULL, schema), (Datum) 0, (Datum) 0) : live;
		scratch = psprintf("pim_migrate_desired_%d", MyProcPid);
		rc = SPI_execute(psprintf("CREATE SCHEMA %s", quote_identifier(scratch)), false, 0);
		MemoryContextSwitchTo(cxt);
		if (rc != SPI_OK_UTILITY)
			elog(ERROR, "could not create a scratch schema");
		path = pm_diff_schema_path(scratch, schema);
		before = live_references(nsp);
		level = NewGUCNestLevel();
		(void) set_config_option("search_path", path,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		/* pg_dump's way: bodies may name tables made further down */
		(void) set_config_option("check_function_bodies", "off",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		desired_target = schema;
		pm_exec_run_desired(unqualify(desired, schema), check_desired);
		desired_target = NULL;
		AtEOXact_GUC(true, level);
		refuse_live_references(before, live_references(nsp), schema);
		refuse_live_changes(&whole, schema);
		want = pm_diff_describe(scratch, path, include, exclude);
		*upgrade = pm_diff_script(&live, &want);
		*downgrade = pm_diff_script(&want, &live);
	}
	PG_CATCH();
	{
		desired_target = NULL;
		pm_exec_abort_subxact(cxt, owner);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}
