/*-------------------------------------------------------------------------
 *
 * strlist.c
 *	  Lists of C strings: revision ids, branch labels, object names.
 *
 * Every module keeps names as a List of palloc'd C strings (PmRevisionDef,
 * the version rows, the heads); these are the few things they all ask of
 * such a list: order it, join it for a message, find a name in it,
 * compare two of them, make it a text[].  Results are allocated in the caller's memory
 * context.
 *
 * src/strlist.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pim_migrate.h"

/* list_sort comparator: C strings in strcmp order. */
int
pm_cstring_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/* "a, b, c" from a List of C strings, for messages. */
char *
pm_join_list(List *cstrings)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, cstrings)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 (char *) lfirst(lc));
	return buf.data;
}

/*
 * pm_join_array
 *		The same, for an array of n C strings (a node's parent names).
 */
char *
pm_join_array(char **names, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", names[i]);
	return buf.data;
}

/* Whether a List of C strings holds name. */
bool
pm_name_in_list(List *names, const char *name)
{
	ListCell   *lc;

	foreach(lc, names)
		if (strcmp(lfirst(lc), name) == 0)
		return true;
	return false;
}

/* Whether two Lists of C strings hold the same strings in the same order. */
bool
pm_names_equal(List *a, List *b)
{
	ListCell   *la;
	ListCell   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
	{
		/* forboth's loop condition is the NULL test, unseen by cppcheck */
		/* cppcheck-suppress nullPointerRedundantCheck */
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
			return false;
	}
	return true;
}

/* A List of C strings as a text[] datum (never NULL: empty list, '{}'). */
Datum
pm_text_array(List *cstrings)
{
	Datum	   *elems = palloc(sizeof(Datum) * (list_length(cstrings) + 1));
	int			i = 0;
	ListCell   *lc;

	foreach(lc, cstrings)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, i, TEXTOID, -1, false,
										   TYPALIGN_INT));
}
