/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  Autogenerate: the DDL that turns a live schema into the one a file of
 *	  CREATE statements describes, and back.
 *
 * PostgreSQL parses and builds the desired schema itself: its statements
 * run in a scratch schema inside a subtransaction, both schemas are read
 * back from the catalogs (pg_get_*def, format_type), compared object by
 * object, and the subtransaction is rolled back.  No SQL parser of ours.
 *
 * Objects are read as rows (kind, parent, name, def...) sorted by an order
 * of creation, and compared with a merge join.  The script is written in
 * phases PostgreSQL accepts: types first; triggers, views and constraints
 * that change are dropped before the tables they stand on change, and made
 * again after; what is dropped last is what others depended on.  A change
 * that loses data carries a "-- WARNING" comment; renames are never
 * guessed (a dropped and an added column of the same type are flagged).
 *
 * src/diff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "pim_migrate.h"

/*
 * One object of a schema.  For columns: def is the type (with collation),
 * extra the default expression, notnull the nullability.  ord orders
 * kinds and, within views, functions and triggers, the creation order.
 */
typedef struct DiffObj
{
	int			ord;
	char	   *kind;
	char	   *parent;
	char	   *name;
	char	   *def;
	char	   *extra;
	bool		notnull;
	int64		seq;			/* creation order (oid) */
	char	   *clause;			/* columns: identity or generation */
} DiffObj;

/*
 * The schema's objects.  $1: schema name; $2: the same, escaped for a
 * regular expression.  Run with search_path set to the schema, so that
 * definitions name its objects unqualified.
 */
#define Q_DESCRIBE \
"WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1), " \
" ext AS (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e') " \
"SELECT ord, kind, parent, name, def, extra, not_null, seq, clause FROM ( " \
" SELECT 1 AS ord, 'enum' AS kind, '' AS parent, t.typname::text AS name, " \
"  (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) " \
"   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid) AS def, NULL::text AS extra, false AS not_null, t.oid::int8 AS seq, NULL::text AS clause " \
"  FROM pg_catalog.pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typtype = 'e' " \
"  AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 2, 'sequence', '', c.relname, " \
"  pg_catalog.format('AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE', " \
"   pg_catalog.format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, " \
"   CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END), NULL, false, c.oid::int8, NULL " \
"  FROM pg_catalog.pg_class c JOIN ns ON c.relnamespace = ns.oid JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid " \
"  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
"   AND d.objid = c.oid AND d.deptype IN ('a', 'i')) AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 3, 'table', '', c.relname, " \
"  CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED ' ELSE '' END, " \
"  CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END, false, c.oid::int8, NULL " \
"  FROM pg_catalog.pg_class c, ns WHERE c.relnamespace = ns.oid AND c.relkind IN ('r', 'p') AND NOT c.relispartition " \
"  AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 4, 'column', c.relname, a.attname, " \
"  CASE WHEN a.attidentity = '' AND EXISTS (SELECT 1 FROM pg_catalog.pg_depend q " \
"   JOIN pg_catalog.pg_class s ON s.oid = q.objid AND s.relkind = 'S' WHERE q.refobjid = c.oid " \
"   AND q.refobjsubid = a.attnum AND q.deptype = 'a' AND q.classid = 'pg_catalog.pg_class'::pg_catalog.regclass) " \
"   THEN CASE a.atttypid WHEN 20 THEN 'bigserial' WHEN 21 THEN 'smallserial' ELSE 'serial' END " \
"   ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END || " \
"  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation " \
"   THEN ' COLLATE ' || pg_catalog.quote_ident(co.collname) ELSE '' END, " \
"  CASE WHEN a.attgenerated = '' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend q " \
"   JOIN pg_catalog.pg_class s ON s.oid = q.objid AND s.relkind = 'S' WHERE q.refobjid = c.oid " \
"   AND q.refobjsubid = a.attnum AND q.deptype = 'a' AND q.classid = 'pg_catalog.pg_class'::pg_catalog.regclass) " \
"   THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, a.attnotnull, a.attnum::int8, " \
"  CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' " \
"   ELSE CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED' END END " \
"  FROM pg_catalog.pg_class c JOIN ns ON c.relnamespace = ns.oid " \
"  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
"  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation " \
"  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum " \
"  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT CASE WHEN k.contype = 'f' THEN 9 ELSE 6 END, 'constraint', c.relname, k.conname, " \
"  pg_catalog.pg_get_constraintdef(k.oid), NULL, false, k.oid::int8, NULL " \
"  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN ns ON c.relnamespace = ns.oid " \
"  WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 7, 'index', c.relname, i.relname, " \
"  pg_catalog.regexp_replace(pg_catalog.pg_get_indexdef(x.indexrelid), ' ON (ONLY )?' || $2 || '\\.', ' ON '), " \
"  NULL, false, i.oid::int8, NULL " \
"  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid " \
"  JOIN pg_catalog.pg_class c ON c.oid = x.indrelid JOIN ns ON c.relnamespace = ns.oid " \
"  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) " \
"  AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 8, 'function', '', pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', " \
"  pg_catalog.regexp_replace(pg_catalog.pg_get_functiondef(p.oid), " \
"   '^(CREATE OR REPLACE (FUNCTION|PROCEDURE) )' || $2 || '\\.', '\\1'), " \
"  CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.prosqlbody IS NOT NULL, p.oid::int8, " \
"  pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' || COALESCE(pg_catalog.pg_get_function_result(p.oid), '') " \
"  FROM pg_catalog.pg_proc p, ns WHERE p.pronamespace = ns.oid AND p.prokind IN ('f', 'p') " \
"  AND p.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 10, 'view', '', c.relname, pg_catalog.pg_get_viewdef(c.oid, true), " \
"  CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, false, c.oid::int8, " \
"  CASE WHEN c.reloptions IS NOT NULL THEN ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')' END " \
"  FROM pg_catalog.pg_class c, ns WHERE c.relnamespace = ns.oid AND c.relkind IN ('v', 'm') " \
"  AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 11, 'trigger', c.relname, g.tgname, pg_catalog.pg_get_triggerdef(g.oid, true), NULL, false, g.oid::int8, NULL " \
"  FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_class c ON c.oid = g.tgrelid JOIN ns ON c.relnamespace = ns.oid " \
"  WHERE NOT g.tgisinternal AND g.tgparentid = 0 AND NOT c.relispartition AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 13, 'domain', '', t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod) || " \
"  CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation " \
"   THEN ' COLLATE ' || pg_catalog.quote_ident(co.collname) ELSE '' END, " \
"  t.typdefault, t.typnotnull, t.oid::int8, NULL " \
"  FROM pg_catalog.pg_type t JOIN ns ON t.typnamespace = ns.oid JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype " \
"  LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation " \
"  WHERE t.typtype = 'd' AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 14, 'domain constraint', t.typname, k.conname, pg_catalog.pg_get_constraintdef(k.oid), NULL, false, k.oid::int8, NULL " \
"  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_type t ON t.oid = k.contypid JOIN ns ON t.typnamespace = ns.oid " \
"  WHERE t.typtype = 'd' AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 5, 'partition', p.relname, c.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid), " \
"  CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END, false, c.oid::int8, NULL " \
"  FROM pg_catalog.pg_class c JOIN ns ON c.relnamespace = ns.oid " \
"  JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid JOIN pg_catalog.pg_class p ON p.oid = i.inhparent " \
"  WHERE c.relispartition AND c.relkind IN ('r', 'p') AND c.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 12, 'comment', c.relname, COALESCE(a.attname::text, ''), s.description, " \
"  CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, false, 0, NULL " \
"  FROM pg_catalog.pg_description s JOIN pg_catalog.pg_class c ON c.oid = s.objoid AND s.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
"  JOIN ns ON c.relnamespace = ns.oid " \
"  LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = s.objsubid AND s.objsubid > 0 " \
"  WHERE c.relkind IN ('r', 'p', 'v', 'm') " \
") x ORDER BY ord, parent COLLATE \"C\", name COLLATE \"C\""

