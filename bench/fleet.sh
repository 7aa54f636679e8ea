#!/usr/bin/env bash
# A fleet (issue 18): 20 databases on 4 throwaway clusters of this machine,
# migrated by one "pim_migrate --fleet" run, one database after the other
# (--jobs 1) and 8 at a time (--jobs 8), against what a DBA writes without
# it, measured side by side in the same run:
#   loop    a shell loop over the fleet file: pim_migrate -d LINE upgrade head
#   xargs8  the same command per line, 8 at a time (xargs -P 8)
#   j1      pim_migrate --fleet FILE --jobs 1 upgrade head
#   j8      pim_migrate --fleet FILE --jobs 8 upgrade head
# (all with -q, wall clock of the whole run), in two workloads:
#   up      each database new (no extension, no tables): the extension
#           created and a chain of 10 small DDL revision files (CREATE
#           TABLE, CREATE INDEX) applied; the databases are put back
#           (extension and tables dropped) before each run, untimed
#   noop    every database at head already: the no-op deploy
# REPS (default 7) rounds, each running the four in a rotated order.
# Prints the medians and the medians of the paired ratios.  On a machine of
# few cores the 4 servers share them with the migrating processes: --jobs
# 8 cannot go 8 times faster than --jobs 1; what it buys is the waits
# (connection, round trips, commits) spent in parallel.
#
# Usage: bench/fleet.sh (after make install).  PG_BINDIR picks the
# PostgreSQL whose initdb, psql and pim_migrate are used (default Debian's);
# REPS changes the rounds; PORT the first cluster's port (4 in a row).
set -euo pipefail
BENCH_BINDIR=${PG_BINDIR:-}
source "$(dirname "$0")/lib.sh"
PG_BINDIR=${BENCH_BINDIR:-$PG_BINDIR}
REPS=${REPS:-7}
PORT=${PORT:-54395}
CLUSTERS=4
PER_CLUSTER=5
REVISIONS=10

start_bench_cluster $CLUSTERS
FILES=$WORKDIR/versions
FLEET=$WORKDIR/fleet.txt
PIM=$PG_BINDIR/pim_migrate
declare -A runs

# the chain r01 <- r02 <- ... as revision files
"${RUN_AS[@]}" mkdir -p "$FILES"
"${RUN_AS[@]}" awk -v dir="$FILES" -v n=$REVISIONS 'BEGIN {
	for (i = 1; i <= n; i++) {
		id = sprintf("r%02d", i)
		f = sprintf("%s/%s_add_t_%d.sql", dir, id, i)
		parent = (i > 1) ? sprintf("r%02d", i - 1) : ""
		printf "-- add t_%d\n--\n-- Revision ID: %s\n-- Revises: %s\n\n-- +upgrade\n", i, id, parent > f
		printf "CREATE TABLE t_%d (id int PRIMARY KEY, v text);\nCREATE INDEX t_%d_v ON t_%d (v);\n\n", i, i, i > f
		printf "-- +downgrade\nDROP TABLE t_%d;\n", i > f
		close(f)
	}
}'

# the fleet: 5 databases on each of the 4 clusters
for ((c = 0; c < CLUSTERS; c++)); do
	for ((d = 1; d <= PER_CLUSTER; d++)); do
		q -p $((PORT + c)) -d postgres -c "CREATE DATABASE fleet_$d"
		echo "host=$WORKDIR port=$((PORT + c)) dbname=fleet_$d"
	done
done | "${RUN_AS[@]}" tee "$FLEET" >/dev/null

# every database new again: no extension, no tables (untimed)
reset_fleet() {
	local line
	while read -r line; do
		"${RUN_AS[@]}" psql -X -q -v ON_ERROR_STOP=1 -d "$line" \
			-c 'DROP EXTENSION IF EXISTS pim_migrate CASCADE' \
			-c 'DROP SCHEMA public CASCADE' -c 'CREATE SCHEMA public' 2>/dev/null
	done <"$FLEET"
}

# the four ways, by name
migrate() {
	case $1 in
		loop) wall bash -c "while read -r line; do '$PIM' -q -d \"\$line\" --dir '$FILES' upgrade head || exit 1; done <'$FLEET'" ;;
		xargs8) wall bash -c "xargs -P 8 -I{} -d '\\n' '$PIM' -q -d {} --dir '$FILES' upgrade head <'$FLEET'" ;;
		j1) wall "$PIM" -q --fleet "$FLEET" --jobs 1 --dir "$FILES" upgrade head ;;
		j8) wall "$PIM" -q --fleet "$FLEET" --jobs 8 --dir "$FILES" upgrade head ;;
	esac
}

ways=(loop xargs8 j1 j8)
# one unmeasured round: the files and the catalogs in the caches
reset_fleet
migrate j8 >/dev/null
for ((r = 0; r < REPS; r++)); do
	for ((k = 0; k < ${#ways[@]}; k++)); do
		way=${ways[(k + r) % ${#ways[@]}]}
		reset_fleet
		runs[up_$way]+="$(migrate "$way") "
		runs[noop_$way]+="$(migrate "$way") "
	done
done

print_medians up_loop up_xargs8 up_j1 up_j8 noop_loop noop_xargs8 noop_j1 noop_j8
echo "ratios, median of each round's ($CLUSTERS clusters x $PER_CLUSTER databases, $REVISIONS revisions, $(nproc) cores):"
for w in up noop; do
	paired_ratio "$w: --jobs 1 / shell loop" "${w}_j1" "${w}_loop"
	paired_ratio "$w: --jobs 8 / --jobs 1" "${w}_j8" "${w}_j1"
	paired_ratio "$w: --jobs 8 / shell loop" "${w}_j8" "${w}_loop"
	paired_ratio "$w: --jobs 8 / xargs -P 8" "${w}_j8" "${w}_xargs8"
done
