#!/usr/bin/env bash
# Set everything up on a fresh Debian 12 machine and run the Stock demo on
# a throwaway cluster: install packages, build and install pim_migrate,
# start a cluster, then the Alembic guide's workflow with the pim_migrate
# command, in a copy of the guide's project (examples/: the app package
# with the Stock model, pyproject.toml, versions/): init, upgrade head,
# current, history, check against the models; then the guide's "Make Model
# Changes" (sector added to app/models/stock.py), revision --autogenerate,
# review, upgrade head, check, downgrade -1.
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

# the Alembic guide's commands, with pim_migrate in place of alembic, run
# in the project (pyproject.toml says where the revisions and the models
# are); the models are read by Debian's Python, which has SQLAlchemy
cli() {
	echo "== pim_migrate $*"
	"${RUN_AS[@]}" env DATABASE_URL="postgresql://$RUN_USER@localhost/postgres?host=$WORKDIR&port=$PORT" \
		PIM_MIGRATE_PYTHON=/usr/bin/python3 "$PG_BINDIR/pim_migrate" "$@"
}
PROJECT=$WORKDIR/stock_app
mkdir "$PROJECT"
cp -r "$TOP/examples/app" "$TOP/examples/pyproject.toml" "$TOP/examples/versions" "$PROJECT/"
# The guide's story starts before its "Make Model Changes" step: the Stock
# model without sector, and its first revision only.
rm "$PROJECT"/versions/4e55a8b046a1_*.sql
sed -i '/sector\|# New field/d' "$PROJECT/app/models/stock.py"
chown -R "$RUN_USER" "$PROJECT" 2>/dev/null || true
cd "$PROJECT"

cli init
cli upgrade head
cli current
cli history
echo '== psql -c "\d stocks"'
psql_demo -c '\d stocks'
cli check

echo "== 1. Make Model Changes: sector in app/models/stock.py"
sed -i 's/^    ticker = Column(String, index=True)$/&\n    # New field\n    sector = Column(String, index=True)  # Add this/' app/models/stock.py
grep -n "sector" app/models/stock.py
cli check || echo "(exit $?: a migration is missing)"
echo "== 2. Generate Migration"
cli revision --autogenerate -m "Add sector field to Stock model"
echo "== 3. Review Generated Migration"
cat versions/*_add_sector_field_to_stock_model.sql
echo "== 4. Apply Migration"
cli upgrade head
echo '== 5. Verify Changes: psql -c "\d stocks"'
psql_demo -c '\d stocks'
cli check
cli downgrade -1
cli current
psql_demo -c "SELECT * FROM pim_migrate_status();"

if [ -n "${KEEP:-}" ]; then
	echo "== the cluster keeps running: psql -h $WORKDIR -p $PORT -U $RUN_USER postgres"
	echo "   stop it with: ${RUN_AS[*]} $PG_BINDIR/pg_ctl -D $PGDATA_DIR stop"
	PGDATA_DIR=
fi
echo "== demo done"
