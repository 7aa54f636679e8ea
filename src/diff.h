/*-------------------------------------------------------------------------
 *
 * diff.h
 *	  Autogenerate's internal types, shared by diff.c (the entry point and
 *	  the desired file), diff_describe.c (a schema read from the catalogs)
 *	  and diff_script.c (the script that turns one schema into another).
 *
 * src/diff.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PM_DIFF_H
#define PM_DIFF_H

#include "nodes/pg_list.h"

/*
 * The kinds of schema object, in the order the merge visits them: the
 * "ord" column of diff_describe.c's query, which writes these numbers
 * (keep the two in step).  A foreign key is a constraint with an ord of
 * its own, since it is dropped before and added after the other
 * constraints.
 */
typedef enum DiffOrd
{
	DIFF_ORD_COLLATION = 0,
	DIFF_ORD_ENUM = 1,
	DIFF_ORD_SEQUENCE = 2,
	DIFF_ORD_TABLE = 3,
	DIFF_ORD_COLUMN = 4,
	DIFF_ORD_PARTITION = 5,
	DIFF_ORD_CONSTRAINT = 6,
	DIFF_ORD_INDEX = 7,
	DIFF_ORD_FUNCTION = 8,
	DIFF_ORD_FKEY = 9,
	DIFF_ORD_VIEW = 10,
	DIFF_ORD_TRIGGER = 11,
	DIFF_ORD_COMMENT = 12,
	DIFF_ORD_DOMAIN = 13,
	DIFF_ORD_DOMAIN_CONSTRAINT = 14,
	DIFF_ORD_INHERIT = 15,
	DIFF_ORD_RLS = 16,
	DIFF_ORD_REPLICA_IDENTITY = 17,
	DIFF_ORD_POLICY = 18,
	DIFF_ORD_GRANT = 19,
	DIFF_ORD_RELOPTIONS = 20,
	DIFF_ORD_COLUMN_OPTION = 21,
	DIFF_ORD_CLUSTER = 22,
	DIFF_ORD_NOT_NULL = 23,
	DIFF_ORD_COUNT
} DiffOrd;

/*
 * One object of a schema, as diff_describe.c's query reads it.  ord
 * orders kinds; (kind, parent, name) is the key both schemas are merged
 * on.  For columns: def is the type (with collation), extra the default,
 * notnull the nullability, clause the identity or generation, opts the
 * identity sequence's options.  Domains use notnull too; functions have
 * atomic instead (a BEGIN ATOMIC body, which names its tables when it is
 * made).  seq is the creation order (an oid, or attnum for columns,
 * inhseqno for parents).
 */
typedef struct DiffObj
{
	DiffOrd		ord;
	char	   *kind;
	char	   *parent;
	char	   *name;
	char	   *def;
	char	   *extra;
	bool		notnull;		/* columns and domains: NOT NULL */
	bool		atomic;			/* functions: the body is BEGIN ATOMIC */
	int64		seq;
	char	   *clause;
	char	   *opts;
} DiffObj;

/*
 * A schema: its objects sorted by (ord, parent, name), and the search_path
 * its definitions were printed under (names visible there are written
 * unqualified), to resolve its type names again.
 */
typedef struct DiffSet
{
	DiffObj    *objs;
	int			n;
	char	   *path;
} DiffSet;

/* One difference between two described schemas (pm_diff_changes). */
typedef struct DiffChange
{
	char	   *what;			/* "added table t", "changed column t.a" */
	char	   *detail;			/* how it changed, or where it is */
	bool		changed;		/* in both, otherwise: not added or dropped */
} DiffChange;

/* diff.c */
extern char *pm_diff_schema_path(const char *scratch, const char *schema);
extern List *pm_diff_unhandled(Oid nsp, const char *schema, Datum include,
							   Datum exclude);

/* diff_describe.c */
extern DiffSet pm_diff_describe(const char *schema, const char *path,
								Datum include, Datum exclude);
extern DiffObj *pm_diff_find(DiffSet *set, const char *kind,
							 const char *parent, const char *name);
extern bool pm_diff_has_table(DiffSet *set, const char *name);
extern bool pm_diff_is_partition(DiffSet *set, const char *name);
extern bool pm_diff_has_relation(DiffSet *set, const char *name);
extern bool pm_diff_obj_equal(const DiffObj *a, const DiffObj *b);
extern bool pm_diff_same_str(const char *a, const char *b);
extern List *pm_diff_changes(DiffSet *was, DiffSet *now, const char *was_name,
							 const char *now_name);

/* diff_script.c */
extern char *pm_diff_script(DiffSet *from, DiffSet *to);

#endif							/* PM_DIFF_H */
