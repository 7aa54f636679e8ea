#!/usr/bin/env bash
# Migrations and a streaming standby's queries (issue 18): a primary and a
# streaming standby on this machine (pg_basebackup -R), the primary
# migrated with "pim_migrate upgrade head" while a standby query reads the
# table the revision changes.  Each case, REPS times (default 3), a new
# revision on the chain:
#
#   lag       ALTER TABLE ... ADD COLUMN, no standby query
#   cancel    ALTER TABLE ... ADD COLUMN, a standby query on the table
#             (SELECT count(*) FROM t, pg_sleep(60)), with
#             max_standby_streaming_delay = DELAY (default 2s)
#   feedback  the same with hot_standby_feedback = on
#   index     CREATE INDEX (SHARE, not WAL-logged), the same standby query
#   wait      ALTER TABLE ... ADD COLUMN, the same standby query, with
#             max_standby_streaming_delay = -1
#   vacuum    a data migration (Transactional: false: DELETE half the rows,
#             then VACUUM (TRUNCATE false) t), no ACCESS EXCLUSIVE lock, and
#             a REPEATABLE READ standby query on the table, without and
#             with hot_standby_feedback (vacuum, vacuum+feedback); the bench
#             puts the rows back before each run
#
# For each: the median time from the end of the migration (its commit) to
# the standby's pim_migrate_current() naming the new revision ("replayed"),
# and to the end of the standby query ("query ended"), and how the standby
# query ended: the SQLSTATE and detail of the replay's cancel, or not
# cancelled (the bench cancels a query still running HOLD seconds, default
# 3, after the commit: a long query that ends then).
#
# Usage: bench/replica.sh (after make install).  PG_BINDIR picks the
# PostgreSQL (default Debian's); REPS, DELAY, HOLD, ROWS (default 100000)
# and PORT (the primary's; the standby takes PORT + 1) change the runs.
set -euo pipefail
shopt -s inherit_errexit
BENCH_BINDIR=${PG_BINDIR:-}
source "$(dirname "$0")/lib.sh"
PG_BINDIR=${BENCH_BINDIR:-$PG_BINDIR}
REPS=${REPS:-3}
DELAY=${DELAY:-2s}
HOLD=${HOLD:-3}
ROWS=${ROWS:-100000}
PORT=${PORT:-54395}
SPORT=$((PORT + 1))

make_workdir
PRIMARY=$WORKDIR/primary
STANDBY=$WORKDIR/standby
stop_all() {
	for d in "$STANDBY" "$PRIMARY"; do
		[ -f "$d/postmaster.pid" ] &&
			"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1
	done
	cleanup
}
trap stop_all EXIT

"${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$PRIMARY" -A trust -U "$RUN_USER" >/dev/null
"${RUN_AS[@]}" tee -a "$PRIMARY/postgresql.conf" >/dev/null <<EOF
port = $PORT
unix_socket_directories = '$WORKDIR'
listen_addresses = ''
wal_level = replica
max_wal_senders = 4
fsync = off
EOF
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PRIMARY" -w -l "$WORKDIR/primary.log" start >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_basebackup" -h "$WORKDIR" -p "$PORT" -D "$STANDBY" -R -X stream
"${RUN_AS[@]}" sed -i "s/^port = $PORT\$/port = $SPORT/" "$STANDBY/postgresql.conf"
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$STANDBY" -w -l "$WORKDIR/standby.log" start >/dev/null

qp() { "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -h "$WORKDIR" -p "$PORT" -d postgres "$@"; }
qs() { "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -h "$WORKDIR" -p "$SPORT" -d postgres "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# standby_setting NAME VALUE: in the standby's configuration, reloaded
standby_setting() {
	echo "$1 = $2" | "${RUN_AS[@]}" tee -a "$STANDBY/postgresql.conf" >/dev/null
	"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$STANDBY" reload >/dev/null
	until [ "$(qs -c "SHOW $1")" = "$2" ]; do sleep 0.05; done
}

# The chain of revision files: add_revision KIND appends one and prints its id.
VERSIONS=$WORKDIR/versions
"${RUN_AS[@]}" mkdir -p "$VERSIONS"
add_revision() {
	local kind=$1 id parent up down header="" nrev
	# the count of files: add_revision runs in a command substitution
	nrev=$(($(ls "$VERSIONS" | wc -l) + 1))
	id=$(printf 'r%04d' $nrev)
	parent=$( ((nrev > 1)) && printf 'r%04d' $((nrev - 1)) || true)
	case $kind in
	table) up="CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g;" down="DROP TABLE t;" ;;
	alter) up="ALTER TABLE t ADD COLUMN c$nrev int;" down="ALTER TABLE t DROP COLUMN c$nrev;" ;;
	index) up="CREATE INDEX t_v$nrev ON t (v);" down="DROP INDEX t_v$nrev;" ;;
	vacuum)
		header="-- Transactional: false"
		up="DELETE FROM t WHERE id % 2 = 0;
VACUUM (TRUNCATE false) t;" down="SELECT 1;" ;;
	esac
	printf -- '-- %s %d\n--\n-- Revision ID: %s\n-- Revises: %s\n%s\n\n-- +upgrade\n%s\n\n-- +downgrade\n%s\n' \
		"$kind" $nrev "$id" "$parent" "$header" "$up" "$down" |
		"${RUN_AS[@]}" tee "$VERSIONS/${id}_${kind}.sql" >/dev/null
	echo "$id"
}

