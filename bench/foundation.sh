#!/usr/bin/env bash
# A first measure of pim_migrate's own cost, against the server's floor in
# the same run (issue 8 grows this into the full benchmark):
#
#   up1000     pim_migrate_upgrade('head') over a chain of 1,000 revisions,
#              each CREATE TABLE t_i (id int PRIMARY KEY, v text)
#   floor1000  the same scripts EXECUTEd by a plpgsql loop from a table,
#              one version UPDATE per revision, in one transaction
#   down1000   pim_migrate_downgrade('base') over the same chain
#   noop10k    pim_migrate_upgrade('head') with nothing to do, 10,000 revisions
#   status10k  pim_migrate_status() on 10,000 revisions
#   reg1k      registering 1,000 revisions (pim_migrate_revision with
#   reg10k     explicit parents, in one DO block), and 10,000: the ratio
#              shows whether registration stays linear in the history
#
# Each is run REPS times (default 5) on fresh copies of a template database
# of one throwaway cluster; medians are printed, with the ratio of
# pim_migrate to the floor.  Usage: bench/foundation.sh (after
# scripts/demo.sh or scripts/test.sh has built and installed the extension).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
REPS=${REPS:-5}

PORT=${PORT:-54339}
start_bench_cluster

q -d postgres -c "CREATE DATABASE tpl_chain" -c "CREATE DATABASE tpl_big"
q -d tpl_chain <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
CREATE TABLE bench_script (i int PRIMARY KEY, up text, down text);
INSERT INTO bench_script
SELECT i, format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i),
       format('DROP TABLE t_%s', i)
FROM generate_series(1, 1000) i;
SELECT count(pim_migrate_revision('r' || i, up, down, revision => 'r' || i,
                                  down_revision => CASE WHEN i = 1 THEN '{}'::text[]
                                                   ELSE ARRAY['r' || (i - 1)] END))
FROM (SELECT * FROM bench_script ORDER BY i) s;
CREATE TABLE bench_version (v text);
INSERT INTO bench_version VALUES (NULL);
-- the floor: the same scripts, one EXECUTE each, one version update each
CREATE FUNCTION bench_floor() RETURNS void LANGUAGE plpgsql AS $$
DECLARE s record;
BEGIN
  FOR s IN SELECT * FROM bench_script ORDER BY i LOOP
    EXECUTE s.up;
    UPDATE bench_version SET v = 'r' || s.i;
  END LOOP;
END $$;
SQL
q -d tpl_big <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pim_migrate;
DO $$ BEGIN
  FOR i IN 1..10000 LOOP
    PERFORM pim_migrate_revision('r' || i, 'SELECT 1', 'SELECT 1', revision => 'r' || i,
                                 down_revision => CASE WHEN i = 1 THEN '{}'::text[]
                                                  ELSE ARRAY['r' || (i - 1)] END);
  END LOOP;
END $$;
SELECT count(*) FROM pim_migrate_upgrade('head');
SQL

declare -A runs
for ((r = 1; r <= REPS; r++)); do
	q -d postgres -c "CREATE DATABASE b_up TEMPLATE tpl_chain" -c "CREATE DATABASE b_floor TEMPLATE tpl_chain" \
		-c "CREATE DATABASE b_reg TEMPLATE template0"
	q -d b_reg -c "CREATE EXTENSION pim_migrate"
	runs[up1000]+="$(timed b_up "SELECT count(*) FROM pim_migrate_upgrade('head')") "
	runs[floor1000]+="$(timed b_floor "SELECT bench_floor()") "
	runs[down1000]+="$(timed b_up "SELECT count(*) FROM pim_migrate_downgrade('base')") "
	runs[noop10k]+="$(timed tpl_big "SELECT count(*) FROM pim_migrate_upgrade('head')") "
	runs[status10k]+="$(timed tpl_big "SELECT pending FROM pim_migrate_status()") "
	runs[reg1k]+="$(timed b_reg "DO \$\$ BEGIN FOR i IN 1..1000 LOOP PERFORM pim_migrate_revision('s' || i, 'SELECT 1', 'SELECT 1', revision => 's' || i, down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['s' || (i - 1)] END); END LOOP; END \$\$") "
	q -d b_reg -c "TRUNCATE pim_migrate.revision"
	runs[reg10k]+="$(timed b_reg "DO \$\$ BEGIN FOR i IN 1..10000 LOOP PERFORM pim_migrate_revision('r' || i, 'SELECT 1', 'SELECT 1', revision => 'r' || i, down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END); END LOOP; END \$\$") "
	q -d postgres -c "DROP DATABASE b_up" -c "DROP DATABASE b_floor" -c "DROP DATABASE b_reg"
done

print_medians up1000 floor1000 down1000 noop10k status10k reg1k reg10k
awk -v a="$med_up1000" -v b="$med_floor1000" -v r1="$med_reg1k" -v r10="$med_reg10k" \
	'BEGIN { printf "ratio up1000 / floor1000: %.2f\nratio reg10k / reg1k: %.1f (10 is linear)\n", a / b, r10 / r1 }'
