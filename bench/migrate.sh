#!/usr/bin/env bash
# The migration benchmark (issue 8): pim_migrate against the server's floor
# and against its peers, side by side in one run, on fresh databases of one
# throwaway cluster.  Prints medians of REPS runs (default 3) and ratios
# taken within one pass (upgrades and downgrades run on separate fresh
# databases: a burst of DROP TABLE slows the CREATE TABLEs that follow).
#
#   W1  a chain of N CREATE TABLE t_i (id int PRIMARY KEY, v text)
#       revisions (N = 100, 1,000, 2,000), up and down; at 2,000 the
#       downgrade exceeds one transaction's locks and runs per revision
#   W2  a chain of 10,000 ALTER TABLE c_k ADD COLUMN revisions, round robin
#       over 50 tables, up and down; the migrating backend's peak memory
#       (VmHWM) against a 100-revision chain of the same kind
#   W3  a graph of revisions with a branch, a merge and a label every 10:
#       registration (against plain INSERTs of the same rows), status(),
#       heads(), current(), a no-op upgrade('head'), upgrading the last 10
#       and history of the last 20, from 200 to 100,000 revisions
#   B2  the floor: a plpgsql function EXECUTEs the same scripts from a table
#       and updates a version row after each, in one transaction
#   B1  psql -1 -f of the concatenated scripts with a version UPDATE per
#       revision (what offline SQL is)
#   E2E pim_migrate upgrade head with the chain as files (loaded in the same
#       transaction), Alembic (alembic upgrade head, the chain as revision
#       files, Debian's python3-alembic) and Sqitch (sqitch deploy); the
#       fixed cost of a no-op upgrade and of current at 1,000 and 10,000
#       files
#
# Usage: bench/migrate.sh (after scripts/demo.sh or scripts/test.sh has
# built and installed the extension).  SECTIONS="w1 w2 w3 e2e" picks
# sections; REPS sets repetitions.  Peers are installed from Debian
# packages and skipped with a note when that fails.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-3}
SECTIONS=${SECTIONS:-"w1 w2 w3 e2e"}
PORT=${PORT:-54340}
PYTHON=/usr/bin/python3

has_section() { [[ " $SECTIONS " == *" $1 "* ]]; }

# --- peers -----------------------------------------------------------------
have_alembic=0
have_sqitch=0
if has_section e2e; then
	if ! $PYTHON -c 'import alembic, psycopg2' 2>/dev/null; then
		DEBIAN_FRONTEND=noninteractive "${AS_ROOT[@]}" apt-get install -y -qq \
			--no-install-recommends python3-alembic python3-psycopg2 >/dev/null 2>&1 || true
	fi
	$PYTHON -c 'import alembic, psycopg2' 2>/dev/null && have_alembic=1
	if ! command -v sqitch >/dev/null; then
		DEBIAN_FRONTEND=noninteractive "${AS_ROOT[@]}" apt-get install -y -qq \
			--no-install-recommends sqitch libdbd-pg-perl >/dev/null 2>&1 || true
	fi
	command -v sqitch >/dev/null && have_sqitch=1
	[ $have_alembic = 1 ] || echo "note: Alembic not available (python3-alembic): its rows are skipped"
	[ $have_sqitch = 1 ] || echo "note: Sqitch not available (sqitch, libdbd-pg-perl): its rows are skipped"
fi

start_bench_cluster
FILES=$WORKDIR/files
"${RUN_AS[@]}" mkdir -p "$FILES"

declare -A runs

fresh() { q -d postgres -c "CREATE DATABASE $1 TEMPLATE ${2:-template0}"; }
drop() { for db in "$@"; do q -d postgres -c "DROP DATABASE IF EXISTS $db"; done; }

