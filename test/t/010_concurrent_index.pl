# A revision marked Transactional: false, run by the pim_migrate command
# while another session keeps inserting into the table it indexes: with
# CREATE INDEX CONCURRENTLY the inserts never wait for the build, where a
# plain CREATE INDEX (the control) holds them for its whole length.  Its
# failure case: a duplicate under a unique concurrent index leaves the
# revision unrecorded, and the error names the statement, what of the
# revision stays, and the invalid index to drop.
use strict;
use warnings;

use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', q{
	CREATE EXTENSION pim_migrate;
	SELECT pim_migrate_watch_ddl(true);
	CREATE TABLE events (id bigserial PRIMARY KEY, k text NOT NULL, v int);
	INSERT INTO events (k, v) SELECT md5(i::text), i FROM generate_series(1, 500000) i;
	-- the writer: one insert per transaction, each one timed
	CREATE TABLE writes (t0 timestamptz, took interval);
	CREATE TABLE writer_stop ();
	CREATE PROCEDURE writer() LANGUAGE plpgsql AS $$
	DECLARE
		t0 timestamptz;
		deadline timestamptz := clock_timestamp() + interval '120 s';
	BEGIN
		LOOP
			EXIT WHEN EXISTS (SELECT FROM writer_stop) OR clock_timestamp() > deadline;
			t0 := clock_timestamp();
			INSERT INTO events (k, v) VALUES (md5(random()::text), -1);
			INSERT INTO writes VALUES (t0, clock_timestamp() - t0);
			COMMIT;
		END LOOP;
	END $$;
});

my $dir = tempdir(CLEANUP => 1);
chdir $dir or die;
mkdir 'versions' or die;
$ENV{DATABASE_URL} = $node->connstr('app');

sub revision_file
{
	my ($id, $revises, $transactional, $up, $down) = @_;
	open(my $fh, '>', "versions/${id}_r.sql") or die;
	print $fh "-- $id\n--\n-- Revision ID: $id\n-- Revises: $revises\n"
	  . "-- Transactional: $transactional\n\n-- +upgrade\n$up\n-- +downgrade\n$down\n";
	close $fh;
}

sub cli
{
	my @args = @_;
	my ($out, $err);
	IPC::Run::run([ 'pim_migrate', @args ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# Run "pim_migrate upgrade TARGET" while the writer inserts; return how long
# the revision took (from the log) and the longest insert meanwhile, in ms.
sub upgrade_under_writes
{
	my ($target, $rev) = @_;
	$node->safe_psql('app', 'DELETE FROM writer_stop; TRUNCATE writes');
	my $writer = IPC::Run::start([ 'psql', '-X', '-q', '-d', $node->connstr('app'),
		'-c', 'CALL writer()' ], '>', \my $wout, '2>', \my $werr);
	$node->poll_query_until('app', 'SELECT count(*) > 100 FROM writes') or die;
	my ($rc, $out, $err) = cli('upgrade', $target);
	is($rc, 0, "upgrade $target under writes") or diag($err);
	$node->safe_psql('app', 'INSERT INTO writer_stop DEFAULT VALUES');
	$writer->finish;
	my ($ms, $inserts, $max) = split /\|/, $node->safe_psql('app', qq{
		SELECT round(extract(epoch FROM l.duration) * 1000), count(w.*),
			   round(extract(epoch FROM max(w.took)) * 1000, 1)
		FROM pim_migrate.log l
		LEFT JOIN writes w ON w.t0 BETWEEN l.applied_at AND l.applied_at + l.duration
		WHERE l.revision = '$rev' AND l.operation = 'upgrade'
		GROUP BY l.duration});
	note("$rev: built in $ms ms; $inserts inserts meanwhile, the longest $max ms");
	return ($out, $ms, $inserts, $max);
}

# The control: a plain CREATE INDEX in a transactional revision holds the
# writer for the length of the build.
revision_file('i1', '', 'true', 'CREATE INDEX ix_events_v ON events (v);',
	'DROP INDEX ix_events_v;');
my ($out, $ms, $inserts, $max) = upgrade_under_writes('i1', 'i1');
cmp_ok($max, '>=', $ms / 2, 'control: an insert waited for most of the plain index build');

# The same table, an index built concurrently: no insert waits for it.
revision_file('c1', 'i1', 'false', 'CREATE INDEX CONCURRENTLY ix_events_k ON events (k);',
	'DROP INDEX CONCURRENTLY ix_events_k;');
revision_file('c2', 'c1', 'true', "COMMENT ON INDEX ix_events_k IS 'built concurrently';",
	'COMMENT ON INDEX ix_events_k IS NULL;');
($out, $ms, $inserts, $max) = upgrade_under_writes('head', 'c1');
like($out, qr/^Running upgrade i1 -> c1, c1 \(outside a transaction\)\nRunning upgrade c1 -> c2, c2\n/m,
	'the concurrent revision runs outside a transaction, the next one as usual');
cmp_ok($inserts, '>=', 10, 'inserts went on during the concurrent build');
cmp_ok($max, '<', $ms / 4, 'no insert waited for the concurrent build');
is($node->safe_psql('app', q{
	SELECT indisvalid, obj_description('ix_events_k'::regclass, 'pg_class')
	FROM pg_index WHERE indexrelid = 'ix_events_k'::regclass}),
	't|built concurrently', 'the index is valid, and the revision after it ran');
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'c2', 'current is c2');

# The failure case: a duplicate key under a unique index built concurrently,
# in the second statement of the revision.
$node->safe_psql('app', "INSERT INTO events (k, v) SELECT k, -2 FROM events WHERE id = 1");
revision_file('u1', 'c2', 'false',
	"CREATE INDEX CONCURRENTLY ix_events_kv ON events (k, v);\n"
	  . "CREATE UNIQUE INDEX CONCURRENTLY ux_events_k ON events (k);",
	"DROP INDEX CONCURRENTLY ux_events_k;\nDROP INDEX CONCURRENTLY ix_events_kv;");
my ($rc, $err);
($rc, $out, $err) = cli('upgrade', 'head', '--dry-run');
is($rc, 1, 'a dry run cannot hold it: exit 1');
like($err, qr/a dry run cannot hold revision "u1": it is marked "Transactional: false"/,
	'a dry run cannot hold it: said so');
($rc, $out, $err) = cli('upgrade', 'head');
is($rc, 1, 'a failing concurrent statement: exit 1');
like($err, qr/^pim_migrate: revision u1, upgrade, line 2: could not create unique index "ux_events_k"$/m,
	'the error names the revision, the line and the failure');
like($err, qr/^STATEMENT:  CREATE UNIQUE INDEX CONCURRENTLY ux_events_k ON events \(k\)$/m,
	'the error shows the statement');
like($err, qr/Revision u1 was not recorded.*Its 1 statement before this one ran and stays.*the invalid index ux_events_k: drop it \(DROP INDEX CONCURRENTLY ux_events_k;\)/s,
	'the hint says what stays and names the invalid index');
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'c2',
	'the revision is not recorded');
is($node->safe_psql('app', q{SELECT count(*) FROM pim_migrate.log WHERE revision = 'u1'}), '0',
	'nothing of it in the log');
is($node->safe_psql('app', q{SELECT count(*) FROM pg_locks WHERE relation = 'pim_migrate.version'::regclass}),
	'0', 'the migration lock went with the connection');

# cleaning up as the hint says, then running again
$node->safe_psql('app', 'DROP INDEX ux_events_k; DROP INDEX ix_events_kv');
$node->safe_psql('app', 'DELETE FROM events WHERE v = -2');
($rc, $out, $err) = cli('upgrade', 'head');
is($rc, 0, 'after the clean-up the revision runs') or diag($err);
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'u1', 'current is u1');

