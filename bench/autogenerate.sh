#!/usr/bin/env bash
# Autogenerate's cost against the server's floor, in the same run:
#
#   floorN   the desired schema of N tables (each with a primary key, a
#            foreign key to the one before, a check, a default and an index;
#            a view for every tenth) built in a scratch schema in a
#            subtransaction that is rolled back: what any diff must pay
#   checkN   pim_migrate_check() of that schema against a live one that
#            equals it (build, read both catalogs, compare)
#   diffN    pim_migrate_diff() when one column is added
#
# for N = 100 and 1,000 (ratio 1000/100 near 10: linear in the schema's
# size).  Then the models path, end to end from the command line: a
# project of 200 SQLAlchemy models (bench/make_models.py) whose database is
# at head, one column added to the models, and
#
#   models_pim      pim_migrate revision --autogenerate (Python renders the
#                   models with SQLAlchemy's compiler, the server diffs)
#   models_alembic  alembic revision --autogenerate, compare_type and
#                   compare_server_default on
#
# each writing its revision file (removed after each run).  REPS runs each
# (default 5), alternating; medians in ms.  Usage: bench/autogenerate.sh
# (after scripts/demo.sh or scripts/test.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}
PORT=${PORT:-54349}
start_bench_cluster

q -d postgres -c "CREATE DATABASE bench"
q -d bench <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
CREATE FUNCTION desired(n int, extra bool DEFAULT false) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(format(
    'CREATE TABLE t_%1$s (id int PRIMARY KEY, ref int %2$s, name text NOT NULL, '
    'v numeric(10,2) DEFAULT 0 CHECK (v >= 0)%3$s); CREATE INDEX t_%1$s_name ON t_%1$s (name);%4$s',
    i, CASE WHEN i > 1 THEN format('REFERENCES t_%s', i - 1) ELSE '' END,
    CASE WHEN extra AND i = n THEN ', added text' ELSE '' END,
    CASE WHEN i % 10 = 0 THEN format(' CREATE VIEW v_%1$s AS SELECT id, name FROM t_%1$s;', i) ELSE '' END),
    E'\n' ORDER BY i)
  FROM generate_series(1, n) i $$;
CREATE FUNCTION floor_build(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    CREATE SCHEMA scratch;
    SET LOCAL search_path = scratch;
    EXECUTE public.desired(n);
    RAISE EXCEPTION 'roll back';
  EXCEPTION WHEN raise_exception THEN NULL;
  END;
END $$;
CREATE SCHEMA s100;
CREATE SCHEMA s1000;
DO $$ BEGIN
  SET LOCAL search_path = s100; EXECUTE public.desired(100);
  SET LOCAL search_path = s1000; EXECUTE public.desired(1000);
END $$;
SQL

declare -A runs
for ((r = 1; r <= REPS; r++)); do
	for n in 100 1000; do
		runs[floor$n]+="$(timed bench "SELECT floor_build($n)") "
		runs[check$n]+="$(timed bench "SELECT pim_migrate_check(desired($n), 's$n')") "
		runs[diff$n]+="$(timed bench "SELECT length(upgrade_sql) FROM pim_migrate_diff(desired($n, true), 's$n')") "
	done
done
q -d bench -At -c "SELECT pim_migrate_check(desired(1000), 's1000'), upgrade_sql FROM pim_migrate_diff(desired(1000, true), 's1000')"

print_medians floor100 check100 diff100 floor1000 check1000 diff1000
awk -v c1="$med_check100" -v f1="$med_floor100" -v c2="$med_check1000" -v f2="$med_floor1000" \
	'BEGIN { printf "ratio check/floor: %.2f (100 tables), %.2f (1,000)\nratio check1000 / check100: %.1f (10 is linear)\n", c1 / f1, c2 / f2, c2 / c1 }'

# --- the models path, end to end --------------------------------------------
MODELS=${MODELS:-200}
PYTHON=/usr/bin/python3
PROJECT=$WORKDIR/models
"${RUN_AS[@]}" $PYTHON "$TOP/bench/make_models.py" "$MODELS" "$PROJECT"
q -d postgres -c "CREATE DATABASE models"
in_project() {
	(cd "$PROJECT" && "${RUN_AS[@]}" env PIM_MIGRATE_PYTHON=$PYTHON \
		DATABASE_URL="postgresql+psycopg2://localhost/models?host=$WORKDIR&port=$PORT" "$@")
}
# the database at head for both tools: the models as create_all() makes them
in_project $PYTHON -c 'import os, sqlalchemy as sa, shop_models as m; m.Base.metadata.create_all(sa.create_engine(os.environ["DATABASE_URL"]))'
in_project pim_migrate -q stamp head
in_project $PYTHON -m alembic stamp head >/dev/null 2>&1
for ((r = 1; r <= REPS; r++)); do
	t0=$(date +%s%N)
	in_project env BENCH_EXTRA=1 pim_migrate -q revision --autogenerate -m "added" >/dev/null
	t1=$(date +%s%N)
	in_project env BENCH_EXTRA=1 $PYTHON -m alembic revision --autogenerate -m "added" >/dev/null 2>&1
	t2=$(date +%s%N)
	runs[models_pim]+="$(((t1 - t0) / 1000000)) "
	runs[models_alembic]+="$(((t2 - t1) / 1000000)) "
	grep -q "ADD COLUMN added" "$PROJECT"/versions/*_added.sql ||
		{ echo "bench: pim_migrate did not find the added column" >&2; exit 1; }
	grep -q "add_column('t_$MODELS', sa.Column('added'" "$PROJECT"/alembic/versions/*_added.py ||
		{ echo "bench: alembic did not find the added column" >&2; exit 1; }
	"${RUN_AS[@]}" rm -f "$PROJECT"/versions/*_added.sql "$PROJECT"/alembic/versions/*_added.py
done
echo "models path, $MODELS tables, one column added (wall clock, ms):"
print_medians models_pim models_alembic
paired_ratio "alembic / pim_migrate (target >= 3)" models_alembic models_pim
