/*-------------------------------------------------------------------------
 *
 * lint.c
 *	  What each statement of a revision will lock, rewrite or break, read
 *	  from its parse tree and the live catalog, before anything runs
 *	  (pim_migrate_lint).
 *
 * The rules are those of Squawk's list that concern locks and safety, with
 * its rule names, so that a team moving between the two reads the same
 * words.  A text-only linter cannot know what the server knows, and where
 * the server knows better the rule stays quiet: a table created earlier in
 * the same migration, or an existing table with no data, needs neither
 * CONCURRENTLY nor NOT VALID; a type change that the server will do
 * without rewriting (varchar(16) to varchar(64), varchar to text) is no
 * rewrite.  A finding on an existing table names its size, and its
 * severity follows from the size (pim_migrate.lint_warning_size and
 * pim_migrate.lint_error_size).
 *
 * A comment "-- pim_migrate:ignore rule-name[, rule-name]" among the lines
 * before a statement silences those rules for it.
 *
 * src/lint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "storage/bufmgr.h"
#include "storage/lock.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "pim_migrate.h"

/* Sizes from which a finding on an existing table is a warning, an error (kB) */
int			pm_lint_warning_size = 1024;
int			pm_lint_error_size = 1024 * 1024;

#define SEV_NOTICE	"notice"
#define SEV_WARNING "warning"
#define SEV_ERROR	"error"

/* A relation as the script names it (schema NULL: the search path's). */
typedef struct NamedRel
{
	char	   *schema;
	char	   *name;
} NamedRel;

/* An existing relation's size, as a finding reports it. */
typedef struct RelSize
{
	Oid			relid;			/* InvalidOid: not in the database */
	bool		created;		/* created earlier in this migration */
	int64		bytes;			/* -1: unknown (locked by another session) */
	double		rows;			/* -1: not counted yet */
} RelSize;

/* The statement being linted, and where its findings go. */
typedef struct LintStmt
{
	PmLintState *state;
	const char *revision;
	int			line;
	const char *sql;			/* from its first token, without the semicolon */
	List	   *ignored;		/* rule names of its ignore comments */
	RangeVar   *sized_rv;		/* the relation last sized (NULL: none) */
	RelSize		sized;			/* its size: rules ask again for the same */
} LintStmt;


static bool
report(LintStmt *ls, const char *rule, const char *severity,
	   const char *message, const char *hint)
{
	Datum		values[7];
	bool		nulls[7] = {0};

	if (pm_name_in_list(ls->ignored, rule))
		return false;
	if (ls->state->tupstore == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(ls->state->cxt);

		ls->state->collected = lappend(ls->state->collected,
									   psprintf("%s: %s", rule, message));
		MemoryContextSwitchTo(oldcxt);
		return true;
	}
	if (ls->revision)
		values[0] = CStringGetTextDatum(ls->revision);
	else
		nulls[0] = true;
	values[1] = Int32GetDatum(ls->line);
	values[2] = CStringGetTextDatum(ls->sql);
	values[3] = CStringGetTextDatum(rule);
	values[4] = CStringGetTextDatum(severity);
	values[5] = CStringGetTextDatum(message);
	if (hint)
		values[6] = CStringGetTextDatum(hint);
	else
		nulls[6] = true;
	tuplestore_putvalues(ls->state->tupstore, ls->state->tupdesc, values, nulls);
	return true;
}

/*
 * The schema a name means: its own, or for an unqualified name that of
 * the relation it finds on the search path, or else the schema a CREATE
 * would use (the first of the search path).
 */
static char *
schema_of(RangeVar *rv, bool creating)
{
	List	   *path;
	Oid			relid;

	if (rv->schemaname)
		return rv->schemaname;
	if (!creating && OidIsValid(relid = RangeVarGetRelid(rv, NoLock, true)))
		return get_namespace_name(get_rel_namespace(relid));
	/* looking up pg_temp would create this session's temporary schema */
	if (namespace_search_path && strncmp(namespace_search_path, "pg_temp", 7) == 0)
		return NULL;
	path = fetch_search_path(false);
	return path != NIL ? get_namespace_name(linitial_oid(path)) : NULL;
}

/*
 * Relations created earlier in the migration: they are new (empty, and
 * seen by nobody until it commits).  CREATE ... IF NOT EXISTS of a table
 * that exists creates nothing.  Kept in the state's context, which lives
 * as long as the lint.
 */
static void
remember_created(PmLintState *state, RangeVar *rv, bool if_not_exists)
{
	MemoryContext oldcxt;
	NamedRel   *rel;
	char	   *schema;

	schema = schema_of(rv, true);
	if (if_not_exists && schema &&
		OidIsValid(get_relname_relid(rv->relname,
									 get_namespace_oid(schema, true))))
		return;
	oldcxt = MemoryContextSwitchTo(state->cxt);
	rel = palloc(sizeof(NamedRel));
	rel->schema = schema ? pstrdup(schema) : NULL;
	rel->name = pstrdup(rv->relname);
	state->created = lappend(state->created, rel);
	MemoryContextSwitchTo(oldcxt);
}

static bool
was_created(PmLintState *state, RangeVar *rv)
{
	char	   *schema = NULL;
	bool		resolved = false;
	ListCell   *lc;

	foreach(lc, state->created)
	{
		NamedRel   *rel = lfirst(lc);

		if (strcmp(rel->name, rv->relname) != 0)
			continue;
		if (!resolved)
		{
			schema = schema_of(rv, false);
			resolved = true;
		}
		if (rel->schema == NULL || schema == NULL ||
			strcmp(rel->schema, schema) == 0)
			return true;
	}
	return false;
}

/*
 * Add one relation's blocks and rows to size.  Its blocks are counted (the
 * statistics of a table loaded since the last ANALYZE say nothing), under
 * an ACCESS SHARE lock if it can be had at once: the lint never waits.
 * Returns false when that lock cannot be had.
 */
