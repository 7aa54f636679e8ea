/*-------------------------------------------------------------------------
 *
 * diff_describe.c
 *	  Autogenerate: a schema read back from the catalogs as rows, the same
 *	  way for the live schema and for the scratch one the desired file
 *	  built, so that equal schemas give equal rows.
 *
 * One query (Q_DESCRIBE) reads every kind of object pim_migrate compares,
 * with definitions printed by the server (pg_get_*def, format_type) under
 * a search_path that starts with the schema: its own names come out
 * unqualified, and so do those of the extensions the path holds after it.
 * What an extension owns is left out, and so are the copies PostgreSQL
 * makes itself: constraints, indexes and triggers a partition inherits
 * from its parent, the per-partition rows of a foreign key that references
 * a partitioned table, columns a child inherits.
 *
 * Each row names the table, view, sequence or type it belongs to (owner):
 * the include and exclude patterns of pim_migrate_diff are matched against
 * it, so an excluded table takes its columns, indexes, constraints,
 * triggers, policies, grants and comments out of the comparison with it.
 *
 * src/diff_describe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pim_migrate.h"
#include "diff.h"

/*
 * The catalogs as PostgreSQL 17 changed them: pg_collation.colliculocale
 * is colllocale, and a domain's NOT NULL is a row of pg_constraint too
 * (contype 'n'), described here once, as the domain's nullability.  Since
 * PostgreSQL 18 a column's NOT NULL is a named constraint as well: its
 * name is a "not null" row of the table or partition (none before 18).
 */
#if PG_VERSION_NUM >= 170000
#define COLL_ICU_LOCALE "co.colllocale"
#else
#define COLL_ICU_LOCALE "co.colliculocale"
#endif

/*
 * The schema's objects.  $1: schema name; $2: the same, quoted and
 * escaped for a regular expression; $3, $4: include and exclude patterns
 * (text[] or NULL).  Columns: ord (a DiffOrd), kind, parent, name, def,
 * extra, flag (NOT NULL of a column or domain, BEGIN ATOMIC of a
 * function), seq, clause, opts, owner.
 */