typedef struct DiffSet
{
	DiffObj    *objs;
	int			n;
} DiffSet;

/* s as a regular expression that matches exactly s. */
static char *
regex_literal(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		if (strchr(".^$*+?()[]{}|\\", *s) != NULL)
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, *s);
	}
	return buf.data;
}

/* Read a schema's objects, with search_path set to it. */
static DiffSet
describe(const char *schema)
{
	DiffSet		set = {NULL, 0};
	MemoryContext cxt = CurrentMemoryContext;
	int			level = NewGUCNestLevel();
	Datum		args[2];
	Oid			types[2] = {TEXTOID, TEXTOID};
	int			rc;

	(void) set_config_option("search_path", quote_identifier(schema),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	args[0] = CStringGetTextDatum(schema);
	args[1] = CStringGetTextDatum(regex_literal(quote_identifier(schema)));
	rc = SPI_execute_with_args(Q_DESCRIBE, 2, types, args, NULL, false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read schema \"%s\": %s", schema,
			 SPI_result_code_string(rc));
	set.n = (int) SPI_processed;
	set.objs = palloc0(sizeof(DiffObj) * (set.n + 1));
	for (int i = 0; i < set.n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		DiffObj    *o = &set.objs[i];

		o->ord = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		o->kind = SPI_getvalue(tup, desc, 2);
		o->parent = SPI_getvalue(tup, desc, 3);
		o->name = SPI_getvalue(tup, desc, 4);
		o->def = SPI_getvalue(tup, desc, 5);
		o->extra = SPI_getvalue(tup, desc, 6);
		o->notnull = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		o->seq = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
		o->clause = SPI_getvalue(tup, desc, 9);
		if (o->def == NULL)
			o->def = pstrdup("");
	}
	SPI_freetuptable(SPI_tuptable);
	AtEOXact_GUC(true, level);
	return set;
}

static int
obj_cmp(const DiffObj *a, const DiffObj *b)
{
	int			c;

	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	if ((c = strcmp(a->parent, b->parent)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

static bool
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
obj_equal(const DiffObj *a, const DiffObj *b)
{
	return same_str(a->def, b->def) && same_str(a->extra, b->extra) &&
		same_str(a->clause, b->clause) && a->notnull == b->notnull;
}

/* An object of a kind by name, whatever its parent. */
static DiffObj *
find_obj_named(DiffSet *set, const char *kind, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->objs[i].kind, kind) == 0 &&
			strcmp(set->objs[i].name, name) == 0)
			return &set->objs[i];
	return NULL;
}

static DiffObj *
find_obj(DiffSet *set, const char *kind, const char *parent, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->objs[i].kind, kind) == 0 &&
			strcmp(set->objs[i].parent, parent) == 0 &&
			strcmp(set->objs[i].name, name) == 0)
			return &set->objs[i];
	return NULL;
}