static bool
add_relation_size(Oid relid, RelSize *size)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Relation	rel;
	bool		has_storage;

	if (!HeapTupleIsValid(tup))
		return true;			/* dropped meanwhile */
	has_storage = RELKIND_HAS_STORAGE(((Form_pg_class) GETSTRUCT(tup))->relkind);
	if (has_storage && ((Form_pg_class) GETSTRUCT(tup))->reltuples >= 0 &&
		size->rows >= 0)
		size->rows += ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	else if (has_storage)
		size->rows = -1;
	ReleaseSysCache(tup);
	if (!has_storage)
		return true;
	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return false;
	rel = try_relation_open(relid, NoLock);
	if (rel)
	{
		size->bytes += (int64) RelationGetNumberOfBlocks(rel) * BLCKSZ;
		relation_close(rel, NoLock);
	}
	UnlockRelationOid(relid, AccessShareLock);
	return true;
}

/*
 * A relation and all its partitions or inheritance children, read from
 * pg_inherits without locking them (find_all_inheritors would wait for
 * locks, or fail on a child dropped meanwhile).
 */
static List *
inheritors(Oid relid)
{
	List	   *result = list_make1_oid(relid);
	Relation	inherits = table_open(InheritsRelationId, AccessShareLock);
	ListCell   *lc;

	/* appending while walking: each child's own children come after it */
	foreach(lc, result)
	{
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		ScanKeyInit(&key, Anum_pg_inherits_inhparent, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(lfirst_oid(lc)));
		scan = systable_beginscan(inherits, InheritsParentIndexId, true, NULL,
								  1, &key);
		while ((tup = systable_getnext(scan)) != NULL)
			result = lappend_oid(result,
								 ((Form_pg_inherits) GETSTRUCT(tup))->inhrelid);
		systable_endscan(scan);
	}
	table_close(inherits, AccessShareLock);
	return result;
}

/*
 * The size of the relation rv names: with its partitions or inheritance
 * children unless ONLY, since a statement on a partitioned table works on
 * every partition.
 */
static RelSize
relation_size(PmLintState *state, RangeVar *rv)
{
	RelSize		size = {InvalidOid, false, 0, 0};
	List	   *rels;
	ListCell   *lc;

	size.created = was_created(state, rv);
	if (size.created)
		return size;
	size.relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(size.relid))
		return size;

	rels = rv->inh ? inheritors(size.relid) : list_make1_oid(size.relid);
	foreach(lc, rels)
	{
		if (!add_relation_size(lfirst_oid(lc), &size))
		{
			size.bytes = -1;
			break;
		}
	}
	return size;
}

/* relation_size, once per relation a statement names */
static RelSize
statement_size(LintStmt *ls, RangeVar *rv)
{
	if (ls->sized_rv != rv)
	{
		ls->sized = relation_size(ls->state, rv);
		ls->sized_rv = rv;
	}
	return ls->sized;
}

/* "stocks (about 100000 rows, 4360 kB)" */
static char *
describe(RangeVar *rv, const RelSize *size)
{
	const char *name = quote_qualified_identifier(rv->schemaname, rv->relname);
	char	   *pretty;

	if (size->created)
		return psprintf("%s (created in this migration)", name);
	if (!OidIsValid(size->relid))
		return psprintf("%s (not in the database)", name);
	if (size->bytes < 0)
		return psprintf("%s (size unknown: locked by another session)", name);
	pretty = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
																Int64GetDatum(size->bytes))));
	if (size->rows < 0)
		return psprintf("%s (%s, rows not counted yet)", name, pretty);
	return psprintf("%s (about %.0f rows, %s)", name, size->rows, pretty);
}

/*
 * The severity of a finding about locking or scanning an existing
 * relation, or NULL when the server knows it costs nothing: created in
 * this migration, or holding no data.
 */
static const char *
size_severity(const RelSize *size)
{
	if (size->created || size->bytes == 0)
		return NULL;
	if (!OidIsValid(size->relid) || size->bytes < 0)
		return SEV_WARNING;
	if (size->bytes >= (int64) pm_lint_error_size * 1024)
		return SEV_ERROR;
	if (size->bytes >= (int64) pm_lint_warning_size * 1024)
		return SEV_WARNING;
	return SEV_NOTICE;
}

/* A finding whose weight is the size of the relation it locks. */
static void
report_sized(LintStmt *ls, RangeVar *rv, const char *rule,
			 const char *what, const char *hint)
{
	RelSize		size = statement_size(ls, rv);
	const char *severity = size_severity(&size);

	if (severity == NULL)
		return;
	report(ls, rule, severity, psprintf("%s: %s.", what, describe(rv, &size)),
		   hint);
}

/* A finding whatever the size; the size is still named. */
static void
report_always(LintStmt *ls, RangeVar *rv, const char *rule,
			  const char *severity, const char *what, const char *hint)
{
	RelSize		size = statement_size(ls, rv);

	if (size.created)
		return;
	report(ls, rule, severity, psprintf("%s: %s.", what, describe(rv, &size)),
		   hint);
}

/*
 * Whether an expression calls a volatile function (or one the database
 * does not know, which may be): a column default that does makes ADD
 * COLUMN write every row.
 */
static bool
calls_volatile(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList c;

		c = FuncnameGetCandidates(fc->funcname, list_length(fc->args), NIL,
								  true, true, false, true);
		if (c == NULL)
			return true;
		for (; c; c = c->next)
			if (func_volatile(c->oid) == PROVOLATILE_VOLATILE)
				return true;
	}
	return raw_expression_tree_walker(node, calls_volatile, context);
}

static bool
is_serial(TypeName *tn)
{
	const char *name;

	if (tn == NULL || list_length(tn->names) != 1 || tn->arrayBounds != NIL)
		return false;
	name = strVal(linitial(tn->names));
	return strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0 ||
		strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0 ||
		strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0;
}

/*
 * A column of a domain with constraints is filled row by row, NULL
 * through the domain's checks, even without a default.
 */
static bool
domain_with_constraints(TypeName *tn)
{
	Type		type = LookupTypeName(NULL, tn, NULL, true);
	Oid			typid;

	if (type == NULL)
		return false;
	typid = typeTypeId(type);
	ReleaseSysCache(type);
	return get_typtype(typid) == TYPTYPE_DOMAIN && DomainHasConstraints(typid);
}

