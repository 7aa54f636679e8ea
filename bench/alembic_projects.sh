#!/usr/bin/env bash
# The corpus of Alembic projects (test/alembic_projects/), switched to
# pim_migrate: per project, how many revisions it has, how many the import
# refused (their files are the project's handwritten/ ones), how many it
# made irreversible, and the wall-clock time of "alembic upgrade heads"
# against "pim_migrate upgrade heads" on a new empty database of the same
# cluster, REPS times each (default 3), alternating, medians.
#
# Usage: bench/alembic_projects.sh (after scripts/demo.sh or scripts/test.sh
# has built and installed the extension; needs python3-alembic and
# python3-psycopg2, which the test command installs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-3}
PORT=${PORT:-54341}
PYTHON=/usr/bin/python3
CORPUS=$TOP/test/alembic_projects

$PYTHON -c 'import alembic, psycopg2' ||
	{ echo "bench: needs python3-alembic and python3-psycopg2" >&2; exit 1; }

start_bench_cluster
PROJECTS=$WORKDIR/projects
"${RUN_AS[@]}" mkdir -p "$PROJECTS"

# milliseconds of wall-clock time of a command run in a project, as the
# cluster user, against database $2
wall_in() {
	local dir=$1 db=$2 t0 t1
	shift 2
	t0=$(date +%s%N)
	if ! (cd "$dir" && "${RUN_AS[@]}" env PIM_MIGRATE_PYTHON=$PYTHON \
		DATABASE_URL="postgresql+psycopg2://localhost/$db?host=$WORKDIR&port=$PORT" \
		"$@" >/dev/null 2>"$WORKDIR/last.err"); then
		echo "bench: failed in $dir: $*" >&2
		cat "$WORKDIR/last.err" >&2
		return 1
	fi
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))e-3 | awk '{printf "%.0f", $1}'
}

printf '| %-14s | %9s | %7s | %12s | %18s | %18s | %6s |\n' project revisions refused irreversible \
	"alembic (ms)" "pim_migrate (ms)" ratio
printf '| %s | %s | %s | %s | %s | %s | %s |\n' -------------- --------- ------- ------------ \
	------------------ ------------------ ------
n=0
for src in "$CORPUS"/*; do
	name=$(basename "$src")
	if [ "$name" = make_large.py ]; then
		# the large project, written by its generator
		name=marketplace
		dir=$PROJECTS/$name
		"${RUN_AS[@]}" $PYTHON "$src" "$dir" >/dev/null
	fi
	dir=$PROJECTS/$name
	if [ -d "$dir" ]; then
		:
	elif [ -f "$src/corpus.json" ]; then
		"${RUN_AS[@]}" cp -r "$src" "$dir"
	else
		continue
	fi
	[ -d "$dir" ] || continue
	revisions=$($PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["revisions"])' "$dir/corpus.json")
	# the import as a user runs it: first on the project as it is (what it
	# refuses), then with the hand-written files in place
	import() {
		(cd "$dir" && "${RUN_AS[@]}" env PIM_MIGRATE_PYTHON=$PYTHON \
			DATABASE_URL=postgresql+psycopg2://localhost/none \
			pim_migrate import-alembic >/dev/null 2>"$WORKDIR/import.err")
	}
	import || true
	refused=$(grep -c '^    write ' "$WORKDIR/import.err" || true)
	irreversible=$(grep -c 'imported as irreversible' "$WORKDIR/import.err" || true)
	if ls "$dir"/handwritten/*.sql >/dev/null 2>&1; then
		"${RUN_AS[@]}" cp "$dir"/handwritten/*.sql "$dir/versions/"
	fi
	import || { echo "bench: import-alembic failed in $dir" >&2; cat "$WORKDIR/import.err" >&2; exit 1; }

	alembic_runs=() pim_runs=()
	for ((r = 0; r < REPS; r++)); do
		q -d postgres -c "CREATE DATABASE a_${name}_$r" -c "CREATE DATABASE p_${name}_$r"
		alembic_runs+=($(wall_in "$dir" "a_${name}_$r" $PYTHON -m alembic upgrade heads))
		pim_runs+=($(wall_in "$dir" "p_${name}_$r" pim_migrate upgrade heads))
	done
	a=$(printf '%s\n' "${alembic_runs[@]}" | median)
	p=$(printf '%s\n' "${pim_runs[@]}" | median)
	printf '| %-14s | %9s | %7s | %12s | %18s | %18s | %6s |\n' "$name" "$revisions" "$refused" \
		"$irreversible" "$a [${alembic_runs[*]}]" "$p [${pim_runs[*]}]" \
		"$(awk -v a="$a" -v p="$p" 'BEGIN { printf "%.1fx", a / p }')"
	n=$((n + 1))
done
echo "($n projects; medians of $REPS runs each, from an empty database; pim_migrate's time includes loading every file and creating the extension)"
