#!/usr/bin/env bash
# A first measure of pim_migrate's own cost, against the server's floor in
# the same run (issue 8 grows this into the full benchmark):
#
#   up1000     pim_migrate_upgrade('head') over a chain of 1,000 revisions,
#              each CREATE TABLE t_i (id int PRIMARY KEY, v text)
#   floor1000  the same scripts EXECUTEd by a plpgsql loop from a table,
#              one version UPDATE per revision, in one transaction
#   down1000   pim_migrate_downgrade('base') over the same chain
#   noop10k    pim_migrate_upgrade('head') with nothing to do, 10,000 revisions
#   status10k  pim_migrate_status() on 10,000 revisions
#   reg1k      registering 1,000 revisions (pim_migrate_revision with
#   reg10k     explicit parents, in one DO block), and 10,000: the ratio
#              shows whether registration stays linear in the history
#
# Each is run REPS times (default 5) on fresh copies of a template database
# of one throwaway cluster; medians are printed, with the ratio of
# pim_migrate to the floor.  Usage: bench/foundation.sh (after
# scripts/demo.sh or scripts/test.sh has built and installed the extension).
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
REPS=${REPS:-5}

make_workdir
# Creating a thousand tables is file-system work whose cost varies several
# fold on a virtual disk; in memory it is steady.  BENCH_DATA=disk keeps it
# on disk.
if [ "${BENCH_DATA:-mem}" = mem ] && [ -d /dev/shm ]; then
	PGDATA_DIR=/dev/shm/pim_migrate_bench.$$
	mkdir -m 700 "$PGDATA_DIR"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$PGDATA_DIR"; fi
	trap 'cleanup; rm -rf "$PGDATA_DIR"' EXIT
else
	PGDATA_DIR=$WORKDIR/data
fi
PORT=${PORT:-54339}
"${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -A trust -U "$RUN_USER" >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w -l "$WORKDIR/server.log" \
	-o "-p $PORT -k $WORKDIR -c listen_addresses='' -c fsync=off" start >/dev/null

q() {
	"${RUN_AS[@]}" psql -X -q -v ON_ERROR_STOP=1 -h "$WORKDIR" -p "$PORT" "$@"
}

# milliseconds taken by one statement, as the server's clock sees it
timed() {
	local db=$1 sql=$2
	q -d "$db" -At -c "SET client_min_messages = warning" -c "\\timing on" -c "$sql" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

q -d postgres -c "CREATE DATABASE tpl_chain" -c "CREATE DATABASE tpl_big"
q -d tpl_chain <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
CREATE TABLE bench_script (i int PRIMARY KEY, up text, down text);
INSERT INTO bench_script
SELECT i, format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i),
       format('DROP TABLE t_%s', i)
FROM generate_series(1, 1000) i;
SELECT count(pim_migrate_revision('r' || i, up, down, revision => 'r' || i,
                                  down_revision => CASE WHEN i = 1 THEN '{}'::text[]
                                                   ELSE ARRAY['r' || (i - 1)] END))
FROM (SELECT * FROM bench_script ORDER BY i) s;
CREATE TABLE bench_version (v text);
INSERT INTO bench_version VALUES (NULL);
-- the floor: the same scripts, one EXECUTE each, one version update each
CREATE FUNCTION bench_floor() RETURNS void LANGUAGE plpgsql AS $$
DECLARE s record;
BEGIN
  FOR s IN SELECT * FROM bench_script ORDER BY i LOOP
    EXECUTE s.up;
    UPDATE bench_version SET v = 'r' || s.i;
  END LOOP;
END $$;
SQL
q -d tpl_big <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
DO $$ BEGIN
  FOR i IN 1..10000 LOOP
    PERFORM pim_migrate_revision('r' || i, 'SELECT 1', 'SELECT 1', revision => 'r' || i,
                                 down_revision => CASE WHEN i = 1 THEN '{}'::text[]
                                                  ELSE ARRAY['r' || (i - 1)] END);
  END LOOP;
END $$;
SELECT count(*) FROM pim_migrate_upgrade('head');
SQL

declare -A runs
for ((r = 1; r <= REPS; r++)); do
	q -d postgres -c "CREATE DATABASE b_up TEMPLATE tpl_chain" -c "CREATE DATABASE b_floor TEMPLATE tpl_chain" \
		-c "CREATE DATABASE b_reg TEMPLATE template0"
	q -d b_reg -c "CREATE EXTENSION pim_migrate"
	runs[up1000]+="$(timed b_up "SELECT count(*) FROM pim_migrate_upgrade('head')") "
	runs[floor1000]+="$(timed b_floor "SELECT bench_floor()") "
	runs[down1000]+="$(timed b_up "SELECT count(*) FROM pim_migrate_downgrade('base')") "
	runs[noop10k]+="$(timed tpl_big "SELECT count(*) FROM pim_migrate_upgrade('head')") "
	runs[status10k]+="$(timed tpl_big "SELECT pending FROM pim_migrate_status()") "
	runs[reg1k]+="$(timed b_reg "DO \$\$ BEGIN FOR i IN 1..1000 LOOP PERFORM pim_migrate_revision('s' || i, 'SELECT 1', 'SELECT 1', revision => 's' || i, down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['s' || (i - 1)] END); END LOOP; END \$\$") "
	q -d b_reg -c "TRUNCATE pim_migrate.revision"
	runs[reg10k]+="$(timed b_reg "DO \$\$ BEGIN FOR i IN 1..10000 LOOP PERFORM pim_migrate_revision('r' || i, 'SELECT 1', 'SELECT 1', revision => 'r' || i, down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END); END LOOP; END \$\$") "
	q -d postgres -c "DROP DATABASE b_up" -c "DROP DATABASE b_floor" -c "DROP DATABASE b_reg"
done

printf '%-10s %12s   (%d runs; ms)\n' case median "$REPS"
for k in up1000 floor1000 down1000 noop10k status10k reg1k reg10k; do
	m=$(echo "${runs[$k]}" | tr ' ' '\n' | grep . | median)
	printf "%-10s %12.1f   [%s]\n" "$k" "$m" "${runs[$k]}"
	declare "med_$k=$m"
done
awk -v a="$med_up1000" -v b="$med_floor1000" -v r1="$med_reg1k" -v r10="$med_reg10k" \
	'BEGIN { printf "ratio up1000 / floor1000: %.2f\nratio reg10k / reg1k: %.1f (10 is linear)\n", a / b, r10 / r1 }'
