#!/usr/bin/env bash
# The no-op deploy (issue 16): what "pim_migrate upgrade head" costs when
# everything is applied already, against a bare "psql -c 'SELECT 1'" round
# trip measured side by side in the same run, on one throwaway cluster.
#
# For N = 1,000 and 10,000: a linear chain of N small DDL revision files
# (CREATE TABLE t_i, DROP TABLE t_i), applied once (upgraded up to 1,000
# files; stamped beyond, as migrate.sh does: the fixed cost does not depend
# on the DDL, and each step's schema fingerprint makes 10,000 CREATE TABLEs
# a long wait), then REPS (default 11) pairs of
#   pim   pim_migrate -q upgrade head (wall clock, the whole process)
#   psql  psql -X -q -c 'SELECT 1' (wall clock, the whole process)
# in alternating order.  Prints the medians and the median of the paired
# ratios (targets: pim/psql <= 1.5 at 1,000 files, <= 2 at 10,000).
#
# Usage: bench/noop.sh (after make install).  PG_BINDIR picks the
# PostgreSQL whose initdb, psql and pim_migrate are used (default Debian's);
# SIZES="1000 10000" and REPS change the runs; PORT the cluster's port.
set -euo pipefail
BENCH_BINDIR=${PG_BINDIR:-}
source "$(dirname "$0")/lib.sh"
PG_BINDIR=${BENCH_BINDIR:-$PG_BINDIR}
REPS=${REPS:-11}
SIZES=${SIZES:-"1000 10000"}
PORT=${PORT:-54391}

start_bench_cluster
FILES=$WORKDIR/files
declare -A runs

# make_files DIR N: the chain r00001 <- r00002 <- ... as revision files
make_files() {
	"${RUN_AS[@]}" mkdir -p "$1"
	"${RUN_AS[@]}" awk -v dir="$1" -v n="$2" 'BEGIN {
		for (i = 1; i <= n; i++) {
			id = sprintf("r%05d", i)
			f = sprintf("%s/%s_add_t_%d.sql", dir, id, i)
			parent = (i > 1) ? sprintf("r%05d", i - 1) : ""
			printf "-- add t_%d\n--\n-- Revision ID: %s\n-- Revises: %s\n", i, id, parent > f
			printf "-- Create Date: 2025-01-01 00:00:00\n\n-- +upgrade\n" > f
			printf "CREATE TABLE t_%d (id int PRIMARY KEY, v text);\n\n", i > f
			printf "-- +downgrade\nDROP TABLE t_%d;\n", i > f
			close(f)
		}
	}'
}

for n in $SIZES; do
	make_files "$FILES/v$n" "$n"
	q -d postgres -c "CREATE DATABASE noop_$n"
	if [ "$n" -le 1000 ]; then apply=upgrade; else apply=stamp; fi
	wall "$PG_BINDIR/pim_migrate" -q -d "noop_$n" --dir "$FILES/v$n" $apply head >/dev/null
	# files written in the last two seconds have no stat keys yet (a
	# change in the same tick of the clock could hide); a real deploy's
	# files are older
	sleep 2
	# one unmeasured pair: the files and the catalog in the caches, and
	# the stat keys of the files remembered
	wall "$PG_BINDIR/pim_migrate" -q -d "noop_$n" --dir "$FILES/v$n" upgrade head >/dev/null
	wall "$PG_BINDIR/psql" -X -q -d "noop_$n" -c 'SELECT 1' >/dev/null
	for ((r = 1; r <= REPS; r++)); do
		if ((r % 2)); then
			runs[pim_$n]+="$(wall "$PG_BINDIR/pim_migrate" -q -d "noop_$n" --dir "$FILES/v$n" upgrade head) "
			runs[psql_$n]+="$(wall "$PG_BINDIR/psql" -X -q -d "noop_$n" -c 'SELECT 1') "
		else
			runs[psql_$n]+="$(wall "$PG_BINDIR/psql" -X -q -d "noop_$n" -c 'SELECT 1') "
			runs[pim_$n]+="$(wall "$PG_BINDIR/pim_migrate" -q -d "noop_$n" --dir "$FILES/v$n" upgrade head) "
		fi
	done
done

keys=""
for n in $SIZES; do keys+=" pim_$n psql_$n"; done
print_medians $keys
echo "ratios, median of each repetition's (targets: <= 1.5 at 1,000 files, <= 2 at 10,000):"
for n in $SIZES; do
	paired_ratio "noop upgrade head, $n files / psql" "pim_$n" "psql_$n"
done
