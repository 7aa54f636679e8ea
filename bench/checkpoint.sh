#!/usr/bin/env bash
# What a checkpoint saves a new database (issue 17): a history of N
# revisions (default 300; tables, indexes, columns, views, constraints,
# foreign keys, enums, comments, functions) with a checkpoint at C (default
# 250) written by pim_migrate_checkpoint_sql, and new databases made from
# one template that has every revision registered:
#
#   replay      upgrade to revision C, then to head: every revision runs,
#               the checkpoint is bookkeeping only
#   checkpoint  upgrade to head: the checkpoint's script, then the N - C
#               revisions above it
#
# Medians of REPS runs (default 5), and the median of the paired ratios.
#
# Usage: bench/checkpoint.sh (after scripts/test.sh or demo.sh installed the
# extension).  N, C and REPS override the sizes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
N=${N:-300}
C=${C:-250}
PORT=${PORT:-54361}

rev_id() { printf 'r%04d' "$1"; }

# the scripts of revision i, as "upgrade|downgrade": a group of ten per table
scripts() {
	local i=$1 k=$(($1 % 10)) t="t_$(($1 - ($1 - 1) % 10))"
	case $k in
	1) echo "CREATE TABLE $t (id bigserial PRIMARY KEY, name text NOT NULL, qty int DEFAULT 0);|DROP TABLE $t;" ;;
	2) echo "CREATE INDEX ix_${t}_name ON $t (name);|DROP INDEX ix_${t}_name;" ;;
	3) echo "ALTER TABLE $t ADD COLUMN note varchar(40);|ALTER TABLE $t DROP COLUMN note;" ;;
	4) echo "CREATE VIEW v_$t AS SELECT id, name FROM $t WHERE qty > 0;|DROP VIEW v_$t;" ;;
	5) echo "ALTER TABLE $t ADD CONSTRAINT ck_${t}_qty CHECK (qty >= 0);|ALTER TABLE $t DROP CONSTRAINT ck_${t}_qty;" ;;
	6) echo "CREATE TABLE u_$t (id int PRIMARY KEY, t_id bigint REFERENCES $t (id), label text UNIQUE);|DROP TABLE u_$t;" ;;
	7) echo "ALTER TABLE $t ALTER COLUMN note TYPE text;|ALTER TABLE $t ALTER COLUMN note TYPE varchar(40);" ;;
	8) echo "CREATE TYPE mood_$t AS ENUM ('low', 'high'); ALTER TABLE u_$t ADD COLUMN mood mood_$t;|ALTER TABLE u_$t DROP COLUMN mood; DROP TYPE mood_$t;" ;;
	9) echo "COMMENT ON TABLE $t IS 'group $t';|COMMENT ON TABLE $t IS NULL;" ;;
	0) echo "CREATE FUNCTION f_$t(n int) RETURNS int LANGUAGE sql AS 'SELECT n + 1';|DROP FUNCTION f_$t(int);" ;;
	esac
}

start_bench_cluster
files=$WORKDIR/versions
mkdir "$files"
for ((i = 1; i <= N; i++)); do
	s=$(scripts "$i")
	revises=$( ((i == 1)) && echo "" || { ((i == C + 1)) && echo "c$C" || rev_id $((i - 1)); })
	printf -- '-- revision %d\n--\n-- Revision ID: %s\n-- Revises: %s\n\n-- +upgrade\n%s\n\n-- +downgrade\n%s\n' \
		"$i" "$(rev_id "$i")" "$revises" "${s%%|*}" "${s#*|}" >"$files/$(rev_id "$i").sql"
done
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$files"; fi

# every file of the directory, registered in one call (the server orders them)
load_dir() {
	q -d "$1" -c "SELECT pim_migrate_load_files(ARRAY(SELECT pg_catalog.pg_read_file('$files/' || f) FROM pg_catalog.pg_ls_dir('$files') AS f ORDER BY f))" >/dev/null
}

# the checkpoint, written where revisions 1..C are registered and applied
q -d postgres -c "CREATE DATABASE writer"
q -d writer -c "CREATE EXTENSION pim_migrate"
mv "$files/$(rev_id $((C + 1))).sql" "$WORKDIR/above.sql"
for ((i = C + 2; i <= N; i++)); do mv "$files/$(rev_id "$i").sql" "$WORKDIR/"; done
load_dir writer
q -d writer -c "SET client_min_messages = warning" -c "SELECT count(*) FROM pim_migrate_upgrade('head')" >/dev/null
{
	printf -- '-- checkpoint at %s\n--\n-- Revision ID: c%d\n-- Revises: %s\n-- Checkpoint: true\n\n-- +upgrade\n' "$(rev_id "$C")" "$C" "$(rev_id "$C")"
	q -d writer -At -c "SET client_min_messages = warning" -c "SELECT pim_migrate_checkpoint_sql('$(rev_id "$C")')"
} >"$files/c$C.sql"
mv "$WORKDIR/above.sql" "$files/$(rev_id $((C + 1))).sql"
for ((i = C + 2; i <= N; i++)); do mv "$WORKDIR/$(rev_id "$i").sql" "$files/"; done
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$files"; fi

q -d postgres -c "CREATE DATABASE tpl"
q -d tpl -c "CREATE EXTENSION pim_migrate"
load_dir tpl

declare -A runs
for ((r = 0; r < REPS; r++)); do
	for mode in replay checkpoint; do
		q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS m" -c "CREATE DATABASE m TEMPLATE tpl"
		if [ $mode = replay ]; then
			sql="DO \$\$ BEGIN PERFORM count(*) FROM pim_migrate_upgrade('$(rev_id "$C")'); PERFORM count(*) FROM pim_migrate_upgrade('head'); END \$\$"
		else
			sql="DO \$\$ BEGIN PERFORM count(*) FROM pim_migrate_upgrade('head'); END \$\$"
		fi
		runs[$mode]+="$(timed m "$sql") "
		[ "$(q -d m -At -c "SELECT pim_migrate_current()")" = "$(rev_id "$N")" ] || { echo "$mode did not reach head" >&2; exit 1; }
	done
done

echo "== a new database reaching head: $N revisions, checkpoint at $C"
print_medians replay checkpoint
paired_ratio "replay / checkpoint" replay checkpoint
