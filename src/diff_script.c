/*-------------------------------------------------------------------------
 *
 * diff_script.c
 *	  Autogenerate: the script that turns one schema (a DiffSet) into
 *	  another.
 *
 * The two sets are merged on their sorted keys; each difference adds
 * statements to one of the phases below, and the script is the phases in
 * order.  The phases are what PostgreSQL accepts: types first; what stands
 * on something that changes (triggers, policies, views, constraints,
 * defaults, generated columns) is dropped before it changes and made again
 * after; what others depended on is dropped last, newest first.  An
 * object made again though it does not change itself is "remade": it is
 * remembered once (never dropped or added twice), and its comment and
 * grants come back with it.
 *
 * Every name in a statement goes through quote_identifier, every text
 * through quote_literal; names in "-- WARNING" lines go through
 * pm_comment_text, so that no name can end the comment and add a
 * statement.
 *
 * src/diff_script.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#if PG_VERSION_NUM >= 160000
#include "nodes/miscnodes.h"
#endif
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pim_migrate.h"
#include "diff.h"

/* The phases of a script, in the order they run. */
enum
{
	PH_DISOWN,
	PH_TYPES,
	PH_DROP_TRIGGERS,
	PH_DROP_VIEWS,
	PH_DROP_FKEYS,
	PH_DROP_CONSTRAINTS,
	PH_DROP_INDEXES,
	PH_DROP_DEFAULTS,
	PH_DROP_COLUMNS,
	PH_DROP_FUNCTIONS_EARLY,
	PH_SEQUENCES,
	PH_FUNCTIONS,
	PH_TABLES,
	PH_COLUMNS,
	PH_OWNED,
	PH_CONSTRAINTS,
	PH_INDEXES,
	PH_ATOMIC_FUNCTIONS,
	PH_FKEYS,
	PH_VIEWS,
	PH_VIEW_INDEXES,
	PH_TRIGGERS,
	PH_TABLE_OPTIONS,
	PH_COMMENTS,
	PH_GRANTS,
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
	DiffSet    *from;
	DiffSet    *to;
	List	   *remade;			/* keys of objects dropped and made again */
	int			nrebuilt;		/* enums rebuilt, for their temporary names */

	/* what the merge leaves for the passes after it (DiffObj pointers) */
	List	   *added;			/* columns, written in table order */
	List	   *dropped;
	List	   *funcs;			/* functions to make, in creation order */
	List	   *drop_funcs;
	List	   *early_funcs;	/* dropped before the tables change */
	List	   *new_tables;
	List	   *drop_tables;
	List	   *view_deps;		/* indexes and triggers of views */
	List	   *retyped;		/* tables with a column of a new type */
	List	   *rekeyed;		/* tables that lose a key or unique index */
	List	   *grants;
} Script;

static void add(Script *s, int phase, const char *fmt,...) pg_attribute_printf(3, 4);

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

/*
 * Text for a "-- WARNING" line: a name or a definition (NULL: nothing),
 * made safe for a comment line by the one rule of pm_comment_text.
 */
static char *
comment_text(const char *s)
{
	return pm_comment_text(s ? s : "");
}

#define C(x) comment_text(quote_identifier(x))

static char *
obj_key(const char *kind, const char *parent, const char *name)
{
	return psprintf("%s\x1f%s\x1f%s", kind, parent, name);
}

static bool
was_remade(Script *s, const char *kind, const char *parent, const char *name)
{
	return pm_name_in_list(s->remade, obj_key(kind, parent, name));
}

static void
mark_remade(Script *s, const char *kind, const char *parent, const char *name)
{
	if (!was_remade(s, kind, parent, name))
		s->remade = lappend(s->remade, obj_key(kind, parent, name));
}

/* Does "from" have b (of "to") as it is? */
static bool
unchanged(Script *s, const DiffObj *b)
{
	DiffObj    *a = pm_diff_find(s->from, b->kind, b->parent, b->name);

	return a != NULL && pm_diff_obj_equal(a, b);
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

/* s with every "SET " taken out: identity options as CREATE writes them. */
static char *
create_options(const char *opts)
{
	StringInfoData buf;

	initStringInfo(&buf);
	while (*opts)
	{
		if (strncmp(opts, "SET ", 4) == 0)
			opts += 4;
		else
			appendStringInfoChar(&buf, *opts++);
	}
	return buf.data;
}

/*
 * PostgreSQL 18 names the NOT NULL of a column: "<table>_<column>_not_null"
 * unless told otherwise, and a partition made by PARTITION OF takes its
 * parent's names.  The name set gives table.column's, or NULL (not NOT
 * NULL, or a server before 18).
 */
static const char *
not_null_name(DiffSet *set, const char *table, const char *column)
{
	DiffObj    *o = pm_diff_find(set, "not null", table, column);

	return o ? o->def : NULL;
}

/*
 * " NOT NULL" for table.column, with the constraint's name when it is not
 * the one PostgreSQL would choose (a longer one than a name holds is cut
 * in ways not worth predicting: it is always written).
 */
static char *
not_null_clause(DiffSet *set, const char *table, const char *column)
{
	const char *name = not_null_name(set, table, column);
	char	   *dflt = psprintf("%s_%s_not_null", table, column);

	if (name == NULL ||
		(strlen(dflt) < NAMEDATALEN && strcmp(name, dflt) == 0))
		return " NOT NULL";
	return psprintf(" CONSTRAINT %s NOT NULL", Q(name));
}

/* A column as CREATE TABLE and ADD COLUMN write it, for set. */
static char *
column_def(DiffSet *set, const DiffObj *c)
{
	char	   *ident = "";

	if (is_identity(c) && c->opts)
		ident = psprintf(" (%s)", create_options(c->opts));
	return psprintf("%s %s%s%s%s%s%s", Q(c->name), c->def,
					c->clause ? c->clause : "", ident,
					c->extra ? " DEFAULT " : "", c->extra ? c->extra : "",
					c->notnull && !is_identity(c) ?
					not_null_clause(set, c->parent, c->name) : "");
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

/* The rows of kind whose parent is table, in creation order; *n: how many. */
static DiffObj **
rows_of(DiffSet *set, const char *kind, const char *table, int *n)
{
	DiffObj   **rows = palloc(sizeof(DiffObj *) * (set->n + 1));

	*n = 0;
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->objs[i].kind, kind) == 0 &&
			strcmp(set->objs[i].parent, table) == 0)
			rows[(*n)++] = &set->objs[i];
	qsort(rows, *n, sizeof(DiffObj *), seq_cmp);
	return rows;
}

/*
 * " (CONSTRAINT x NOT NULL c, ...)" for a partition made by PARTITION OF
 * whose NOT NULL names are not its parent's, else "".
 */
static char *
partition_not_nulls(DiffSet *set, const DiffObj *part)
{
	StringInfoData buf;
	int			n;
	DiffObj   **rows = rows_of(set, "not null", part->name, &n);

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		const char *inherited = not_null_name(set, part->parent, rows[i]->name);

		if (inherited && strcmp(inherited, rows[i]->def) == 0)
			continue;
		appendStringInfo(&buf, "%sCONSTRAINT %s NOT NULL %s",
						 buf.len ? ", " : " (", Q(rows[i]->def), Q(rows[i]->name));
	}
	if (buf.len)
		appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* Columns of table in set, in their order in the table, for CREATE TABLE. */
static char *
column_list(DiffSet *set, const char *table)
{
	StringInfoData buf;
	int			n;
	DiffObj   **cols = rows_of(set, "column", table, &n);

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s\n    %s", i > 0 ? "," : "", column_def(set, cols[i]));
	return buf.data;
}

