/*-------------------------------------------------------------------------
 *
 * replication.c
 *	  What logical replication carries: the publications that publish a
 *	  table's rows, and the subscriptions that fill it, read from the
 *	  catalog as the walsender's output plugin and the apply worker read
 *	  it.  For the lint rules on the DDL that logical replication does not
 *	  carry (lint.c).
 *
 * A table's rows are published by the publications of the table itself,
 * of its schema (FOR TABLES IN SCHEMA), of each ancestor of a partition and
 * of their schemas, and by every FOR ALL TABLES publication; only
 * permanent tables of users are published at all.  With
 * publish_via_partition_root a partition's rows go out as those of its
 * topmost ancestor in the publication (any root for FOR ALL TABLES), under
 * that name, with that one's column list.  A partitioned table has no rows
 * of its own: a change to it touches what its partitions' publications
 * publish.  A publication that publishes no row changes (TRUNCATE alone)
 * carries no columns and is left out.
 *
 * A subscriber's tables are those of pg_subscription_rel, the table itself
 * or, for a partition tree, any table of it: the apply worker routes rows
 * given to a partitioned table into its partitions.
 *
 * Nothing here locks a relation: the lint never waits, and what it reads
 * is what the catalog says as it runs.
 *
 * src/replication.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_publication.h"
#include "catalog/pg_publication_rel.h"
#include "catalog/pg_subscription.h"
#include "catalog/pg_subscription_rel.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "pim_migrate.h"

/* Whether logical replication publishes relid's rows at all. */
static bool
publishable(Oid relid)
{
	Relation	rel = RelationIdGetRelation(relid);
	bool		result;

	/* dropped meanwhile */
	if (!RelationIsValid(rel))
		return false;
	result = rel->rd_rel->relkind == RELKIND_RELATION &&
		is_publishable_relation(rel);
	RelationClose(rel);
	return result;
}

/* The publications of a relation and of its schema, added to pubids. */
static List *
add_own_publications(List *pubids, Oid relid)
{
	pubids = list_concat_unique_oid(pubids, GetRelationPublications(relid));
	return list_concat_unique_oid(pubids,
								  GetSchemaPublications(get_rel_namespace(relid)));
}

/* Whether a publication publishes changes to rows (not TRUNCATE alone). */
static bool
publishes_rows(const Publication *pub)
{
	return pub->pubactions.pubinsert || pub->pubactions.pubupdate ||
		pub->pubactions.pubdelete;
}

/*
 * The relation whose name and column list a partition's rows (ancestors:
 * its own, nearest first; NIL for a table that is no partition) go out
 * under in pub.
 */
static Oid
published_as(const Publication *pub, Oid relid, List *ancestors)
{
	Oid			top;

	if (!pub->pubviaroot || ancestors == NIL)
		return relid;
	if (pub->alltables)
		return llast_oid(ancestors);
	top = GetTopMostAncestorInPublication(pub->oid, ancestors, NULL);
	return OidIsValid(top) ? top : relid;
}

/* pub's column list for relid, or NULL for every column. */
static Bitmapset *
column_list(Oid pubid, Oid relid)
{
	HeapTuple	tup = SearchSysCache2(PUBLICATIONRELMAP,
									  ObjectIdGetDatum(relid),
									  ObjectIdGetDatum(pubid));
	Bitmapset  *columns = NULL;
	bool		isnull;
	Datum		datum;

	if (!HeapTupleIsValid(tup))
		return NULL;
	datum = SysCacheGetAttr(PUBLICATIONRELMAP, tup,
							Anum_pg_publication_rel_prattrs, &isnull);
	if (!isnull)
		columns = pub_collist_to_bitmapset(NULL, datum, CurrentMemoryContext);
	ReleaseSysCache(tup);
	return columns;
}

static int
published_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((PmPublished *) lfirst(a))->name,
				  ((PmPublished *) lfirst(b))->name);
}

/*
 * pm_replication_publications
 *		The publications that publish the rows of relid (or of the tables
 *		that inherit from it: its partitions), by name, each with whether
 *		it publishes them under relid's own name and its column list (NULL:
 *		every column; a partition's rows published under their own name
 *		through an ancestor's entry have none).
 */
