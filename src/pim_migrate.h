/*-------------------------------------------------------------------------
 *
 * pim_migrate.h
 *	  Shared types and prototypes of pim_migrate, Alembic-style versioned
 *	  schema migrations run inside the server.
 *
 * The modules, one concern each:
 *	  catalog.c			reads and writes the tables of schema pim_migrate
 *	  register.c		registration rules (parents, labels, idempotent reload)
 *	  revision_file.c	revision-file parser, the rule for ids and labels, checksum
 *	  revfile_key.c		the header keys' spelling, shared with the command
 *	  known_files.c		the file texts known to load as a no-op
 *	  graph.c			the revision DAG, built once per call
 *	  strlist.c			lists of C strings: order, join, find, compare
 *	  target.c			the target grammar, resolved against a graph
 *	  migrate.c			plans and runs migrations: dry run, _each, apply,
 *						stamp and adopt
 *	  executor.c		runs the steps of a plan: scripts and bookkeeping
 *	  verify.c			pim_migrate_verify's checks; the checksum check
 *	  new_revision.c	ids and parents of revisions the server makes up,
 *						merge rules
 *	  offline.c			offline SQL: a plan written as a script
 *	  checkpoint.c		the upgrade script of a checkpoint revision
 *	  watch.c			what each statement of a dry run does (pim_migrate_plan)
 *	  diff.c			autogenerate: live schema against a desired one
 *	  tenant.c			tenants: schemas migrated one by one, each with its
 *						own version rows
 *	  lock.c			the migration lock
 *	  sql_api.c			SQL-callable entry points
 *
 * src/pim_migrate.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PIM_MIGRATE_H
#define PIM_MIGRATE_H

#include "datatype/timestamp.h"
#include "nodes/bitmapset.h"
#include "nodes/nodes.h"
#include "nodes/pg_list.h"
#include "utils/palloc.h"
#include "utils/resowner.h"
#include "utils/tuplestore.h"

/*
 * PostgreSQL 18 replaced pg_attribute_noreturn(), written after a
 * declaration, with pg_noreturn, written before it.
 */
#if PG_VERSION_NUM < 180000
#define pg_noreturn pg_attribute_noreturn()
#endif

/* Names of the catalog, in one place. */
#define PM_EXTENSION_NAME	"pim_migrate"
#define PM_SCHEMA_NAME		"pim_migrate"
#define PM_VERSION_TABLE	"version"
#define PM_REVISION_TABLE	"revision"

/*
 * Revision ids and branch labels are bounded so that error messages,
 * the version table and NOTICEs stay readable; Alembic's own
 * alembic_version column is varchar(32).
 */
#define PM_MAX_NAME_LEN		128

/*
 * A partial revision id, of any length, matches only ids of at least this
 * many characters: Alembic's _revision_for_ident (script/revision.py)
 * takes "x for x in revision_map if len(x) > 3 and x.startswith(ident)".
 */
#define PM_PREFIX_MIN_ID_LEN	4

/* What a step does; also the operation recorded in pim_migrate.log. */
typedef enum PmDirection
{
	PM_UPGRADE,
	PM_DOWNGRADE,
	PM_STAMP,
	PM_ADOPT					/* version rows taken from alembic_version */
} PmDirection;

#define pm_direction_name(d) \
	((d) == PM_UPGRADE ? "upgrade" : (d) == PM_DOWNGRADE ? "downgrade" : \
	 (d) == PM_STAMP ? "stamp" : "adopt")

/*
 * A revision as it is registered: parsed from a revision file or given to
 * pim_migrate_revision().  Lists hold palloc'd C strings.
 */
typedef struct PmRevisionDef
{
	char	   *revision;
	char	   *message;
	List	   *down_revisions;
	List	   *branch_labels;
	List	   *depends_on;
	char	   *upgrade_sql;
	char	   *downgrade_sql;	/* NULL: irreversible */
	bool		transactional;
	bool		checkpoint;		/* builds the schema of all below it */
	bool		has_created_at;
	TimestampTz created_at;
	char		checksum[65];	/* hex sha256 of the scripts */
	int			upgrade_line;	/* in the file, where upgrade_sql starts */
} PmRevisionDef;

