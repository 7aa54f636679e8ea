/*-------------------------------------------------------------------------
 *
 * offline.c
 *	  Offline mode (Alembic's --sql): the psql script that performs a plan
 *	  and its bookkeeping, for a DBA to review and run.
 *
 * The script is one transaction.  It takes the migration lock, checks that
 * the version rows are still those the plan was made from (else it stops:
 * 55000), then for each step writes Alembic's comment, the revision's
 * statements as the server's parser splits them, and the same bookkeeping
 * an online run does: version rows and a log row with the duration and
 * the checksum.  Run it with psql -v ON_ERROR_STOP=1 -f.
 *
 * src/offline.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "pim_migrate.h"

/* '{a,b}' as a quoted text[] literal; ids contain no comma or quote */
static char *
array_literal(List *ids)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, ids)
		appendStringInfo(&buf, "%s%s", buf.len > 1 ? "," : "",
						 (char *) lfirst(lc));
	appendStringInfoChar(&buf, '}');
	return quote_literal_cstr(buf.data);
}

static List *
current_ids(PmGraph *graph)
{
	List	   *ids = NIL;
	ListCell   *lc;

	foreach(lc, pm_graph_current(graph))
		ids = lappend(ids, graph->revs[lfirst_int(lc)].id);
	return ids;
}

/*
 * The condition on the version rows of the ordinary case, after word, when
 * the catalog has tenants (1.1); else nothing: a script is written for
 * the catalog it is written from.
 */
static const char *
ordinary_rows(const char *word)
{
	if (!pm_catalog_has_tenants())
		return "";
	return psprintf("%s schema OPERATOR(pg_catalog.=) ''%s", word,
					*word ? "" : " AND");
}

/*
 * The migration lock, then a check that the version rows are those the
 * graph holds now (those the script was written for at this point).
 */
static void
append_lock_and_check(StringInfo out, PmGraph *graph)
{
	/* the ordinary case's rows, beside those of tenants (1.1) */
	appendStringInfo(out,
					 "LOCK TABLE pim_migrate.version IN EXCLUSIVE MODE;\n"
					 "DO $pim_migrate$\n"
					 "BEGIN\n"
					 "    IF (SELECT COALESCE(pg_catalog.array_agg(revision ORDER BY revision), '{}')\n"
					 "        FROM pim_migrate.version%s) IS DISTINCT FROM %s::pg_catalog.text[] THEN\n"
					 "        RAISE EXCEPTION 'the database is not at the revisions this script was written for'\n"
					 "            USING ERRCODE = '55000',\n"
					 "                  HINT = 'Write the script again from the database it will run on.';\n"
					 "    END IF;\n"
					 "END\n"
					 "$pim_migrate$;\n",
					 ordinary_rows(" WHERE"), array_literal(current_ids(graph)));
}

/*
 * pm_comment_text
 *		Text for the rest of a "--" comment line of a generated script: any
 *		control character (a line end would end the comment, and what
 *		follows would run) becomes a space.  Registration refuses them in
 *		messages; this also covers rows written before it did, and any
 *		other text a script's comments quote.
 */
char *
pm_comment_text(const char *text)
{
	char	   *result = pstrdup(text);

	for (char *p = result; *p; p++)
		if (iscntrl((unsigned char) *p))
			*p = ' ';
	return result;
}

/*
 * pm_offline_script
 *		The script for plan (made from graph, which it updates as it goes),
 *		in the caller's memory context.
 */