List *
pm_replication_publications(Oid relid)
{
	List	   *result = NIL;
	List	   *all = GetAllTablesPublications();
	ListCell   *lc;

	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		Oid			leaf = lfirst_oid(lc);
		List	   *ancestors = NIL;
		List	   *pubids;
		ListCell   *lc2;

		if (!publishable(leaf))
			continue;
		if (get_rel_relispartition(leaf))
			ancestors = get_partition_ancestors(leaf);
		pubids = add_own_publications(list_copy(all), leaf);
		foreach(lc2, ancestors)
			pubids = add_own_publications(pubids, lfirst_oid(lc2));

		foreach(lc2, pubids)
		{
			Publication *pub = GetPublication(lfirst_oid(lc2));
			Oid			as = published_as(pub, leaf, ancestors);
			Bitmapset  *columns = pub->alltables ? NULL :
			column_list(pub->oid, as);
			PmPublished *entry = NULL;
			ListCell   *lc3;

			if (!publishes_rows(pub))
				continue;
			foreach(lc3, result)
			{
				PmPublished *seen = lfirst(lc3);

				if (strcmp(seen->name, pub->name) == 0)
					entry = seen;
			}
			if (entry == NULL)
			{
				entry = palloc0(sizeof(PmPublished));
				entry->name = pub->name;
				entry->columns = columns;
				result = lappend(result, entry);
			}
			else if (entry->columns == NULL || columns == NULL)
				entry->columns = NULL;
			else
				entry->columns = bms_union(entry->columns, columns);
			entry->as_named = entry->as_named || as == relid;
		}
	}
	list_sort(result, published_cmp);
	return result;
}

/*
 * pm_replication_new_table_publications
 *		The publications that publish, under its own name, the rows of a
 *		new table of namespace nspid (InvalidOid: one not made yet) that is
 *		a partition of parent (InvalidOid: none); a new table of a FOR ALL
 *		TABLES or FOR TABLES IN SCHEMA publication, or a partition whose
 *		ancestors' publications do not publish via the root.  existing: a
 *		table being attached as that partition, whose publications that
 *		already publish it under its name are left out.  Names, sorted.
 */
List *
pm_replication_new_table_publications(Oid nspid, Oid parent, Oid existing)
{
	List	   *ancestors = NIL;
	List	   *pubids = GetAllTablesPublications();
	List	   *already = OidIsValid(existing) ?
	pm_replication_publications(existing) : NIL;
	List	   *result = NIL;
	ListCell   *lc;

	if (OidIsValid(nspid))
		pubids = list_concat_unique_oid(pubids, GetSchemaPublications(nspid));
	if (OidIsValid(parent))
		ancestors = lcons_oid(parent, get_partition_ancestors(parent));
	foreach(lc, ancestors)
		pubids = add_own_publications(pubids, lfirst_oid(lc));

	foreach(lc, pubids)
	{
		Publication *pub = GetPublication(lfirst_oid(lc));
		bool		known = false;
		ListCell   *lc2;

		/* InvalidOid stands for the new table: published as itself */
		if (!publishes_rows(pub) ||
			OidIsValid(published_as(pub, InvalidOid, ancestors)))
			continue;
		foreach(lc2, already)
		{
			PmPublished *seen = lfirst(lc2);

			known = known ||
				(seen->as_named && strcmp(seen->name, pub->name) == 0);
		}
		if (!known)
			result = lappend(result, pub->name);
	}
	list_sort(result, pm_cstring_cmp);
	return result;
}

static int
subscription_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((Subscription *) lfirst(a))->name,
				  ((Subscription *) lfirst(b))->name);
}

/*
 * pm_replication_subscriptions
 *		The subscriptions of this database that fill relid, or a table of
 *		its partition tree (its ancestors, its partitions), by name.
 */
List *
pm_replication_subscriptions(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, NoLock, NULL);
	List	   *subids = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	if (get_rel_relispartition(relid))
		rels = list_concat_unique_oid(rels, get_partition_ancestors(relid));
	foreach(lc, rels)
	{
		CatCList   *entries = SearchSysCacheList1(SUBSCRIPTIONRELMAP,
												  ObjectIdGetDatum(lfirst_oid(lc)));

		for (int i = 0; i < entries->n_members; i++)
		{
			HeapTuple	tup = &entries->members[i]->tuple;

			subids = list_append_unique_oid(subids,
											((Form_pg_subscription_rel) GETSTRUCT(tup))->srsubid);
		}
		ReleaseSysCacheList(entries);
	}
	foreach(lc, subids)
	{
		Subscription *sub = GetSubscription(lfirst_oid(lc), true);

		if (sub)
			result = lappend(result, sub);
	}
	list_sort(result, subscription_cmp);
	return result;
}