/* Is there a table or a partition of that name in set? */
static bool
has_table(DiffSet *set, const char *name)
{
	return find_obj(set, "table", "", name) != NULL ||
		find_obj_named(set, "partition", name) != NULL;
}

/*
 * A column of the same table and type that "to" adds while "from"'s gone
 * goes: perhaps a rename, which is flagged, never guessed.
 */
static DiffObj *
rename_candidate(DiffSet *from, DiffSet *to, const DiffObj *gone)
{
	for (int i = 0; i < to->n; i++)
	{
		DiffObj    *c = &to->objs[i];

		if (strcmp(c->kind, "column") == 0 &&
			strcmp(c->parent, gone->parent) == 0 &&
			strcmp(c->def, gone->def) == 0 &&
			find_obj(from, "column", c->parent, c->name) == NULL)
			return c;
	}
	return NULL;
}

/* Is there a table, a partition or a view of that name in set? */
static bool
has_relation(DiffSet *set, const char *name)
{
	return has_table(set, name) || find_obj(set, "view", "", name) != NULL;
}

/* The phases of a script, in the order they run. */
enum
{
	PH_TYPES,
	PH_DROP_TRIGGERS,
	PH_DROP_VIEWS,
	PH_DROP_FUNCTIONS_EARLY,
	PH_DROP_FKEYS,
	PH_DROP_CONSTRAINTS,
	PH_DROP_INDEXES,
	PH_DROP_COLUMNS,
	PH_SEQUENCES,
	PH_FUNCTIONS,
	PH_TABLES,
	PH_COLUMNS,
	PH_CONSTRAINTS,
	PH_INDEXES,
	PH_ATOMIC_FUNCTIONS,
	PH_FKEYS,
	PH_VIEWS,
	PH_VIEW_INDEXES,
	PH_TRIGGERS,
	PH_COMMENTS,
	PH_DROP_PARTITIONS,
	PH_DROP_TABLES,
	PH_DROP_FUNCTIONS,
	PH_DROP_SEQUENCES,
	PH_DROP_DOMAINS,
	PH_DROP_TYPES,
	PH_COUNT
};

typedef struct Script
{
	StringInfoData phase[PH_COUNT];
	int			nstmts;
} Script;

static void
add(Script *s, int phase, const char *fmt,...)
pg_attribute_printf(3, 4);

static void
add(Script *s, int phase, const char *fmt,...)
{
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&s->phase[phase], fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&s->phase[phase], needed);
	}
	s->nstmts++;
}

#define Q(x) quote_identifier(x)

static bool str_in_list(List *strings, const char *s);

/*
 * Drop and make again the objects of kind in "from" that do not change
 * but stand on one of tables: triggers on them, or (by_reference) foreign
 * keys that reference them.
 */
static void
remake_unchanged(Script *s, DiffSet *from, DiffSet *to, const char *kind,
				 List *tables, bool by_reference)
{
	ListCell   *lc;

	if (tables == NIL)
		return;
	for (int i = 0; i < from->n; i++)
	{
		DiffObj    *a = &from->objs[i];
		DiffObj    *b;
		bool		hit = false;

		if (strcmp(a->kind, kind) != 0 || (by_reference && a->ord != 9))
			continue;
		b = find_obj(to, kind, a->parent, a->name);
		if (b == NULL || !obj_equal(a, b))
			continue;			/* dropped or made by the main pass */
		if (!by_reference)
			hit = str_in_list(tables, a->parent);
		else
			foreach(lc, tables)
				hit |= strstr(a->def, psprintf(" REFERENCES %s(", Q(lfirst(lc)))) != NULL;
		if (!hit)
			continue;
		if (by_reference)
		{
			add(s, PH_DROP_FKEYS, "ALTER TABLE %s DROP CONSTRAINT %s;\n",
				Q(a->parent), Q(a->name));
			add(s, PH_FKEYS, "ALTER TABLE %s ADD CONSTRAINT %s %s;\n",
				Q(b->parent), Q(b->name), b->def);
		}
		else
		{
			add(s, PH_DROP_TRIGGERS, "DROP TRIGGER %s ON %s;\n",
				Q(a->name), Q(a->parent));
			add(s, PH_TRIGGERS, "%s;\n", b->def);
		}
	}
}

