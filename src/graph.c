/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  The revision DAG: built once per call from the catalog, then asked for
 *	  heads, ancestors, descendants and the order of a plan.
 *
 * Nodes sit in one array sorted by id, so an id is found by binary search
 * and a prefix by a lower bound and a short scan; edges are arrays of
 * indexes.  Building is O(N log N + E): one sort, one resolution of each
 * edge, Kahn's algorithm for the topological order (which also finds
 * cycles), one walk from the version rows for the applied set.  Every walk
 * afterwards is iterative and marks nodes with an epoch number, so there
 * is no recursion depth and no clearing between walks.
 *
 * "Ancestors" follow down_revisions and depends_on alike, since both must
 * be applied first; "heads" look at down_revisions only, as Alembic's do.
 * The graph lives in the caller's memory context and is gone with it.
 *
 * src/graph.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "nodes/bitmapset.h"
#include "miscadmin.h"

#include "pim_migrate.h"

/*
 * pm_arena_alloc
 *		size bytes, MAXALIGNed, carved from a block of the current memory
 *		context (see PmArena).
 */
void *
pm_arena_alloc(PmArena *arena, Size size)
{
	void	   *result;

	size = MAXALIGN(size);
	if (size > arena->left)
	{
		/* a piece too big for a block gets one of its own */
		Size		block = Max(size, 64 * 1024);

		arena->next = palloc(block);
		arena->left = block;
	}
	result = arena->next;
	arena->next += size;
	arena->left -= size;
	return result;
}

static int
node_cmp(const void *a, const void *b)
{
	return strcmp(((const PmNode *) a)->id, ((const PmNode *) b)->id);
}

static int
label_cmp(const void *a, const void *b)
{
	return strcmp(((const PmLabel *) a)->label, ((const PmLabel *) b)->label);
}

/*
 * pm_graph_find
 *		Index of the revision with exactly this id, or -1.
 */