/*
 * What ALTER COLUMN TYPE rewrites, decided as the server
 * decides (ATColumnChangeRequiresRewrite): the assignment coercion from
 * the old type, simplified by the types' own support functions (a longer
 * varchar, a wider numeric), must reduce to the column itself, and the
 * collation stay (or the column's indexes are rebuilt).  USING, or a type
 * not yet in the database, counts as a rewrite.  The column is read from
 * the catalog as it is now, not as earlier statements of the migration
 * leave it.
 */
typedef enum TypeChange
{
	TYPE_CHANGE_NONE,			/* the catalog only */
	TYPE_CHANGE_INDEXES,		/* another collation: the indexes rebuilt */
	TYPE_CHANGE_REWRITE			/* the table and its indexes rewritten */
}			TypeChange;

/* Whether an index of relid covers column attnum (or an expression). */
static bool
column_indexed(Oid relid, AttrNumber attnum)
{
	Relation	pg_index = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true, NULL, 1,
							  &key);
	while (!found && (tup = systable_getnext(scan)) != NULL)
	{
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tup);

		found = !heap_attisnull(tup, Anum_pg_index_indexprs, NULL);
		for (int i = 0; i < index->indnatts && !found; i++)
			found = index->indkey.values[i] == attnum;
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return found;
}

static TypeChange
type_change(Oid relid, const char *column, ColumnDef *def)
{
	AttrNumber	attnum = get_attnum(relid, column);
	Oid			oldtype;
	int32		oldtypmod;
	Oid			oldcoll;
	Type		newtype;
	int32		newtypmod;
	Oid			newtypid;
	Oid			newcoll;
	Node	   *expr;

	if (attnum == InvalidAttrNumber || def->raw_default != NULL)
		return TYPE_CHANGE_REWRITE;
	get_atttypetypmodcoll(relid, attnum, &oldtype, &oldtypmod, &oldcoll);
	newtype = LookupTypeName(NULL, def->typeName, &newtypmod, true);
	if (newtype == NULL)
		return TYPE_CHANGE_REWRITE;
	newtypid = typeTypeId(newtype);
	ReleaseSysCache(newtype);
	if (def->collClause)
		newcoll = get_collation_oid(def->collClause->collname, true);
	else
		newcoll = get_typcollation(newtypid);

	expr = (Node *) makeVar(1, attnum, oldtype, oldtypmod, oldcoll, 0);
	expr = coerce_to_target_type(NULL, expr, oldtype, newtypid, newtypmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr == NULL)
		return TYPE_CHANGE_REWRITE;
	expr = eval_const_expressions(NULL, expr);

	for (;;)
	{
		if (IsA(expr, Var) && ((Var *) expr)->varattno == attnum)
			return newcoll == oldcoll ? TYPE_CHANGE_NONE : TYPE_CHANGE_INDEXES;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else
		{
			/*
			 * A function call, a domain's check: the server rewrites (or
			 * scans).  Between timestamp and timestamptz it does not when the
			 * session's time zone is UTC, which the migrating session may not
			 * share: a rewrite, too.
			 */
			return TYPE_CHANGE_REWRITE;
		}
	}
}

/* ALTER TABLE ... ADD COLUMN */
static void
lint_add_column(LintStmt *ls, RangeVar *rv, ColumnDef *col)
{
	bool		has_default = false;
	bool		rewrites = is_serial(col->typeName) ||
	domain_with_constraints(col->typeName);
	bool		not_null = col->is_not_null;
	ListCell   *lc;

	foreach(lc, col->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		switch (con->contype)
		{
			case CONSTR_DEFAULT:
				has_default = true;
				if (calls_volatile(con->raw_expr, NULL))
					rewrites = true;
				break;
			case CONSTR_IDENTITY:
			case CONSTR_GENERATED:
				has_default = true;
				rewrites = true;
				break;
			case CONSTR_NOTNULL:
			case CONSTR_PRIMARY:
				not_null = true;
				break;
			case CONSTR_FOREIGN:
				report_sized(ls, rv, "adding-foreign-key-constraint",
							 "A foreign key added with its column is validated at once, under a SHARE ROW EXCLUSIVE lock on both tables",
							 "Add the column, then the constraint NOT VALID, then VALIDATE CONSTRAINT in a later revision.");
				break;
			case CONSTR_UNIQUE:
				report_sized(ls, rv, "disallowed-unique-constraint",
							 "A UNIQUE column added to an existing table builds its index under an ACCESS EXCLUSIVE lock",
							 "Add the column, build the index CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.");
				break;
			default:
				break;
		}
		if (con->contype == CONSTR_PRIMARY)
			report_sized(ls, rv, "adding-serial-primary-key-field",
						 "A primary key column added to an existing table builds its index under an ACCESS EXCLUSIVE lock",
						 "Add the column, build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX.");
	}
	if (rewrites)
		report_sized(ls, rv, "adding-field-with-default",
					 psprintf("Column \"%s\" gets a value computed per row (a volatile default, serial, identity or stored generated column): the table is rewritten under an ACCESS EXCLUSIVE lock",
							  col->colname),
					 "Add the column without a default (or with a constant one), then fill it in batches.");
	else if (not_null && !has_default)
		report_sized(ls, rv, "adding-required-field",
					 psprintf("Column \"%s\" is NOT NULL without a default: the ALTER fails on a table that has rows",
							  col->colname),
					 "Add the column with a constant DEFAULT, or nullable and fill it before SET NOT NULL.");
}

/* A constraint added NOT VALID, kept for as long as the lint. */
static void
remember_not_valid(PmLintState *state, const char *name)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(state->cxt);

	state->not_valid = lappend(state->not_valid, pstrdup(name));
	MemoryContextSwitchTo(oldcxt);
}

