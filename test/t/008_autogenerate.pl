# Autogenerate round trips: every pair of test/autogenerate/*.sql,
# upgrade_sql must turn the old schema into the new one and downgrade_sql
# bring the old one back, as pg_dump --schema-only sees them, and
# pim_migrate_check() must then agree.  The work is done by
# test/autogenerate_roundtrip.py (python3-psycopg2); it prints every
# failing pair with its script, and a summary line.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = '/usr/bin/python3';
my ($out, $err);
plan skip_all => "$python cannot import psycopg2 (apt-get install python3-psycopg2)"
  unless -x $python
  && IPC::Run::run([ $python, '-c', 'import psycopg2' ], '>', \$out, '2>', \$err);

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE roundtrip;');
$node->safe_psql('roundtrip', 'CREATE EXTENSION pim_migrate;');

my ($stdout, $stderr);
local $ENV{PGHOST} = $node->host;
local $ENV{PGPORT} = $node->port;
local $ENV{PGDATABASE} = 'roundtrip';
my $ok = IPC::Run::run(
	[
		$python, 'test/autogenerate_roundtrip.py',
		sort(glob('test/autogenerate/*.sql')),
		$node->installed_command('pg_dump')
	],
	'>', \$stdout, '2>', \$stderr);
note($stdout);
note("stderr:\n$stderr") if $stderr ne '';

my ($pairs, $failed) = $stdout =~ /^pairs: (\d+), failed: (\d+)$/m;
ok($ok && defined $failed && $failed == 0,
	"every pair round-trips: " . ($pairs // 0) . " pairs, "
	  . ($failed // 'no summary') . " failed");
cmp_ok($pairs // 0, '>=', 300, 'at least 300 pairs');

# nothing is left behind by the scratch schemas of pim_migrate_diff
is( $node->safe_psql(
		'roundtrip',
		"SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pim_migrate_desired%'"),
	'0',
	'no scratch schema is left');

$node->stop;
done_testing();