int
pm_graph_find(const PmGraph *graph, const char *id)
{
	int			lo = 0,
				hi = graph->n - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = strcmp(graph->revs[mid].id, id);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/*
 * pm_graph_find_label
 *		Index of the revision that declares this branch label, or -1.
 */
int
pm_graph_find_label(const PmGraph *graph, const char *label)
{
	PmLabel		key = {0};
	PmLabel    *found;

	if (graph->nlabels == 0)
		return -1;
	key.label = (char *) label;
	found = bsearch(&key, graph->labels, graph->nlabels, sizeof(PmLabel),
					label_cmp);
	return found ? found->rev : -1;
}

/*
 * pm_graph_find_prefix
 *		Indexes (as an integer List, in id order) of the revisions whose id
 *		starts with prefix and has at least PM_PREFIX_MIN_ID_LEN characters
 *		(shorter ids are found by their full id only, as in Alembic).
 */
List *
pm_graph_find_prefix(const PmGraph *graph, const char *prefix)
{
	size_t		len = strlen(prefix);
	int			lo = 0,
				hi = graph->n;
	List	   *result = NIL;

	/* lower bound: first id >= prefix */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (strcmp(graph->revs[mid].id, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < graph->n && strncmp(graph->revs[lo].id, prefix, len) == 0; lo++)
		if (strlen(graph->revs[lo].id) >= PM_PREFIX_MIN_ID_LEN)
			result = lappend_int(result, lo);
	return result;
}

/* A row for pim_migrate_verify(): problem, about revision. */
static void
add_problem(PmGraph *graph, const char *revision, char *problem)
{
	PmProblem  *p = palloc(sizeof(PmProblem));

	p->revision = pstrdup(revision);
	p->problem = problem;
	*graph->problems = lappend(*graph->problems, p);
}

/*
 * A problem of the stored graph.  Normally an error; while
 * pim_migrate_verify() builds the graph (graph->problems set), a row for
 * it instead, and the build goes on without the offending part.  A macro,
 * so that errmsg is given the format itself, as for any user-facing
 * message.
 */
/* errhint for a hint that may be NULL */
static int
errhint_if(const char *hint)
{
	return hint ? errhint("%s", hint) : 0;
}

#define graph_problem(graph, sqlstate, revision, hint, ...) \
	do { \
		if ((graph)->problems == NULL) \
			ereport(ERROR, \
					(errcode(sqlstate), \
					 errmsg(__VA_ARGS__), \
					 errhint_if(hint))); \
		else \
			add_problem((graph), (revision), psprintf(__VA_ARGS__)); \
	} while (0)

/*
 * Resolve the names of one kind of edge.  depends_on may also name a
 * branch label, which stands for the revision that declares it.  The
 * down_revision of a checkpoint may be unknown: the files below a
 * checkpoint may be deleted, and a new database registers only the
 * checkpoint and what stands on it, which then stands as a root.
 */
static int *
resolve_edges(PmGraph *graph, PmNode *node, char **names, int *n,
			  bool allow_label, const char *what)
{
	int		   *result;
	int			kept = 0;

	if (*n == 0)
		return NULL;
	result = pm_arena_alloc(&graph->arena, sizeof(int) * *n);
	for (int i = 0; i < *n; i++)
	{
		int			idx = pm_graph_find(graph, names[i]);

		if (idx < 0 && allow_label)
			idx = pm_graph_find_label(graph, names[i]);
		if (idx < 0 && node->checkpoint && !allow_label)
			continue;
		if (idx < 0)
			graph_problem(graph, ERRCODE_INVALID_OBJECT_DEFINITION, node->id,
						  "Register the missing revision, or correct the one that names it.",
						  "revision \"%s\" has unknown %s \"%s\"",
						  node->id, what, names[i]);
		else
			result[kept++] = idx;
	}
	*n = kept;
	return result;
}

/*
 * Inverse edges: for each node, the nodes that name it.  Two passes (count,
 * then fill) so each array is allocated once at its size.
 */
static void
build_inverse(PmGraph *graph)
{
	for (int i = 0; i < graph->n; i++)
	{
		PmNode	   *node = &graph->revs[i];

		for (int j = 0; j < node->nparents; j++)
			graph->revs[node->parents[j]].nchildren++;
		for (int j = 0; j < node->ndeps; j++)
			graph->revs[node->deps[j]].ndependents++;
	}
	for (int i = 0; i < graph->n; i++)
	{
		PmNode	   *node = &graph->revs[i];

		if (node->nchildren > 0)
			node->children = pm_arena_alloc(&graph->arena,
											sizeof(int) * node->nchildren);
		if (node->ndependents > 0)
			node->dependents = pm_arena_alloc(&graph->arena,
											  sizeof(int) * node->ndependents);
		node->nchildren = node->ndependents = 0;
	}
	for (int i = 0; i < graph->n; i++)
	{
		PmNode	   *node = &graph->revs[i];

		for (int j = 0; j < node->nparents; j++)
		{
			PmNode	   *p = &graph->revs[node->parents[j]];

			p->children[p->nchildren++] = i;
		}
		for (int j = 0; j < node->ndeps; j++)
		{
			PmNode	   *p = &graph->revs[node->deps[j]];

			p->dependents[p->ndependents++] = i;
		}
	}
}

/*
 * Kahn's algorithm over parents and deps: graph->topo gets every node,
 * ancestors first; ties go in id order of the bases, then breadth-first,
 * which keeps a linear chain in chain order.  Nodes left over sit on a
 * cycle.
 */
static void
build_topo(PmGraph *graph)
{
	int		   *indegree = palloc0(sizeof(int) * (graph->n + 1));
	int			head = 0,
				tail = 0;

	graph->topo = palloc(sizeof(int) * (graph->n + 1));
	for (int i = 0; i < graph->n; i++)
	{
		indegree[i] = graph->revs[i].nparents + graph->revs[i].ndeps;
		if (indegree[i] == 0)
			graph->topo[tail++] = i;
	}
	while (head < tail)
	{
		PmNode	   *node = &graph->revs[graph->topo[head++]];

		for (int j = 0; j < node->nchildren; j++)
			if (--indegree[node->children[j]] == 0)
				graph->topo[tail++] = node->children[j];
		for (int j = 0; j < node->ndependents; j++)
			if (--indegree[node->dependents[j]] == 0)
				graph->topo[tail++] = node->dependents[j];
	}
	/* whatever is left stands on a cycle; in verify, it ends the order */
	for (int i = 0; i < graph->n && tail < graph->n; i++)
		if (indegree[i] > 0)
		{
			graph_problem(graph, ERRCODE_INVALID_OBJECT_DEFINITION,
						  graph->revs[i].id, NULL,
						  "revision \"%s\" is on a cycle of the revision graph, or stands on one",
						  graph->revs[i].id);
			graph->topo[tail++] = i;
		}
	pfree(indegree);
}

/* Give node a branch label; callers never give one label twice. */
static void
add_label(PmNode *node, char *label)
{
	if (node->neff_labels == 0)
		node->eff_labels = palloc(sizeof(char *) * 2);
	else if ((node->neff_labels & (node->neff_labels - 1)) == 0)
		node->eff_labels = repalloc(node->eff_labels,
									sizeof(char *) * node->neff_labels * 2);
	node->eff_labels[node->neff_labels++] = label;
}

/* May a label pass through node on its way down from the tip of a line? */
static inline bool
on_single_line(const PmNode *node)
{
	return node->nchildren + node->ndependents <= 1 && node->nparents <= 1;
}

/* Every node's labels: a walk per label. */
static void
inherit_labels_everywhere(PmGraph *graph)
{
	for (int l = 0; l < graph->nlabels; l++)
	{
		PmLabel    *label = &graph->labels[l];
		int			mark = pm_graph_new_mark(graph);
		int			cur;
		int			steps;

		pm_graph_mark(graph, &label->rev, 1, mark, false, false, false);
		for (int i = 0; i < graph->n; i++)
			if (graph->revs[i].mark == mark)
				add_label(&graph->revs[i], label->label);

		/*
		 * The line of descendants must not fork.  Both walks stop after n
		 * steps: a graph being verified may hold a cycle.
		 */
		steps = 0;
		for (cur = label->rev; graph->revs[cur].nchildren == 1 &&
			 steps++ < graph->n;)
			cur = graph->revs[cur].children[0];
		if (graph->revs[cur].nchildren != 0)
			continue;
		/* walk back down from its tip; the descendants have it already */
		for (steps = 0; steps < graph->n; steps++)
		{
			PmNode	   *node = &graph->revs[cur];

			if (!on_single_line(node))
				break;
			if (node->mark != mark)
				add_label(node, label->label);
			if (node->nparents == 0)
				break;
			cur = node->parents[0];
		}
	}
	for (int i = 0; i < graph->n; i++)
		graph->revs[i].labels_known = true;
}

/*
 * One node's labels, the same rules read from its side: those declared on
 * it and its ancestors, and, when the line above it runs to a tip without
 * forking or merging, those declared on that line.  O(ancestors + labels).
 */
static void
inherit_labels_of(PmGraph *graph, int rev)
{
	int			mark;
	int			cur;
	int			steps;

	if (graph->revs[rev].labels_known)
		return;
	graph->revs[rev].labels_known = true;
	mark = pm_graph_new_mark(graph);
	pm_graph_mark(graph, &rev, 1, mark, true, false, false);
	for (cur = rev, steps = 0; steps < graph->n; steps++)
	{
		if (!on_single_line(&graph->revs[cur]))
			break;
		if (graph->revs[cur].nchildren == 0)
		{
			/* reached the tip: the whole line gives its labels */
			for (cur = rev; graph->revs[cur].nchildren == 1;)
			{
				cur = graph->revs[cur].children[0];
				graph->revs[cur].mark = mark;
			}
			break;
		}
		cur = graph->revs[cur].children[0];
	}
	/* in label order, as inherit_labels_everywhere gives them */
	for (int l = 0; l < graph->nlabels; l++)
		if (graph->revs[graph->labels[l].rev].mark == mark)
			add_label(&graph->revs[rev], graph->labels[l].label);
}

/*
 * pm_graph_inherit_labels
 *		Fill eff_labels of the nodes of revs (an int List): branch labels as
 *		Alembic applies them.  A label belongs to the revision that declares
 *		it and to all its descendants (down_revisions only) and, when the
 *		descendants form a single line, to the ancestors below it down to
 *		the first branch point (counting dependents) or merge.  Only what is
 *		shown or filtered by inherited labels needs them (heads, history,
 *		LABEL@-N), never a plan; a few nodes are worked out one by one, many
 *		by a walk per label, so that a long history with many labels costs
 *		what is shown.  Uses the marks.
 */
void
pm_graph_inherit_labels(PmGraph *graph, List *revs)
{
	ListCell   *lc;

	if (graph->nlabels == 0 || graph->labels_inherited)
		return;
	if ((double) list_length(revs) * (graph->n + graph->nlabels) >
		(double) graph->nlabels * graph->n)
	{
		pm_graph_inherit_all_labels(graph);
		return;
	}
	foreach(lc, revs)
		inherit_labels_of(graph, lfirst_int(lc));
}

/*
 * pm_graph_inherit_all_labels
 *		The same for every node: a walk per label, O(labels x revisions).
 */
void
pm_graph_inherit_all_labels(PmGraph *graph)
{
	if (graph->nlabels == 0 || graph->labels_inherited)
		return;
	/* nodes worked out one by one start again */
	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].labels_known)
			graph->revs[i].neff_labels = 0;
	inherit_labels_everywhere(graph);
	graph->labels_inherited = true;
}