/* " INHERITS (a, b)" for a table of set that has parents, else "". */
static char *
inherits_clause(DiffSet *set, const char *table)
{
	StringInfoData buf;
	int			n;
	DiffObj   **rows = rows_of(set, "inherit", table, &n);

	if (n == 0)
		return "";
	initStringInfo(&buf);
	appendStringInfoString(&buf, " INHERITS (");
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", Q(rows[i]->name));
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/*
 * Does def call or name ident: ident (as quote_identifier writes it)
 * followed by "(" or standing alone, not part of a longer name?
 */
static bool
mentions(const char *def, const char *ident, bool call)
{
	size_t		len = strlen(ident);

	if (def == NULL)
		return false;
	for (const char *p = strstr(def, ident); p; p = strstr(p + 1, ident))
	{
		char		before = p == def ? ' ' : p[-1];
		char		after = p[len];

		if (isalnum((unsigned char) before) || before == '_' || before == '"' ||
			before == '.')
			continue;
		if (call ? after == '(' :
			!(isalnum((unsigned char) after) || after == '_' || after == '"' ||
			  after == '('))
			return true;
	}
	return false;
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
			if ((*s == '\\' && s[1]) || (*s == '\'' && s[1] == '\''))
				s++;			/* an escaped character or a doubled quote */
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

/*
 * CREATE TRIGGER of a trigger row, and its state when it is not enabled
 * the default way (pg_get_triggerdef does not say it).
 */
static void
add_trigger(Script *s, const DiffObj *t)
{
	add(s, PH_TRIGGERS, "%s;\n", t->def);
	if (t->extra)
		add(s, PH_TRIGGERS, "ALTER TABLE %s %s TRIGGER %s;\n",
			Q(t->parent), t->extra, Q(t->name));
}

/*
 * Drop a (of "from") and make b (of "to") again, an object that does not
 * change itself but stands on one that does; once per object, and only
 * when the main pass does not drop or make it already.
 */
static void
remake(Script *s, DiffObj *a)
{
	DiffObj    *b = pm_diff_find(s->to, a->kind, a->parent, a->name);

	if (b == NULL || !pm_diff_obj_equal(a, b) ||
		was_remade(s, a->kind, a->parent, a->name))
		return;
	mark_remade(s, a->kind, a->parent, a->name);
	if (strcmp(a->kind, "constraint") == 0)
	{
		add(s, a->ord == DIFF_ORD_FKEY ? PH_DROP_FKEYS : PH_DROP_CONSTRAINTS,
			"ALTER TABLE %s DROP CONSTRAINT %s;\n", Q(a->parent), Q(a->name));
		add(s, a->ord == DIFF_ORD_FKEY ? PH_FKEYS : PH_CONSTRAINTS,
			"ALTER TABLE %s ADD CONSTRAINT %s %s;\n", Q(b->parent), Q(b->name), b->def);
	}
	else if (strcmp(a->kind, "index") == 0)
	{
		add(s, PH_DROP_INDEXES, "DROP INDEX %s;\n", Q(a->name));
		add(s, PH_INDEXES, "%s;\n", b->def);
	}
	else if (strcmp(a->kind, "trigger") == 0)
	{
		add(s, PH_DROP_TRIGGERS, "DROP TRIGGER %s ON %s;\n", Q(a->name), Q(a->parent));
		add_trigger(s, b);
	}
	else if (strcmp(a->kind, "policy") == 0)
	{
		add(s, PH_DROP_TRIGGERS, "DROP POLICY %s ON %s;\n", Q(a->name), Q(a->parent));
		add(s, PH_TRIGGERS, "%s;\n", b->def);
	}
}

/* Remake the objects of kind in "from" on table (all of them, or those whose definition names ident). */
static void
remake_on(Script *s, const char *kind, const char *table, const char *ident,
		  bool call)
{
	for (int i = 0; i < s->from->n; i++)
	{
		DiffObj    *a = &s->from->objs[i];

		if (strcmp(a->kind, kind) != 0)
			continue;
		if (table && strcmp(a->parent, table) != 0)
			continue;
		if (ident && !mentions(a->def, ident, call))
			continue;
		remake(s, a);
	}
}

/* Resolve a type name of set (as format_type wrote it) to its oid. */
static Oid
type_of(DiffSet *set, const char *def, int32 *typmod)
{
	int			level = NewGUCNestLevel();
	char	   *name = pstrdup(def);
	char	   *collate = strstr(name, " COLLATE ");
	Oid			typid = InvalidOid;

	if (collate)
		*collate = '\0';
	(void) set_config_option("search_path", set->path,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	*typmod = -1;
#if PG_VERSION_NUM >= 160000
	{
		/* PostgreSQL 16: parseTypeString()'s escontext, was missing_ok */
		ErrorSaveContext escontext = {.type = T_ErrorSaveContext};

		if (!parseTypeString(name, &typid, typmod, (Node *) &escontext))
			typid = InvalidOid;
	}
#else
	parseTypeString(name, &typid, typmod, true);
#endif
	AtEOXact_GUC(true, level);
	return typid;
}

/*
 * A generated column dropped and added again: ADD COLUMN puts it last, so
 * the table's column order changes unless it was last already.
 */
static void
remade_column_note(Script *s, const DiffObj *c)
{
	for (int i = 0; i < s->to->n; i++)
	{
		DiffObj    *o = &s->to->objs[i];

		if (strcmp(o->kind, "column") == 0 && strcmp(o->parent, c->parent) == 0 &&
			o->seq > c->seq)
		{
			add(s, PH_DROP_COLUMNS,
				"-- WARNING: generated column %s.%s is made again: it comes last among the table's columns\n",
				C(c->parent), C(c->name));
			return;
		}
	}
}

/*
 * Change a column's type: defaults and generated columns that cannot
 * follow are dropped before and set again after; the USING clause is a
 * cast when PostgreSQL has one, else a conversion through text that the
 * user must review.
 */
static void
retype_column(Script *s, DiffObj *a, DiffObj *b, List **dropped, List **added)
{
	int32		srcmod;
	int32		dstmod;
	Oid			src = type_of(s->from, a->def, &srcmod);
	Oid			dst = type_of(s->to, b->def, &dstmod);
	const char *using;
	const char *bare = pstrdup(b->def);
	char	   *collate = strstr((char *) bare, " COLLATE ");

	if (collate)
		*collate = '\0';
	if (OidIsValid(src) && OidIsValid(dst) &&
		!can_coerce_type(1, &src, &dst, COERCION_EXPLICIT))
	{
		add(s, PH_COLUMNS,
			"-- WARNING: there is no cast from %s to %s: the USING clause below goes through text; review it before you upgrade\n",
			comment_text(a->def), comment_text(b->def));
		using = psprintf("%s::text::%s", Q(b->name), bare);
	}
	else
	{
		/* a wider type (an implicit cast, a longer typmod) loses nothing */
		bool		wider = OidIsValid(src) && OidIsValid(dst) &&
		(src == dst ? dstmod == -1 || dstmod >= srcmod :
		 can_coerce_type(1, &src, &dst, COERCION_IMPLICIT) && dstmod == -1);

		if (!wider)
			add(s, PH_COLUMNS,
				"-- WARNING: changes the type of %s.%s from %s to %s; a narrower type loses data\n",
				C(b->parent), C(b->name), comment_text(a->def), comment_text(b->def));
		using = psprintf("%s::%s", Q(b->name), bare);
	}
	if (a->extra)
		add(s, PH_DROP_DEFAULTS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n",
			Q(a->parent), Q(a->name));
	add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s;\n",
		Q(b->parent), Q(b->name), b->def, using);
	if (b->extra)
		add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
			Q(b->parent), Q(b->name), b->extra);

	/* generated columns that read it hold no data: make them anew */
	for (int i = 0; i < s->from->n; i++)
	{
		DiffObj    *g = &s->from->objs[i];
		DiffObj    *h;

		if (strcmp(g->kind, "column") != 0 || strcmp(g->parent, a->parent) != 0 ||
			!is_generated(g) || !mentions(g->clause, Q(a->name), false) ||
			list_member_ptr(*dropped, g))
			continue;
		h = pm_diff_find(s->to, "column", g->parent, g->name);
		*dropped = lappend(*dropped, g);
		if (h)
		{
			*added = lappend(*added, h);
			mark_remade(s, "column", h->parent, h->name);
			remade_column_note(s, h);
		}
	}
}

/*
 * A column that both schemas have and that differs.  Drops and additions
 * go to the lists, to be written in table order.
 */
static void
diff_column(Script *s, DiffObj *a, DiffObj *b, List **dropped, List **added)
{
	if ((is_generated(a) || is_generated(b)) &&
		(!pm_diff_same_str(a->def, b->def) || !pm_diff_same_str(a->clause, b->clause)))
	{
		/* a generated column holds no data of its own: make it anew */
		if (!list_member_ptr(*dropped, a))
		{
			*dropped = lappend(*dropped, a);
			*added = lappend(*added, b);
			remade_column_note(s, b);
		}
		return;
	}
	if (is_identity(a) && !is_identity(b))
		add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;\n",
			Q(b->parent), Q(b->name));
	if (!pm_diff_same_str(a->def, b->def))
		retype_column(s, a, b, dropped, added);
	else if (!pm_diff_same_str(a->extra, b->extra))
	{
		if (b->extra)
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
				Q(b->parent), Q(b->name), b->extra);
		else
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n",
				Q(b->parent), Q(b->name));
	}
	if (a->notnull != b->notnull && !(is_identity(b) && !is_identity(a) && b->notnull))
	{
		char	   *named = b->notnull ?
		not_null_clause(s->to, b->parent, b->name) : "";

		/* PostgreSQL 18: SET NOT NULL takes the default name */
		if (strncmp(named, " CONSTRAINT ", 12) == 0)
			add(s, PH_COLUMNS, "ALTER TABLE %s ADD%s %s;\n", Q(b->parent),
				named, Q(b->name));
		else
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;\n",
				Q(b->parent), Q(b->name), b->notnull ? "SET" : "DROP");
	}
	if (!is_identity(a) && is_identity(b))
		add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s ADD%s (%s);\n",
			Q(b->parent), Q(b->name), b->clause, create_options(b->opts));
	else if (is_identity(a) && is_identity(b))
	{
		if (!pm_diff_same_str(a->clause, b->clause))
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;\n",
				Q(b->parent), Q(b->name),
				strstr(b->clause, "ALWAYS") ? "ALWAYS" : "BY DEFAULT");
		if (!pm_diff_same_str(a->opts, b->opts) && b->opts)
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s %s;\n",
				Q(b->parent), Q(b->name), b->opts);
	}
}