/* ALTER TABLE ... ADD CONSTRAINT (and ADD PRIMARY KEY, ADD UNIQUE) */
static void
lint_add_constraint(LintStmt *ls, RangeVar *rv, Constraint *con)
{
	/* only CHECK and FOREIGN KEY can be NOT VALID */
	if (con->skip_validation && con->conname)
		remember_not_valid(ls->state, con->conname);
	switch (con->contype)
	{
		case CONSTR_FOREIGN:
			if (con->skip_validation)
				break;
			report_sized(ls, rv, "constraint-missing-not-valid",
						 "The foreign key is validated as it is added",
						 "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision.");
			report_sized(ls, rv, "adding-foreign-key-constraint",
						 "The foreign key is validated at once, scanning the table under a SHARE ROW EXCLUSIVE lock on it and the referenced table",
						 "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision (which takes a weaker lock).");
			break;
		case CONSTR_CHECK:
			if (!con->skip_validation)
				report_sized(ls, rv, "constraint-missing-not-valid",
							 "The check constraint is validated at once, scanning the table under an ACCESS EXCLUSIVE lock",
							 "Add it NOT VALID, then VALIDATE CONSTRAINT in a later revision (which takes a weaker lock).");
			break;
		case CONSTR_UNIQUE:
			if (con->indexname == NULL)
				report_sized(ls, rv, "disallowed-unique-constraint",
							 "The UNIQUE constraint builds its index under an ACCESS EXCLUSIVE lock",
							 "Build a unique index CONCURRENTLY, then ADD CONSTRAINT ... UNIQUE USING INDEX.");
			break;
		case CONSTR_PRIMARY:
			if (con->indexname == NULL)
				report_sized(ls, rv, "adding-serial-primary-key-field",
							 "The primary key builds its index under an ACCESS EXCLUSIVE lock",
							 "Build a unique index CONCURRENTLY, then ADD PRIMARY KEY USING INDEX.");
			break;
		case CONSTR_EXCLUSION:
			report_sized(ls, rv, "disallowed-unique-constraint",
						 "The exclusion constraint builds its index under an ACCESS EXCLUSIVE lock",
						 NULL);
			break;
		default:
			break;
	}
}

static void
lint_alter_table(LintStmt *ls, AlterTableStmt *stmt)
{
	RangeVar   *rv = stmt->relation;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE || was_created(ls->state, rv))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				lint_add_column(ls, rv, castNode(ColumnDef, cmd->def));
				break;
			case AT_AddConstraint:
				lint_add_constraint(ls, rv, castNode(Constraint, cmd->def));
				break;
			case AT_AlterColumnType:
				{
					Oid			relid = RangeVarGetRelid(rv, NoLock, true);
					TypeChange	change = OidIsValid(relid) ?
					type_change(relid, cmd->name, castNode(ColumnDef, cmd->def)) :
					TYPE_CHANGE_REWRITE;

					if (change == TYPE_CHANGE_REWRITE)
						report_sized(ls, rv, "changing-column-type",
									 psprintf("Changing the type of column \"%s\" rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
											  cmd->name),
									 "Add a column of the new type, fill it in batches, and switch over; or pick a type the server converts without a rewrite (a longer varchar, text).");
					else if (change == TYPE_CHANGE_INDEXES &&
							 column_indexed(relid, get_attnum(relid, cmd->name)))
						report_sized(ls, rv, "changing-column-type",
									 psprintf("Column \"%s\" changes collation: its indexes are rebuilt under an ACCESS EXCLUSIVE lock",
											  cmd->name),
									 "Keep the collation (add COLLATE to the new type), or build the new indexes CONCURRENTLY first.");
					break;
				}
			case AT_ValidateConstraint:
				if (pm_name_in_list(ls->state->not_valid, cmd->name))
					report_sized(ls, rv, "constraint-missing-not-valid",
								 psprintf("Constraint \"%s\" is validated in the migration that added it NOT VALID: the lock the ADD took is held while the table is scanned",
										  cmd->name),
								 "Validate it in a revision of its own, run by a later migration.");
				break;
			case AT_SetNotNull:
				report_sized(ls, rv, "adding-not-nullable-field",
							 psprintf("SET NOT NULL on column \"%s\" scans the table under an ACCESS EXCLUSIVE lock",
									  cmd->name),
							 "Add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it in a later revision, then SET NOT NULL (which then skips the scan).");
				break;
			case AT_DropNotNull:
				report_always(ls, rv, "ban-drop-not-null", SEV_WARNING,
							  psprintf("Dropping NOT NULL on column \"%s\" lets NULLs reach clients that do not expect them",
									   cmd->name),
							  NULL);
				break;
			case AT_DropColumn:
				report_always(ls, rv, "ban-drop-column", SEV_WARNING,
							  psprintf("Dropping column \"%s\" breaks the clients that still read it, and its data is gone",
									   cmd->name),
							  "Stop using the column in the application first, and drop it in a later release.");
				break;
			default:
				break;
		}
	}
}

static void
lint_drop(LintStmt *ls, DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv;

		if (stmt->removeType != OBJECT_TABLE && stmt->removeType != OBJECT_INDEX)
			return;
		rv = makeRangeVarFromNameList(lfirst(lc));
		if (stmt->removeType == OBJECT_TABLE)
			report_always(ls, rv, "ban-drop-table", SEV_WARNING,
						  "Dropping a table breaks the clients that still use it, and its data is gone",
						  "Stop using the table in the application first, and drop it in a later release.");
		else if (!stmt->concurrent)
		{
			/* the lock is on the index's table: its size is what counts */
			Oid			index = RangeVarGetRelid(rv, NoLock, true);
			Oid			table = OidIsValid(index) ?
			IndexGetRelation(index, true) : InvalidOid;
			char	   *name = OidIsValid(table) ? get_rel_name(table) : NULL;

			if (name)
				rv = makeRangeVar(get_namespace_name(get_rel_namespace(table)),
								  name, -1);
			report_sized(ls, rv, "require-concurrent-index-deletion",
						 psprintf("DROP INDEX %s takes an ACCESS EXCLUSIVE lock on its table",
								  NameListToQuotedString(lfirst(lc))),
						 "Use DROP INDEX CONCURRENTLY in a revision marked \"Transactional: false\".");
		}
	}
}