/*
 * pm_graph_head_ids
 *		The ids of the heads (pm_graph_heads), in id order.
 */
List *
pm_graph_head_ids(const PmGraph *graph)
{
	List	   *ids = NIL;
	ListCell   *lc;

	foreach(lc, pm_graph_heads(graph))
		ids = lappend(ids, graph->revs[lfirst_int(lc)].id);
	return ids;
}

/*
 * The applied state of version rows: they are in the version table, and
 * they and everything they stand on are applied.  Raises 42704 for a row
 * naming no revision, or, while verifying, lists it as a problem.
 */
static void
apply_version_rows(PmGraph *graph, List *version_rows)
{
	PmNode	   *nodes = graph->revs;
	int			n = graph->n;
	ListCell   *lc;
	int		   *start;
	int			nstart = 0;
	int			mark;

	/* version rows, then everything they stand on is applied */
	start = palloc(sizeof(int) * (list_length(version_rows) + 1));
	foreach(lc, version_rows)
	{
		const char *id = lfirst(lc);
		int			idx = pm_graph_find(graph, id);

		if (idx < 0)
		{
			if (graph->problems == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("Can't locate revision identified by '%s'", id),
						 errdetail("The revision is named by a row of pim_migrate.version but is not registered."),
						 errhint("Register the revision, or set the current revision with pim_migrate_stamp().")));
			graph_problem(graph, ERRCODE_UNDEFINED_OBJECT, id, NULL,
						  "version row names revision \"%s\", which is not registered",
						  id);
			continue;
		}
		nodes[idx].in_version = true;
		start[nstart++] = idx;
	}
	graph->nversion = nstart;
	mark = pm_graph_new_mark(graph);
	pm_graph_mark_ancestors(graph, start, nstart, mark, false);
	for (int i = 0; i < n; i++)
		if (nodes[i].mark == mark)
		{
			nodes[i].applied = true;
			graph->napplied++;
		}
	for (int i = 0; i < n; i++)
	{
		if (!nodes[i].applied)
			continue;
		for (int j = 0; j < nodes[i].nparents; j++)
			nodes[nodes[i].parents[j]].napplied_children++;
		for (int j = 0; j < nodes[i].ndeps; j++)
			nodes[nodes[i].deps[j]].napplied_children++;
	}
	pfree(start);
}

