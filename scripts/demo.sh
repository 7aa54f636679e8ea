#!/usr/bin/env bash
# Set everything up on a fresh Debian 12 machine and run the Stock demo on
# a throwaway cluster: install packages, build and install pim_migrate,
# start a cluster, then with the pim_migrate command: init, upgrade head
# (which loads the revision files of examples/versions), current, history,
# downgrade -1.
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

# the Alembic guide's commands, with pim_migrate in place of alembic
cli() {
	echo "== pim_migrate $*"
	"${RUN_AS[@]}" env DATABASE_URL="postgresql://$RUN_USER@localhost/postgres?host=$WORKDIR&port=$PORT" \
		"$PG_BINDIR/pim_migrate" --dir "$TOP/examples/versions" "$@"
}
cli init
cli upgrade head
cli current
cli history
echo '== psql -c "\d stocks"'
psql_demo -c '\d stocks'
cli downgrade -1
cli current
psql_demo -c "SELECT * FROM pim_migrate_status();"

if [ -n "${KEEP:-}" ]; then
	echo "== the cluster keeps running: psql -h $WORKDIR -p $PORT -U $RUN_USER postgres"
	echo "   stop it with: ${RUN_AS[*]} $PG_BINDIR/pg_ctl -D $PGDATA_DIR stop"
	PGDATA_DIR=
fi
echo "== demo done"