#define Q_DESCRIBE \
"WITH ns AS (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = $1), " \
" ext AS (SELECT objid FROM pg_catalog.pg_depend WHERE deptype = 'e'), " \
" rel AS (SELECT c.* FROM pg_catalog.pg_class c, ns WHERE c.relnamespace = ns.oid " \
"  AND c.oid NOT IN (SELECT objid FROM ext)) " \
"SELECT ord, kind, parent, name, def, extra, flag, seq, clause, opts FROM ( " \
" SELECT 0 AS ord, 'collation' AS kind, '' AS parent, co.collname::text AS name, " \
"  pg_catalog.format('(provider = %s, %sdeterministic = %s)', " \
"   CASE co.collprovider WHEN 'i' THEN 'icu' ELSE 'libc' END, " \
"   CASE co.collprovider WHEN 'i' THEN pg_catalog.format('locale = %L, ', " COLL_ICU_LOCALE ") " \
"    ELSE pg_catalog.format('lc_collate = %L, lc_ctype = %L, ', co.collcollate, co.collctype) END, " \
"   CASE WHEN co.collisdeterministic THEN 'true' ELSE 'false' END) AS def, NULL::text AS extra, false AS flag, co.oid::int8 AS seq, " \
"  NULL::text AS clause, NULL::text AS opts, co.collname::text AS owner " \
"  FROM pg_catalog.pg_collation co, ns WHERE co.collnamespace = ns.oid AND co.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 1, 'enum', '', t.typname::text, " \
"  (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) " \
"   FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), NULL, false, t.oid::int8, NULL, NULL, t.typname " \
"  FROM pg_catalog.pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typtype = 'e' " \
"  AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 2, 'sequence', '', c.relname, " \
"  pg_catalog.format('AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE', " \
"   pg_catalog.format_type(s.seqtypid, NULL), s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, " \
"   CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END), " \
"  CASE WHEN own.tab IS NOT NULL THEN pg_catalog.quote_ident(own.tab) || '.' || pg_catalog.quote_ident(own.col) END, " \
"  false, c.oid::int8, own.col, own.tab, COALESCE(own.tab, c.relname) " \
"  FROM rel c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid " \
"  LEFT JOIN LATERAL (SELECT oc.relname::text AS tab, oa.attname::text AS col FROM pg_catalog.pg_depend d " \
"   JOIN pg_catalog.pg_class oc ON oc.oid = d.refobjid " \
"   JOIN pg_catalog.pg_attribute oa ON oa.attrelid = d.refobjid AND oa.attnum = d.refobjsubid " \
"   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid " \
"   AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a' LIMIT 1) own ON true " \
"  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
"   AND d.objid = c.oid AND d.deptype = 'i') " \
" UNION ALL " \
" SELECT 3, 'table', '', c.relname, " \
"  CASE c.relpersistence WHEN 'u' THEN 'UNLOGGED ' ELSE '' END, " \
"  CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END, " \
"  false, c.oid::int8, NULL, NULL, c.relname " \
"  FROM rel c WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition " \
" UNION ALL " \
" SELECT 4, 'column', c.relname, a.attname, " \
"  pg_catalog.format_type(a.atttypid, a.atttypmod) || " \
"  CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation " \
"   THEN ' COLLATE ' || pg_catalog.quote_ident(co.collname) ELSE '' END, " \
"  CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END, a.attnotnull, a.attnum::int8, " \
"  CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' " \
"   ELSE CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid) || ') STORED' END END, " \
"  idn.opts, c.relname " \
"  FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
"  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation " \
"  LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum " \
"  LEFT JOIN LATERAL (SELECT pg_catalog.format('SET INCREMENT BY %s SET MINVALUE %s SET MAXVALUE %s SET START WITH %s SET CACHE %s SET %sCYCLE', " \
"    s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache, CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END) AS opts " \
"   FROM pg_catalog.pg_depend q JOIN pg_catalog.pg_sequence s ON s.seqrelid = q.objid " \
"   WHERE q.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND q.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass " \
"   AND q.refobjid = c.oid AND q.refobjsubid = a.attnum AND q.deptype = 'i' LIMIT 1) idn ON a.attidentity <> '' " \
"  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attinhcount = 0 " \
" UNION ALL " \
" SELECT 5, 'partition', p.relname, c.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid), " \
"  CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_catalog.pg_get_partkeydef(c.oid) ELSE '' END, false, c.oid::int8, " \
"  NULL, NULL, c.relname " \
"  FROM rel c JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid JOIN pg_catalog.pg_class p ON p.oid = i.inhparent " \
"  WHERE c.relispartition AND c.relkind IN ('r', 'p') " \
" UNION ALL " \
" SELECT CASE WHEN k.contype = 'f' THEN 9 ELSE 6 END, 'constraint', c.relname, k.conname, " \
"  pg_catalog.pg_get_constraintdef(k.oid), NULL, false, k.oid::int8, NULL, NULL, c.relname " \
"  FROM pg_catalog.pg_constraint k JOIN rel c ON c.oid = k.conrelid " \
"  WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND k.conislocal AND k.conparentid = 0 " \
" UNION ALL " \
" SELECT 7, 'index', c.relname, i.relname, " \
"  pg_catalog.regexp_replace(pg_catalog.pg_get_indexdef(x.indexrelid), ' ON (ONLY )?' || $2 || '\\.', ' ON '), " \
"  NULL, false, i.oid::int8, NULL, NULL, c.relname " \
"  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid " \
"  JOIN rel c ON c.oid = x.indrelid " \
"  WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')) " \
"  AND NOT i.relispartition " \
" UNION ALL " \
" SELECT 8, 'function', '', pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', " \
"  pg_catalog.regexp_replace(pg_catalog.pg_get_functiondef(p.oid), " \
"   '^(CREATE OR REPLACE (FUNCTION|PROCEDURE) )' || $2 || '\\.', '\\1'), " \
"  CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, p.prosqlbody IS NOT NULL, p.oid::int8, " \
"  pg_catalog.pg_get_function_arguments(p.oid) || ' -> ' || COALESCE(pg_catalog.pg_get_function_result(p.oid), ''), " \
"  NULL, NULL " \
"  FROM pg_catalog.pg_proc p, ns WHERE p.pronamespace = ns.oid AND p.prokind IN ('f', 'p') " \
"  AND p.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 10, 'view', '', c.relname, pg_catalog.pg_get_viewdef(c.oid, true), " \
"  CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'VIEW' END, false, c.oid::int8, " \
"  CASE WHEN c.reloptions IS NOT NULL THEN ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')' END, " \
"  NULL, c.relname " \
"  FROM rel c WHERE c.relkind IN ('v', 'm') " \
" UNION ALL " \
" SELECT 11, 'trigger', c.relname, g.tgname, pg_catalog.pg_get_triggerdef(g.oid, true), " \
"  CASE g.tgenabled WHEN 'D' THEN 'DISABLE' WHEN 'R' THEN 'ENABLE REPLICA' WHEN 'A' THEN 'ENABLE ALWAYS' END, false, g.oid::int8, " \
"  NULL, NULL, c.relname " \
"  FROM pg_catalog.pg_trigger g JOIN rel c ON c.oid = g.tgrelid " \
"  WHERE NOT g.tgisinternal AND g.tgparentid = 0 " \
" UNION ALL " \
" SELECT 12, 'comment', COALESCE(cm.parent, ''), cm.clause, s.description, cm.kind, false, 0, NULL, cm.name, cm.owner " \
"  FROM pg_catalog.pg_description s JOIN ( " \
"   SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS cls, c.oid, a.attnum::int4 AS sub, 'column' AS kind, " \
"    c.relname::text AS parent, a.attname::text AS name, " \
"    'COLUMN ' || pg_catalog.quote_ident(c.relname) || '.' || pg_catalog.quote_ident(a.attname) AS clause, " \
"    c.relname::text AS owner " \
"   FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
"   WHERE c.relkind IN ('r', 'p', 'v', 'm') " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid, 0, " \
"    CASE WHEN c.relkind IN ('i', 'I') THEN 'index' WHEN c.relkind IN ('v', 'm') THEN 'view' " \
"     WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, " \
"    COALESCE(ic.relname::text, ''), c.relname::text, " \
"    CASE c.relkind WHEN 'v' THEN 'VIEW ' WHEN 'm' THEN 'MATERIALIZED VIEW ' WHEN 'S' THEN 'SEQUENCE ' " \
"     WHEN 'i' THEN 'INDEX ' WHEN 'I' THEN 'INDEX ' ELSE 'TABLE ' END || pg_catalog.quote_ident(c.relname), " \
"    COALESCE(ic.relname, c.relname)::text " \
"   FROM rel c LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = c.oid LEFT JOIN pg_catalog.pg_class ic ON ic.oid = x.indrelid " \
"   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'i', 'I') " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_constraint'::pg_catalog.regclass, k.oid, 0, 'constraint', c.relname::text, k.conname::text, " \
"    'CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' ON ' || pg_catalog.quote_ident(c.relname), c.relname::text " \
"   FROM pg_catalog.pg_constraint k JOIN rel c ON c.oid = k.conrelid WHERE k.conislocal AND k.conparentid = 0 " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, g.oid, 0, 'trigger', c.relname::text, g.tgname::text, " \
"    'TRIGGER ' || pg_catalog.quote_ident(g.tgname) || ' ON ' || pg_catalog.quote_ident(c.relname), c.relname::text " \
"   FROM pg_catalog.pg_trigger g JOIN rel c ON c.oid = g.tgrelid WHERE NOT g.tgisinternal AND g.tgparentid = 0 " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_policy'::pg_catalog.regclass, y.oid, 0, 'policy', c.relname::text, y.polname::text, " \
"    'POLICY ' || pg_catalog.quote_ident(y.polname) || ' ON ' || pg_catalog.quote_ident(c.relname), c.relname::text " \
"   FROM pg_catalog.pg_policy y JOIN rel c ON c.oid = y.polrelid " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid, 0, 'function', '', " \
"    pg_catalog.quote_ident(p.proname) || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', " \
"    CASE p.prokind WHEN 'p' THEN 'PROCEDURE ' ELSE 'FUNCTION ' END || pg_catalog.quote_ident(p.proname) || " \
"    '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL " \
"   FROM pg_catalog.pg_proc p, ns WHERE p.pronamespace = ns.oid AND p.prokind IN ('f', 'p') AND p.oid NOT IN (SELECT objid FROM ext) " \
"   UNION ALL " \
"   SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid, 0, CASE t.typtype WHEN 'e' THEN 'enum' ELSE 'domain' END, '', " \
"    t.typname::text, CASE t.typtype WHEN 'e' THEN 'TYPE ' ELSE 'DOMAIN ' END || pg_catalog.quote_ident(t.typname), t.typname::text " \
"   FROM pg_catalog.pg_type t, ns WHERE t.typnamespace = ns.oid AND t.typtype IN ('e', 'd') AND t.oid NOT IN (SELECT objid FROM ext) " \
"  ) cm ON s.classoid = cm.cls AND s.objoid = cm.oid AND s.objsubid = cm.sub " \
" UNION ALL " \
" SELECT 13, 'domain', '', t.typname, pg_catalog.format_type(t.typbasetype, t.typtypmod) || " \
"  CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation " \
"   THEN ' COLLATE ' || pg_catalog.quote_ident(co.collname) ELSE '' END, " \
"  t.typdefault, t.typnotnull, t.oid::int8, NULL, NULL, t.typname " \
"  FROM pg_catalog.pg_type t JOIN ns ON t.typnamespace = ns.oid JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype " \
"  LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation " \
"  WHERE t.typtype = 'd' AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 14, 'domain constraint', t.typname, k.conname, pg_catalog.pg_get_constraintdef(k.oid), NULL, false, k.oid::int8, " \
"  NULL, NULL, t.typname " \
"  FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_type t ON t.oid = k.contypid JOIN ns ON t.typnamespace = ns.oid " \
"  WHERE t.typtype = 'd' AND k.contype <> 'n' AND t.oid NOT IN (SELECT objid FROM ext) " \
" UNION ALL " \
" SELECT 15, 'inherit', c.relname, p.relname, '', NULL, false, i.inhseqno::int8, NULL, NULL, c.relname " \
"  FROM rel c JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid JOIN pg_catalog.pg_class p ON p.oid = i.inhparent " \
"  WHERE NOT c.relispartition AND c.relkind IN ('r', 'p') " \
" UNION ALL " \
" SELECT 16, 'rls', c.relname, '', CASE WHEN c.relrowsecurity THEN 'ENABLE' ELSE 'DISABLE' END, " \
"  CASE WHEN c.relforcerowsecurity THEN 'FORCE' ELSE 'NO FORCE' END, false, c.oid::int8, NULL, NULL, c.relname " \
"  FROM rel c WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) " \
" UNION ALL " \
" SELECT 17, 'replica identity', c.relname, '', CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' " \
"   ELSE 'USING INDEX ' || COALESCE((SELECT pg_catalog.quote_ident(i.relname) FROM pg_catalog.pg_index x " \
"    JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = c.oid AND x.indisreplident), '') END, " \
"  NULL, false, c.oid::int8, NULL, NULL, c.relname " \
"  FROM rel c WHERE c.relkind IN ('r', 'p') AND c.relreplident <> 'd' " \
" UNION ALL " \
" SELECT 18, 'policy', c.relname, y.polname, " \
"  pg_catalog.format('CREATE POLICY %I ON %I AS %s FOR %s TO %s', y.polname, c.relname, " \
"   CASE WHEN y.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, " \
"   CASE y.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, " \
"   (SELECT pg_catalog.string_agg(r.n, ', ' ORDER BY r.n) FROM (SELECT CASE WHEN u = 0 THEN 'PUBLIC' " \
"     ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(u)) END AS n FROM pg_catalog.unnest(y.polroles) u) r)) " \
"  || COALESCE(' USING (' || pg_catalog.pg_get_expr(y.polqual, y.polrelid) || ')', '') " \
"  || COALESCE(' WITH CHECK (' || pg_catalog.pg_get_expr(y.polwithcheck, y.polrelid) || ')', ''), " \
"  NULL, false, y.oid::int8, NULL, NULL, c.relname " \
"  FROM pg_catalog.pg_policy y JOIN rel c ON c.oid = y.polrelid " \
" UNION ALL " \
" SELECT 19, 'grant', g.relname, g.grantee || COALESCE(' (' || g.col || ')', ''), " \
"  pg_catalog.string_agg(g.priv || COALESCE(' (' || g.col || ')', ''), ', ' ORDER BY g.priv), " \
"  pg_catalog.string_agg(CASE WHEN g.grantable THEN g.priv || COALESCE(' (' || g.col || ')', '') END, ', ' ORDER BY g.priv), " \
"  false, 0, CASE WHEN g.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, g.col, g.relname " \
"  FROM (SELECT c.relname::text AS relname, c.relkind, NULL::text AS col, e.privilege_type AS priv, e.is_grantable AS grantable, " \
"    CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)) END AS grantee " \
"   FROM rel c, LATERAL pg_catalog.aclexplode(c.relacl) e " \
"   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relacl IS NOT NULL AND e.grantee <> c.relowner " \
"   UNION ALL " \
"   SELECT c.relname::text, c.relkind, pg_catalog.quote_ident(a.attname), e.privilege_type, e.is_grantable, " \
"    CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(e.grantee)) END " \
"   FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
"   , LATERAL pg_catalog.aclexplode(a.attacl) e " \
"   WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attacl IS NOT NULL AND e.grantee <> c.relowner) g " \
"  GROUP BY g.relname, g.relkind, g.grantee, g.col " \
" UNION ALL " \
" SELECT 22, 'cluster', c.relname, '', pg_catalog.quote_ident(i.relname), NULL, false, c.oid::int8, NULL, i.relname, c.relname " \
"  FROM rel c JOIN pg_catalog.pg_index x ON x.indrelid = c.oid AND x.indisclustered " \
"  JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid WHERE c.relkind IN ('r', 'm') " \
" UNION ALL " \
" SELECT 20, 'reloptions', c.relname, '', pg_catalog.array_to_string(c.reloptions, ', '), " \
"  (SELECT pg_catalog.string_agg(pg_catalog.split_part(o, '=', 1), ', ') FROM pg_catalog.unnest(c.reloptions) o), " \
"  false, c.oid::int8, NULL, NULL, c.relname " \
"  FROM rel c WHERE c.relkind IN ('r', 'p') AND c.reloptions IS NOT NULL " \
" UNION ALL " \
" SELECT 21, 'column option', c.relname, a.attname || ' ' || o.opt, o.val, o.dflt, false, a.attnum::int8, " \
"  o.opt, a.attname, c.relname " \
"  FROM rel c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped " \
"  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid, " \
"  LATERAL (VALUES ('STATISTICS', a.attstattarget::text, '-1', a.attstattarget <> -1), " \
"   ('STORAGE', CASE a.attstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END, " \
"    CASE t.typstorage WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END, " \
"    a.attstorage <> t.typstorage), " \
"   ('COMPRESSION', CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END, 'DEFAULT', a.attcompression <> '') " \
"  ) o(opt, val, dflt, set) " \
"  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attinhcount = 0 AND o.set " \
" UNION ALL " \
" SELECT 23, 'not null', c.relname, a.attname, k.conname, NULL, false, a.attnum::int8, NULL, NULL, c.relname " \
"  FROM pg_catalog.pg_constraint k JOIN rel c ON c.oid = k.conrelid " \
"  JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] " \
"  WHERE k.contype = 'n' AND c.relkind IN ('r', 'p') " \
") x WHERE ($3::text[] IS NULL OR owner IS NULL OR owner LIKE ANY ($3::text[])) " \
" AND ($4::text[] IS NULL OR owner IS NULL OR NOT owner LIKE ANY ($4::text[])) " \
"ORDER BY ord, parent COLLATE \"C\", name COLLATE \"C\""