/*
 * One node of the revision graph.  Edges are indexes into PmGraph.revs.
 * "parents" are down_revisions, "deps" are resolved depends_on entries;
 * children and dependents are their inverses.  Ancestry (what must be
 * applied first) follows both parents and deps, as Alembic's does.
 */
typedef struct PmNode
{
	char	   *id;
	char	   *message;
	char	  **labels;			/* declared by this revision */
	int			nlabels;
	char	  **eff_labels;		/* declared or inherited (Alembic's view); see
								 * pm_graph_inherit_labels */
	int			neff_labels;
	bool		labels_known;	/* eff_labels filled */
	char	  **parent_names;	/* as stored, for display */
	int			nparent_names;
	char	  **dep_names;
	int			ndep_names;
	int			nparents;		/* resolved edges */
	int			ndeps;
	int		   *parents;
	int		   *deps;
	int		   *children;
	int			nchildren;
	int		   *dependents;
	int			ndependents;
	bool		irreversible;
	bool		transactional;	/* false: no transaction block may hold it */
	bool		checkpoint;		/* its script builds the schema of all its
								 * ancestors: see pm_graph_checkpoint_builds */
	bool		applied;		/* in the closure of the version rows */
	bool		in_version;		/* a row of pim_migrate.version */
	int			napplied_children;	/* applied children and dependents */
	int			mark;			/* scratch for walks */
	int			mark_below;		/* a second scratch mark */
} PmNode;

/*
 * Small pieces carved from large blocks: a graph holds a few short strings
 * and arrays per revision, and a long history is held whole while it
 * migrates; each piece then costs its size, not a chunk header and a
 * power-of-two rounding.  Freed with the memory context of the blocks.
 */
typedef struct PmArena
{
	char	   *next;
	Size		left;
} PmArena;

extern void *pm_arena_alloc(PmArena *arena, Size size);

typedef struct PmGraph
{
	int			n;
	PmNode	   *revs;			/* sorted by id (strcmp) */
	int		   *topo;			/* all nodes, ancestors first */
	int			nlabels;
	struct PmLabel *labels;		/* sorted by label */
	int			napplied;
	int			nversion;
	int			mark_epoch;
	List	  **problems;		/* while verifying: where problems go */
	bool		labels_inherited;	/* every node's eff_labels filled */
	PmArena		arena;			/* the nodes' strings and edge arrays */

	/*
	 * Whose version rows the applied state is: "" for the ordinary case (the
	 * caller's search_path), or a tenant schema, whose steps are recorded as
	 * its own and whose scripts run with it first on search_path.
	 */
	const char *schema;
} PmGraph;

/* A problem pim_migrate_verify() reports. */
typedef struct PmProblem
{
	char	   *revision;
	char	   *problem;
} PmProblem;

typedef struct PmLabel
{
	char	   *label;
	int			rev;
} PmLabel;

/*
 * A resolved target: a set of revisions, or base (no revision).
 */
typedef struct PmTarget
{
	const char *text;			/* as the user wrote it */
	int			nrevs;
	int		   *revs;
} PmTarget;

/* One statement of a script, as pm_exec_split_script gives them. */
typedef struct PmStatement
{
	int			line;			/* 1-based, of its first token */
	char	   *sql;			/* without the semicolon */
	Node	   *stmt;			/* its raw parse tree */
	int			offset;			/* of its first token in the script */
	int			end;			/* offset just past it */
} PmStatement;

/* One step of a plan. */
typedef struct PmStep
{
	int			rev;
	PmDirection direction;
} PmStep;

/* catalog.c */
typedef struct PmUserContext
{
	Oid			userid;
	int			sec_context;
} PmUserContext;