# What a client-run revision SETs ends with it, as in the server: a
# search_path without the extension's schema no longer breaks the
# bookkeeping.  Ids with quotes and backslashes reach the server intact.
revision_file('s1', 'u1', 'false',
	"SET search_path = pg_catalog;\nSET maintenance_work_mem = '64MB';\n"
	  . "CREATE INDEX CONCURRENTLY ix_events_v2 ON public.events (v);",
	"DROP INDEX CONCURRENTLY public.ix_events_v2;");
open(my $fh, '>', 'versions/q_r.sql') or die;
print $fh qq{-- odd\n--\n-- Revision ID: q"x\\y\n-- Revises: s1\n\n-- +upgrade\nSELECT 1;\n-- +downgrade\nSELECT 1;\n};
close $fh;
($rc, $out, $err) = cli('upgrade', 'head');
is($rc, 0, 'a client-run revision that sets search_path is recorded') or diag($err);
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'q"x\\y',
	'an id with a quote and a backslash is applied as written');
unlink 'versions/q_r.sql';
($rc, $out, $err) = cli('downgrade', 's1');
is($rc, 0, 'and taken back') or diag($err);
($rc, $out, $err) = cli('downgrade', 'u1');
is($rc, 0, 'the client-run one too') or diag($err);
unlink 'versions/s1_r.sql';

# and back down to base, each concurrent revision outside a transaction
($rc, $out, $err) = cli('downgrade', 'base');
is($rc, 0, 'downgrade to base') or diag($err);
is( $out,
	"Running downgrade u1 -> c2, u1 (outside a transaction)\n"
	  . "Running downgrade c2 -> c1, c2\n"
	  . "Running downgrade c1 -> i1, c1 (outside a transaction)\n"
	  . "Running downgrade i1 -> , i1\n",
	'the downgrade steps, in order');
is($node->safe_psql('app', q{SELECT count(*) FROM pg_indexes WHERE tablename = 'events'}), '1',
	'only the primary key is left');

# the DDL watch saw the setup's index and those dropped by hand, and nothing of the
# statements the command ran itself for its migrations
is($node->safe_psql('app', q{SELECT string_agg(command_tag || ' ' || object_identity, ',' ORDER BY object_identity)
	FROM pim_migrate.ddl_event WHERE object_type = 'index'}),
	'CREATE INDEX public.events_pkey,DROP INDEX public.ix_events_kv,DROP INDEX public.ux_events_k',
	'the DDL watch records the hand-made DDL only');

done_testing();