/* s as a regular expression that matches exactly s. */
static char *
regex_literal(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		if (strchr(".^$*+?()[]{}|\\", *s) != NULL)
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, *s);
	}
	return buf.data;
}

/*
 * pm_diff_describe
 *		Read a schema's objects, with search_path set to path (the schema
 *		first).  include and exclude are text[] Datums, or 0 for none.
 *		The caller holds an SPI connection; the set is allocated in the
 *		caller's context.
 */
DiffSet
pm_diff_describe(const char *schema, const char *path, Datum include,
				 Datum exclude)
{
	DiffSet		set = {NULL, 0, NULL};
	MemoryContext cxt = CurrentMemoryContext;
	int			level = NewGUCNestLevel();
	Datum		args[4];
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID};
	char		nulls[4] = {' ', ' ', include ? ' ' : 'n', exclude ? ' ' : 'n'};
	int			rc;

	(void) set_config_option("search_path", path,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	args[0] = CStringGetTextDatum(schema);
	args[1] = CStringGetTextDatum(regex_literal(quote_identifier(schema)));
	args[2] = include;
	args[3] = exclude;
	rc = SPI_execute_with_args(Q_DESCRIBE, 4, types, args, nulls, false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "could not read schema \"%s\": %s", schema,
			 SPI_result_code_string(rc));
	set.path = pstrdup(path);
	set.n = (int) SPI_processed;
	set.objs = palloc0(sizeof(DiffObj) * (set.n + 1));
	for (int i = 0; i < set.n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		DiffObj    *o = &set.objs[i];

		o->ord = (DiffOrd) DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		o->kind = SPI_getvalue(tup, desc, 2);
		o->parent = SPI_getvalue(tup, desc, 3);
		o->name = SPI_getvalue(tup, desc, 4);
		o->def = SPI_getvalue(tup, desc, 5);
		o->extra = SPI_getvalue(tup, desc, 6);
		Assert(o->ord < DIFF_ORD_COUNT);
		if (o->ord == DIFF_ORD_FUNCTION)
			o->atomic = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		else
			o->notnull = DatumGetBool(SPI_getbinval(tup, desc, 7, &isnull));
		o->seq = DatumGetInt64(SPI_getbinval(tup, desc, 8, &isnull));
		o->clause = SPI_getvalue(tup, desc, 9);
		o->opts = SPI_getvalue(tup, desc, 10);
		if (o->def == NULL)
			o->def = pstrdup("");
	}
	SPI_freetuptable(SPI_tuptable);
	AtEOXact_GUC(true, level);
	return set;
}