/* What an entry point's SPI connection must give back when it closes. */
typedef struct PmCall
{
	MemoryContext caller_cxt;	/* current at connect; SPI_finish returns to
								 * it */
} PmCall;

extern void pm_catalog_connect(PmCall *call, bool read_only);
extern void pm_catalog_connect_nonatomic(PmCall *call);
extern void pm_catalog_disconnect(PmCall *call);
extern void pm_catalog_init(void);
extern bool pm_catalog_moved_since_snapshot(void);
extern void pm_catalog_become_owner(PmUserContext *save);
extern void pm_catalog_restore_user(const PmUserContext *save);
extern PmGraph *pm_catalog_load_graph(List **problems);
extern PmGraph *pm_catalog_load_graph_of(const char *schema, List **problems);
extern List *pm_catalog_version_rows(const char *schema);
extern bool pm_catalog_has_tenants(void);
extern PmRevisionDef *pm_catalog_fetch_revision(const char *revision);
extern PmRevisionDef *pm_catalog_all_definitions(int *n);
extern void pm_catalog_store_revision(const PmRevisionDef *def, bool replace);
typedef struct PmInsertBatch PmInsertBatch;
extern PmInsertBatch *pm_catalog_batch_create(void);
extern void pm_catalog_batch_add(PmInsertBatch *batch, const PmRevisionDef *def);
extern void pm_catalog_batch_flush(PmInsertBatch *batch);
extern List *pm_catalog_graph_heads(void);
extern bool pm_catalog_revision_exists(const char *revision);
extern bool pm_catalog_has_steps(void);
extern bool pm_catalog_kept_heads(List **heads, List **version);
extern void pm_catalog_keep_heads(List *heads);
extern void pm_catalog_revision_changed(void);
extern char *pm_catalog_label_owner(const char *label);
extern List *pm_catalog_find_prefix(const char *prefix);
extern char *pm_catalog_label_user(const char *label);
typedef void (*PmScriptVisitor) (void *arg, const char *revision,
								 PmRevisionDef *scripts,
								 const char *applied_checksum);
extern void pm_catalog_scan_scripts(bool with_applied, PmScriptVisitor visit,
									void *arg);
extern void pm_catalog_log_steps(int n, Datum *revisions, Datum *operations,
								 Datum *applied_at, Datum *durations,
								 Datum *checksums, bool *checksum_nulls,
								 Datum *schemas, const char *applied_by);
extern void pm_catalog_change_version(const char *schema, List *deletes,
									  List *inserts);
extern void pm_catalog_record_step(const char *schema, const char *revision,
								   PmDirection direction,
								   List *version_deletes,
								   List *version_inserts,
								   TimestampTz started,
								   const char *applied_by,
								   const char *checksum);

/* A tenant schema, as pm_catalog_tenants reads it. */
typedef struct PmTenant
{
	char	   *schema;
	List	   *version;		/* its version rows, in id order */
	bool		migrated;		/* last_migrated_at is known */
	TimestampTz last_migrated_at;	/* of its last step */
} PmTenant;

extern List *pm_catalog_tenants(List *names, List *patterns, bool with_last);
extern bool pm_catalog_add_tenant(const char *schema);
extern bool pm_catalog_remove_tenant(const char *schema);
extern int	pm_catalog_forget_schema(const char *schema);

/* register.c */
extern char *pm_register_revision(PmRevisionDef *def);
extern int	pm_register_files(List *scripts, List *names);

/* revision_file.c */
extern PmRevisionDef *pm_revfile_parse(const char *text);
extern void pm_revfile_checksum(PmRevisionDef *def);
extern int	pm_revfile_marker_line(const char *script);
extern void pm_revfile_check_name(const char *name, const char *what);

/* known_files.c */
extern void pm_known_file_checksum(const char *text, char *hex);
extern void pm_known_files_remember(List *checksums, List *revisions);