/* What a comment object is on: "t" or "t.c". */
static char *
comment_target(const DiffObj *c)
{
	if (*c->name)
		return psprintf("%s.%s", Q(c->parent), Q(c->name));
	return pstrdup(Q(c->parent));
}

/* Make an index, trigger or comment of the desired schema. */
static void
add_view_dep(Script *s, const DiffObj *o)
{
	if (strcmp(o->kind, "index") == 0)
		add(s, PH_VIEW_INDEXES, "%s;\n", o->def);
	else if (strcmp(o->kind, "trigger") == 0)
		add(s, PH_TRIGGERS, "%s;\n", o->def);
	else
		add(s, PH_COMMENTS, "COMMENT ON %s %s IS %s;\n",
			*o->name ? "COLUMN" : o->extra, comment_target(o),
			quote_literal_cstr(o->def));
}

static int
seq_cmp(const void *a, const void *b)
{
	const DiffObj *x = *(const DiffObj *const *) a;
	const DiffObj *y = *(const DiffObj *const *) b;
	int			c = strcmp(x->parent, y->parent);

	if (c != 0)
		return c;
	if (x->seq == y->seq)
		return 0;
	return x->seq < y->seq ? -1 : 1;
}

static bool
is_identity(const DiffObj *c)
{
	return c->clause != NULL && strstr(c->clause, "IDENTITY") != NULL;
}

static bool
is_generated(const DiffObj *c)
{
	return c->clause != NULL && !is_identity(c);
}

/* A column's type for ALTER COLUMN TYPE: serial is not a type there. */
static const char *
plain_type(const char *def)
{
	if (strcmp(def, "serial") == 0)
		return "integer";
	if (strcmp(def, "bigserial") == 0)
		return "bigint";
	if (strcmp(def, "smallserial") == 0)
		return "smallint";
	return def;
}

/* A column as CREATE TABLE and ADD COLUMN write it. */
static char *
column_def(const DiffObj *c)
{
	return psprintf("%s %s%s%s%s%s", Q(c->name), c->def, c->clause ? c->clause : "",
					c->extra ? " DEFAULT " : "", c->extra ? c->extra : "",
					c->notnull && !is_identity(c) ? " NOT NULL" : "");
}

/* Columns of table in set, in their order in the table, for CREATE TABLE. */
static char *
column_list(DiffSet *set, const char *table)
{
	StringInfoData buf;
	DiffObj   **cols = palloc(sizeof(DiffObj *) * (set->n + 1));
	int			n = 0;

	for (int i = 0; i < set->n; i++)
		if (strcmp(set->objs[i].kind, "column") == 0 &&
			strcmp(set->objs[i].parent, table) == 0)
			cols[n++] = &set->objs[i];
	qsort(cols, n, sizeof(DiffObj *), seq_cmp);
	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s\n    %s", i > 0 ? "," : "", column_def(cols[i]));
	return buf.data;
}

/*
 * "'a', 'b,c', E'd\\'" (quote_literal()s joined by ", ") as a List of
 * those literals, quotes kept.
 */
static List *
split_literals(const char *s)
{
	List	   *out = NIL;

	while (*s)
	{
		const char *start = s;

		if (*s == 'E')
			s++;
		Assert(*s == '\'');
		for (s++; *s; s++)
		{
			if (*s == '\\' && s[1])
				s++;
			else if (*s == '\'' && s[1] == '\'')
				s++;
			else if (*s == '\'')
				break;
		}
		if (*s)
			s++;
		out = lappend(out, pnstrdup(start, s - start));
		while (*s == ',' || *s == ' ')
			s++;
	}
	return out;
}

static bool
str_in_list(List *strings, const char *s)
{
	ListCell   *lc;

	foreach(lc, strings)
		if (strcmp(lfirst(lc), s) == 0)
			return true;
	return false;
}

/* An enum's new labels, when the old ones keep their order among them. */
static void
diff_enum(Script *s, DiffObj *from, DiffObj *to)
{
	List	   *old_labels = split_literals(from->def);
	List	   *new_labels = split_literals(to->def);
	ListCell   *lc;
	ListCell   *next_old;
	char	   *prev = NULL;

	next_old = list_head(old_labels);
	foreach(lc, new_labels)
	{
		char	   *label = lfirst(lc);

		if (next_old && strcmp(lfirst(next_old), label) == 0)
			next_old = lnext(old_labels, next_old);
		else if (str_in_list(old_labels, label))
			;					/* moved: the warning below says so */
		else if (prev)
			add(s, PH_TYPES, "ALTER TYPE %s ADD VALUE %s AFTER %s;\n", Q(to->name), label, prev);
		else
			add(s, PH_TYPES, "ALTER TYPE %s ADD VALUE %s BEFORE %s;\n", Q(to->name), label,
				(char *) linitial(old_labels));
		prev = label;
	}
	if (next_old != NULL)
		add(s, PH_TYPES,
			"-- WARNING: enum %s loses or reorders values (%s becomes %s); PostgreSQL cannot drop enum values: rebuild the type by hand\n",
			to->name, from->def, to->def);
}