static int
obj_cmp(const DiffObj *a, const DiffObj *b)
{
	int			c;

	if (a->ord != b->ord)
		return a->ord < b->ord ? -1 : 1;
	if ((c = strcmp(a->parent, b->parent)) != 0)
		return c;
	return strcmp(a->name, b->name);
}

bool
pm_diff_same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool
pm_diff_obj_equal(const DiffObj *a, const DiffObj *b)
{
	return pm_diff_same_str(a->def, b->def) &&
		pm_diff_same_str(a->extra, b->extra) &&
		pm_diff_same_str(a->clause, b->clause) &&
		pm_diff_same_str(a->opts, b->opts) && a->notnull == b->notnull &&
		a->atomic == b->atomic;
}

/*
 * The ords Q_DESCRIBE gives a kind (a constraint: DIFF_ORD_CONSTRAINT, or
 * DIFF_ORD_FKEY for a foreign key), so that pm_diff_find can search the
 * sorted set instead of scanning it: the diff calls it per object, and a
 * scan would make it quadratic.
 */
static const struct
{
	const char *kind;
	int			ords[2];
}			kind_ords[] =

{
	{"collation", {DIFF_ORD_COLLATION, -1}},
	{"enum", {DIFF_ORD_ENUM, -1}},
	{"sequence", {DIFF_ORD_SEQUENCE, -1}},
	{"table", {DIFF_ORD_TABLE, -1}},
	{"column", {DIFF_ORD_COLUMN, -1}},
	{"partition", {DIFF_ORD_PARTITION, -1}},
	{"constraint", {DIFF_ORD_CONSTRAINT, DIFF_ORD_FKEY}},
	{"index", {DIFF_ORD_INDEX, -1}},
	{"function", {DIFF_ORD_FUNCTION, -1}},
	{"view", {DIFF_ORD_VIEW, -1}},
	{"trigger", {DIFF_ORD_TRIGGER, -1}},
	{"comment", {DIFF_ORD_COMMENT, -1}},
	{"domain", {DIFF_ORD_DOMAIN, -1}},
	{"domain constraint", {DIFF_ORD_DOMAIN_CONSTRAINT, -1}},
	{"inherit", {DIFF_ORD_INHERIT, -1}},
	{"rls", {DIFF_ORD_RLS, -1}},
	{"replica identity", {DIFF_ORD_REPLICA_IDENTITY, -1}},
	{"policy", {DIFF_ORD_POLICY, -1}},
	{"grant", {DIFF_ORD_GRANT, -1}},
	{"reloptions", {DIFF_ORD_RELOPTIONS, -1}},
	{"column option", {DIFF_ORD_COLUMN_OPTION, -1}},
	{"cluster", {DIFF_ORD_CLUSTER, -1}},
	{"not null", {DIFF_ORD_NOT_NULL, -1}},
};