migrate() {
	"${RUN_AS[@]}" "$PG_BINDIR/pim_migrate" -q -d "host=$WORKDIR port=$PORT dbname=postgres" \
		--dir "$VERSIONS" upgrade head
}

# one run: start the standby query SQL (none: no query), migrate to a new
# revision of KIND, and time the replay and the query's end; a query that
# still runs HOLD seconds after the commit is cancelled by the bench (with
# HOLD above DELAY, recovery would have cancelled it by then).  Prints
# "replayed_ms ended_ms outcome".
feedback=off
one_run() {
	local kind=$1 sql=$2 id t0 t1 t2 out=$WORKDIR/query.out result
	id=$(add_revision "$kind")
	rm -f "$WORKDIR/query.end"
	# the rows the data migration deletes, there again and on the standby
	if [ "$kind" = vacuum ]; then
		qp -c "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(2, $ROWS, 2) g ON CONFLICT DO NOTHING"
		until [ "$(qs -c "SELECT count(*) FROM t")" = "$ROWS" ]; do sleep 0.02; done
	fi
	if [ -n "$sql" ]; then
		( "${RUN_AS[@]}" "$PG_BINDIR/psql" -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=verbose \
			-h "$WORKDIR" -p "$SPORT" -d postgres -c "$sql" >"$out" 2>&1 || true
			now_ms >"$WORKDIR/query.end" ) &
		until [ "$(qs -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
				WHERE l.relation = 't'::regclass AND l.granted AND a.query LIKE '%pg_sleep%'
				AND a.pid <> pg_backend_pid()")" -gt 0 ]; do sleep 0.02; done
		# the standby's xmin has reached the primary, or feedback is no help
		if [ "$feedback" = on ]; then
			until [ "$(qp -c "SELECT count(*) FROM pg_stat_replication WHERE backend_xmin IS NOT NULL")" -gt 0 ]; do
				sleep 0.05
			done
		fi
	fi
	migrate
	t0=$(now_ms)
	if [ -n "$sql" ]; then
		( sleep "$HOLD"; qs -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
			WHERE query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()" >/dev/null ) &
	fi
	until [ "$(qs -c "SELECT string_agg(c, ',') FROM pim_migrate_current() c")" = "$id" ]; do
		sleep 0.01
	done
	t1=$(now_ms)
	if [ -z "$sql" ]; then
		echo "$((t1 - t0)) - no standby query"
		return
	fi
	wait
	t2=$(cat "$WORKDIR/query.end")
	if grep -q '57014: canceling statement due to user request' "$out"; then
		result="not cancelled by the replay (the bench ended it)"
	elif grep -q '^\(ERROR\|FATAL\):' "$out"; then
		result="$(sed -n 's/^\(ERROR\|FATAL\):  \([0-9A-Z]*\): \(.*\)/\2 \3/p' "$out" | head -1):"
		result="$result $(sed -n 's/^DETAIL:  //p' "$out" | head -1)"
	else
		result=completed
	fi
	echo "$((t1 - t0)) $((t2 - t0)) $result"
}

declare -A replayed ended outcome
run_case() {
	local name=$1 kind=$2 sql=$3 r res
	for ((r = 1; r <= REPS; r++)); do
		res=$(one_run "$kind" "$sql")
		replayed[$name]+="$(echo "$res" | cut -d' ' -f1) "
		ended[$name]+="$(echo "$res" | cut -d' ' -f2) "
		outcome[$name]=$(echo "$res" | cut -d' ' -f3-)
	done
}

SLEEPER="SELECT count(*) FROM t, pg_sleep(60)"
# the snapshot taken before the data migration's DELETE, and held
RR_SLEEPER="BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t; SELECT pg_sleep(60); COMMIT"

add_revision table >/dev/null
migrate
standby_setting max_standby_streaming_delay "$DELAY"
standby_setting wal_receiver_status_interval 1s
run_case lag alter ""
run_case cancel alter "$SLEEPER"
run_case index index "$SLEEPER"
run_case vacuum vacuum "$RR_SLEEPER"
standby_setting hot_standby_feedback on
feedback=on
run_case feedback alter "$SLEEPER"
run_case vacuum+feedback vacuum "$RR_SLEEPER"
standby_setting hot_standby_feedback off
feedback=off
standby_setting max_standby_streaming_delay -1
run_case wait alter "$SLEEPER"

med() { echo "$1" | tr ' ' '\n' | { grep -v '^-\?$' || true; } | median; }
printf 'max_standby_streaming_delay = %s, %d rows, %d runs each; ms after the migration committed\n' \
	"$DELAY" "$ROWS" "$REPS"
printf '%-16s %10s %12s   %s\n' case replayed "query ended" "standby query"
for k in lag cancel feedback index vacuum vacuum+feedback wait; do
	e=-
	if [[ ${ended[$k]} =~ [0-9] ]]; then e=$(printf '%.0f' "$(med "${ended[$k]}")"); fi
	printf '%-16s %10.0f %12s   %s\n' "$k" "$(med "${replayed[$k]}")" "$e" "${outcome[$k]}"
done
echo "conflicts counted by the standby: $(qs -c "SELECT 'lock ' || confl_lock || ', snapshot ' || confl_snapshot
	FROM pg_stat_database_conflicts WHERE datname = 'postgres'")"
