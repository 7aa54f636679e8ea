#!/usr/bin/env bash
# Schema per tenant (issue 18): TENANTS (default 1,000) tenant schemas and a
# chain of 10 revisions of small DDL (a table, columns added, indexes made),
# on new databases made from one template that has the schemas, the
# revisions registered (from files) and the pattern tenant_% declared.
# Side by side in each of REPS repetitions (default 5), alternating order:
#
#   floor       a plpgsql DO block that, per schema, sets search_path
#               (the schema, then public) and EXECUTEs the same 10 scripts:
#               the least any tool can do, in one transaction, with no
#               bookkeeping at all
#   pim         SELECT ... FROM pim_migrate_upgrade('head', schemas =>
#               '{%}'): the same, in one transaction, with the version rows
#               and the log of every tenant
#   floor_each  the floor as a procedure committing after each script
#   pim_each    CALL pim_migrate_upgrade_each('head', schemas => '{%}'):
#               a transaction per tenant and revision
#   noop_sql    pim_migrate_upgrade('head', schemas => '{%}') again, every
#               tenant up to date (server clock)
#   noop_cli    pim_migrate -q upgrade head --all-tenants, end to end: the
#               process, its connection, the files, the call (wall clock)
#   psql        psql -X -c 'SELECT 1', the fixed cost of any process that
#               connects (wall clock), for scale
#
# Prints the medians and the medians of the paired ratios (targets: pim /
# floor <= 1.1; noop_cli <= 100 ms).  One transaction of 1,000 tenants
# takes a lock on each relation it makes, so the cluster gets
# max_locks_per_transaction = 256 (both sides need it).
#
# Usage: bench/tenants.sh (after make install).  PG_BINDIR picks the
# PostgreSQL whose initdb, psql and pim_migrate are used (default Debian's);
# TENANTS, REPS and PORT change the runs.
set -euo pipefail
BENCH_BINDIR=${PG_BINDIR:-}
source "$(dirname "$0")/lib.sh"
PG_BINDIR=${BENCH_BINDIR:-$PG_BINDIR}
REPS=${REPS:-5}
TENANTS=${TENANTS:-1000}
PORT=${PORT:-54392}

start_bench_cluster
q -d postgres -c "ALTER SYSTEM SET max_locks_per_transaction = 256" >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w -l "$WORKDIR/server.log" restart >/dev/null

# revision i's upgrade script: small DDL, as a schema grows
script() {
	case $1 in
	1) echo "CREATE TABLE item (id int PRIMARY KEY, name text);" ;;
	4 | 7) echo "CREATE INDEX item_c$(($1 - 1)) ON item (c$(($1 - 1)));" ;;
	10) echo "CREATE INDEX item_name ON item (name);" ;;
	*) echo "ALTER TABLE item ADD COLUMN c$1 int;" ;;
	esac
}

files=$WORKDIR/versions
mkdir "$files"
for i in $(seq 1 10); do
	id=$(printf 'r%02d' "$i")
	parent=$( ((i == 1)) || printf 'r%02d' $((i - 1)))
	printf -- '-- step %d\n--\n-- Revision ID: %s\n-- Revises: %s\n\n-- +upgrade\n%s\n' \
		"$i" "$id" "$parent" "$(script "$i")" >"$files/${id}_step_$i.sql"
done
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$files"; fi

# the template: schemas, revisions, the declaration, the floor's scripts
q -d postgres -c "CREATE DATABASE tmpl"
q -d tmpl -c "DO \$\$ BEGIN FOR i IN 1..$TENANTS LOOP EXECUTE format('CREATE SCHEMA tenant_%s', i); END LOOP; END \$\$"
q -d tmpl -c "CREATE EXTENSION pim_migrate" \
	-c "SELECT pim_migrate_load_files(ARRAY(SELECT pg_catalog.pg_read_file('$files/' || f) FROM pg_catalog.pg_ls_dir('$files') AS f ORDER BY f))" \
	-c "SELECT pim_migrate_add_tenant('tenant_%')" \
	-c "CREATE TABLE public.floor_script AS SELECT revision, upgrade_sql FROM pim_migrate.revision" \
	-c "CREATE PROCEDURE public.floor_each() LANGUAGE plpgsql AS \$\$
		DECLARE s text; r record;
		BEGIN
			FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1 LOOP
				FOR r IN SELECT upgrade_sql FROM public.floor_script ORDER BY revision LOOP
					PERFORM set_config('search_path', quote_ident(s) || ', public', true);
					EXECUTE r.upgrade_sql;
					COMMIT;
				END LOOP;
			END LOOP;
		END \$\$" >/dev/null

FLOOR="DO \$\$
	DECLARE s text; r record;
	BEGIN
		FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%' ORDER BY 1 LOOP
			PERFORM set_config('search_path', quote_ident(s) || ', public', true);
			FOR r IN SELECT upgrade_sql FROM public.floor_script ORDER BY revision LOOP
				EXECUTE r.upgrade_sql;
			END LOOP;
		END LOOP;
	END \$\$"
PIM="SELECT count(*) FROM pim_migrate_upgrade('head', schemas => '{%}')"
PIM_EACH="CALL pim_migrate_upgrade_each('head', schemas => '{%}')"
CLI=("$PG_BINDIR/pim_migrate" -q -d noop --dir "$files" upgrade head --all-tenants)

# a check that both sides did the work: every tenant has every index
check() {
	local n
	n=$(q -d "$1" -At -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'item_name'")
	[ "$n" = "$TENANTS" ] || { echo "bench: $1 has $n tenants migrated, not $TENANTS" >&2; exit 1; }
}

declare -A runs
for ((r = 1; r <= REPS; r++)); do
	for db in floor pim floor_each pim_each; do
		q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db TEMPLATE tmpl" >/dev/null
	done
	if ((r % 2)); then order="floor pim floor_each pim_each"; else order="pim floor pim_each floor_each"; fi
	for c in $order; do
		case $c in
		floor) sql=$FLOOR ;;
		pim) sql=$PIM ;;
		floor_each) sql="CALL public.floor_each()" ;;
		pim_each) sql=$PIM_EACH ;;
		esac
		runs[$c]+="$(timed "$c" "$sql") "
		check "$c"
	done

	# the no-op, on a database every tenant of which is at head
	q -d postgres -c "DROP DATABASE IF EXISTS noop" -c "ALTER DATABASE pim RENAME TO noop" >/dev/null
	# one unmeasured run each: the command's files known to the server, the caches warm
	wall "${CLI[@]}" >/dev/null
	wall "$PG_BINDIR/psql" -X -q -d noop -c 'SELECT 1' >/dev/null
	runs[noop_sql]+="$(timed noop "$PIM") "
	if ((r % 2)); then
		runs[noop_cli]+="$(wall "${CLI[@]}") "
		runs[psql]+="$(wall "$PG_BINDIR/psql" -X -q -d noop -c 'SELECT 1') "
	else
		runs[psql]+="$(wall "$PG_BINDIR/psql" -X -q -d noop -c 'SELECT 1') "
		runs[noop_cli]+="$(wall "${CLI[@]}") "
	fi
done

echo "$TENANTS tenants x 10 revisions"
print_medians floor pim floor_each pim_each noop_sql noop_cli psql
echo "ratios, median of each repetition's (target: pim / floor <= 1.1):"
paired_ratio "pim / floor (one transaction)" pim floor
paired_ratio "pim_each / floor_each (commit each)" pim_each floor_each
paired_ratio "noop_cli / psql" noop_cli psql