/* Is label (a literal) used as a value of enum type in "to"? */
static bool
label_used(DiffSet *to, const char *type, const char *label)
{
	char	   *pattern = psprintf("%s::%s", label, Q(type));

	for (int i = 0; i < to->n; i++)
	{
		DiffObj    *o = &to->objs[i];

		if (strcmp(o->kind, "enum") == 0 || strcmp(o->kind, "comment") == 0)
			continue;
		if (strstr(o->def, pattern) || (o->extra && strstr(o->extra, pattern)) ||
			(o->clause && strstr(o->clause, pattern)))
			return true;
	}
	return false;
}

/*
 * An enum that loses or reorders values, or whose new values the same
 * script uses (PostgreSQL refuses a value added in the transaction that
 * uses it): made anew under its name, its columns converted through text,
 * the old type dropped.  A row holding a value that goes fails the
 * conversion, and the script with it.
 */
static void
rebuild_enum(Script *s, DiffObj *from, DiffObj *to, bool loses)
{
	char	   *old = psprintf("pim_migrate_old_enum_%d", ++s->nrebuilt);
	char	   *array = psprintf("%s[]", Q(to->name));

	if (loses)
		add(s, PH_TYPES,
			"-- WARNING: enum %s loses or reorders values (%s becomes %s): it is made anew and its columns converted; a row holding a value that goes makes the conversion fail\n",
			C(to->name), comment_text(from->def), comment_text(to->def));
	add(s, PH_TYPES, "ALTER TYPE %s RENAME TO %s;\n", Q(from->name), Q(old));
	add(s, PH_TYPES, "CREATE TYPE %s AS ENUM (%s);\n", Q(to->name), to->def);
	mark_remade(s, "enum", "", to->name);
	for (int i = 0; i < s->from->n; i++)
	{
		DiffObj    *a = &s->from->objs[i];
		DiffObj    *b;
		bool		is_array;

		if (strcmp(a->kind, "domain") == 0 && strcmp(a->def, Q(from->name)) == 0)
			ereport(WARNING,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("domain \"%s\" over enum \"%s\" is not rebuilt with it",
							a->name, from->name),
					 errhint("Write this part of the migration by hand.")));
		if (strcmp(a->kind, "column") != 0)
			continue;
		is_array = strcmp(a->def, array) == 0;
		if (strcmp(a->def, Q(from->name)) != 0 && !is_array)
			continue;
		b = pm_diff_find(s->to, "column", a->parent, a->name);
		if (b == NULL || !pm_diff_same_str(a->def, b->def) || is_generated(a))
			continue;			/* dropped or retyped by the main pass */
		{
			DiffObj    *table = pm_diff_find(s->from, "table", "", a->parent);

			if (table && table->extra && mentions(table->extra, Q(a->name), false))
			{
				ereport(WARNING,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("enum \"%s\" is not rebuilt under the partition key of table \"%s\"",
								from->name, a->parent),
						 errdetail("Column \"%s\" is of that type, and PostgreSQL cannot change the type of a partition key column.",
								   a->name),
						 errhint("Write this part of the migration by hand.")));
				add(s, PH_COLUMNS,
					"-- WARNING: %s.%s is in the partition key: PostgreSQL cannot change its type; convert it by hand\n",
					C(a->parent), C(a->name));
				continue;
			}
		}
		if (a->extra)
			add(s, PH_DROP_DEFAULTS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n",
				Q(a->parent), Q(a->name));
		add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text%s::%s;\n",
			Q(b->parent), Q(b->name), b->def, Q(b->name), is_array ? "[]" : "", b->def);
		if (b->extra)
			add(s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
				Q(b->parent), Q(b->name), b->extra);
		/* checks and partial indexes that compare it with a value */
		for (int k = 0; k < s->from->n; k++)
		{
			DiffObj    *d = &s->from->objs[k];

			if ((strcmp(d->kind, "constraint") == 0 || strcmp(d->kind, "index") == 0) &&
				strcmp(d->parent, a->parent) == 0 &&
				strstr(d->def, psprintf("::%s", Q(from->name))) != NULL)
				remake(s, d);
		}
	}
	add(s, PH_DROP_TYPES, "DROP TYPE %s;\n", Q(old));
}

/* An enum's new labels, when the old ones keep their order among them. */
static void
diff_enum(Script *s, DiffObj *from, DiffObj *to)
{
	List	   *old_labels = split_literals(from->def);
	List	   *new_labels = split_literals(to->def);
	ListCell   *lc;
	ListCell   *next_old = list_head(old_labels);
	bool		used = false;

	foreach(lc, new_labels)
	{
		char	   *label = lfirst(lc);

		if (next_old && strcmp(lfirst(next_old), label) == 0)
			next_old = lnext(old_labels, next_old);
		else if (!pm_name_in_list(old_labels, label))
			used |= label_used(s->to, to->name, label);
		else
			break;				/* moved */
	}
	if (next_old != NULL || used)
	{
		rebuild_enum(s, from, to, next_old != NULL);
		return;
	}
	{
		char	   *prev = NULL;

		foreach(lc, new_labels)
		{
			char	   *label = lfirst(lc);

			if (pm_name_in_list(old_labels, label))
				;
			else if (old_labels == NIL)
				add(s, PH_TYPES, "ALTER TYPE %s ADD VALUE %s;\n", Q(to->name), label);
			else if (prev)
				add(s, PH_TYPES, "ALTER TYPE %s ADD VALUE %s AFTER %s;\n",
					Q(to->name), label, prev);
			else
				add(s, PH_TYPES, "ALTER TYPE %s ADD VALUE %s BEFORE %s;\n",
					Q(to->name), label, (char *) linitial(old_labels));
			prev = label;
		}
	}
}

