#!/usr/bin/env bash
# Set everything up on a fresh Debian 12 machine and run the Stock demo on
# a throwaway cluster: install packages, build and install pim_migrate,
# start a cluster, then with the pim_migrate command: init, upgrade head
# (which loads the revision files of examples/versions), current, history,
# check against the model in examples/schema.sql, a model change turned into
# a revision by revision --autogenerate, upgrade, downgrade -1.
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
		"$PG_BINDIR/pim_migrate" --dir "$WORKDIR/versions" "$@"
}
# a copy: autogenerate writes a file into it
cp -r "$TOP/examples/versions" "$TOP/examples/schema.sql" "$WORKDIR/"
chown -R "$RUN_USER" "$WORKDIR/versions" "$WORKDIR/schema.sql" 2>/dev/null || true
cli init
cli upgrade head
cli current
cli history
echo '== psql -c "\d stocks"'
psql_demo -c '\d stocks'
cli check --schema-file "$WORKDIR/schema.sql"
echo "== the model gains a column: $WORKDIR/schema.sql"
echo "ALTER TABLE stocks ADD COLUMN currency char(3) NOT NULL DEFAULT 'USD';" >>"$WORKDIR/schema.sql"
cli check --schema-file "$WORKDIR/schema.sql" || echo "(exit $?: a migration is missing)"
cli revision --autogenerate -m "Add currency to Stock model" --schema-file "$WORKDIR/schema.sql"
cat "$WORKDIR"/versions/*_add_currency_to_stock_model.sql
cli upgrade head
cli check --schema-file "$WORKDIR/schema.sql"
cli downgrade -1
cli current
psql_demo -c "SELECT * FROM pim_migrate_status();"

if [ -n "${KEEP:-}" ]; then
	echo "== the cluster keeps running: psql -h $WORKDIR -p $PORT -U $RUN_USER postgres"
	echo "   stop it with: ${RUN_AS[*]} $PG_BINDIR/pg_ctl -D $PGDATA_DIR stop"
	PGDATA_DIR=
fi
echo "== demo done"