/* strlist.c */
extern int	pm_cstring_cmp(const ListCell *a, const ListCell *b);
extern char *pm_join_list(List *cstrings);
extern char *pm_join_array(char **names, int n);
extern bool pm_name_in_list(List *names, const char *name);
extern bool pm_names_equal(List *a, List *b);
extern Datum pm_text_array(List *cstrings);

/* graph.c */
extern PmGraph *pm_graph_build(PmNode *nodes, int n, PmArena *arena,
							   List *version_rows, List **problems);
extern void pm_graph_set_version(PmGraph *graph, const char *schema,
								 List *version_rows);
extern int	pm_graph_find(const PmGraph *graph, const char *id);
extern int	pm_graph_find_label(const PmGraph *graph, const char *label);
extern List *pm_graph_find_prefix(const PmGraph *graph, const char *prefix);
extern bool pm_graph_is_head(const PmGraph *graph, int rev);
extern List *pm_graph_heads(const PmGraph *graph);
extern List *pm_graph_real_heads(const PmGraph *graph);
extern List *pm_graph_bases(const PmGraph *graph);
extern List *pm_graph_current(const PmGraph *graph);
extern List *pm_graph_version_ids(const PmGraph *graph);
extern int	pm_graph_new_mark(PmGraph *graph);
extern void pm_graph_inherit_labels(PmGraph *graph, List *revs);
extern void pm_graph_inherit_all_labels(PmGraph *graph);
extern List *pm_graph_head_ids(const PmGraph *graph);
extern void pm_graph_mark(PmGraph *graph, const int *start, int nstart,
						  int mark, bool upward, bool with_deps,
						  bool stop_at_applied);
extern void pm_graph_mark_ancestors(PmGraph *graph, const int *start, int nstart,
									int mark, bool stop_at_applied);
extern void pm_graph_mark_descendants(PmGraph *graph, const int *start,
									  int nstart, int mark);
extern void pm_graph_mark_lineage(PmGraph *graph, int rev, int mark,
								  bool with_deps);
extern List *pm_graph_plan_upgrade(PmGraph *graph, const PmTarget *target);
extern List *pm_graph_plan_downgrade(PmGraph *graph, const int *roots,
									 int nroots);
extern void pm_graph_apply_step(PmGraph *graph, const PmStep *step,
								List **deletes, List **inserts);
extern bool pm_graph_checkpoint_builds(const PmGraph *graph, int rev);

/* What a checkpoint step does, as the NOTICE and an offline script say it */
#define PM_CHECKPOINT_BUILDS \
	"Checkpoint: its script builds the schema of the revisions below it, which do not run."
#define PM_CHECKPOINT_RECORDS \
	"Checkpoint: the revisions below it are applied, so its script does not run."

/* target.c */
typedef enum PmTargetWord
{
	PM_TARGET_OTHER,
	PM_TARGET_HEAD,				/* "head": the one head */
	PM_TARGET_HEADS				/* "heads": every head */
} PmTargetWord;

extern PmTargetWord pm_target_word(const char *text);
extern PmTarget *pm_target_resolve(PmGraph *graph, const char *text);
extern PmTarget *pm_target_upgrade(PmGraph *graph, const char *text);
extern void pm_target_refuse_overlap(PmGraph *graph, const int *revs, int n);
extern int	pm_target_downgrade(PmGraph *graph, const char *text, List **roots);
extern int	pm_target_history(PmGraph *graph, const char *range);
extern List *pm_target_stamp(PmGraph *graph, const char *text, bool purge,
							 List **dests);
extern int	pm_target_resolve_one(PmGraph *graph, const char *text);

/*
 * A watch on each statement of the scripts a migration runs, passed to
 * pm_exec_plan (watch.c's, for pim_migrate_plan).  before() runs after the
 * statement's command counter moved, with its parse tree and the text
 * between the statement before it and its first token (its comments);
 * after() once it finished.
 */
typedef struct PmStatementWatch PmStatementWatch;
struct PmStatementWatch
{
	void		(*before) (PmStatementWatch *watch, Node *stmt,
						   const char *comments, int len);
	void		(*after) (PmStatementWatch *watch, const char *revision,
						  int line, const char *sql, Node *stmt);
};