/*
 * pm_diff_find
 *		The object of kind, parent and name in set, or NULL: a binary search.
 */
DiffObj *
pm_diff_find(DiffSet *set, const char *kind, const char *parent,
			 const char *name)
{
	DiffObj		key;

	key.parent = (char *) parent;
	key.name = (char *) name;
	for (size_t k = 0; k < lengthof(kind_ords); k++)
	{
		if (strcmp(kind_ords[k].kind, kind) != 0)
			continue;
		for (int o = 0; o < 2 && kind_ords[k].ords[o] >= 0; o++)
		{
			int			lo = 0,
						hi = set->n - 1;

			key.ord = kind_ords[k].ords[o];
			while (lo <= hi)
			{
				int			mid = lo + (hi - lo) / 2;
				int			c = obj_cmp(&set->objs[mid], &key);

				if (c == 0)
					return &set->objs[mid];
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid - 1;
			}
		}
		return NULL;
	}
	elog(ERROR, "unknown schema object kind \"%s\"", kind);
	return NULL;				/* keep compiler quiet */
}

/* Is there a table or a partition of that name in set? */
bool
pm_diff_has_table(DiffSet *set, const char *name)
{
	return pm_diff_find(set, "table", "", name) != NULL ||
		pm_diff_is_partition(set, name);
}

