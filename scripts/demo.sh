#!/usr/bin/env bash
# Set everything up on a fresh Debian 12 machine and run the Stock demo on
# a throwaway cluster: install packages, build and install pim_migrate,
# start a cluster, load the revision files of examples/versions, upgrade
# to head, print current and history, then step back with downgrade -1.
#
# KEEP=1 leaves the cluster running and says how to connect to it.
set -euo pipefail
source "$(dirname "$0")/common.sh"

install_packages
build_and_install
make_workdir
PGDATA_DIR=$WORKDIR/data
PORT=${PORT:-54329}

echo "== starting a throwaway cluster in $PGDATA_DIR (port $PORT)"
"${RUN_AS[@]}" "$PG_BINDIR/initdb" -D "$PGDATA_DIR" -A trust -U "$RUN_USER" >/dev/null
"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -w -l "$WORKDIR/server.log" \
	-o "-p $PORT -k $WORKDIR -c listen_addresses=''" start >/dev/null

psql_demo() {
	"${RUN_AS[@]}" psql -X -q -v ON_ERROR_STOP=1 -h "$WORKDIR" -p "$PORT" \
		-d postgres "$@"
}

psql_demo -c "CREATE EXTENSION pim_migrate;"

# Revision files are named by random ids, so load them parents first: a
# pass loads every file whose parents are loaded, until none is left.
echo "== loading examples/versions"
pending=("$TOP"/examples/versions/*.sql)
while [ ${#pending[@]} -gt 0 ]; do
	left=()
	for f in "${pending[@]}"; do
		if ! psql_demo -v script="$(cat "$f")" >/dev/null 2>"$WORKDIR/load.err" \
			<<<"SELECT pim_migrate_load(:'script');"; then
			left+=("$f")
		fi
	done
	if [ ${#left[@]} -eq ${#pending[@]} ]; then
		cat "$WORKDIR/load.err" >&2
		exit 1
	fi
	pending=("${left[@]+"${left[@]}"}")
done

psql_demo <<'SQL'
\echo '== SELECT * FROM pim_migrate_upgrade(''head'');'
SELECT * FROM pim_migrate_upgrade('head');
\echo '== SELECT * FROM pim_migrate_current();'
SELECT * FROM pim_migrate_current();
\echo '== SELECT revision, down_revisions, message, is_head, is_applied FROM pim_migrate_history();'
SELECT revision, down_revisions, message, is_head, is_applied FROM pim_migrate_history();
\echo '== \\d stocks'
\d stocks
\echo '== SELECT * FROM pim_migrate_downgrade(''-1'');'
SELECT * FROM pim_migrate_downgrade('-1');
\echo '== SELECT * FROM pim_migrate_status();'
SELECT * FROM pim_migrate_status();
SQL

if [ -n "${KEEP:-}" ]; then
	echo "== the cluster keeps running: psql -h $WORKDIR -p $PORT -U $RUN_USER postgres"
	echo "   stop it with: ${RUN_AS[*]} $PG_BINDIR/pg_ctl -D $PGDATA_DIR stop"
	PGDATA_DIR=
fi
echo "== demo done"