/* watch.c */
extern PmStatementWatch *pm_watch_create(Tuplestorestate *tupstore,
										 TupleDesc tupdesc);

/* lint.c */
typedef struct PmLintState
{
	Tuplestorestate *tupstore;	/* findings go here; NULL: to collected */
	TupleDesc	tupdesc;
	List	   *collected;		/* "rule: message" of each finding */
	MemoryContext cxt;			/* of the lists below, for the whole lint */
	List	   *created;		/* relations created earlier in the migration */
	List	   *not_valid;		/* constraints it added NOT VALID */
	bool		lock_timeout_set;	/* by the script being linted */
	bool		reported_lock_timeout;
} PmLintState;

extern int	pm_lint_warning_size;
extern int	pm_lint_error_size;
extern void pm_lint_script(PmLintState *state, const char *revision,
						   const char *sql, bool transactional, int first_line);
extern List *pm_lint_replication(Node *stmt, const char *before, int len);

/* replication.c */
typedef struct PmPublished
{
	char	   *name;			/* the publication */
	bool		as_named;		/* it publishes the rows under the table's own
								 * name */
	Bitmapset  *columns;		/* its column list (attnums), NULL: every
								 * column */
} PmPublished;

extern List *pm_replication_publications(Oid relid);
extern List *pm_replication_new_table_publications(Oid nspid, Oid parent,
												   Oid existing);
extern List *pm_replication_subscriptions(Oid relid);

/* executor.c */
extern int	pm_lock_timeout;
extern int	pm_statement_timeout;
extern const char *pm_exec_needs_own_transaction(Node *stmt);
extern void pm_exec_check_script(const char *revision, PmDirection direction,
								 const char *sql, bool transactional);
extern List *pm_exec_split_script(const char *revision, PmDirection direction,
								  const char *sql);
extern List *pm_exec_parse_script(const char *revision, PmDirection direction,
								  const char *sql);
extern void pm_exec_check_plan(PmGraph *graph, List *plan, bool online);
extern void pm_exec_check_checkpoint(PmGraph *graph, const PmStep *step,
									 bool builds);
extern ErrorData *pm_exec_catch_subxact(MemoryContext cxt, ResourceOwner owner);
pg_noreturn extern void pm_exec_abort_subxact(MemoryContext cxt, ResourceOwner owner);
extern void pm_exec_run_desired(const char *sql, bool (*check) (Node *stmt));
typedef struct PmRun PmRun;
extern PmRun *pm_exec_run_begin(const char *applied_by);
extern PmRun *pm_exec_run_begin_tenants(const char *applied_by);
extern void pm_exec_run_end(PmRun *run);
extern void pm_exec_run_tenant_begin(PmRun *run, List *version);
extern void pm_exec_run_tenant_done(PmRun *run, PmGraph *graph);
extern void pm_exec_step(PmGraph *graph, const PmStep *step,
						 const char *applied_by, PmRun *run,
						 PmStatementWatch *watch);
extern void pm_exec_record_only(PmGraph *graph, const PmStep *step, PmRun *run,
								TimestampTz started);
extern void pm_exec_put_step(Tuplestorestate *tupstore, TupleDesc tupdesc,
							 int nstep, const PmNode *node,
							 PmDirection direction);
extern int	pm_exec_plan(PmGraph *graph, List *plan, Tuplestorestate *tupstore,
						 TupleDesc tupdesc, PmStatementWatch *watch);

/* migrate.c */
extern void pm_migrate_check_not_running(void);
extern bool pm_migrate_known_up_to_date(const char *target_text, List **kept);
extern void pm_migrate_keep_heads_if_unknown(void);
extern void pm_migrate_keep_heads(PmGraph *graph, List *kept);
extern void pm_migrate_dry_run_notice(int nsteps);
extern bool pm_migrate_same_revision(PmRevisionDef *def, PmNode *node);
extern void pm_migrate_check_unchanged(PmGraph *graph);
extern List *pm_migrate_plan(PmGraph *graph, const char *target_text,
							 PmDirection direction, bool online);