# A template database "$1" holding a chain of $2 revisions of kind $3
# (table: CREATE TABLE t_i; column: ALTER TABLE c_(i%50) ADD COLUMN x_i;
# select: SELECT 1), registered but not applied, the scripts also in
# bench_script for the baselines, and the floor functions.
make_chain() {
	local db=$1 n=$2 kind=$3
	q -d postgres -c "CREATE DATABASE $db"
	q -d "$db" -v n="$n" -v kind="$kind" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
CREATE TABLE bench_script (i int PRIMARY KEY, up text, down text);
INSERT INTO bench_script
SELECT i,
	CASE :'kind'
		WHEN 'table' THEN format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i)
		WHEN 'column' THEN format('ALTER TABLE c_%s ADD COLUMN x_%s int', i % 50, i)
		ELSE 'SELECT 1' END,
	CASE :'kind'
		WHEN 'table' THEN format('DROP TABLE t_%s', i)
		WHEN 'column' THEN format('ALTER TABLE c_%s DROP COLUMN x_%s', i % 50, i)
		ELSE 'SELECT 1' END
FROM generate_series(1, :n) i;
SELECT count(pim_migrate_revision('r' || i, up, down, revision => 'r' || i,
	down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END))
FROM (SELECT * FROM bench_script ORDER BY i) s;
CREATE TABLE bench_version (v text);
INSERT INTO bench_version VALUES (NULL);
CREATE FUNCTION bench_floor_up() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE s record;
BEGIN
	FOR s IN SELECT * FROM bench_script ORDER BY i LOOP
		EXECUTE s.up;
		UPDATE bench_version SET v = 'r' || s.i;
	END LOOP;
END $f$;
CREATE FUNCTION bench_floor_down() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE s record;
BEGIN
	FOR s IN SELECT * FROM bench_script ORDER BY i DESC LOOP
		EXECUTE s.down;
		UPDATE bench_version SET v = 'r' || (s.i - 1);
	END LOOP;
END $f$;
CREATE PROCEDURE bench_floor_down_each() LANGUAGE plpgsql AS $f$
DECLARE s record;
BEGIN
	FOR s IN SELECT * FROM bench_script ORDER BY i DESC LOOP
		EXECUTE s.down;
		UPDATE bench_version SET v = 'r' || (s.i - 1);
		COMMIT;
	END LOOP;
END $f$;
SQL
	if [ "$kind" = column ]; then
		q -d "$db" -c "DO \$\$ BEGIN FOR k IN 0..49 LOOP EXECUTE format('CREATE TABLE c_%s (id int)', k); END LOOP; END \$\$"
	fi
	# B1's scripts: psql -1 -f, a version UPDATE after each revision
	q -d "$db" -At -c "SELECT string_agg(up || E';\nUPDATE bench_version SET v = ''r' || i || E''';', E'\n' ORDER BY i) FROM bench_script" |
		"${RUN_AS[@]}" tee "$FILES/$db.up.sql" >/dev/null
	q -d "$db" -At -c "SELECT string_agg(down || E';\nUPDATE bench_version SET v = ''r' || (i - 1) || E''';', E'\n' ORDER BY i DESC) FROM bench_script" |
		"${RUN_AS[@]}" tee "$FILES/$db.down.sql" >/dev/null
	# the applied state, for the downgrade passes
	q -d postgres -c "CREATE DATABASE ${db}_applied TEMPLATE $db"
	q -d "${db}_applied" -c "SET client_min_messages = warning" \
		-c "CALL pim_migrate_upgrade_each('head')"
}