/*
 * The statements that turn schema "from" (read from live_schema) into
 * "to".  Object names are written unqualified: the script runs with the
 * schema on the search_path.
 */
static char *
diff_sets(DiffSet *from, DiffSet *to)
{
	Script		s;
	StringInfoData out;
	int			i = 0,
				j = 0;
	DiffObj   **added = palloc(sizeof(DiffObj *) * (to->n + 1));
	int			nadded = 0;
	DiffObj   **dropped = palloc(sizeof(DiffObj *) * (from->n + 1));
	int			ndropped = 0;
	DiffObj   **funcs = palloc(sizeof(DiffObj *) * (to->n + 1));
	int			nfuncs = 0;
	List	   *view_deps = NIL;	/* indexes and triggers of views */
	List	   *retyped = NIL;		/* tables with a column of a new type */
	List	   *rekeyed = NIL;		/* tables that lose a key or unique index */

	memset(&s, 0, sizeof(s));
	for (int p = 0; p < PH_COUNT; p++)
		initStringInfo(&s.phase[p]);

	while (i < from->n || j < to->n)
	{
		DiffObj    *a = i < from->n ? &from->objs[i] : NULL;
		DiffObj    *b = j < to->n ? &to->objs[j] : NULL;
		int			c = a == NULL ? 1 : b == NULL ? -1 : obj_cmp(a, b);
		DiffObj    *o = c <= 0 ? a : b;
		const char *kind = o->kind;

		CHECK_FOR_INTERRUPTS();
		if (c == 0)
		{
			i++, j++;
			if (obj_equal(a, b))
				continue;
		}
		else if (c < 0)
			i++, b = NULL;
		else
			j++, a = NULL;

		if (strcmp(kind, "enum") == 0)
		{
			if (a && b)
				diff_enum(&s, a, b);
			else if (b)
				add(&s, PH_TYPES, "CREATE TYPE %s AS ENUM (%s);\n", Q(b->name), b->def);
			else
				add(&s, PH_DROP_TYPES, "DROP TYPE %s;\n", Q(a->name));
		}
		else if (strcmp(kind, "sequence") == 0)
		{
			if (a && b)
				add(&s, PH_SEQUENCES, "ALTER SEQUENCE %s %s;\n", Q(b->name),
					strstr(b->def, "START WITH") ? b->def : b->def);
			else if (b)
				add(&s, PH_SEQUENCES, "CREATE SEQUENCE %s %s;\n", Q(b->name), b->def);
			else
				add(&s, PH_DROP_SEQUENCES, "DROP SEQUENCE %s;\n", Q(a->name));
		}
		else if (strcmp(kind, "table") == 0)
		{
			if (a && b)
				add(&s, PH_TABLES,
					"-- WARNING: table %s changes persistence or partitioning (%s%s -> %s%s): rebuild it by hand\n",
					b->name, a->def, a->extra ? a->extra : "", b->def, b->extra ? b->extra : "");
			else if (b)
			{
				add(&s, PH_TABLES, "CREATE %sTABLE %s (%s\n)%s;\n", b->def, Q(b->name),
					column_list(to, b->name), b->extra ? b->extra : "");
			}
			else
				add(&s, PH_DROP_TABLES, "-- WARNING: drops table %s and its data\nDROP TABLE %s;\n",
					a->name, Q(a->name));
		}
		else if (strcmp(kind, "partition") == 0)
		{
			if (a && b && !same_str(a->extra, b->extra))
				add(&s, PH_TABLES,
					"-- WARNING: partition %s changes its partitioning (%s -> %s): rebuild it by hand\n",
					b->name, a->extra, b->extra);
			else if (a && b)
				add(&s, PH_TABLES,
					"ALTER TABLE %s DETACH PARTITION %s;\nALTER TABLE %s ATTACH PARTITION %s %s;\n",
					Q(b->parent), Q(b->name), Q(b->parent), Q(b->name), b->def);
			else if (b)
				add(&s, PH_TABLES, "CREATE TABLE %s PARTITION OF %s %s%s;\n",
					Q(b->name), Q(b->parent), b->def, b->extra);
			else if (has_table(to, a->parent))
				add(&s, PH_DROP_PARTITIONS,
					"-- WARNING: drops partition %s and its data\nDROP TABLE %s;\n",
					a->name, Q(a->name));
		}
		else if (strcmp(kind, "domain") == 0)
		{
			if (a && b)
			{
				if (!same_str(a->def, b->def))
					add(&s, PH_TYPES,
						"-- WARNING: domain %s changes its type (%s -> %s): rebuild it by hand\n",
						b->name, a->def, b->def);
				if (!same_str(a->extra, b->extra))
				{
					if (b->extra)
						add(&s, PH_TYPES, "ALTER DOMAIN %s SET DEFAULT %s;\n", Q(b->name), b->extra);
					else
						add(&s, PH_TYPES, "ALTER DOMAIN %s DROP DEFAULT;\n", Q(b->name));
				}
				if (a->notnull != b->notnull)
					add(&s, PH_TYPES, "ALTER DOMAIN %s %s NOT NULL;\n", Q(b->name),
						b->notnull ? "SET" : "DROP");
			}
			else if (b)
				add(&s, PH_TYPES, "CREATE DOMAIN %s AS %s%s%s%s;\n", Q(b->name), b->def,
					b->extra ? " DEFAULT " : "", b->extra ? b->extra : "",
					b->notnull ? " NOT NULL" : "");
			else
				add(&s, PH_DROP_DOMAINS, "DROP DOMAIN %s;\n", Q(a->name));
		}
		else if (strcmp(kind, "domain constraint") == 0)
		{
			if (a && find_obj(to, "domain", "", a->parent) != NULL)
				add(&s, PH_TYPES, "ALTER DOMAIN %s DROP CONSTRAINT %s;\n",
					Q(a->parent), Q(a->name));
			if (b)
				add(&s, PH_TYPES, "ALTER DOMAIN %s ADD CONSTRAINT %s %s;\n",
					Q(b->parent), Q(b->name), b->def);
		}
		else if (strcmp(kind, "column") == 0)
		{
			bool		new_table = find_obj(from, "table", "", o->parent) == NULL;
			bool		gone_table = find_obj(to, "table", "", o->parent) == NULL;

			if (new_table || gone_table)
				continue;		/* CREATE TABLE or DROP TABLE does it */
			if (b && !a)
				added[nadded++] = b;	/* added below, in table order */
			else if (a && !b)
				dropped[ndropped++] = a;	/* dropped below, last first */
			else if ((is_generated(a) || is_generated(b)) &&
					 (!same_str(a->def, b->def) || !same_str(a->clause, b->clause)))
			{
				/* a generated column holds no data of its own: make it anew */
				dropped[ndropped++] = a;
				added[nadded++] = b;
			}
			else
			{
				if (is_identity(a) && !is_identity(b))
					add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;\n",
						Q(b->parent), Q(b->name));
				if (!same_str(a->def, b->def))
				{
					add(&s, PH_COLUMNS,
						"-- WARNING: changes the type of %s.%s from %s to %s; a narrower type loses data\nALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s;\n",
						b->parent, b->name, a->def, b->def, Q(b->parent), Q(b->name),
						plain_type(b->def), Q(b->name), plain_type(b->def));
					retyped = lappend(retyped, b->parent);
				}
				if (!same_str(a->extra, b->extra))
				{
					if (b->extra)
						add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
							Q(b->parent), Q(b->name), b->extra);
					else
						add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n",
							Q(b->parent), Q(b->name));
				}
				if (a->notnull != b->notnull)
					add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;\n",
						Q(b->parent), Q(b->name), b->notnull ? "SET" : "DROP");
				if (!is_identity(a) && is_identity(b))
					add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s ADD%s;\n",
						Q(b->parent), Q(b->name), b->clause);
				else if (is_identity(a) && is_identity(b) && !same_str(a->clause, b->clause))
					add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;\n",
						Q(b->parent), Q(b->name),
						strstr(b->clause, "ALWAYS") ? "ALWAYS" : "BY DEFAULT");
			}
		}
		else if (strcmp(kind, "constraint") == 0)
		{
			bool		fkey = o->ord == 9;
			bool		gone_table = a && find_obj(to, "table", "", a->parent) == NULL;

			if (a && !gone_table && !fkey && b == NULL &&
				(strncmp(a->def, "PRIMARY KEY", 11) == 0 || strncmp(a->def, "UNIQUE", 6) == 0))
				rekeyed = lappend(rekeyed, a->parent);
			/* a foreign key may stand between two tables that both go */
			if (a && (!gone_table || fkey))
				add(&s, fkey ? PH_DROP_FKEYS : PH_DROP_CONSTRAINTS,
					"ALTER TABLE %s DROP CONSTRAINT %s;\n", Q(a->parent), Q(a->name));
			if (b)
				add(&s, fkey ? PH_FKEYS : PH_CONSTRAINTS,
					"ALTER TABLE %s ADD CONSTRAINT %s %s;\n", Q(b->parent), Q(b->name), b->def);
		}
		else if (strcmp(kind, "index") == 0)
		{
			if (a && has_relation(to, a->parent))
			{
				add(&s, PH_DROP_INDEXES, "DROP INDEX %s;\n", Q(a->name));
				if (strncmp(a->def, "CREATE UNIQUE INDEX", 19) == 0)
					rekeyed = lappend(rekeyed, a->parent);
			}
			if (b && find_obj(to, "view", "", b->parent))
				view_deps = lappend(view_deps, b);	/* after the view */
			else if (b)
				add(&s, PH_INDEXES, "%s;\n", b->def);
		}
		else if (strcmp(kind, "function") == 0)
		{
			/* new argument names or result: OR REPLACE cannot do it */
			if (a && (b == NULL ? a->notnull : !same_str(a->clause, b->clause)))
				add(&s, PH_DROP_FUNCTIONS_EARLY, "DROP %s %s;\n", a->extra, a->name);
			else if (a && b == NULL)
				add(&s, PH_DROP_FUNCTIONS, "DROP %s %s;\n", a->extra, a->name);
			if (b)
				funcs[nfuncs++] = b;	/* made below, in creation order */
		}
		else if (strcmp(kind, "trigger") == 0)
		{
			if (a && has_relation(to, a->parent))
				add(&s, PH_DROP_TRIGGERS, "DROP TRIGGER %s ON %s;\n", Q(a->name), Q(a->parent));
			if (b && find_obj(to, "view", "", b->parent))
				view_deps = lappend(view_deps, b);	/* after the view */
			else if (b)
				add(&s, PH_TRIGGERS, "%s;\n", b->def);
		}
		else if (strcmp(kind, "comment") == 0)
		{
			if (b)
				add_view_dep(&s, b);
			else if (*a->name ? find_obj(to, "column", a->parent, a->name) != NULL :
					 has_relation(to, a->parent))
				add(&s, PH_COMMENTS, "COMMENT ON %s %s IS NULL;\n",
					*a->name ? "COLUMN" : a->extra, comment_target(a));
		}
	}

	/*
	 * What PostgreSQL will not keep across the change, though it does not
	 * change itself: a trigger on a column whose type changes, a foreign
	 * key on a key that is dropped (whatever stands in for it).
	 */
	remake_unchanged(&s, from, to, "trigger", retyped, false);
	remake_unchanged(&s, from, to, "constraint", rekeyed, true);

	/* the last columns first: a generated column before what it reads */
	qsort(dropped, ndropped, sizeof(DiffObj *), seq_cmp);
	for (int k = ndropped - 1; k >= 0; k--)
	{
		DiffObj    *a = dropped[k];
		DiffObj    *twin = is_generated(a) ? NULL : rename_candidate(from, to, a);

		if (twin)
			add(&s, PH_DROP_COLUMNS,
				"-- WARNING: drops column %s.%s and its data; %s is added with the same type: if it is a rename, write instead\n"
				"--   ALTER TABLE %s RENAME COLUMN %s TO %s;\n",
				a->parent, a->name, twin->name,
				Q(a->parent), Q(a->name), Q(twin->name));
		else if (!is_generated(a))
			add(&s, PH_DROP_COLUMNS, "-- WARNING: drops column %s.%s and its data\n",
				a->parent, a->name);
		add(&s, PH_DROP_COLUMNS, "ALTER TABLE %s DROP COLUMN %s;\n",
			Q(a->parent), Q(a->name));
	}

	/*
	 * Functions in the order the desired schema made them, before the
	 * tables whose defaults, checks and indexes call them; their bodies
	 * are checked when they run, as pg_dump's are.  A BEGIN ATOMIC body
	 * names tables at creation: those come after the tables.
	 */
	qsort(funcs, nfuncs, sizeof(DiffObj *), seq_cmp);
	for (int k = 0; k < nfuncs; k++)
		if (!funcs[k]->notnull)
		{
			if (s.phase[PH_FUNCTIONS].len == 0)
				add(&s, PH_FUNCTIONS, "SET LOCAL check_function_bodies = off;\n");
			add(&s, PH_FUNCTIONS, "%s;\n", funcs[k]->def);
		}
		else
			add(&s, PH_ATOMIC_FUNCTIONS, "%s;\n", funcs[k]->def);
	if (s.phase[PH_FUNCTIONS].len > 0)
		add(&s, PH_FUNCTIONS, "RESET check_function_bodies;\n");

	qsort(added, nadded, sizeof(DiffObj *), seq_cmp);
	for (int k = 0; k < nadded; k++)
		add(&s, PH_COLUMNS, "ALTER TABLE %s ADD COLUMN %s;\n",
			Q(added[k]->parent), column_def(added[k]));

	/*
	 * Views: a view that changes, or stands on a table that changes, is
	 * dropped before and made again after; dropped newest first, made
	 * oldest first, so views on views come out right.
	 */
	{
		DiffObj   **drops = palloc(sizeof(DiffObj *) * (from->n + 1));
		DiffObj   **makes = palloc(sizeof(DiffObj *) * (to->n + 1));
		int			nd = 0,
					nm = 0;
		ListCell   *lc;

		for (int k = 0; k < from->n; k++)
		{
			DiffObj    *a = &from->objs[k];
			DiffObj    *b;

			if (strcmp(a->kind, "view") != 0)
				continue;
			b = find_obj(to, "view", "", a->name);
			if (b == NULL || !obj_equal(a, b) || s.nstmts > 0)
				drops[nd++] = a;
		}
		for (int k = 0; k < to->n; k++)
		{
			DiffObj    *b = &to->objs[k];
			DiffObj    *a;

			if (strcmp(b->kind, "view") != 0)
				continue;
			a = find_obj(from, "view", "", b->name);
			if (a == NULL || !obj_equal(a, b) || s.nstmts > 0)
				makes[nm++] = b;
		}
		qsort(drops, nd, sizeof(DiffObj *), seq_cmp);
		qsort(makes, nm, sizeof(DiffObj *), seq_cmp);
		for (int k = nd - 1; k >= 0; k--)
			add(&s, PH_DROP_VIEWS, "DROP %s %s;\n", drops[k]->extra, Q(drops[k]->name));
		for (int k = 0; k < nm; k++)
		{
			add(&s, PH_VIEWS, "CREATE %s %s%s AS\n%s\n", makes[k]->extra,
				Q(makes[k]->name), makes[k]->clause ? makes[k]->clause : "",
				makes[k]->def);
			/* a view made anew takes back its indexes, triggers, comments */
			for (int i = 0; i < to->n; i++)
				if (strcmp(to->objs[i].parent, makes[k]->name) == 0 &&
					(strcmp(to->objs[i].kind, "index") == 0 ||
					 strcmp(to->objs[i].kind, "trigger") == 0 ||
					 strcmp(to->objs[i].kind, "comment") == 0))
					add_view_dep(&s, &to->objs[i]);
		}
		foreach(lc, view_deps)
		{
			DiffObj    *dep = lfirst(lc);
			bool		remade = false;

			for (int k = 0; k < nm && !remade; k++)
				remade = strcmp(makes[k]->name, dep->parent) == 0;
			if (!remade)
				add_view_dep(&s, dep);
		}
	}

	if (s.nstmts == 0)
		return NULL;
	initStringInfo(&out);
	for (int p = 0; p < PH_COUNT; p++)
		appendStringInfoString(&out, s.phase[p].data);
	return out.data;
}