/*
 * pm_graph_build
 *		Build the graph from nodes read from the catalog (names only, as
 *		stored) and the version rows (of the ordinary case: the caller sets
 *		graph->schema otherwise).  Takes ownership of the nodes array.
 *		Raises 42P17 for dangling edges, duplicate labels and cycles, and
 *		42704 for a version row naming no revision; with problems, lists
 *		them there (PmProblem) and builds what is sound.
 */
PmGraph *
pm_graph_build(PmNode *nodes, int n, PmArena *arena, List *version_rows,
			   List **problems)
{
	PmGraph    *graph = palloc0(sizeof(PmGraph));
	int			nlabels = 0;

	graph->arena = *arena;
	graph->schema = "";
	graph->n = n;
	graph->revs = nodes;
	graph->problems = problems;
	qsort(nodes, n, sizeof(PmNode), node_cmp);

	for (int i = 0; i < n; i++)
		nlabels += nodes[i].nlabels;
	graph->labels = palloc(sizeof(PmLabel) * (nlabels + 1));
	for (int i = 0; i < n; i++)
		for (int j = 0; j < nodes[i].nlabels; j++)
		{
			graph->labels[graph->nlabels].label = nodes[i].labels[j];
			graph->labels[graph->nlabels].rev = i;
			graph->nlabels++;
		}
	qsort(graph->labels, graph->nlabels, sizeof(PmLabel), label_cmp);
	{
		int			kept = 0;

		for (int i = 0; i < graph->nlabels; i++)
		{
			PmLabel    *label = &graph->labels[i];

			if (kept > 0 && strcmp(graph->labels[kept - 1].label, label->label) == 0)
				graph_problem(graph, ERRCODE_INVALID_OBJECT_DEFINITION,
							  nodes[label->rev].id, NULL,
							  "branch label \"%s\" is declared by both \"%s\" and \"%s\"",
							  label->label, nodes[graph->labels[kept - 1].rev].id,
							  nodes[label->rev].id);
			else
				graph->labels[kept++] = *label;
		}
		graph->nlabels = kept;
	}
	for (int i = 0; i < graph->nlabels; i++)
		if (pm_graph_find(graph, graph->labels[i].label) >= 0)
			graph_problem(graph, ERRCODE_INVALID_OBJECT_DEFINITION,
						  nodes[graph->labels[i].rev].id, NULL,
						  "branch label \"%s\" of revision \"%s\" is also a revision id",
						  graph->labels[i].label, nodes[graph->labels[i].rev].id);

	for (int i = 0; i < n; i++)
	{
		PmNode	   *node = &nodes[i];
		int			kept = 0;

		node->parents = resolve_edges(graph, node, node->parent_names,
									  &node->nparents, false, "down_revision");
		node->deps = resolve_edges(graph, node, node->dep_names,
								   &node->ndeps, true, "dependency");

		/*
		 * A dependency that is also a down_revision adds nothing; keeping it
		 * would count one edge twice.
		 */
		for (int j = 0; j < node->ndeps; j++)
		{
			bool		dup = false;

			for (int k = 0; k < node->nparents; k++)
				dup |= node->parents[k] == node->deps[j];
			for (int k = 0; k < kept; k++)
				dup |= node->deps[k] == node->deps[j];
			if (!dup)
				node->deps[kept++] = node->deps[j];
		}
		node->ndeps = kept;
	}
	build_inverse(graph);
	build_topo(graph);
	apply_version_rows(graph, version_rows);
	return graph;
}

