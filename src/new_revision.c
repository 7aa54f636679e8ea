/*-------------------------------------------------------------------------
 *
 * new_revision.c
 *	  Revisions the server makes up rather than reads from a file: their
 *	  fresh ids, and what they stand on when the caller does not say —
 *	  the single head (pim_migrate_revision, pim_migrate_autogenerate) or
 *	  the heads a merge names, with Alembic's merge rules.
 *
 * Every function returns what register.c then registers (the caller calls
 * pm_register_revision); none writes the catalog itself.  The caller holds
 * an SPI connection and the migration lock.
 *
 * src/new_revision.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "pim_migrate.h"

/*
 * pm_new_revision_id
 *		A fresh 12-hex-digit id, as Alembic makes them, not yet registered.
 */
char *
pm_new_revision_id(void)
{
	for (;;)
	{
		uint8		bytes[6];
		char	   *id = palloc(sizeof(bytes) * 2 + 1);

		if (!pg_strong_random(bytes, sizeof(bytes)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random revision id")));
		hex_encode((const char *) bytes, sizeof(bytes), id);
		id[sizeof(bytes) * 2] = '\0';
		if (pm_catalog_fetch_revision(id) == NULL)
			return id;
	}
}

/*
 * pm_new_revision_parent
 *		The down_revisions of a new revision whose caller named none: the
 *		single head of the graph (a List of one id), or NIL when there is
 *		none; several are an error (21000).  A head re-registered under its
 *		own id is not its own parent.
 */
List *
pm_new_revision_parent(const char *revision)
{
	List	   *heads = NIL;
	ListCell   *lc;

	foreach(lc, pm_catalog_graph_heads())
		if (strcmp(lfirst(lc), revision) != 0)
		heads = lappend(heads, lfirst(lc));
	if (list_length(heads) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("multiple heads are present"),
				 errdetail("Heads: %s.", pm_join_list(heads)),
				 errhint("Pass down_revision, or merge the heads with pim_migrate_merge().")));
	return heads;
}

/*
 * pm_new_revision_merge_parents
 *		The down_revisions of a merge of the revisions targets (C strings of
 *		the target grammar) name, as Alembic's merge: each once, and none an
 *		ancestor of another, since a merge of a revision with its own
 *		ancestor would merge nothing.
 */
List *
pm_new_revision_merge_parents(List *targets)
{
	PmGraph    *graph = pm_catalog_load_graph(NULL);
	List	   *parents = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, targets)
	{
		PmTarget   *t = pm_target_resolve(graph, lfirst(lc));

		for (int i = 0; i < t->nrevs; i++)
		{
			if (list_member_int(parents, t->revs[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("duplicate head revisions specified"),
						 errdetail("Revision \"%s\" is named twice.",
								   graph->revs[t->revs[i]].id)));
			parents = lappend_int(parents, t->revs[i]);
		}
	}
	if (parents == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("nothing to merge"),
				 errdetail("The targets name no revision.")));

	{
		int			n = list_length(parents);
		int		   *revs = palloc(sizeof(int) * n);
		int			i = 0;

		foreach(lc, parents)
			revs[i++] = lfirst_int(lc);
		pm_target_refuse_overlap(graph, revs, n);
	}
	foreach(lc, parents)
		result = lappend(result, graph->revs[lfirst_int(lc)].id);
	return result;
}

/*
 * pm_new_revision_autogenerate
 *		Fill def's scripts with the diff between the live schema and the
 *		one desired describes (pm_diff; include and exclude as there), and
 *		its down_revisions with the head, as "alembic revision
 *		--autogenerate" does.  The database must be up to date with a
 *		single head, since the diff is against the live schema.  Returns
 *		false, with a notice, when there is no difference.
 */
bool
pm_new_revision_autogenerate(PmRevisionDef *def, const char *desired,
							 const char *schema, Datum include, Datum exclude)
{
	PmGraph    *graph = pm_catalog_load_graph(NULL);
	List	   *heads;

	if (graph->n != graph->napplied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("Target database is not up to date"),
				 errdetail_plural("%d revision is not applied.",
								  "%d revisions are not applied.",
								  graph->n - graph->napplied,
								  graph->n - graph->napplied),
				 errhint("Run pim_migrate_upgrade('heads') first.")));
	heads = pm_graph_heads(graph);
	if (list_length(heads) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("multiple heads are present"),
				 errhint("Merge the heads with pim_migrate_merge() first.")));

	pm_diff(desired, schema, include, exclude, &def->upgrade_sql,
			&def->downgrade_sql);
	if (def->upgrade_sql == NULL)
	{
		ereport(NOTICE,
				(errmsg("no changes in schema detected")));
		return false;
	}
	if (heads != NIL)
		def->down_revisions = list_make1(pstrdup(graph->revs[linitial_int(heads)].id));
	return true;
}