/* Does the target of comment c exist in set? */
static bool
comment_target_exists(DiffSet *set, const DiffObj *c)
{
	const char *kind = c->extra;

	if (strcmp(kind, "table") == 0)
		return pm_diff_has_table(set, c->opts);
	if (strcmp(kind, "view") == 0 || strcmp(kind, "sequence") == 0 ||
		strcmp(kind, "function") == 0 || strcmp(kind, "enum") == 0 ||
		strcmp(kind, "domain") == 0)
		return pm_diff_find(set, kind, "", c->opts) != NULL;
	if (strcmp(kind, "index") == 0)
		return pm_diff_find(set, "index", c->parent, c->opts) != NULL ||
			pm_diff_find(set, "constraint", c->parent, c->opts) != NULL;
	if (strcmp(kind, "column") == 0 && pm_diff_find(set, "view", "", c->parent))
		return true;			/* a view's columns are in its definition */
	return pm_diff_find(set, kind, c->parent, c->opts) != NULL;
}

/* Was the target of comment c (of "to") made again by the script? */
static bool
comment_target_remade(Script *s, const DiffObj *c)
{
	const char *kind = c->extra;

	if (strcmp(kind, "table") == 0 || strcmp(kind, "view") == 0 ||
		strcmp(kind, "sequence") == 0 || strcmp(kind, "function") == 0 ||
		strcmp(kind, "enum") == 0 || strcmp(kind, "domain") == 0)
		return was_remade(s, kind, "", c->opts);
	if (strcmp(kind, "column") == 0 && was_remade(s, "view", "", c->parent))
		return true;
	if (strcmp(kind, "index") == 0)
		return was_remade(s, "index", c->parent, c->opts) ||
			was_remade(s, "constraint", c->parent, c->opts) ||
			was_remade(s, "view", "", c->parent);
	return was_remade(s, kind, c->parent, c->opts);
}

/* GRANT of a grant row (of "to"). */
static void
add_grant(Script *s, const DiffObj *g)
{
	/* the grantee is the name up to " (" */
	char	   *grantee = pstrdup(g->name);
	char	   *paren = g->opts ? strstr(grantee, " (") : NULL;

	if (paren)
		*paren = '\0';
	add(s, PH_GRANTS, "GRANT %s ON %s %s TO %s;\n", g->def, g->clause,
		Q(g->parent), grantee);
	if (g->extra)
		add(s, PH_GRANTS, "GRANT %s ON %s %s TO %s WITH GRANT OPTION;\n",
			g->extra, g->clause, Q(g->parent), grantee);
}

/* REVOKE ALL of a grant row (of "from"). */
static void
revoke_grant(Script *s, const DiffObj *g)
{
	char	   *grantee = pstrdup(g->name);
	char	   *paren = g->opts ? strstr(grantee, " (") : NULL;

	if (paren)
		*paren = '\0';
	add(s, PH_GRANTS, "REVOKE ALL%s%s%s ON %s %s FROM %s;\n",
		g->opts ? " (" : "", g->opts ? g->opts : "", g->opts ? ")" : "",
		g->clause, Q(g->parent), grantee);
	/* a table's REVOKE takes its columns' privileges too: give them back */
	if (g->opts == NULL)
		for (int i = 0; i < s->to->n; i++)
		{
			DiffObj    *c = &s->to->objs[i];

			if (strcmp(c->kind, "grant") == 0 && c->opts &&
				strcmp(c->parent, g->parent) == 0 &&
				strncmp(c->name, g->name, strlen(g->name)) == 0 &&
				strncmp(c->name + strlen(g->name), " (", 2) == 0)
				add_grant(s, c);
		}
}

/*
 * Views in an order that makes each after the views its definition names
 * (a stable sort of the creation order: a view redefined to use a newer
 * one comes after it).  A cycle of names keeps the creation order.
 */
static void
order_views(DiffObj **views, int n)
{
	DiffObj   **out = palloc(sizeof(DiffObj *) * (n + 1));
	bool	   *done = palloc0(sizeof(bool) * (n + 1));
	int			nout = 0;

	while (nout < n)
	{
		int			before = nout;

		for (int k = 0; k < n; k++)
		{
			bool		ready = true;

			if (done[k])
				continue;
			for (int d = 0; d < n && ready; d++)
				ready = d == k || done[d] || !mentions(views[k]->def, Q(views[d]->name), false);
			if (ready)
			{
				done[k] = true;
				out[nout++] = views[k];
			}
		}
		if (nout == before)
			for (int k = 0; k < n; k++)
				if (!done[k])
				{
					done[k] = true;
					out[nout++] = views[k];
					break;
				}
	}
	memcpy(views, out, sizeof(DiffObj *) * n);
}

/*
 * The views of set to drop (set is "from") or make (set is "to"): those
 * the other set lacks or defines otherwise, or all of them when what
 * views stand on changes shape.
 */
static DiffObj **
views_to_remake(DiffSet *set, DiffSet *other, bool reshaped, int *n)
{
	DiffObj   **views = palloc(sizeof(DiffObj *) * (set->n + 1));

	*n = 0;
	for (int k = 0; k < set->n; k++)
	{
		DiffObj    *v = &set->objs[k];
		DiffObj    *twin;

		if (strcmp(v->kind, "view") != 0)
			continue;
		twin = pm_diff_find(other, "view", "", v->name);
		if (twin == NULL || !pm_diff_obj_equal(v, twin) || reshaped)
			views[(*n)++] = v;
	}
	return views;
}

/*
 * A change the scripts do not make: a WARNING now, and a line in the
 * script that says so, where the change would go.
 */
static void
not_rebuilt(Script *s, int phase, const char *kind, const char *name,
			const char *change, const char *was, const char *becomes)
{
	ereport(WARNING,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s \"%s\" is not rebuilt", kind, name),
			 errdetail("The desired schema changes %s, which needs a rebuild that the diff does not write.",
					   change),
			 errhint("Write this part of the migration by hand.")));
	add(s, phase, "-- WARNING: %s %s changes %s (%s -> %s): rebuild it by hand\n",
		kind, C(name), change, comment_text(was), comment_text(becomes));
}

/*
 * Tables and partitions to create, parents first: a child's INHERITS and a
 * partition's PARTITION OF name tables that must exist.
 */
static void
create_tables(Script *s, List *tables)
{
	List	   *pending = list_copy(tables);
	List	   *made = NIL;

	while (pending != NIL)
	{
		List	   *later = NIL;
		ListCell   *lc;
		int			before = list_length(pending);

		foreach(lc, pending)
		{
			DiffObj    *b = lfirst(lc);
			bool		ready = true;

			if (strcmp(b->kind, "partition") == 0)
				ready = pm_diff_has_table(s->from, b->parent) ||
					pm_name_in_list(made, b->parent);
			else
				for (int i = 0; i < s->to->n && ready; i++)
				{
					DiffObj    *p = &s->to->objs[i];

					if (strcmp(p->kind, "inherit") == 0 &&
						strcmp(p->parent, b->name) == 0 &&
						!pm_diff_has_table(s->from, p->name) &&
						!pm_name_in_list(made, p->name))
						ready = false;
				}
			if (!ready)
			{
				later = lappend(later, b);
				continue;
			}
			if (strcmp(b->kind, "partition") == 0)
				add(s, PH_TABLES, "CREATE TABLE %s PARTITION OF %s%s %s%s;\n",
					Q(b->name), Q(b->parent), partition_not_nulls(s->to, b),
					b->def, b->extra);
			else
				add(s, PH_TABLES, "CREATE %sTABLE %s (%s\n)%s%s;\n", b->def, Q(b->name),
					column_list(s->to, b->name), inherits_clause(s->to, b->name),
					b->extra ? b->extra : "");
			made = lappend(made, b->name);
		}
		pending = later;
		if (list_length(pending) == before)
			elog(ERROR, "could not order the tables of the desired schema");
	}
}