/*
 * pm_graph_set_version
 *		Make the applied state that of other version rows (those of one
 *		tenant, as a loop over tenants plans each on one graph): what they
 *		stand on is applied, nothing else.  schema names whose rows they
 *		are.  Linear in the size of the graph.
 */
void
pm_graph_set_version(PmGraph *graph, const char *schema, List *version_rows)
{
	for (int i = 0; i < graph->n; i++)
	{
		graph->revs[i].applied = false;
		graph->revs[i].in_version = false;
		graph->revs[i].napplied_children = 0;
	}
	graph->napplied = 0;
	graph->nversion = 0;
	graph->schema = schema;
	apply_version_rows(graph, version_rows);
}

int
pm_graph_new_mark(PmGraph *graph)
{
	return ++graph->mark_epoch;
}

bool
pm_graph_is_head(const PmGraph *graph, int rev)
{
	return graph->revs[rev].nchildren == 0;
}

/*
 * pm_graph_heads
 *		The heads (revisions that are nobody's down_revision), as an integer
 *		List in id order.
 */
List *
pm_graph_heads(const PmGraph *graph)
{
	List	   *result = NIL;

	for (int i = 0; i < graph->n; i++)
		if (pm_graph_is_head(graph, i))
			result = lappend_int(result, i);
	return result;
}

/*
 * pm_graph_real_heads
 *		Revisions that nothing stands on, through down_revisions or
 *		depends_on: what "heads" means as an upgrade target.
 */
List *
pm_graph_real_heads(const PmGraph *graph)
{
	List	   *result = NIL;

	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].nchildren == 0 && graph->revs[i].ndependents == 0)
			result = lappend_int(result, i);
	return result;
}

/*
 * pm_graph_bases
 *		Revisions without down_revisions, in id order.
 */
List *
pm_graph_bases(const PmGraph *graph)
{
	List	   *result = NIL;

	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].nparents == 0)
			result = lappend_int(result, i);
	return result;
}

/*
 * pm_graph_current
 *		The version rows, as an integer List in id order.
 */
List *
pm_graph_current(const PmGraph *graph)
{
	List	   *result = NIL;

	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].in_version)
			result = lappend_int(result, i);
	return result;
}

/*
 * pm_graph_version_ids
 *		The version rows, as a List of ids in id order.
 */
List *
pm_graph_version_ids(const PmGraph *graph)
{
	List	   *result = NIL;

	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].in_version)
			result = lappend(result, graph->revs[i].id);
	return result;
}

/*
 * pm_graph_mark
 *		Iterative depth-first walk that marks the start nodes and everything
 *		reachable from them: upward (parents, and deps if with_deps) or
 *		downward (children, and dependents if with_deps).  With
 *		stop_at_applied, applied nodes are neither marked nor walked
 *		through (upward, their ancestors are applied too).
 */
void
pm_graph_mark(PmGraph *graph, const int *start, int nstart, int mark,
			  bool upward, bool with_deps, bool stop_at_applied)
{
	int		   *stack = palloc(sizeof(int) * (graph->n + 1));
	int			depth = 0;

	for (int i = 0; i < nstart; i++)
	{
		PmNode	   *node = &graph->revs[start[i]];

		if (node->mark == mark || (stop_at_applied && node->applied))
			continue;
		node->mark = mark;
		stack[depth++] = start[i];
	}
	while (depth > 0)
	{
		PmNode	   *node = &graph->revs[stack[--depth]];
		int		   *edges[2];
		int			nedges[2];

		if (upward)
		{
			edges[0] = node->parents;
			nedges[0] = node->nparents;
			edges[1] = node->deps;
			nedges[1] = with_deps ? node->ndeps : 0;
		}
		else
		{
			edges[0] = node->children;
			nedges[0] = node->nchildren;
			edges[1] = node->dependents;
			nedges[1] = with_deps ? node->ndependents : 0;
		}
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < nedges[k]; j++)
			{
				PmNode	   *next = &graph->revs[edges[k][j]];

				if (next->mark == mark || (stop_at_applied && next->applied))
					continue;
				next->mark = mark;
				/* each node is pushed once, so n slots are enough */
				stack[depth++] = edges[k][j];
			}
	}
	pfree(stack);
}