char *
pm_offline_script(PmGraph *graph, List *plan, const char *target,
				  PmDirection direction)
{
	StringInfoData out;
	MemoryContext stepcxt;
	MemoryContext oldcxt;
	ListCell   *lc;

	initStringInfo(&out);
	appendStringInfo(&out,
					 "-- pim_migrate: %s to %s, %d %s, from version rows %s\n"
					 "-- run with: psql -v ON_ERROR_STOP=1 -f FILE\n\n"
					 "BEGIN;\n\n"
					 "-- the migration lock, and the state this script was written for\n",
					 pm_direction_name(direction), target, list_length(plan),
					 list_length(plan) == 1 ? "step" : "steps",
					 array_literal(current_ids(graph)));
	append_lock_and_check(&out, graph);

	stepcxt = AllocSetContextCreate(CurrentMemoryContext, "pim_migrate offline",
									ALLOCSET_DEFAULT_SIZES);
	foreach(lc, plan)
	{
		PmStep	   *step = lfirst(lc);
		PmNode	   *node = &graph->revs[step->rev];
		PmRevisionDef *def;
		List	   *deletes = NIL;
		List	   *inserts = NIL;
		char	   *parents;
		ListCell   *lc2;

		CHECK_FOR_INTERRUPTS();
		oldcxt = MemoryContextSwitchTo(stepcxt);
		def = pm_catalog_fetch_revision(node->id);
		parents = pm_join_array(node->parent_names, node->nparent_names);

		/* Alembic's words, as the online NOTICE */
		if (step->direction == PM_UPGRADE)
			appendStringInfo(&out, "\n-- Running upgrade %s -> %s, %s\n",
							 parents, node->id,
							 pm_comment_text(node->message));
		else
			appendStringInfo(&out, "\n-- Running downgrade %s -> %s, %s\n",
							 node->id, parents,
							 pm_comment_text(node->message));
		/* the start time outlives a COMMIT only as a session setting */
		appendStringInfo(&out,
						 "DO $pim_migrate$ BEGIN PERFORM pg_catalog.set_config("
						 "'pim_migrate_offline.started',"
						 " pg_catalog.clock_timestamp()::pg_catalog.text, %s);"
						 " END $pim_migrate$;\n",
						 node->transactional ? "true" : "false");

		/*
		 * A revision no transaction may hold runs between transactions, as
		 * Alembic's autocommit_block writes it: what came before is
		 * committed, its statements run one by one, its bookkeeping opens the
		 * next transaction.
		 */
		if (!node->transactional)
			appendStringInfoString(&out,
								   "COMMIT;\n-- Transactional: false: each statement on its own\n");
		if (node->checkpoint && !pm_graph_checkpoint_builds(graph, step->rev))
			appendStringInfoString(&out, "-- " PM_CHECKPOINT_RECORDS "\n");
		else
		{
			if (node->checkpoint)
				appendStringInfoString(&out, "-- " PM_CHECKPOINT_BUILDS "\n");
			foreach(lc2, pm_exec_split_script(node->id, step->direction,
											  step->direction == PM_UPGRADE ?
											  def->upgrade_sql : def->downgrade_sql))
				appendStringInfo(&out, "%s;\n", ((PmStatement *) lfirst(lc2))->sql);
		}
		if (!node->transactional)
		{
			/* the lock was let go: nobody may have migrated meanwhile */
			appendStringInfoString(&out, "BEGIN;\n");
			append_lock_and_check(&out, graph);
		}

		pm_graph_apply_step(graph, step, &deletes, &inserts);
		if (deletes != NIL)
			appendStringInfo(&out,
							 "DELETE FROM pim_migrate.version WHERE%s revision"
							 " OPERATOR(pg_catalog.=) ANY (%s::pg_catalog.text[]);\n",
							 ordinary_rows(""), array_literal(deletes));
		if (inserts != NIL)
			appendStringInfo(&out,
							 "INSERT INTO pim_migrate.version (revision)"
							 " SELECT pg_catalog.unnest(%s::pg_catalog.text[]);\n",
							 array_literal(inserts));
		appendStringInfo(&out,
						 "INSERT INTO pim_migrate.log (revision, operation, applied_at,"
						 " applied_by, duration, checksum)\n"
						 "SELECT %s, %s, s, CURRENT_USER, pg_catalog.clock_timestamp()"
						 " OPERATOR(pg_catalog.-) s, %s\n"
						 "FROM (SELECT pg_catalog.current_setting('pim_migrate_offline.started')"
						 "::pg_catalog.timestamptz AS s) AS started;\n",
						 quote_literal_cstr(node->id),
						 quote_literal_cstr(pm_direction_name(step->direction)),
						 quote_literal_cstr(def->checksum));
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(stepcxt);
	}
	MemoryContextDelete(stepcxt);
	appendStringInfoString(&out, "\nCOMMIT;\n");
	return out.data;
}