/* Only CREATE statements (and COMMENT, ALTER TABLE) of unqualified objects. */
static void
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
		case T_AlterTableStmt:
			rel = ((AlterTableStmt *) stmt)->relation;
			break;
		case T_CreateTableAsStmt:
			if (((CreateTableAsStmt *) stmt)->objtype != OBJECT_MATVIEW)
				goto refuse;
			rel = ((CreateTableAsStmt *) stmt)->into->rel;
			break;
		case T_CreateEnumStmt:
			name = ((CreateEnumStmt *) stmt)->typeName;
			break;
		case T_CreateDomainStmt:
			name = ((CreateDomainStmt *) stmt)->domainname;
			break;
		case T_CreateFunctionStmt:
			name = ((CreateFunctionStmt *) stmt)->funcname;
			break;
		case T_CommentStmt:
			break;
		default:
			goto refuse;
	}
	if ((rel && rel->schemaname) || list_length(name) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the desired schema names an object in another schema"),
				 errhint("Write the desired schema with unqualified names; the schema argument says where it goes.")));
	return;

refuse:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("the desired schema may hold only CREATE statements, COMMENT and ALTER TABLE"),
			 errdetail("It describes a schema; it is not run against the database.")));
}

/*
 * pm_diff
 *		The scripts that turn schema into the one desired describes, and
 *		back; NULL for each when there is no difference.  The caller holds
 *		an SPI connection.  Nothing stays: the desired objects are built in
 *		a scratch schema inside a subtransaction that is rolled back.
 */
void
pm_diff(const char *desired, const char *schema, char **upgrade, char **downgrade)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	DiffSet		live;
	DiffSet		want;
	char	   *scratch;

	if (!OidIsValid(get_namespace_oid(schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		int			level;
		int			rc;

		live = describe(schema);
		scratch = psprintf("pim_migrate_desired_%d", MyProcPid);
		rc = SPI_execute(psprintf("CREATE SCHEMA %s", quote_identifier(scratch)), false, 0);
		MemoryContextSwitchTo(cxt);
		if (rc != SPI_OK_UTILITY)
			elog(ERROR, "could not create a scratch schema");
		level = NewGUCNestLevel();
		(void) set_config_option("search_path", quote_identifier(scratch),
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		pm_exec_run_desired(desired, check_desired);
		AtEOXact_GUC(true, level);
		want = describe(scratch);
		*upgrade = diff_sets(&live, &want);
		*downgrade = diff_sets(&want, &live);
	}
	PG_CATCH();
	{
		pm_exec_abort_subxact(cxt, owner);
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
}