/*
 * pm_graph_mark_ancestors
 *		Mark the start nodes and their ancestors (down_revisions and
 *		depends_on): what must be applied for them.
 */
void
pm_graph_mark_ancestors(PmGraph *graph, const int *start, int nstart,
						int mark, bool stop_at_applied)
{
	pm_graph_mark(graph, start, nstart, mark, true, true, stop_at_applied);
}

/*
 * pm_graph_mark_descendants
 *		Mark the start nodes and everything that stands on them.
 */
void
pm_graph_mark_descendants(PmGraph *graph, const int *start, int nstart,
						  int mark)
{
	pm_graph_mark(graph, start, nstart, mark, false, true, false);
}

/*
 * pm_graph_mark_lineage
 *		Mark rev, its ancestors and its descendants, following
 *		down_revisions only or, with_deps, depends_on too: the revisions
 *		that "share lineage" with it, in Alembic's words.
 */
void
pm_graph_mark_lineage(PmGraph *graph, int rev, int mark, bool with_deps)
{
	pm_graph_mark(graph, &rev, 1, mark, true, with_deps, false);
	/* the start is marked already, so walk down from its edges */
	graph->revs[rev].mark = 0;
	pm_graph_mark(graph, &rev, 1, mark, false, with_deps, false);
}

/*
 * Mark the ancestors of rev that are in the plan (mark todo), rev
 * included, as a set of plan-local indexes (mark_below).  Walking only
 * through plan members is enough: a revision outside an upgrade plan is
 * applied, and so is all it stands on (and the mirror for a downgrade).
 */
static Bitmapset *
plan_ancestors(PmGraph *graph, int rev, int todo)
{
	Bitmapset  *result = NULL;
	int		   *stack = palloc(sizeof(int) * (graph->n + 1));
	int			depth = 0;

	stack[depth++] = rev;
	result = bms_add_member(result, graph->revs[rev].mark_below);
	while (depth > 0)
	{
		PmNode	   *node = &graph->revs[stack[--depth]];
		int		   *edges[2] = {node->parents, node->deps};
		int			nedges[2] = {node->nparents, node->ndeps};

		for (int k = 0; k < 2; k++)
			for (int j = 0; j < nedges[k]; j++)
			{
				PmNode	   *up = &graph->revs[edges[k][j]];

				if (up->mark != todo || bms_is_member(up->mark_below, result))
					continue;
				result = bms_add_member(result, up->mark_below);
				stack[depth++] = edges[k][j];
			}
	}
	pfree(stack);
	return result;
}

/*
 * The order in which Alembic runs a plan (RevisionMap._topological_sort):
 * start from the heads, in id order (Alembic's file order), and walk down
 * one line at a time, emitting a revision once no other line still has
 * it below; switch lines when the current one reaches a revision another
 * still needs.  This is the order its documentation shows, so an Alembic
 * user sees the same NOTICEs.  Returns the plan newest first.
 *
 * plan holds node indexes (any order), heads the revisions to start from.
 * The ancestor sets are bitmaps over the plan only, recomputed at merges
 * and dependencies, so the cost is the plan's length times the number of
 * such forks in it, never the length of the whole history.
 */