/* A collation: made or dropped; a changed one is not rebuilt. */
static void
merge_collation(Script *s, DiffObj *a, DiffObj *b)
{
	Assert(a != NULL || b != NULL);
	if (a && b)
		not_rebuilt(s, PH_TYPES, "collation", b->name, "its definition",
					a->def, b->def);
	else if (b)
		add(s, PH_TYPES, "CREATE COLLATION %s %s;\n", Q(b->name), b->def);
	else
		add(s, PH_DROP_TYPES, "DROP COLLATION %s;\n", Q(a->name));
}

/* An enum: made, dropped, or given its new labels (diff_enum). */
static void
merge_enum(Script *s, DiffObj *a, DiffObj *b)
{
	Assert(a != NULL || b != NULL);
	if (a && b)
		diff_enum(s, a, b);
	else if (b)
		add(s, PH_TYPES, "CREATE TYPE %s AS ENUM (%s);\n", Q(b->name), b->def);
	else
		add(s, PH_DROP_TYPES, "DROP TYPE %s;\n", Q(a->name));
}

/* A sequence: its options and the column that owns it. */
static void
merge_sequence(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	bool		owner_goes = a && a->extra &&
	pm_diff_find(to, "column", a->opts, a->clause) == NULL;

	if (a && b && !pm_diff_same_str(a->def, b->def))
		add(s, PH_SEQUENCES, "ALTER SEQUENCE %s %s;\n", Q(b->name), b->def);
	else if (b && !a)
		add(s, PH_SEQUENCES, "CREATE SEQUENCE %s %s;\n", Q(b->name), b->def);
	else if (a && !b && !owner_goes)
		add(s, PH_DROP_SEQUENCES, "DROP SEQUENCE %s;\n", Q(a->name));
	if (a && b && !pm_diff_same_str(a->extra, b->extra))
	{
		/* disowned first: a dropped owner column would take it */
		if (a->extra)
			add(s, PH_DISOWN, "ALTER SEQUENCE %s OWNED BY NONE;\n", Q(a->name));
		if (b->extra)
			add(s, PH_OWNED, "ALTER SEQUENCE %s OWNED BY %s;\n", Q(b->name), b->extra);
	}
	else if (b && !a && b->extra)
		add(s, PH_OWNED, "ALTER SEQUENCE %s OWNED BY %s;\n", Q(b->name), b->extra);
}

/* A table: persistence; made, dropped, or detached from a partitioned
 * table it stood in as a partition. */
static void
merge_table(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *from = s->from;
	DiffSet    *to = s->to;

	Assert(a != NULL || b != NULL);
	if (a && b)
	{
		if (!pm_diff_same_str(a->extra, b->extra))
			not_rebuilt(s, PH_TABLES, "table", b->name, "its partitioning",
						a->extra, b->extra);
		if (!pm_diff_same_str(a->def, b->def))
			add(s, PH_TABLES, "ALTER TABLE %s SET %sLOGGED;\n", Q(b->name),
				*b->def ? "UN" : "");
	}
	else if (b)
	{
		DiffObj    *was = NULL;

		for (int k = 0; k < from->n && !was; k++)
			if (from->objs[k].ord == DIFF_ORD_PARTITION && strcmp(from->objs[k].name, b->name) == 0)
				was = &from->objs[k];
		if (was)
			add(s, PH_TABLES, "ALTER TABLE %s DETACH PARTITION %s;\n",
				Q(was->parent), Q(was->name));
		else
			s->new_tables = lappend(s->new_tables, b);
	}
	else
	{
		bool		becomes_partition = false;

		for (int k = 0; k < to->n && !becomes_partition; k++)
			becomes_partition = to->objs[k].ord == DIFF_ORD_PARTITION &&
				strcmp(to->objs[k].name, a->name) == 0;
		if (!becomes_partition)
			s->drop_tables = lappend(s->drop_tables, a);
	}
}

/* A partition: attached, detached, or made with its parent. */
static void
merge_partition(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *from = s->from;
	DiffSet    *to = s->to;

	Assert(a != NULL || b != NULL);
	if (a && b && !pm_diff_same_str(a->extra, b->extra))
		not_rebuilt(s, PH_TABLES, "partition", b->name, "its partitioning",
					a->extra, b->extra);
	else if (a && b)
		add(s, PH_TABLES,
			"ALTER TABLE %s DETACH PARTITION %s;\nALTER TABLE %s ATTACH PARTITION %s %s;\n",
			Q(a->parent), Q(a->name), Q(b->parent), Q(b->name), b->def);
	else if (b && pm_diff_find(from, "table", "", b->name))
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s ATTACH PARTITION %s %s;\n",
			Q(b->parent), Q(b->name), b->def);
	else if (b)
		s->new_tables = lappend(s->new_tables, b);
	else if (pm_diff_find(to, "table", "", a->name))
		;						/* detached by the table's pass */
	else if (pm_diff_has_table(to, a->parent))
		/* detached first: a foreign key may reference the parent */
		add(s, PH_DROP_PARTITIONS,
			"-- WARNING: drops partition %s and its data\nALTER TABLE %s DETACH PARTITION %s;\nDROP TABLE %s;\n",
			C(a->name), Q(a->parent), Q(a->name), Q(a->name));
}

/*
 * A NOT NULL's name (PostgreSQL 18): one that changes is renamed, before a
 * table is attached as a partition and after one is detached, while it is
 * the table's own; a partition's inherited one cannot be.  A new one is
 * named where its column, table or partition is made.
 */
static void
merge_not_null(Script *s, DiffObj *a, DiffObj *b)
{
	if (a == NULL || b == NULL || strcmp(a->def, b->def) == 0)
		return;
	if (pm_diff_is_partition(s->from, a->parent) &&
		pm_diff_is_partition(s->to, b->parent))
		not_rebuilt(s, PH_COLUMNS, "partition", b->parent,
					psprintf("the name of column %s's inherited NOT NULL",
							 quote_identifier(b->name)),
					a->def, b->def);
	else
		add(s, PH_COLUMNS, "ALTER TABLE %s RENAME CONSTRAINT %s TO %s;\n",
			Q(b->parent), Q(a->def), Q(b->def));
}

/* An inheritance parent of a table. */
static void
merge_inherit(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *from = s->from;
	DiffSet    *to = s->to;

	if (a && pm_diff_has_table(to, a->parent))
		add(s, PH_DROP_CONSTRAINTS, "ALTER TABLE %s NO INHERIT %s;\n",
			Q(a->parent), Q(a->name));
	if (b && pm_diff_has_table(from, b->parent))
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s INHERIT %s;\n",
			Q(b->parent), Q(b->name));
}