/*
 * A REINDEX CONCURRENTLY, or of a whole schema, system or database: what
 * refuses a transaction block is the executor's rule (it names REINDEX
 * CONCURRENTLY), and none of those locks one table for the whole build.
 */
static bool
reindex_concurrently(ReindexStmt *stmt)
{
	return pm_exec_needs_own_transaction((Node *) stmt) != NULL;
}

/* The tables a foreign key added by an ALTER TABLE command references. */
static List *
referenced_tables(AlterTableCmd *cmd)
{
	List	   *result = NIL;
	List	   *constraints = NIL;
	ListCell   *lc;

	if (cmd->subtype == AT_AddConstraint)
		constraints = list_make1(cmd->def);
	else if (cmd->subtype == AT_AddColumn)
		constraints = castNode(ColumnDef, cmd->def)->constraints;
	foreach(lc, constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_FOREIGN)
			result = lappend(result, con->pktable);
	}
	return result;
}

/* Whether ordinary reads (SELECT) or writes (INSERT, UPDATE) wait for mode. */
static bool
blocks_queries(LOCKMODE mode)
{
	return DoLockModesConflict(mode, AccessShareLock) ||
		DoLockModesConflict(mode, RowExclusiveLock);
}

/*
 * The tables on which a statement takes a lock that queues behind a long
 * transaction and makes every query on the table queue behind it in turn
 * (a foreign key locks the table it references too).
 */
static List *
strong_lock_targets(Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			{
				AlterTableStmt *alter = (AlterTableStmt *) stmt;
				List	   *result = list_make1(alter->relation);
				ListCell   *lc;

				/*
				 * The lock the server will take, as it decides it: VALIDATE
				 * CONSTRAINT or SET (autovacuum_enabled = off) take SHARE
				 * UPDATE EXCLUSIVE, which no read or write waits behind
				 */
				if (!blocks_queries(AlterTableGetLockLevel(alter->cmds)))
					return NIL;
				foreach(lc, alter->cmds)
					result = list_concat(result,
										 referenced_tables(lfirst_node(AlterTableCmd, lc)));
				return result;
			}
		case T_IndexStmt:
			return ((IndexStmt *) stmt)->concurrent ? NIL :
				list_make1(((IndexStmt *) stmt)->relation);
		case T_RenameStmt:
			return list_make1(((RenameStmt *) stmt)->relation);
		case T_ReindexStmt:
			return reindex_concurrently((ReindexStmt *) stmt) ? NIL :
				list_make1(((ReindexStmt *) stmt)->relation);
		case T_TruncateStmt:
			return ((TruncateStmt *) stmt)->relations;
		case T_LockStmt:
			return ((LockStmt *) stmt)->relations;
		case T_ClusterStmt:
			return list_make1(((ClusterStmt *) stmt)->relation);
		case T_VacuumStmt:
			{
				VacuumStmt *v = (VacuumStmt *) stmt;
				List	   *result = NIL;
				bool		full = false;
				ListCell   *lc;

				foreach(lc, v->options)
					if (strcmp(lfirst_node(DefElem, lc)->defname, "full") == 0)
					full = defGetBoolean(lfirst(lc));
				if (full)
					foreach(lc, v->rels)
						result = lappend(result,
										 lfirst_node(VacuumRelation, lc)->relation);
				return result;
			}
		case T_RefreshMatViewStmt:
			return ((RefreshMatViewStmt *) stmt)->concurrent ? NIL :
				list_make1(((RefreshMatViewStmt *) stmt)->relation);
		case T_CreateTrigStmt:
			return list_make1(((CreateTrigStmt *) stmt)->relation);
		case T_DropStmt:
			{
				DropStmt   *d = (DropStmt *) stmt;

				if ((d->removeType == OBJECT_TABLE ||
					 (d->removeType == OBJECT_INDEX && !d->concurrent)) &&
					d->objects != NIL)
					return list_make1(makeRangeVarFromNameList(linitial(d->objects)));
				return NIL;
			}
		default:
			return NIL;
	}
}

/* A lock that may queue needs a lock_timeout before it: once per script. */
static void
lint_lock_timeout(LintStmt *ls, Node *stmt)
{
	PmLintState *state = ls->state;
	ListCell   *lc;

	if (state->lock_timeout_set || pm_lock_timeout > 0 ||
		state->reported_lock_timeout)
		return;
	foreach(lc, strong_lock_targets(stmt))
	{
		RangeVar   *rv = lfirst(lc);
		RelSize		size;

		if (rv == NULL || was_created(state, rv))
			continue;
		size = statement_size(ls, rv);
		if (!OidIsValid(size.relid))
			continue;
		/* once per script; a silenced one is not reported for it */
		if (report(ls, "require-lock-timeout", SEV_WARNING,
				   psprintf("This statement waits for a strong lock on %s with no lock_timeout: while it waits, every query on the table waits behind it.",
							describe(rv, &size)),
				   "SET lock_timeout in the revision, or set pim_migrate.lock_timeout for the migration."))
			state->reported_lock_timeout = true;
		return;
	}
}

/*
 * Logical replication carries rows, not DDL.  A subscriber applies each row
 * to its own table of the same name, column by column of the same names,
 * converting each value through its text form, and its subscription stops
 * at the first change it cannot apply: a table or a column it lacks, a value
 * its column refuses.  So a change here to a table a publication publishes
 * needs the same change on its subscribers first; and a change to a table
 * this database subscribes to must keep fitting the rows its publisher
 * sends.  A table's subscribers may have more columns than it, never fewer.
 */
typedef enum ReplicatedChange
{
	CHANGE_ADD_COLUMN,			/* a subscriber lacks it */
	CHANGE_ADD_REQUIRED_COLUMN, /* and the publisher's rows lack it */
	CHANGE_DROP_COLUMN,			/* the publisher still sends it */
	CHANGE_COLUMN_TYPE,
	CHANGE_SET_NOT_NULL,		/* the publisher may send NULLs */
	CHANGE_RENAME_COLUMN,
	CHANGE_RENAME_TABLE,
	CHANGE_SET_SCHEMA,
	CHANGE_DROP_TABLE
} ReplicatedChange;

