/*-------------------------------------------------------------------------
 *
 * target.c
 *	  The target grammar (Alembic's), resolved against a built graph.
 *
 *	  head | heads | base | REV | +N | -N | REV+N | REV-N
 *
 * where REV is a full revision id, a branch label (the revision that
 * declares it) or a unique prefix of at least four characters, tried in
 * that order.  A resolved target is a set of revisions; base is the empty
 * set.  Relative steps walk the graph one edge at a time and fail, never
 * clamp, when a step cannot be taken: past a head or below base (22023),
 * or where the walk is ambiguous, at a branch point, a merge or several
 * current heads (21000).
 *
 * src/target.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "lib/stringinfo.h"

#include "pim_migrate.h"

#define MIN_PREFIX_LEN 4

static void
malformed(const char *text, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid target \"%s\"", text),
			 errdetail("%s", why),
			 errhint("A target is head, heads, base, a revision id or unique prefix of one, a branch label, +N, -N, REV+N or REV-N.")));
}

static void
unknown(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_OBJECT),
			 errmsg("Can't locate revision identified by '%s'", name)));
}

static PmTarget *
make_target(const char *text, int nrevs)
{
	PmTarget   *t = palloc0(sizeof(PmTarget));

	t->text = text;
	t->nrevs = nrevs;
	t->revs = palloc(sizeof(int) * (nrevs + 1));
	return t;
}

static PmTarget *
target_from_list(const char *text, List *revs)
{
	PmTarget   *t = make_target(text, list_length(revs));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, revs)
		t->revs[i++] = lfirst_int(lc);
	return t;
}

/* Comma-separated ids of an integer List of revisions, for messages. */
static char *
id_list(const PmGraph *graph, List *revs)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, revs)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 graph->revs[lfirst_int(lc)].id);
	return buf.data;
}

/*
 * Resolve REV: an exact id, then a branch label, then a unique prefix.
 */
static int
resolve_name(PmGraph *graph, const char *name)
{
	int			rev;
	List	   *candidates;

	rev = pm_graph_find(graph, name);
	if (rev >= 0)
		return rev;
	rev = pm_graph_find_label(graph, name);
	if (rev >= 0)
		return rev;
	if (strlen(name) < MIN_PREFIX_LEN)
		unknown(name);

	candidates = pm_graph_find_prefix(graph, name);
	if (candidates == NIL)
		unknown(name);
	if (list_length(candidates) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision prefix \"%s\" is ambiguous", name),
				 errdetail("It matches %s.", id_list(graph, candidates)),
				 errhint("Give more characters of the revision id.")));
	return linitial_int(candidates);
}

/*
 * Parse a step count: one or more digits, at least 1.
 */
static int
parse_steps(const char *text, const char *digits)
{
	long		n = 0;

	if (*digits == '\0')
		malformed(text, "A relative step needs a number after its sign.");
	for (const char *p = digits; *p; p++)
	{
		if (*p < '0' || *p > '9')
			malformed(text, "A relative step is a sign followed by digits.");
		n = n * 10 + (*p - '0');
		if (n > INT_MAX)
			malformed(text, "The step count is too large.");
	}
	if (n == 0)
		malformed(text, "A relative step must be at least 1.");
	return (int) n;
}

static void
not_produced(const char *text, int steps)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("Relative revision %s didn't produce %d migrations",
					text, steps),
			 errdetail("The walk reached %s before taking every step.",
					   text[strcspn(text, "+")] == '+' ? "a head" : "base")));
}

/*
 * Walk "steps" edges from start (-1: base) upward (children) or downward
 * (down_revisions).  Returns the revision reached, -1 for base.
 */