/* Row level security of a table: enabled, forced. */
static void
merge_rls(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;

	/* no row: DISABLE and NO FORCE, as a new table has */
	const char *was_on = a ? a->def : "DISABLE";
	const char *was_forced = a ? a->extra : "NO FORCE";
	const char *on = b ? b->def : "DISABLE";
	const char *forced = b ? b->extra : "NO FORCE";

	Assert(a != NULL || b != NULL);
	if (b == NULL && !pm_diff_has_table(to, a->parent))
		return;
	if (strcmp(was_on, on) != 0)
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s %s ROW LEVEL SECURITY;\n",
			Q(o->parent), on);
	if (strcmp(was_forced, forced) != 0)
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s %s ROW LEVEL SECURITY;\n",
			Q(o->parent), forced);
}

/* The replica identity of a table. */
static void
merge_replica_identity(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;

	Assert(a != NULL || b != NULL);
	if (b)
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s REPLICA IDENTITY %s;\n",
			Q(b->parent), b->def);
	else if (pm_diff_has_table(to, a->parent))
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s REPLICA IDENTITY DEFAULT;\n",
			Q(a->parent));
}

/* A row level security policy: dropped and made again. */
static void
merge_policy(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;

	if (a && pm_diff_has_table(to, a->parent))
		add(s, PH_DROP_TRIGGERS, "DROP POLICY %s ON %s;\n", Q(a->name), Q(a->parent));
	if (b)
		add(s, PH_TRIGGERS, "%s;\n", b->def);
	if (a && b)
		mark_remade(s, "policy", b->parent, b->name);
}

/* The storage parameters of a table. */
static void
merge_reloptions(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;

	if (a && pm_diff_has_table(to, a->parent))
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s RESET (%s);\n", Q(a->parent), a->extra);
	if (b)
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s SET (%s);\n", Q(b->parent), b->def);
}

/* STATISTICS, STORAGE or COMPRESSION of a column. */
static void
merge_column_option(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;
	DiffObj    *col;

	Assert(a != NULL || b != NULL);
	col = pm_diff_find(to, "column", o->parent, o->opts);
	/* a column made anew (generated) or dropped takes its own */
	if (col == NULL)
		return;
	add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s ALTER COLUMN %s SET %s %s;\n",
		Q(o->parent), Q(o->opts), o->clause, b ? b->def : a->extra);
}

/* A grant: kept for after the views, which may be made again. */
static void
merge_grant(Script *s, DiffObj *a, DiffObj *b)
{
	s->grants = lappend(s->grants, a ? a : b);	/* after views are known */
}

/* A domain: its default and NOT NULL; a new base type is not rebuilt. */
static void
merge_domain(Script *s, DiffObj *a, DiffObj *b)
{
	Assert(a != NULL || b != NULL);
	if (a && b)
	{
		if (!pm_diff_same_str(a->def, b->def))
			not_rebuilt(s, PH_TYPES, "domain", b->name, "its type", a->def, b->def);
		if (!pm_diff_same_str(a->extra, b->extra))
		{
			if (b->extra)
				add(s, PH_TYPES, "ALTER DOMAIN %s SET DEFAULT %s;\n", Q(b->name), b->extra);
			else
				add(s, PH_TYPES, "ALTER DOMAIN %s DROP DEFAULT;\n", Q(b->name));
		}
		if (a->notnull != b->notnull)
			add(s, PH_TYPES, "ALTER DOMAIN %s %s NOT NULL;\n", Q(b->name),
				b->notnull ? "SET" : "DROP");
	}
	else if (b)
		add(s, PH_TYPES, "CREATE DOMAIN %s AS %s%s%s%s;\n", Q(b->name), b->def,
			b->extra ? " DEFAULT " : "", b->extra ? b->extra : "",
			b->notnull ? " NOT NULL" : "");
	else
		add(s, PH_DROP_DOMAINS, "DROP DOMAIN %s;\n", Q(a->name));
}

/* A constraint of a domain. */
static void
merge_domain_constraint(Script *s, DiffObj *a, DiffObj *b)
{
	/* also of a domain that goes: a check may call a function that goes first */
	if (a)
		add(s, PH_TYPES, "ALTER DOMAIN %s DROP CONSTRAINT %s;\n",
			Q(a->parent), Q(a->name));
	/* after the functions: a check may call one */
	if (b)
		add(s, PH_CONSTRAINTS, "ALTER DOMAIN %s ADD CONSTRAINT %s %s;\n",
			Q(b->parent), Q(b->name), b->def);
}

/* A column of a table that stays; CREATE or DROP TABLE does the others. */
static void
merge_column(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *from = s->from;
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;
	bool		new_table;
	bool		gone_table;

	Assert(a != NULL || b != NULL);
	new_table = pm_diff_find(from, "table", "", o->parent) == NULL;
	gone_table = pm_diff_find(to, "table", "", o->parent) == NULL;
	if (new_table || gone_table)
		return;					/* CREATE TABLE or DROP TABLE does it */
	if (a && b)
	{
		diff_column(s, a, b, &s->dropped, &s->added);
		if (!pm_diff_same_str(a->def, b->def) && !is_generated(a) && !is_generated(b))
			s->retyped = lappend(s->retyped, b->parent);
	}
	else if (b)
		s->added = lappend(s->added, b);
	else
		s->dropped = lappend(s->dropped, a);
}

/* A constraint (DIFF_ORD_CONSTRAINT) or a foreign key (DIFF_ORD_FKEY). */
static void
merge_constraint(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;
	bool		fkey;
	bool		gone_table = a && !pm_diff_has_table(to, a->parent);

	Assert(a != NULL || b != NULL);
	fkey = o->ord == DIFF_ORD_FKEY;
	if (a && !gone_table && !fkey &&
		(strncmp(a->def, "PRIMARY KEY", 11) == 0 || strncmp(a->def, "UNIQUE", 6) == 0))
		s->rekeyed = lappend(s->rekeyed, a->parent);
	if (was_remade(s, "constraint", o->parent, o->name))
		return;
	mark_remade(s, "constraint", o->parent, o->name);
	/* a foreign key may stand between two tables that both go */
	if (a && (!gone_table || fkey))
		add(s, fkey ? PH_DROP_FKEYS : PH_DROP_CONSTRAINTS,
			"ALTER TABLE %s DROP CONSTRAINT %s;\n", Q(a->parent), Q(a->name));
	if (b)
		add(s, fkey ? PH_FKEYS : PH_CONSTRAINTS,
			"ALTER TABLE %s ADD CONSTRAINT %s %s;\n", Q(b->parent), Q(b->name), b->def);
}

/* An index: dropped and made again; an index of a view after the view. */
static void
merge_index(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;

	Assert(a != NULL || b != NULL);
	mark_remade(s, "index", o->parent, o->name);
	if (a && pm_diff_has_relation(to, a->parent))
	{
		add(s, PH_DROP_INDEXES, "DROP INDEX %s;\n", Q(a->name));
		if (strncmp(a->def, "CREATE UNIQUE INDEX", 19) == 0)
			s->rekeyed = lappend(s->rekeyed, a->parent);
	}
	if (b && pm_diff_find(to, "view", "", b->parent))
		s->view_deps = lappend(s->view_deps, b);	/* after the view */
	else if (b)
		add(s, PH_INDEXES, "%s;\n", b->def);
}

/* A function or procedure: kept for the passes that order them. */
static void
merge_function(Script *s, DiffObj *a, DiffObj *b)
{
	/* new argument names or result: OR REPLACE cannot do it */
	if (a && (b == NULL ? a->atomic : !pm_diff_same_str(a->clause, b->clause)))
		s->early_funcs = lappend(s->early_funcs, a);
	else if (a && b == NULL)
		s->drop_funcs = lappend(s->drop_funcs, a);
	if (b)
		s->funcs = lappend(s->funcs, b);
}