extern List *pm_migrate_plan_again(PmGraph *graph, const char *target_text,
								   PmDirection direction, bool online);
extern void pm_migrate_lock_table_hint(ErrorData *edata,
									   PmDirection direction);
extern List *pm_migrate_steps(const char *target_text, PmDirection direction,
							  PmGraph **graph);
extern List *pm_migrate_run(const char *target_text, PmDirection direction,
							bool dry_run, PmStatementWatch *watch,
							PmGraph **graph);
extern int	pm_migrate_each(const char *target_text, PmDirection direction);
extern List *pm_migrate_apply(List *ids, PmDirection direction,
							  bool record_only, PmGraph **graph_out);
extern List *pm_migrate_stamp(const char *target_text, bool purge);
extern List *pm_migrate_stamp_graph(PmGraph *graph, const char *target_text,
									bool purge);
extern List *pm_migrate_adopt(Oid relid, bool force);
extern void pm_migrate_set_running(bool running);

/* migration_test.c: one problem pim_migrate_test found */
typedef struct PmTestProblem
{
	char	   *revision;
	char	   *step;			/* upgrade, downgrade, upgrade again */
	char	   *problem;
	char	   *detail;
} PmTestProblem;

extern List *pm_migration_test(const char *target_text);

/* verify.c */
extern List *pm_verify_changed_scripts(void);
extern List *pm_verify(void);

/* new_revision.c */
extern char *pm_new_revision_id(void);
extern List *pm_new_revision_parent(const char *revision);
extern List *pm_new_revision_merge_parents(List *targets);
extern bool pm_new_revision_autogenerate(PmRevisionDef *def,
										 const char *desired,
										 const char *schema, Datum include,
										 Datum exclude);

/* offline.c */
extern char *pm_comment_text(const char *text);
extern char *pm_offline_script(PmGraph *graph, List *plan,
							   const char *target, PmDirection direction);

/* diff.c */
extern void pm_diff(const char *desired, const char *schema, Datum include,
					Datum exclude, char **upgrade, char **downgrade);

/* checkpoint.c */
extern char *pm_checkpoint_sql(const char *revision_text);

/* drift.c */
extern char *pm_running_revision;
extern char *pm_drift_current_schema(void);
extern void pm_drift_take_fingerprint(const char *schema);
extern void pm_drift_fingerprint_current(void);
extern int	pm_drift_status(void);

/* tenant.c */
typedef struct PmTenantStatus
{
	PmTenant   *tenant;
	List	   *heads;			/* of the graph, ids */
	int			pending;
	bool		up_to_date;
} PmTenantStatus;

extern bool pm_tenant_refused_schema(const char *schema);
extern bool pm_tenant_add(const char *schema);
extern bool pm_tenant_remove(const char *schema);
extern List *pm_tenant_resolve(List *elements, bool with_last);
extern void pm_tenant_migrate(List *elements, const char *target_text,
							  PmDirection direction, bool dry_run,
							  Tuplestorestate *tupstore, TupleDesc tupdesc);
extern int	pm_tenant_migrate_each(List *elements, const char *target_text,
								   PmDirection direction);
extern void pm_tenant_stamp(List *elements, const char *target_text,
							bool purge, Tuplestorestate *tupstore,
							TupleDesc tupdesc);
extern void pm_tenant_current(List *elements, Tuplestorestate *tupstore,
							  TupleDesc tupdesc);
extern List *pm_tenant_status(List *elements, bool all, bool with_last);

/* lock.c */
extern int	pm_lock_read_only_hint(void);
extern void pm_lock_migration(void);
extern bool pm_lock_revisions_for_keeping(void);
extern bool pm_lock_session(bool acquire);

#endif							/* PIM_MIGRATE_H */