/* A name as a finding quotes it: as an identifier, on one line. */
static char *
quoted_name(const char *name)
{
	return pm_comment_text(quote_identifier(name));
}

static char *
quoted_relation(RangeVar *rv)
{
	return pm_comment_text(quote_qualified_identifier(rv->schemaname,
													  rv->relname));
}

/* "publication "pa"", "publications "pa", "pb"" */
static char *
publication_words(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, list_length(names) == 1 ? "publication" :
						   "publications");
	foreach(lc, names)
		appendStringInfo(&buf, "%s %s", foreach_current_index(lc) ? "," : "",
						 quoted_name(lfirst(lc)));
	return buf.data;
}

/* What a change does to the table, as the findings say it. */
static char *
change_words(ReplicatedChange change, const char *column, const char *newname)
{
	switch (change)
	{
		case CHANGE_ADD_COLUMN:
			return psprintf("gets column %s", quoted_name(column));
		case CHANGE_ADD_REQUIRED_COLUMN:
			return psprintf("gets column %s, NOT NULL without a default",
							quoted_name(column));
		case CHANGE_DROP_COLUMN:
			return psprintf("loses column %s", quoted_name(column));
		case CHANGE_COLUMN_TYPE:
			return psprintf("changes the type of column %s", quoted_name(column));
		case CHANGE_SET_NOT_NULL:
			return psprintf("makes column %s NOT NULL", quoted_name(column));
		case CHANGE_RENAME_COLUMN:
			return psprintf("renames column %s to %s", quoted_name(column),
							quoted_name(newname));
		case CHANGE_RENAME_TABLE:
			return psprintf("is renamed to %s", quoted_name(newname));
		case CHANGE_SET_SCHEMA:
			return psprintf("moves to schema %s", quoted_name(newname));
		case CHANGE_DROP_TABLE:
			return pstrdup("is dropped");
	}
	pg_unreachable();
}

/*
 * Whether a change on a publisher's table breaks subscribers that lack it:
 * a column dropped, or made NOT NULL, there does not (they keep theirs, and
 * get NULLs in it), a table dropped leaves the publication; a column
 * outside the publication's column list is not published.
 */
static bool
breaks_subscribers(ReplicatedChange change, const PmPublished *pub,
				   AttrNumber attnum)
{
	switch (change)
	{
		case CHANGE_ADD_COLUMN:
		case CHANGE_ADD_REQUIRED_COLUMN:
			/* a new column is in no column list */
			return pub->columns == NULL;
		case CHANGE_COLUMN_TYPE:
		case CHANGE_RENAME_COLUMN:
			return pub->columns == NULL || bms_is_member(attnum, pub->columns);
		case CHANGE_RENAME_TABLE:
		case CHANGE_SET_SCHEMA:
			/* a partition published under its root's name keeps it */
			return pub->as_named;
		case CHANGE_DROP_COLUMN:
		case CHANGE_SET_NOT_NULL:
		case CHANGE_DROP_TABLE:
			return false;
	}
	pg_unreachable();
}

/* Whether a change here breaks the rows a publisher sends this table. */
static bool
breaks_subscription(ReplicatedChange change)
{
	return change != CHANGE_ADD_COLUMN;
}

/*
 * The findings of one change to the existing table rv: on the publications
 * that publish it, on the subscriptions that fill it.
 */
static void
lint_replicated_change(LintStmt *ls, RangeVar *rv, ReplicatedChange change,
					   const char *column, const char *newname)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);
	AttrNumber	attnum = InvalidAttrNumber;
	List	   *names = NIL;
	ListCell   *lc;

	if (!OidIsValid(relid) || was_created(ls->state, rv))
		return;
	if (column)
		attnum = get_attnum(relid, column);

	foreach(lc, pm_replication_publications(relid))
	{
		PmPublished *pub = lfirst(lc);

		if (breaks_subscribers(change, pub, attnum))
			names = lappend(names, pub->name);
	}
	if (names != NIL)
		report(ls, "altering-published-table", SEV_WARNING,
			   psprintf("Table %s %s, and logical replication does not carry DDL: the subscribers of %s need the same change first, or their replication stops at the first change to the table they cannot apply.",
						quoted_relation(rv),
						change_words(change, column, newname),
						publication_words(names)),
			   "Run the same DDL on every subscriber before this revision runs here; for a rename, disable their subscriptions (ALTER SUBSCRIPTION ... DISABLE) until both sides have it.");

	if (!breaks_subscription(change))
		return;
	foreach(lc, pm_replication_subscriptions(relid))
	{
		Subscription *sub = lfirst(lc);
		List	   *pubs = NIL;
		ListCell   *lc2;

		foreach(lc2, sub->publications)
			pubs = lappend(pubs, strVal(lfirst(lc2)));
		report(ls, "altering-subscribed-table", SEV_WARNING,
			   psprintf("Table %s %s, and it is filled by subscription %s (%s of its publisher): logical replication does not carry DDL, and the rows its publisher sends must still find the table and fit it, or the subscription stops at the first it cannot apply.",
						quoted_relation(rv),
						change_words(change, column, newname),
						quoted_name(sub->name), publication_words(pubs)),
			   "Change the publisher's table first (drop a column there before here), or disable the subscription (ALTER SUBSCRIPTION ... DISABLE) until both sides have the change.");
	}
}

/*
 * A table the statement creates (or attaches as a partition of parent),
 * which publications will publish under its own name from then on: the
 * subscribers need it first.
 */