/* A trigger: dropped and made again; a trigger of a view after the view. */
static void
merge_trigger(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;
	DiffObj    *o = a ? a : b;

	Assert(a != NULL || b != NULL);
	mark_remade(s, "trigger", o->parent, o->name);
	if (a && pm_diff_has_relation(to, a->parent))
		add(s, PH_DROP_TRIGGERS, "DROP TRIGGER %s ON %s;\n", Q(a->name), Q(a->parent));
	if (b && pm_diff_find(to, "view", "", b->parent))
		s->view_deps = lappend(s->view_deps, b);	/* after the view */
	else if (b)
		add_trigger(s, b);
}

/* The index a table is clustered on. */
static void
merge_cluster(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;

	Assert(a != NULL || b != NULL);
	if (b)
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s CLUSTER ON %s;\n", Q(b->parent), b->def);
	else if (pm_diff_has_relation(to, a->parent))
		add(s, PH_TABLE_OPTIONS, "ALTER TABLE %s SET WITHOUT CLUSTER;\n", Q(a->parent));
}

/* A comment on any object. */
static void
merge_comment(Script *s, DiffObj *a, DiffObj *b)
{
	DiffSet    *to = s->to;

	Assert(a != NULL || b != NULL);
	if (b)
		add(s, PH_COMMENTS, "COMMENT ON %s IS %s;\n", b->name,
			quote_literal_cstr(b->def));
	else if (comment_target_exists(to, a))
		add(s, PH_COMMENTS, "COMMENT ON %s IS NULL;\n", a->name);
}

/*
 * The merge of one kind of object, by its DiffOrd: a is the object in
 * "from" (NULL: it is new), b in "to" (NULL: it goes); both are there
 * when it changes, never neither (each merge that relies on it asserts
 * it).  A view has none: views_to_remake looks at them all
 * once the merge knows what they stand on.
 */
typedef void (*MergeFn) (Script *s, DiffObj *a, DiffObj *b);

static const MergeFn merge_kind[DIFF_ORD_COUNT] =
{
	[DIFF_ORD_COLLATION] = merge_collation,
	[DIFF_ORD_ENUM] = merge_enum,
	[DIFF_ORD_SEQUENCE] = merge_sequence,
	[DIFF_ORD_TABLE] = merge_table,
	[DIFF_ORD_COLUMN] = merge_column,
	[DIFF_ORD_PARTITION] = merge_partition,
	[DIFF_ORD_CONSTRAINT] = merge_constraint,
	[DIFF_ORD_INDEX] = merge_index,
	[DIFF_ORD_FUNCTION] = merge_function,
	[DIFF_ORD_FKEY] = merge_constraint,
	[DIFF_ORD_TRIGGER] = merge_trigger,
	[DIFF_ORD_COMMENT] = merge_comment,
	[DIFF_ORD_DOMAIN] = merge_domain,
	[DIFF_ORD_DOMAIN_CONSTRAINT] = merge_domain_constraint,
	[DIFF_ORD_INHERIT] = merge_inherit,
	[DIFF_ORD_RLS] = merge_rls,
	[DIFF_ORD_REPLICA_IDENTITY] = merge_replica_identity,
	[DIFF_ORD_POLICY] = merge_policy,
	[DIFF_ORD_GRANT] = merge_grant,
	[DIFF_ORD_RELOPTIONS] = merge_reloptions,
	[DIFF_ORD_COLUMN_OPTION] = merge_column_option,
	[DIFF_ORD_CLUSTER] = merge_cluster,
	[DIFF_ORD_NOT_NULL] = merge_not_null,
};

/*
 * pm_diff_script
 *		The statements that turn schema "from" into "to", or NULL when they
 *		are the same.  Object names are written unqualified: the script
 *		runs with the schema first on the search_path.
 */
