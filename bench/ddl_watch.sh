#!/usr/bin/env bash
# What drift detection costs (issue 17), side by side in one run on one
# throwaway cluster; medians of REPS runs (default 5).
#
#   ddl     N (default 1,000) CREATE TABLE statements, each its own
#           transaction, run by psql -f: with no event trigger (off), and
#           with pim_migrate_watch_ddl(true) recording each one (on); the
#           cost per statement and the ratio
#   drift   pim_migrate_drift() on a migrated schema of T tables (default
#           200; each with a primary key, an index and four columns): what
#           taking or comparing the fingerprint of such a schema costs
#
# Usage: bench/ddl_watch.sh (after scripts/test.sh or demo.sh installed the
# extension).  N, T and REPS override the sizes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
N=${N:-1000}
T=${T:-200}
PORT=${PORT:-54360}

start_bench_cluster
q -d postgres -c "CREATE DATABASE bench"
q -d bench -c "CREATE EXTENSION pim_migrate"

# the migrated schema: one revision of T tables, so a fingerprint exists
schema=$WORKDIR/schema.sql
for ((i = 0; i < T; i++)); do
	echo "CREATE TABLE s_$i (id int PRIMARY KEY, name text NOT NULL, qty int DEFAULT 0, at timestamptz);"
	echo "CREATE INDEX s_${i}_name ON s_$i (name);"
done >"$schema"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$schema"; fi
echo "SELECT pim_migrate_revision('schema', :'up', NULL, revision => 'b0000001', down_revision => '{}')" |
	q -d bench -v up="$(cat "$schema")" >/dev/null
q -d bench -c "SELECT count(*) FROM pim_migrate_upgrade('head')" >/dev/null

create=$WORKDIR/create.sql
drop=$WORKDIR/drop.sql
for ((i = 0; i < N; i++)); do echo "CREATE TABLE w_$i (id int PRIMARY KEY, v text);"; done >"$create"
for ((i = 0; i < N; i++)); do echo "DROP TABLE w_$i;"; done >"$drop"
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$create" "$drop"; fi

# wall-clock milliseconds of psql -f FILE
run_file() {
	local t0 t1
	t0=$(date +%s%N)
	q -d bench -f "$1" >/dev/null
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

declare -A runs
for ((r = 0; r < REPS; r++)); do
	for mode in off on; do
		q -d bench -c "SELECT pim_migrate_watch_ddl($([ $mode = on ] && echo true || echo false))" >/dev/null
		runs[$mode]+="$(run_file "$create") "
		q -d bench -c "SELECT pim_migrate_watch_ddl(false)" >/dev/null
		q -d bench -f "$drop" >/dev/null
		q -d bench -c "TRUNCATE pim_migrate.ddl_event" >/dev/null
	done
	runs[drift]+="$(timed bench "SELECT count(*) FROM pim_migrate_drift()") "
done

echo "== $N CREATE TABLE statements, each its own transaction; pim_migrate_drift() on $T tables"
print_medians off on drift
paired_ratio "on / off" on off
awk -v on="$med_on" -v off="$med_off" -v n="$N" \
	'BEGIN { printf "  %-34s %6.1f us\n", "recording, per statement", (on - off) * 1000 / n }'