psql_file() { wall psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# One measurement of chain workload KEY by WHO (pim, B2, B1) on database DB.
chain_run() {
	local key=$1 dir=$2 each=$3 who=$4 db=$5 tpl=tpl_$1
	case "$dir/$each/$who" in
		up/*/pim) timed "$db" "SELECT count(*) FROM pim_migrate_upgrade('head')" ;;
		up/*/B2) timed "$db" "SELECT bench_floor_up()" ;;
		up/*/B1) psql_file -1 -f "$FILES/$tpl.up.sql" -d "$db" ;;
		down//pim) timed "$db" "SELECT count(*) FROM pim_migrate_downgrade('base')" ;;
		down//B2) timed "$db" "SELECT bench_floor_down()" ;;
		down//B1) psql_file -1 -f "$FILES/$tpl.down.sql" -d "$db" ;;
		down/each/pim) timed "$db" "CALL pim_migrate_downgrade_each('base')" ;;
		down/each/B2) timed "$db" "CALL bench_floor_down_each()" ;;
		down/each/B1) psql_file -f "$FILES/$tpl.down.sql" -d "$db" ;;
	esac
}

# One pass of chain workload KEY (template tpl_KEY), up or down: each
# repetition runs pim_migrate and the baselines on fresh copies, in an
# order that rotates, so that none always comes first.
chain_pass() {
	local key=$1 dir=$2 each=${3:-}
	local tpl=tpl_$key src who order
	[ "$dir" = up ] && src=$tpl || src=${tpl}_applied
	for ((r = 1; r <= REPS; r++)); do
		case $((r % 3)) in
			1) order="pim B2 B1" ;;
			2) order="B2 B1 pim" ;;
			0) order="B1 pim B2" ;;
		esac
		for who in $order; do fresh "keep_${who,,}_$r" "$src"; done
		for who in $order; do
			runs[${key}_${dir}_$who]+="$(chain_run "$key" "$dir" "$each" "$who" "keep_${who,,}_$r") "
		done
	done
	# dropped when the pass ends: dropping is a burst of unlinks
	for ((r = 1; r <= REPS; r++)); do drop keep_pim_$r keep_b2_$r keep_b1_$r; done
}

ratio_line() {
	# ratio_line LABEL A B: A / B of the medians
	awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN { printf "  %-34s %6.2f\n", l, a / b }'
}

# --- W1 --------------------------------------------------------------------
if has_section w1; then
	echo "== W1: chains of CREATE TABLE revisions"
	for n in 100 1000 2000; do
		make_chain tpl_w1_$n "$n" table >/dev/null
	done
	for n in 100 1000; do chain_pass w1_$n up; chain_pass w1_$n down; done
	chain_pass w1_2000 up
	chain_pass w1_2000 down each
	print_medians w1_100_up_pim w1_100_up_B2 w1_100_up_B1 w1_100_down_pim w1_100_down_B2 w1_100_down_B1 \
		w1_1000_up_pim w1_1000_up_B2 w1_1000_up_B1 w1_1000_down_pim w1_1000_down_B2 w1_1000_down_B1 \
		w1_2000_up_pim w1_2000_up_B2 w1_2000_up_B1 w1_2000_down_pim w1_2000_down_B2 w1_2000_down_B1
	echo "ratios, median of each repetition's (target: pim/B2 <= 1.05, and below B1):"
	for k in w1_100_up w1_100_down w1_1000_up w1_1000_down w1_2000_up w1_2000_down; do
		paired_ratio "$k pim / B2" "${k}_pim" "${k}_B2"
		paired_ratio "$k B1 / B2" "${k}_B1" "${k}_B2"
	done
fi

# --- W2 --------------------------------------------------------------------
# peak memory (VmHWM, kB) of the backend that runs SQL in database $1
peak_kb() {
	q -d "$1" -At -c "SET client_min_messages = warning" -c "$2" \
		-c "SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\\s+(\\d+)')" | tail -1
}

if has_section w2; then
	echo "== W2: 10,000 ALTER TABLE ... ADD COLUMN revisions over 50 tables"
	make_chain tpl_w2_10000 10000 column >/dev/null
	make_chain tpl_w2_100 100 column >/dev/null
	chain_pass w2_10000 up
	chain_pass w2_10000 down
	# memory: the migrating backend's peak, 10,000 steps against 100
	for ((r = 1; r <= REPS; r++)); do
		for n in 100 10000; do
			fresh m_pim tpl_w2_$n
			fresh m_b2 tpl_w2_$n
			runs[w2_${n}_hwm_pim]+="$(peak_kb m_pim "SELECT count(*) FROM pim_migrate_upgrade('head')") "
			runs[w2_${n}_hwm_B2]+="$(peak_kb m_b2 "SELECT bench_floor_up()") "
			drop m_pim m_b2
		done
	done
	print_medians w2_10000_up_pim w2_10000_up_B2 w2_10000_up_B1 w2_10000_down_pim w2_10000_down_B2 w2_10000_down_B1
	echo "ratios, median of each repetition's (target: pim/B2 <= 1.05, and below B1):"
	for k in w2_10000_up w2_10000_down; do
		paired_ratio "$k pim / B2" "${k}_pim" "${k}_B2"
		paired_ratio "$k B1 / B2" "${k}_B1" "${k}_B2"
	done
	echo "backend peak memory (VmHWM, kB; target: 10,000 steps within a few MB of 100):"
	print_medians w2_100_hwm_pim w2_10000_hwm_pim w2_100_hwm_B2 w2_10000_hwm_B2
fi

# --- W3 --------------------------------------------------------------------
# A template "$1" whose source table g holds a graph of $2 revisions: a
# main line with, every 10 revisions, a branch of three (the first with a
# label) from the second of the block, merged at the ninth.
make_graph() {
	local db=$1 n=$2
	q -d postgres -c "CREATE DATABASE $db"
	q -d "$db" -v n="$n" <<'SQL' >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
CREATE TABLE g (i int PRIMARY KEY, id text, parents text[], labels text[]);
-- blocks of 10: 1..5 main line, 6..8 a labelled branch from 2, 9 merges
-- 5 and 8, 10 follows the merge
INSERT INTO g
SELECT i, 'g' || i,
	CASE
		WHEN i = 1 THEN '{}'::text[]
		WHEN i % 10 = 6 THEN ARRAY['g' || (i - 4)]
		WHEN i % 10 = 9 THEN ARRAY['g' || (i - 4), 'g' || (i - 1)]
		ELSE ARRAY['g' || (i - 1)]
	END,
	CASE WHEN i % 10 = 6 THEN ARRAY['b' || i] ELSE NULL END
FROM generate_series(1, :n) i;
-- the same table, with the same indexes: the floor of storing the rows
CREATE TABLE plain (LIKE pim_migrate.revision INCLUDING ALL);
CREATE FUNCTION register_all() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
	FOR r IN SELECT * FROM g ORDER BY i LOOP
		PERFORM pim_migrate_revision('rev ' || r.id, 'SELECT 1', 'SELECT 1',
			down_revision => r.parents, revision => r.id, branch_labels => r.labels);
	END LOOP;
END $f$;
CREATE FUNCTION insert_all() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE r record;
BEGIN
	FOR r IN SELECT * FROM g ORDER BY i LOOP
		INSERT INTO plain (revision, down_revisions, branch_labels, depends_on, message,
						   upgrade_sql, downgrade_sql, transactional, checksum, created_at)
		VALUES (r.id, r.parents, coalesce(r.labels, '{}'), '{}', 'rev ' || r.id,
				'SELECT 1', 'SELECT 1', true, md5(r.id), now());
	END LOOP;
END $f$;
SQL
}

if has_section w3; then
	echo "== W3: a graph with a branch, a merge and a label every 10 revisions"
	sizes=${W3_SIZES:-"200 1000 10000 100000"}
	for n in $sizes; do
		make_graph tpl_w3_$n "$n"
		# the registered graph, at head, 10 revisions short of it
		fresh w3_$n tpl_w3_$n
		q -d w3_$n -c "SELECT register_all()" >/dev/null
		q -d w3_$n -c "SET client_min_messages = warning" \
			-c "SELECT count(*) FROM pim_migrate_stamp('g$((n - 10))')" >/dev/null
	done
	for ((r = 1; r <= REPS; r++)); do
		for n in $sizes; do
			fresh w3r_$n tpl_w3_$n
			runs[w3_${n}_register]+="$(timed w3r_$n "SELECT register_all()") "
			runs[w3_${n}_inserts]+="$(timed w3r_$n "SELECT insert_all()") "
			drop w3r_$n
			fresh w3u_$n w3_$n
			runs[w3_${n}_up10]+="$(timed w3u_$n "SELECT count(*) FROM pim_migrate_upgrade('head')") "
			runs[w3_${n}_noop]+="$(timed w3u_$n "SELECT count(*) FROM pim_migrate_upgrade('head')") "
			runs[w3_${n}_status]+="$(timed w3u_$n "SELECT pending FROM pim_migrate_status()") "
			runs[w3_${n}_heads]+="$(timed w3u_$n "SELECT count(*) FROM pim_migrate_heads()") "
			runs[w3_${n}_current]+="$(timed w3u_$n "SELECT count(*) FROM pim_migrate_current()") "
			runs[w3_${n}_history20]+="$(timed w3u_$n "SELECT count(*) FROM pim_migrate_history('g$((n - 20)):g$n')") "
			drop w3u_$n
		done
	done
	printf '%-10s' "revisions"
	for m in register inserts noop status heads current up10 history20; do printf ' %10s' "$m"; done
	printf '   (medians of %d runs, ms)\n' "$REPS"
	for n in $sizes; do
		printf '%-10s' "$n"
		for m in register inserts noop status heads current up10 history20; do
			v=$(echo "${runs[w3_${n}_$m]}" | tr ' ' '\n' | grep . | median)
			declare -g "med_w3_${n}_$m=$v"
			printf ' %10.1f' "$v"
		done
		echo
	done
	echo "ratios (targets: register <= 3x inserts; noop and status at 100,000 within 3x of 200):"
	for n in $sizes; do a=med_w3_${n}_register b=med_w3_${n}_inserts; ratio_line "register / inserts at $n" "${!a}" "${!b}"; done
	# the largest graph against the smallest
	set -- $sizes
	lo=$1
	hi=${!#}
	for m in noop status; do
		a=med_w3_${hi}_$m b=med_w3_${lo}_$m
		ratio_line "$m $hi / $lo" "${!a}" "${!b}"
	done
fi

# --- end to end --------------------------------------------------------------
# The W1 chain as each tool's files (bench/make_projects.py), applied from
# the command line to a fresh database: pim_migrate upgrade head (files
# loaded in the same transaction), alembic upgrade head, sqitch deploy;
# beside them B2 (server time, the floor) and B1 (psql -1 -f, wall).  Then
# the fixed costs: a no-op upgrade head and current, 1,000 and 10,000 files.
e2e_run() {
	local who=$1 n=$2 db=$3 p=$FILES/p$n
	case $who in
		pim) wall pim_migrate -q -d "$db" --dir "$p/versions" upgrade head ;;
		B2) timed "$db" "SELECT bench_floor_up()" ;;
		B1) psql_file -1 -f "$FILES/tpl_w1_$n.up.sql" -d "$db" ;;
		alembic) (cd "$p" && wall env DATABASE_URL="postgresql+psycopg2:///$db?host=$WORKDIR&port=$PORT" \
			$PYTHON -m alembic upgrade head) ;;
		sqitch) (cd "$p/sqitch" && wall sqitch deploy --quiet "db:pg:///$db") ;;
	esac
}

if has_section e2e; then
	echo "== end to end: the W1 chain as files, applied by each tool"
	SQITCH_SIZES=${SQITCH_SIZES:-100}
	for n in 100 1000 10000; do
		"${RUN_AS[@]}" $PYTHON "$(dirname "$0")/make_projects.py" "$n" "$FILES/p$n"
	done
	for n in 100 1000; do
		[ -n "$(q -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'tpl_w1_$n'")" ] ||
			make_chain tpl_w1_$n "$n" table >/dev/null
	done
	# the tools start from a database with the extension and nothing else
	fresh tpl_e2e template0
	q -d tpl_e2e -c "CREATE EXTENSION pim_migrate"
	whos="pim B2 B1"
	[ $have_alembic = 1 ] && whos+=" alembic"
	for ((r = 1; r <= REPS; r++)); do
		for n in 100 1000; do
			# rotate the order, so that none always comes first
			set -- $whos
			for ((k = 0; k < r % $#; k++)); do set -- "${@:2}" "$1"; done
			order="$*"
			[ $have_sqitch = 1 ] && [[ " $SQITCH_SIZES " == *" $n "* ]] && order+=" sqitch"
			for who in $order; do
				case $who in B1 | B2) fresh "e_${who,,}" "tpl_w1_$n" ;; *) fresh "e_${who,,}" tpl_e2e ;; esac
			done
			for who in $order; do
				runs[e2e_${n}_$who]+="$(e2e_run "$who" "$n" "e_${who,,}") "
			done
			# the no-op fixed costs, on the database pim_migrate just migrated
			if [ "$n" = 1000 ]; then
				runs[fix_1000_noop_pim]+="$(wall pim_migrate -q -d e_pim --dir "$FILES/p1000/versions" upgrade head) "
				runs[fix_1000_current_pim]+="$(wall pim_migrate -q -d e_pim --dir "$FILES/p1000/versions" current) "
				if [ $have_alembic = 1 ]; then
					runs[fix_1000_noop_alembic]+="$(e2e_run alembic 1000 e_alembic) "
					runs[fix_1000_current_alembic]+="$(cd "$FILES/p1000" && wall env \
						DATABASE_URL="postgresql+psycopg2:///e_alembic?host=$WORKDIR&port=$PORT" \
						$PYTHON -m alembic current) "
				fi
			fi
			for who in $order; do drop "e_${who,,}"; done
		done
	done
	# 10,000 files: stamped at head (the fixed cost does not depend on the DDL)
	fresh e_10k tpl_e2e
	"${RUN_AS[@]}" env PGHOST="$WORKDIR" PGPORT="$PORT" pim_migrate -q -d e_10k \
		--dir "$FILES/p10000/versions" stamp head >/dev/null
	for ((r = 1; r <= REPS; r++)); do
		runs[fix_10000_noop_pim]+="$(wall pim_migrate -q -d e_10k --dir "$FILES/p10000/versions" upgrade head) "
		runs[fix_10000_current_pim]+="$(wall pim_migrate -q -d e_10k --dir "$FILES/p10000/versions" current) "
	done
	drop e_10k
	keys=""
	for n in 100 1000; do
		for who in pim B2 B1 alembic sqitch; do
			[ -n "${runs[e2e_${n}_$who]:-}" ] && keys+=" e2e_${n}_$who"
		done
	done
	for k in fix_1000_noop_pim fix_1000_current_pim fix_10000_noop_pim fix_10000_current_pim \
		fix_1000_noop_alembic fix_1000_current_alembic; do
		[ -n "${runs[$k]:-}" ] && keys+=" $k"
	done
	print_medians $keys
	echo "ratios, median of each repetition's (targets: pim/B2 <= 1.15 at 1,000; Alembic/pim >= 2.5 at 100, >= 1.7 at 1,000; Sqitch/pim >= 25):"
	for n in 100 1000; do
		paired_ratio "e2e $n pim (wall) / B2 (server)" "e2e_${n}_pim" "e2e_${n}_B2"
		paired_ratio "e2e $n B1 (wall) / B2 (server)" "e2e_${n}_B1" "e2e_${n}_B2"
		for who in alembic sqitch; do
			[ -n "${runs[e2e_${n}_$who]:-}" ] &&
				paired_ratio "e2e $n $who / pim" "e2e_${n}_$who" "e2e_${n}_pim"
		done
	done
	echo "fixed costs (targets: <= 50 ms at 1,000 files, <= 2x that at 10,000):"
	ratio_line "noop 10,000 / 1,000 files" "$med_fix_10000_noop_pim" "$med_fix_1000_noop_pim"
	ratio_line "current 10,000 / 1,000 files" "$med_fix_10000_current_pim" "$med_fix_1000_current_pim"
	if [ -n "${med_fix_1000_noop_alembic:-}" ]; then
		ratio_line "noop alembic / pim at 1,000" "$med_fix_1000_noop_alembic" "$med_fix_1000_noop_pim"
		ratio_line "current alembic / pim at 1,000" "$med_fix_1000_current_alembic" "$med_fix_1000_current_pim"
	fi
fi