static List *
alembic_order(PmGraph *graph, const int *plan, int nplan, List *heads)
{
	int			todo = pm_graph_new_mark(graph);
	int			emitted_mark;
	List	   *frontier = NIL; /* node indexes */
	List	   *ancestors = NIL;	/* Bitmapset per frontier entry */
	List	   *output = NIL;
	int			idx = 0;
	ListCell   *lc;

	for (int i = 0; i < nplan; i++)
	{
		graph->revs[plan[i]].mark = todo;
		graph->revs[plan[i]].mark_below = i;
	}
	emitted_mark = pm_graph_new_mark(graph);

	foreach(lc, heads)
	{
		int			h = lfirst_int(lc);

		if (graph->revs[h].mark == todo && !list_member_int(frontier, h))
			frontier = lappend_int(frontier, h);
	}
	list_sort(frontier, list_int_cmp);
	foreach(lc, frontier)
		ancestors = lappend(ancestors,
							plan_ancestors(graph, lfirst_int(lc), todo));

	while (frontier != NIL)
	{
		int			candidate = list_nth_int(frontier, idx);
		PmNode	   *node = &graph->revs[candidate];
		int			local = node->mark_below;
		int			other = -1;
		List	   *to_add = NIL;
		int		   *edges[2];
		int			nedges[2];

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < list_length(ancestors); j++)
			if (j != idx && bms_is_member(local, list_nth(ancestors, j)))
			{
				other = j;
				break;
			}
		if (other >= 0)
		{
			/* another line still needs this revision: walk that one */
			idx = other;
			continue;
		}

		if (node->mark != emitted_mark)
		{
			output = lappend_int(output, candidate);
			node->mark = emitted_mark;
		}

		edges[0] = node->parents;
		nedges[0] = node->nparents;
		edges[1] = node->deps;
		nedges[1] = node->ndeps;
		for (int k = 0; k < 2; k++)
			for (int j = 0; j < nedges[k]; j++)
			{
				int			up = edges[k][j];

				if (graph->revs[up].mark == todo &&
					!list_member_int(frontier, up) &&
					!list_member_int(to_add, up))
					to_add = lappend_int(to_add, up);
			}

		if (to_add == NIL)
		{
			frontier = list_delete_nth_cell(frontier, idx);
			ancestors = list_delete_nth_cell(ancestors, idx);
			idx = Max(idx - 1, 0);
		}
		else if (node->ndeps == 0 && node->nparents == 1)
		{
			/* plain movement down a line */
			Bitmapset  *anc = list_nth(ancestors, idx);

			lfirst_int(list_nth_cell(frontier, idx)) = linitial_int(to_add);
			lfirst(list_nth_cell(ancestors, idx)) = bms_del_member(anc, local);
		}
		else
		{
			bool		first = true;

			foreach(lc, to_add)
			{
				int			up = lfirst_int(lc);
				Bitmapset  *anc = plan_ancestors(graph, up, todo);

				if (first)
				{
					lfirst_int(list_nth_cell(frontier, idx)) = up;
					lfirst(list_nth_cell(ancestors, idx)) = anc;
					first = false;
				}
				else
				{
					frontier = lappend_int(frontier, up);
					ancestors = lappend(ancestors, anc);
				}
			}
		}
	}
	return output;
}

/* Steps from an order of revisions; backwards for an upgrade. */
static List *
make_plan(List *order, PmDirection direction)
{
	List	   *plan = NIL;
	int			n = list_length(order);

	for (int i = 0; i < n; i++)
	{
		PmStep	   *step = palloc(sizeof(PmStep));

		step->rev = list_nth_int(order,
								 direction == PM_UPGRADE ? n - 1 - i : i);
		step->direction = direction;
		plan = lappend(plan, step);
	}
	return plan;
}

/*
 * pm_graph_checkpoint_builds
 *		Whether an upgrade of rev, now, runs its script: a checkpoint's
 *		script builds the whole schema, which only a database with nothing
 *		applied lacks.  Elsewhere (the revisions below it were applied one
 *		by one) a checkpoint is bookkeeping only.  Every other revision
 *		runs its script.
 */
bool
pm_graph_checkpoint_builds(const PmGraph *graph, int rev)
{
	return graph->revs[rev].checkpoint && graph->napplied == 0;
}

/*
 * The checkpoint a database with nothing applied builds from, among the
 * nodes marked mark (what an upgrade applies): the last in topological
 * order, so that no other marked checkpoint stands on it (on a single
 * line: the one closest to the target).  -1 when there is none.
 */
static int
build_checkpoint(PmGraph *graph, int mark)
{
	for (int i = graph->n - 1; i >= 0; i--)
	{
		PmNode	   *node = &graph->revs[graph->topo[i]];

		if (node->mark == mark && node->checkpoint)
			return graph->topo[i];
	}
	return -1;
}

/*
 * pm_graph_plan_upgrade
 *		The steps (a List of PmStep) that bring every revision of the target
 *		and all its ancestors to applied, parents before children, in
 *		Alembic's order.
 *
 * A database with nothing applied upgrading to or above a checkpoint
 * starts with that checkpoint, whose script builds what the revisions
 * below it would, and leaves them out; the rest of the plan is made as
 * if they were applied.
 */