char *
pm_diff_script(DiffSet *from, DiffSet *to)
{
	Script		s;
	StringInfoData out;
	int			i = 0,
				j = 0;
	ListCell   *lc;

	memset(&s, 0, sizeof(s));
	for (int p = 0; p < PH_COUNT; p++)
		initStringInfo(&s.phase[p]);
	s.from = from;
	s.to = to;

	while (i < from->n || j < to->n)
	{
		DiffObj    *a = i < from->n ? &from->objs[i] : NULL;
		DiffObj    *b = j < to->n ? &to->objs[j] : NULL;
		int			c;
		DiffOrd		ord;

		CHECK_FOR_INTERRUPTS();
		if (a == NULL)
			c = 1;
		else if (b == NULL)
			c = -1;
		else if (a->ord != b->ord)
			c = a->ord < b->ord ? -1 : 1;
		else if ((c = strcmp(a->parent, b->parent)) == 0)
			c = strcmp(a->name, b->name);
		if (c == 0)
		{
			i++, j++;
			if (pm_diff_obj_equal(a, b))
				continue;
		}
		else if (c < 0)
			i++, b = NULL;
		else
			j++, a = NULL;
		ord = (a ? a : b)->ord;
		if (merge_kind[ord] != NULL)
			merge_kind[ord] (&s, a, b);
	}

	/*
	 * What PostgreSQL will not keep across the change, though it does not
	 * change itself: triggers and policies on a retyped column, foreign keys
	 * on a key that is dropped (whatever stands in for it), what calls a
	 * function that is dropped and made again.
	 */
	foreach(lc, s.retyped)
	{
		remake_on(&s, "trigger", lfirst(lc), NULL, false);
		remake_on(&s, "policy", lfirst(lc), NULL, false);
	}
	foreach(lc, s.rekeyed)
	{
		char	   *ref = psprintf(" REFERENCES %s(", Q(lfirst(lc)));

		for (int k = 0; k < from->n; k++)
			if (from->objs[k].ord == DIFF_ORD_FKEY && strstr(from->objs[k].def, ref))
				remake(&s, &from->objs[k]);
	}
	foreach(lc, s.early_funcs)
	{
		DiffObj    *f = lfirst(lc);
		char	   *fname = pnstrdup(f->name, strrchr(f->name, '(') - f->name);

		mark_remade(&s, "function", "", f->name);
		remake_on(&s, "constraint", NULL, fname, true);
		remake_on(&s, "index", NULL, fname, true);
		remake_on(&s, "trigger", NULL, fname, true);
		remake_on(&s, "policy", NULL, fname, true);
		for (int k = 0; k < from->n; k++)
		{
			DiffObj    *col = &from->objs[k];
			DiffObj    *b;

			if (strcmp(col->kind, "column") != 0 || !mentions(col->extra, fname, true))
				continue;
			add(&s, PH_DROP_DEFAULTS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n",
				Q(col->parent), Q(col->name));
			b = pm_diff_find(to, "column", col->parent, col->name);
			if (b && pm_diff_same_str(col->extra, b->extra))
				add(&s, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n",
					Q(b->parent), Q(b->name), b->extra);
		}
	}

	/* the last columns first: a generated column before what it reads */
	list_sort(s.dropped, (list_sort_comparator) seq_cmp);
	for (int k = list_length(s.dropped) - 1; k >= 0; k--)
	{
		DiffObj    *a = list_nth(s.dropped, k);
		DiffObj    *twin = NULL;

		if (!is_generated(a) && !pm_diff_find(to, "column", a->parent, a->name))
			for (int t = 0; t < to->n && !twin; t++)
			{
				DiffObj    *c = &to->objs[t];

				if (strcmp(c->kind, "column") == 0 &&
					strcmp(c->parent, a->parent) == 0 &&
					strcmp(c->def, a->def) == 0 &&
					pm_diff_find(from, "column", c->parent, c->name) == NULL)
					twin = c;
			}
		if (twin)
			add(&s, PH_DROP_COLUMNS,
				"-- WARNING: drops column %s.%s and its data; %s is added with the same type: if it is a rename, write instead\n"
				"--   ALTER TABLE %s RENAME COLUMN %s TO %s;\n",
				C(a->parent), C(a->name), C(twin->name),
				C(a->parent), C(a->name), C(twin->name));
		else if (!is_generated(a))
			add(&s, PH_DROP_COLUMNS, "-- WARNING: drops column %s.%s and its data\n",
				C(a->parent), C(a->name));
		add(&s, PH_DROP_COLUMNS, "ALTER TABLE %s DROP COLUMN %s;\n",
			Q(a->parent), Q(a->name));
	}

	/* functions dropped newest first: one may call another */
	list_sort(s.early_funcs, (list_sort_comparator) seq_cmp);
	for (int k = list_length(s.early_funcs) - 1; k >= 0; k--)
	{
		DiffObj    *a = list_nth(s.early_funcs, k);

		add(&s, PH_DROP_FUNCTIONS_EARLY, "DROP %s %s;\n", a->extra, a->name);
	}
	list_sort(s.drop_funcs, (list_sort_comparator) seq_cmp);
	for (int k = list_length(s.drop_funcs) - 1; k >= 0; k--)
	{
		DiffObj    *a = list_nth(s.drop_funcs, k);

		add(&s, PH_DROP_FUNCTIONS, "DROP %s %s;\n", a->extra, a->name);
	}

	/*
	 * Functions in the order the desired schema made them, before the tables
	 * whose defaults, checks and indexes call them; their bodies are checked
	 * when they run, as pg_dump's are.  A BEGIN ATOMIC body names tables at
	 * creation: those come after the tables.
	 */
	list_sort(s.funcs, (list_sort_comparator) seq_cmp);
	foreach(lc, s.funcs)
	{
		DiffObj    *f = lfirst(lc);

		if (!f->atomic)
		{
			if (s.phase[PH_FUNCTIONS].len == 0)
				add(&s, PH_FUNCTIONS, "SET LOCAL check_function_bodies = off;\n");
			add(&s, PH_FUNCTIONS, "%s;\n", f->def);
		}
		else
			add(&s, PH_ATOMIC_FUNCTIONS, "%s;\n", f->def);
	}
	if (s.phase[PH_FUNCTIONS].len > 0)
		add(&s, PH_FUNCTIONS, "RESET check_function_bodies;\n");

	/* tables made parents first, dropped newest first */
	create_tables(&s, s.new_tables);
	list_sort(s.drop_tables, (list_sort_comparator) seq_cmp);
	for (int k = list_length(s.drop_tables) - 1; k >= 0; k--)
	{
		DiffObj    *a = list_nth(s.drop_tables, k);

		add(&s, PH_DROP_TABLES, "-- WARNING: drops table %s and its data\nDROP TABLE %s;\n",
			C(a->name), Q(a->name));
	}

	list_sort(s.added, (list_sort_comparator) seq_cmp);
	foreach(lc, s.added)
	{
		DiffObj    *b = lfirst(lc);

		add(&s, PH_COLUMNS, "ALTER TABLE %s ADD COLUMN %s;\n", Q(b->parent),
			column_def(s.to, b));
	}

	/*
	 * Views: a view that changes, or stands on a table that changes, is
	 * dropped before and made again after; dropped newest first, made oldest
	 * first, so views on views come out right.
	 */
	{
		DiffObj   **drops;
		DiffObj   **makes;
		int			nd,
					nm;
		bool		reshaped = false;

		/* what a view's definition may stand on changes shape */
		for (int p = 0; p < PH_COUNT && !reshaped; p++)
			reshaped = s.phase[p].len > 0 &&
				(p == PH_TYPES || p == PH_FUNCTIONS || p == PH_TABLES ||
				 p == PH_COLUMNS || p == PH_DROP_COLUMNS ||
				 p == PH_DROP_FUNCTIONS_EARLY || p == PH_DROP_PARTITIONS ||
				 p == PH_DROP_TABLES || p == PH_DROP_DOMAINS ||
				 p == PH_DROP_TYPES);

		drops = views_to_remake(from, to, reshaped, &nd);
		makes = views_to_remake(to, from, reshaped, &nm);
		qsort(drops, nd, sizeof(DiffObj *), seq_cmp);
		qsort(makes, nm, sizeof(DiffObj *), seq_cmp);
		order_views(drops, nd);
		order_views(makes, nm);
		for (int k = 0; k < nd; k++)
			for (int f = 0; f < from->n; f++)
				if (strcmp(from->objs[f].kind, "function") == 0 &&
					mentions(from->objs[f].clause, Q(drops[k]->name), false))
					ereport(WARNING,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("view \"%s\" is made again, but the signature of function %s uses it",
									drops[k]->name, from->objs[f].name),
							 errdetail("PostgreSQL cannot drop the view while the function stands on its type."),
							 errhint("Write this part of the migration by hand.")));
		for (int k = nd - 1; k >= 0; k--)
			add(&s, PH_DROP_VIEWS, "DROP %s %s;\n", drops[k]->extra, Q(drops[k]->name));
		for (int k = 0; k < nm; k++)
		{
			add(&s, PH_VIEWS, "CREATE %s %s%s AS\n%s\n", makes[k]->extra,
				Q(makes[k]->name), makes[k]->clause ? makes[k]->clause : "",
				makes[k]->def);
			mark_remade(&s, "view", "", makes[k]->name);
			/* a view made anew takes back its indexes, triggers, grants */
			for (int t = 0; t < to->n; t++)
			{
				DiffObj    *dep = &to->objs[t];

				if (strcmp(dep->parent, makes[k]->name) != 0)
					continue;
				if (strcmp(dep->kind, "index") == 0)
					add(&s, PH_VIEW_INDEXES, "%s;\n", dep->def);
				else if (strcmp(dep->kind, "trigger") == 0)
					add_trigger(&s, dep);
				else if (strcmp(dep->kind, "grant") == 0 && unchanged(&s, dep))
					add_grant(&s, dep);
			}
		}
		foreach(lc, s.view_deps)
		{
			DiffObj    *dep = lfirst(lc);
			bool		remade = false;

			for (int k = 0; k < nm && !remade; k++)
				remade = strcmp(makes[k]->name, dep->parent) == 0;
			if (remade)
				continue;
			if (strcmp(dep->kind, "index") == 0)
				add(&s, PH_VIEW_INDEXES, "%s;\n", dep->def);
			else
				add_trigger(&s, dep);
		}
		foreach(lc, s.grants)
		{
			DiffObj    *g = lfirst(lc);
			DiffObj    *a = pm_diff_find(from, "grant", g->parent, g->name);
			DiffObj    *b = pm_diff_find(to, "grant", g->parent, g->name);
			bool		view_remade = false;

			for (int k = 0; k < nm && !view_remade; k++)
				view_remade = strcmp(makes[k]->name, g->parent) == 0;
			if (a && pm_diff_has_relation(to, a->parent) && !view_remade)
				revoke_grant(&s, a);
			if (b)
				add_grant(&s, b);
		}
	}

	/*
	 * What an object made again forgets, though it does not change: a table
	 * clustered on an index, the comment on the object.
	 */
	for (int k = 0; k < to->n; k++)
	{
		DiffObj    *b = &to->objs[k];

		if (strcmp(b->kind, "cluster") == 0 && unchanged(&s, b) &&
			(was_remade(&s, "index", b->parent, b->opts) ||
			 was_remade(&s, "view", "", b->parent)))
			add(&s, PH_TABLE_OPTIONS, "ALTER TABLE %s CLUSTER ON %s;\n", Q(b->parent), b->def);
		else if (strcmp(b->kind, "comment") == 0 && unchanged(&s, b) &&
				 comment_target_remade(&s, b))
			add(&s, PH_COMMENTS, "COMMENT ON %s IS %s;\n", b->name,
				quote_literal_cstr(b->def));
	}

	if (s.nstmts == 0)
		return NULL;
	initStringInfo(&out);
	for (int p = 0; p < PH_COUNT; p++)
		appendStringInfoString(&out, s.phase[p].data);
	return out.data;
}
