# Shared by the benchmarks: a throwaway cluster, and timing helpers.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

# start_bench_cluster [N]: N clusters (default 1) on ports $PORT, $PORT+1,
# ..., their sockets in $WORKDIR, their data in memory unless
# BENCH_DATA=disk; the first one's in $PGDATA_DIR (log: server.log), the
# others' in $PGDATA_DIR.1, ... (server.1.log, ...).
start_bench_cluster() {
	local n=${1:-1} i
	make_workdir
	# Creating a thousand tables is file-system work whose cost varies several
	# fold on a virtual disk; in memory it is steady.  BENCH_DATA=disk keeps it
	# on disk.
	if [ "${BENCH_DATA:-mem}" = mem ] && [ -d /dev/shm ]; then
		PGDATA_DIR=/dev/shm/pim_migrate_bench.$$
	else
		PGDATA_DIR=$WORKDIR/data
	fi
	BENCH_CLUSTERS=("$PGDATA_DIR")
	for ((i = 1; i < n; i++)); do BENCH_CLUSTERS+=("$PGDATA_DIR.$i"); done
	trap stop_bench_clusters EXIT
	for ((i = 0; i < n; i++)); do
		local data=${BENCH_CLUSTERS[i]} log=$WORKDIR/server.log
		((i == 0)) || log=$WORKDIR/server.$i.log
		mkdir -m 700 "$data"
		if [ "$(id -u)" -eq 0 ]; then chown postgres: "$data"; fi
		"${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$data" -A trust -U "$RUN_USER" >/dev/null
		"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$data" -w -l "$log" \
			-o "-p $((PORT + i)) -k $WORKDIR -c listen_addresses='' -c fsync=off" start >/dev/null
	done
}

# At exit: the clusters stopped (the first by cleanup) and their data gone.
stop_bench_clusters() {
	local d
	for d in "${BENCH_CLUSTERS[@]:1}"; do
		"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$d" -m fast stop >/dev/null 2>&1 || true
	done
	cleanup
	# in memory, the data goes; on disk, it is in $WORKDIR (KEEP=1 keeps it)
	if [[ $PGDATA_DIR == /dev/shm/* ]]; then rm -rf "${BENCH_CLUSTERS[@]}"; fi
}

q() {
	"${RUN_AS[@]}" psql -X -q -v ON_ERROR_STOP=1 -h "$WORKDIR" -p "$PORT" "$@"
}

# milliseconds taken by one statement, as the server's clock sees it
timed() {
	local db=$1 sql=$2
	q -d "$db" -At -c "SET client_min_messages = warning" -c "\\timing on" -c "$sql" |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}

# wall-clock milliseconds of a command run as the cluster user
wall() {
	local t0 t1
	t0=$(date +%s%N)
	if ! "${RUN_AS[@]}" env PGHOST="$WORKDIR" PGPORT="$PORT" "$@" >/dev/null; then
		echo "bench: failed: $*" >&2
		return 1
	fi
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))e-3 | awk '{printf "%.1f", $1}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# A table of the medians of runs[KEY] (space-separated ms) for each KEY,
# each also left in $med_KEY for the ratios.
print_medians() {
	local k m
	printf '%-10s %12s   (%d runs; ms)\n' case median "$REPS"
	for k in "$@"; do
		m=$(echo "${runs[$k]}" | tr ' ' '\n' | grep . | median)
		printf "%-10s %12.1f   [%s]\n" "$k" "$m" "${runs[$k]}"
		declare -g "med_$k=$m"
	done
}

# paired_ratio LABEL A B: the median over the repetitions of A's time over
# B's in the same repetition.  On a noisy machine this is steadier than the
# ratio of the medians: both of a pair ran a moment apart, on the same copy.
paired_ratio() {
	local a=(${runs[$2]}) b=(${runs[$3]}) i
	for ((i = 0; i < ${#a[@]}; i++)); do echo "${a[i]} ${b[i]}"; done |
		awk '{ print $1 / $2 }' | median |
		awk -v l="$1" '{ printf "  %-34s %6.2f\n", l, $1 }'
}