static void
lint_published_new_table(LintStmt *ls, RangeVar *rv, RangeVar *parent,
						 Oid existing)
{
	char	   *schema = schema_of(rv, !OidIsValid(existing));
	Oid			parentid = parent ? RangeVarGetRelid(parent, NoLock, true) :
	InvalidOid;
	List	   *names;

	if (rv->relpersistence != RELPERSISTENCE_PERMANENT ||
		(parent && !OidIsValid(parentid)))
		return;
	names = pm_replication_new_table_publications(schema ?
												  get_namespace_oid(schema, true) :
												  InvalidOid,
												  parentid, existing);
	if (names != NIL)
		report(ls, "altering-published-table", SEV_WARNING,
			   psprintf("Table %s is published by %s once %s, and logical replication does not carry DDL: their subscribers need the table first, or their replication stops at its first row.",
						quoted_relation(rv), publication_words(names),
						OidIsValid(existing) ? "attached" : "created"),
			   "Create the table on every subscriber first; once this revision has run here, ALTER SUBSCRIPTION ... REFRESH PUBLICATION there.");
}

/* Whether an added column is NOT NULL with nothing to fill it. */
static bool
required_column(ColumnDef *col)
{
	bool		not_null = col->is_not_null;
	ListCell   *lc;

	foreach(lc, col->constraints)
	{
		ConstrType	type = lfirst_node(Constraint, lc)->contype;

		if (type == CONSTR_DEFAULT || type == CONSTR_IDENTITY ||
			type == CONSTR_GENERATED)
			return false;
		not_null = not_null || type == CONSTR_NOTNULL || type == CONSTR_PRIMARY;
	}
	return not_null;
}

static void
lint_replication_alter(LintStmt *ls, AlterTableStmt *stmt)
{
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				{
					ColumnDef  *col = castNode(ColumnDef, cmd->def);

					lint_replicated_change(ls, stmt->relation,
										   required_column(col) ?
										   CHANGE_ADD_REQUIRED_COLUMN :
										   CHANGE_ADD_COLUMN,
										   col->colname, NULL);
					break;
				}
			case AT_DropColumn:
			case AT_AlterColumnType:
			case AT_SetNotNull:
				lint_replicated_change(ls, stmt->relation,
									   cmd->subtype == AT_DropColumn ?
									   CHANGE_DROP_COLUMN :
									   cmd->subtype == AT_SetNotNull ?
									   CHANGE_SET_NOT_NULL : CHANGE_COLUMN_TYPE,
									   cmd->name, NULL);
				break;
			case AT_AttachPartition:
				{
					RangeVar   *part = castNode(PartitionCmd, cmd->def)->name;
					Oid			partid = RangeVarGetRelid(part, NoLock, true);

					if (OidIsValid(partid))
						lint_published_new_table(ls, part, stmt->relation,
												 partid);
					break;
				}
			default:
				break;
		}
	}
}

/* CREATE TABLE IF NOT EXISTS of a table that exists creates nothing. */
static bool
creates_table(RangeVar *rv, bool if_not_exists)
{
	return !if_not_exists || !OidIsValid(RangeVarGetRelid(rv, NoLock, true));
}

/*
 * lint_replication
 *		The findings of the logical replication rules for one statement,
 *		on the catalog as it is before the statement runs.
 */
static void
lint_replication(LintStmt *ls, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			lint_replication_alter(ls, (AlterTableStmt *) stmt);
			break;
		case T_RenameStmt:
			{
				RenameStmt *r = (RenameStmt *) stmt;

				if (r->renameType == OBJECT_TABLE)
					lint_replicated_change(ls, r->relation, CHANGE_RENAME_TABLE,
										   NULL, r->newname);
				else if (r->renameType == OBJECT_COLUMN &&
						 r->relationType == OBJECT_TABLE)
					lint_replicated_change(ls, r->relation, CHANGE_RENAME_COLUMN,
										   r->subname, r->newname);
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *a = (AlterObjectSchemaStmt *) stmt;

				if (a->objectType == OBJECT_TABLE)
					lint_replicated_change(ls, a->relation, CHANGE_SET_SCHEMA,
										   NULL, a->newschema);
				break;
			}
		case T_DropStmt:
			{
				DropStmt   *d = (DropStmt *) stmt;
				ListCell   *lc;

				if (d->removeType == OBJECT_TABLE)
					foreach(lc, d->objects)
						lint_replicated_change(ls,
											   makeRangeVarFromNameList(lfirst(lc)),
											   CHANGE_DROP_TABLE, NULL, NULL);
				break;
			}
		case T_CreateStmt:
			{
				CreateStmt *c = (CreateStmt *) stmt;

				if (creates_table(c->relation, c->if_not_exists))
					lint_published_new_table(ls, c->relation,
											 c->partbound ?
											 linitial_node(RangeVar, c->inhRelations) :
											 NULL, InvalidOid);
				break;
			}
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *c = (CreateTableAsStmt *) stmt;

				if (c->objtype == OBJECT_TABLE &&
					creates_table(c->into->rel, c->if_not_exists))
					lint_published_new_table(ls, c->into->rel, NULL, InvalidOid);
				break;
			}
		default:
			break;
	}
}

/* Whether SET gives the value 0 (lock_timeout = 0, '0s': no timeout). */
static bool
sets_zero(VariableSetStmt *v)
{
	A_Const    *c;
	int			value;

	if (list_length(v->args) != 1 || !IsA(linitial(v->args), A_Const))
		return false;
	c = linitial(v->args);
	if (c->isnull)
		return false;
	if (IsA(&c->val, Integer))
		return intVal(&c->val) == 0;
	if (IsA(&c->val, Float))
		return parse_int(castNode(Float, &c->val)->fval, &value, GUC_UNIT_MS,
						 NULL) && value == 0;
	return IsA(&c->val, String) &&
		parse_int(strVal(&c->val), &value, GUC_UNIT_MS, NULL) && value == 0;
}

/*
 * Lint one statement.
 */