static int
walk(PmGraph *graph, const char *text, int start, int steps, bool up)
{
	int			cur = start;

	for (int i = 0; i < steps; i++)
	{
		if (up)
		{
			if (cur < 0)
			{
				/* from base, the first step goes to the single base */
				int			found = -1;
				int			nbases = 0;

				for (int r = 0; r < graph->n; r++)
					if (graph->revs[r].nparents == 0)
					{
						found = r;
						nbases++;
					}
				if (nbases == 0)
					not_produced(text, steps);
				if (nbases > 1)
					ereport(ERROR,
							(errcode(ERRCODE_CARDINALITY_VIOLATION),
							 errmsg("relative target \"%s\" is ambiguous: there are %d bases",
									text, nbases),
							 errhint("Name the revision to upgrade to, or use a branch label.")));
				cur = found;
			}
			else
			{
				PmNode	   *node = &graph->revs[cur];

				if (node->nchildren == 0)
					not_produced(text, steps);
				if (node->nchildren > 1)
					ereport(ERROR,
							(errcode(ERRCODE_CARDINALITY_VIOLATION),
							 errmsg("relative target \"%s\" is ambiguous: revision \"%s\" is a branch point",
									text, node->id),
							 errhint("Name the revision to upgrade to, or use a branch label.")));
				cur = node->children[0];
			}
		}
		else
		{
			PmNode	   *node;

			if (cur < 0)
				not_produced(text, steps);
			node = &graph->revs[cur];
			if (node->nparents > 1)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous: revision \"%s\" is a merge point",
								text, node->id),
						 errhint("Name the revision to downgrade to.")));
			cur = node->nparents == 0 ? -1 : node->parents[0];
		}
	}
	return cur;
}

/* The single current revision for a relative step (-1 at base). */
static int
single_current(PmGraph *graph, const char *text)
{
	List	   *current = pm_graph_current(graph);

	if (list_length(current) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("relative target \"%s\" is ambiguous: the database has several current heads",
						text),
				 errdetail("Current heads: %s.", id_list(graph, current)),
				 errhint("Use REV+N or REV-N, or a branch label.")));
	return current == NIL ? -1 : linitial_int(current);
}

/*
 * pm_target_resolve
 *		Parse and resolve a target.  Raises 22023 for a malformed target,
 *		42704 for an unknown name, 21000 where one revision is needed and
 *		several qualify.
 */
PmTarget *
pm_target_resolve(PmGraph *graph, const char *text)
{
	const char *sign;
	PmTarget   *t;

	if (*text == '\0')
		malformed(text, "The target is empty.");
	for (const char *p = text; *p; p++)
		if (isspace((unsigned char) *p))
			malformed(text, "A target contains no white space.");
	if (strchr(text, '@') != NULL)
	{
		if (strchr(text, '@') != strrchr(text, '@') || text[0] == '@' ||
			text[strlen(text) - 1] == '@')
			malformed(text, "A branch target is LABEL@head, LABEL@base, LABEL@+N, LABEL@-N or LABEL@REV.");
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("branch targets such as \"%s\" are not supported yet", text)));
	}

	if (strcmp(text, "base") == 0)
		return make_target(text, 0);
	if (strcmp(text, "heads") == 0)
		return target_from_list(text, pm_graph_heads(graph));
	if (strcmp(text, "head") == 0)
	{
		List	   *heads = pm_graph_heads(graph);

		if (list_length(heads) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("Multiple head revisions are present for given argument 'head'"),
					 errdetail("Heads: %s.", id_list(graph, heads)),
					 errhint("Specify a specific target revision, \"LABEL@head\" to narrow to a specific head, or \"heads\" for all heads.")));
		return target_from_list(text, heads);
	}

	t = make_target(text, 1);
	sign = text + strcspn(text, "+-");
	if (*sign == '\0')
		t->revs[0] = resolve_name(graph, text);
	else
	{
		int			steps = parse_steps(text, sign + 1);
		int			start;
		int			rev;

		if (sign == text)
			start = single_current(graph, text);
		else
		{
			char	   *name = pnstrdup(text, sign - text);

			start = resolve_name(graph, name);
		}
		rev = walk(graph, text, start, steps, *sign == '+');
		if (rev < 0)
			t->nrevs = 0;
		else
			t->revs[0] = rev;
	}
	return t;
}

/*
 * pm_target_resolve_one
 *		A target that must name exactly one revision, as for show.
 */
int
pm_target_resolve_one(PmGraph *graph, const char *text)
{
	PmTarget   *t = pm_target_resolve(graph, text);

	if (t->nrevs == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("target \"%s\" names no revision", text)));
	if (t->nrevs > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("target \"%s\" names %d revisions", text, t->nrevs),
				 errhint("Name one revision.")));
	return t->revs[0];
}