List *
pm_graph_plan_upgrade(PmGraph *graph, const PmTarget *target)
{
	int			mark = pm_graph_new_mark(graph);
	int		   *todo = palloc(sizeof(int) * (graph->n + 1));
	int			n = 0;
	List	   *heads = NIL;
	int			checkpoint = -1;
	List	   *plan;

	pm_graph_mark_ancestors(graph, target->revs, target->nrevs, mark, true);
	if (graph->napplied == 0 &&
		(checkpoint = build_checkpoint(graph, mark)) >= 0)
	{
		bool	   *built = palloc0(sizeof(bool) * (graph->n + 1));
		int			below = pm_graph_new_mark(graph);

		/* what the checkpoint builds (itself included) is not to do */
		pm_graph_mark_ancestors(graph, &checkpoint, 1, below, false);
		for (int i = 0; i < graph->n; i++)
			built[i] = graph->revs[i].mark == below;
		mark = pm_graph_new_mark(graph);
		pm_graph_mark_ancestors(graph, target->revs, target->nrevs, mark,
								true);
		for (int i = 0; i < graph->n; i++)
			if (built[i])
				graph->revs[i].mark = 0;
		pfree(built);
	}
	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].mark == mark)
			todo[n++] = i;
	for (int i = 0; i < target->nrevs; i++)
		heads = lappend_int(heads, target->revs[i]);
	plan = make_plan(alembic_order(graph, todo, n, heads), PM_UPGRADE);
	if (checkpoint >= 0)
	{
		PmStep	   *step = palloc(sizeof(PmStep));

		step->rev = checkpoint;
		step->direction = PM_UPGRADE;
		plan = lcons(step, plan);
	}
	return plan;
}

/*
 * pm_graph_plan_downgrade
 *		The steps that take back every applied revision standing on the
 *		roots (the roots included), dependents too, newest first, in
 *		Alembic's order.
 */
List *
pm_graph_plan_downgrade(PmGraph *graph, const int *roots, int nroots)
{
	int			mark = pm_graph_new_mark(graph);
	int		   *todo = palloc(sizeof(int) * (graph->n + 1));
	int			n = 0;

	pm_graph_mark_descendants(graph, roots, nroots, mark);
	for (int i = 0; i < graph->n; i++)
		if (graph->revs[i].mark == mark && graph->revs[i].applied)
			todo[n++] = i;
	return make_plan(alembic_order(graph, todo, n, pm_graph_current(graph)),
					 PM_DOWNGRADE);
}

/*
 * A checkpoint that built the schema stands for everything below it: the
 * version rows say so through their closure, and the graph follows, so
 * that the steps after it stand on applied revisions.  (Below one that was
 * bookkeeping only, everything is applied already.)
 */
static void
apply_below_checkpoint(PmGraph *graph, int rev)
{
	int			mark = pm_graph_new_mark(graph);
	PmNode	   *node = &graph->revs[rev];

	pm_graph_mark_ancestors(graph, &rev, 1, mark, true);
	node->mark = 0;
	for (int i = 0; i < graph->n; i++)
	{
		PmNode	   *below = &graph->revs[i];

		if (below->mark != mark)
			continue;
		below->applied = true;
		graph->napplied++;
		for (int j = 0; j < below->nparents; j++)
			graph->revs[below->parents[j]].napplied_children++;
		for (int j = 0; j < below->ndeps; j++)
			graph->revs[below->deps[j]].napplied_children++;
	}
}

/*
 * pm_graph_apply_step
 *		Update the applied state for one step and say which version rows
 *		go and come (Lists of ids, appended to), keeping the version rows
 *		the minimal set of applied heads: an upgrade replaces the rows of
 *		what it stands on; a downgrade gives the row back to each thing it
 *		stood on that nothing applied stands on any more.
 */
void
pm_graph_apply_step(PmGraph *graph, const PmStep *step, List **deletes,
					List **inserts)
{
	PmNode	   *node = &graph->revs[step->rev];
	int		   *edges[2] = {node->parents, node->deps};
	int			nedges[2] = {node->nparents, node->ndeps};

	for (int k = 0; k < 2; k++)
		for (int j = 0; j < nedges[k]; j++)
		{
			PmNode	   *up = &graph->revs[edges[k][j]];

			if (step->direction == PM_UPGRADE)
			{
				up->napplied_children++;
				if (up->in_version)
				{
					up->in_version = false;
					graph->nversion--;
					*deletes = lappend(*deletes, up->id);
				}
			}
			else
			{
				up->napplied_children--;
				if (up->napplied_children == 0 && up->applied && !up->in_version)
				{
					up->in_version = true;
					graph->nversion++;
					*inserts = lappend(*inserts, up->id);
				}
			}
		}

	if (step->direction == PM_UPGRADE && node->checkpoint)
		apply_below_checkpoint(graph, step->rev);
	if (step->direction == PM_UPGRADE)
	{
		Assert(!node->applied);
		node->applied = true;
		node->in_version = true;
		graph->napplied++;
		graph->nversion++;
		*inserts = lappend(*inserts, node->id);
	}
	else
	{
		Assert(node->applied && node->napplied_children == 0);
		node->applied = false;
		if (node->in_version)
		{
			graph->nversion--;
			*deletes = lappend(*deletes, node->id);
		}
		node->in_version = false;
		graph->napplied--;
	}
}