static void
lint_statement(LintStmt *ls, Node *stmt, bool transactional)
{
	PmLintState *state = ls->state;

	lint_lock_timeout(ls, stmt);
	lint_replication(ls, stmt);

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			remember_created(state, ((CreateStmt *) stmt)->relation,
							 ((CreateStmt *) stmt)->if_not_exists);
			break;
		case T_CreateTableAsStmt:
			remember_created(state, ((CreateTableAsStmt *) stmt)->into->rel,
							 ((CreateTableAsStmt *) stmt)->if_not_exists);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *idx = (IndexStmt *) stmt;

				if (idx->concurrent && transactional)
					report(ls, "ban-concurrent-index-creation-in-transaction", SEV_ERROR,
						   "CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and this revision runs in one.",
						   "Mark the revision \"-- Transactional: false\" in its file header.");
				else if (!idx->concurrent)
					report_sized(ls, idx->relation, "require-concurrent-index-creation",
								 "CREATE INDEX blocks writes to the table while the index builds",
								 "Use CREATE INDEX CONCURRENTLY in a revision marked \"Transactional: false\".");
				break;
			}
		case T_AlterTableStmt:
			lint_alter_table(ls, (AlterTableStmt *) stmt);
			break;
		case T_DropStmt:
			lint_drop(ls, (DropStmt *) stmt);
			break;
		case T_DropdbStmt:
			report(ls, "ban-drop-database", SEV_ERROR,
				   "A migration drops a database.", NULL);
			break;
		case T_RenameStmt:
			{
				RenameStmt *r = (RenameStmt *) stmt;

				if (r->renameType == OBJECT_TABLE)
					report_always(ls, r->relation, "renaming-table", SEV_WARNING,
								  "Renaming a table breaks the clients that still use the old name",
								  "Create a view under the old name while the clients move, or keep the name.");
				else if (r->renameType == OBJECT_COLUMN &&
						 r->relationType == OBJECT_TABLE)
					report_always(ls, r->relation, "renaming-column", SEV_WARNING,
								  psprintf("Renaming column \"%s\" breaks the clients that still use the old name",
										   r->subname),
								  "Add the new column, write both, move the readers, then drop the old one.");
				break;
			}
		case T_AlterEnumStmt:
			{
				AlterEnumStmt *e = (AlterEnumStmt *) stmt;

				if (e->newVal && e->oldVal == NULL && e->newValNeighbor == NULL)
					report(ls, "require-enum-value-ordering", SEV_WARNING,
						   psprintf("ADD VALUE '%s' without BEFORE or AFTER puts the value last, which may not be where its order belongs.",
									e->newVal),
						   "Say where it goes: ADD VALUE ... BEFORE or AFTER an existing value.");
				break;
			}
		case T_TransactionStmt:
			report(ls, "transaction-nesting", SEV_ERROR,
				   "Transaction control in a revision script: a revision runs in the migration's transaction.",
				   "Remove it; mark the revision \"-- Transactional: false\" for statements that need their own transaction.");
			break;
		case T_ReindexStmt:
			{
				ReindexStmt *r = (ReindexStmt *) stmt;

				if (!reindex_concurrently(r) && r->relation)
					report_sized(ls, r->relation, "require-concurrent-reindex",
								 "REINDEX blocks writes to the table while it rebuilds",
								 "Use REINDEX CONCURRENTLY in a revision marked \"Transactional: false\".");
				break;
			}
		case T_TruncateStmt:
			if (((TruncateStmt *) stmt)->behavior == DROP_CASCADE)
				report(ls, "ban-truncate-cascade", SEV_WARNING,
					   "TRUNCATE ... CASCADE empties every table that references these, however far.",
					   "Name each table to empty instead.");
			break;
		case T_VariableSetStmt:
			{
				VariableSetStmt *v = (VariableSetStmt *) stmt;

				/* SET lock_timeout = 0, RESET, DEFAULT: none */
				if (v->name && strcmp(v->name, "lock_timeout") == 0)
					state->lock_timeout_set = v->kind == VAR_SET_VALUE &&
						!sets_zero(v);
				break;
			}
		default:
			break;
	}
}

/*
 * The rule names of "-- pim_migrate:ignore a, b" comments in text.
 */
static List *
ignored_rules(const char *text, int len)
{
	static const char directive[] = "pim_migrate:ignore";
	List	   *rules = NIL;
	char	   *copy = pnstrdup(text, len);
	char	   *p = copy;

	while ((p = strstr(p, directive)) != NULL)
	{
		char	   *end = p + strcspn(p, "\n");
		char	   *close;
		char	   *tok;

		p += sizeof(directive) - 1;
		*end = '\0';
		/* in a block comment, the rules end with it */
		if ((close = strstr(p, "*/")) != NULL)
			*close = '\0';
		while ((tok = strsep(&p, " \t\r,")) != NULL)
			if (*tok)
				rules = lappend(rules, pstrdup(tok));
		p = end + 1;
		if (p > copy + len)
			break;
	}
	return rules;
}

/*
 * pm_lint_script
 *		Lint the statements of a script and put the findings into
 *		state's tuplestore.  Lines count from first_line.
 */
void
pm_lint_script(PmLintState *state, const char *revision, const char *sql,
			   bool transactional, int first_line)
{
	List	   *stmts = pm_exec_parse_script(revision, PM_UPGRADE, sql);
	ListCell   *lc;
	int			prev_end = 0;

	state->lock_timeout_set = false;
	state->reported_lock_timeout = false;
	foreach(lc, stmts)
	{
		PmStatement *ps = lfirst(lc);
		LintStmt	ls;

		ls.state = state;
		ls.revision = revision;
		ls.line = ps->line + first_line - 1;
		ls.sql = ps->sql;
		ls.ignored = ignored_rules(sql + prev_end, ps->offset - prev_end);
		ls.sized_rv = NULL;
		lint_statement(&ls, ps->stmt, transactional);
		prev_end = ps->end;
	}
}

/*
 * pm_lint_replication
 *		For pim_migrate_plan: the findings of the logical replication rules
 *		for one statement about to run, as "rule: message" strings in the
 *		caller's memory context; before (len bytes) is the text ahead of it,
 *		whose ignore comments count.
 */
List *
pm_lint_replication(Node *stmt, const char *before, int len)
{
	PmLintState state;
	LintStmt	ls;

	memset(&state, 0, sizeof(state));
	state.cxt = CurrentMemoryContext;
	memset(&ls, 0, sizeof(ls));
	ls.state = &state;
	ls.ignored = ignored_rules(before, len);
	lint_replication(&ls, stmt);
	return state.collected;
}