/* Is there a partition of that name in set (of whatever parent)? */
bool
pm_diff_is_partition(DiffSet *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (set->objs[i].ord == DIFF_ORD_PARTITION && strcmp(set->objs[i].name, name) == 0)
			return true;
	return false;
}

/* Is there a table, a partition or a view of that name in set? */
bool
pm_diff_has_relation(DiffSet *set, const char *name)
{
	return pm_diff_has_table(set, name) ||
		pm_diff_find(set, "view", "", name) != NULL;
}

/*
 * The text of a described object's identity: its kind, then its
 * parent and name quoted as identifiers.
 */
static char *
object_label(const char *kind, const char *parent, const char *name)
{
	if (parent != NULL && parent[0] != '\0')
		return psprintf("%s %s.%s", kind, quote_identifier(parent),
						quote_identifier(name));
	return psprintf("%s %s", kind, quote_identifier(name));
}

/* Orders objects by (kind, parent, name), the key a fingerprint keeps. */
static int
object_key_cmp(const void *a, const void *b)
{
	const DiffObj *x = a;
	const DiffObj *y = b;
	int			c;

	if ((c = strcmp(x->kind, y->kind)) != 0)
		return c;
	if ((c = strcmp(x->parent, y->parent)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

/*
 * A NOT NULL's name (PostgreSQL 18): a change of the name is one of its
 * own, but one that comes or goes is its column's change, said there.
 */
static bool
is_column_not_null(const DiffObj *o)
{
	return strcmp(o->kind, "not null") == 0;
}

/* what differs between an object as it was and as it is, in words */
static char *
object_change(const DiffObj *was, const DiffObj *now)
{
	StringInfoData buf;
	const char *what[4] = {"definition", "default", "generation", "options"};
	const char *a[4] = {was->def, was->extra, was->clause, was->opts};
	const char *b[4] = {now->def, now->extra, now->clause, now->opts};

	initStringInfo(&buf);
	for (int i = 0; i < 4; i++)
	{
		if (pm_diff_same_str(a[i], b[i]))
			continue;
		appendStringInfo(&buf, "%s%s was %s, is %s", buf.len ? "; " : "", what[i],
						 a[i] && a[i][0] ? a[i] : "(none)",
						 b[i] && b[i][0] ? b[i] : "(none)");
	}
	if (was->notnull != now->notnull)
		appendStringInfo(&buf, "%s%s", buf.len ? "; " : "",
						 now->notnull ? "now NOT NULL" : "no longer NOT NULL");
	if (was->atomic != now->atomic)
		appendStringInfo(&buf, "%s%s", buf.len ? "; " : "",
						 now->atomic ? "the body is now BEGIN ATOMIC" :
						 "the body is no longer BEGIN ATOMIC");
	return buf.data;
}

/*
 * pm_diff_changes
 *		What was (a described schema, in any order: it is sorted here)
 *		lacks, holds or holds otherwise than now (as pm_diff_describe
 *		returns it), as DiffChange: dropped, changed, then added.
 *		The names of the two say where an object is in the details.
 */
List *
pm_diff_changes(DiffSet *was, DiffSet *now, const char *was_name,
				const char *now_name)
{
	List	   *changes = NIL;

	for (int i = 0; i < was->n; i++)
	{
		DiffObj    *o = &was->objs[i];
		DiffObj    *n = pm_diff_find(now, o->kind, o->parent, o->name);
		DiffChange *c;

		if (n != NULL ? pm_diff_obj_equal(o, n) : is_column_not_null(o))
			continue;
		c = palloc(sizeof(DiffChange));
		c->what = psprintf("%s %s", n ? "changed" : "dropped",
						   object_label(o->kind, o->parent, o->name));
		c->detail = n ? object_change(o, n) :
			psprintf("in %s, not in %s", was_name, now_name);
		c->changed = n != NULL;
		changes = lappend(changes, c);
	}
	qsort(was->objs, was->n, sizeof(DiffObj), object_key_cmp);
	for (int j = 0; j < now->n; j++)
	{
		DiffObj    *n = &now->objs[j];
		DiffChange *c;

		if (is_column_not_null(n) ||
			bsearch(n, was->objs, was->n, sizeof(DiffObj), object_key_cmp))
			continue;
		c = palloc(sizeof(DiffChange));
		c->what = psprintf("added %s", object_label(n->kind, n->parent, n->name));
		c->detail = psprintf("in %s, not in %s", now_name, was_name);
		c->changed = false;
		changes = lappend(changes, c);
	}
	return changes;
}
