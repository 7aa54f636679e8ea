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
 * One object of a schema, as diff_describe.c's query reads it.  ord
 * orders kinds; (kind, parent, name) is the key both schemas are merged
 * on.  For columns: def is the type (with collation), extra the default,
 * notnull the nullability, clause the identity or generation, opts the
 * identity sequence's options.  seq is the creation order (an oid, or
 * attnum for columns, inhseqno for parents).
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

/* diff_describe.c */
extern DiffSet pm_diff_describe(const char *schema, const char *path,
								Datum include, Datum exclude);
extern DiffObj *pm_diff_find(DiffSet *set, const char *kind,
							 const char *parent, const char *name);
extern bool pm_diff_has_table(DiffSet *set, const char *name);
extern bool pm_diff_has_relation(DiffSet *set, const char *name);
extern bool pm_diff_obj_equal(const DiffObj *a, const DiffObj *b);
extern bool pm_diff_same_str(const char *a, const char *b);

/* diff_script.c */
extern char *pm_diff_script(DiffSet *from, DiffSet *to);

#endif							/* PM_DIFF_H */
