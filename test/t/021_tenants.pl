# The pim_migrate command over tenant schemas: upgrade, downgrade, stamp
# and current with --tenants and --all-tenants, the summary, the progress
# line on a terminal, and the exit status when a tenant fails.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$FindBin::Bin/lib";
use PimCommand;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');

my $dir = tempdir(CLEANUP => 1);
chdir $dir or die;
my $host = $node->host;
my $port = $node->port;
$ENV{DATABASE_URL} = "postgresql://localhost/app?host=$host&port=$port";

sub cli { return run_command(@_); }

sub psql
{
	return $node->safe_psql('app', shift);
}

# three revisions, as files
mkdir 'versions' or die;
my @scripts = (
	[ 'CREATE TABLE item (id int PRIMARY KEY);', 'DROP TABLE item;' ],
	[ 'ALTER TABLE item ADD COLUMN name text;', 'ALTER TABLE item DROP COLUMN name;' ],
	[ 'CREATE INDEX item_name ON item (name);', 'DROP INDEX item_name;' ]);
for my $i (1 .. 3)
{
	my $parent = $i > 1 ? sprintf('r%02d', $i - 1) : '';
	open(my $fh, '>', sprintf('versions/r%02d_step_%d.sql', $i, $i)) or die;
	printf $fh "-- step %d\n--\n-- Revision ID: r%02d\n-- Revises: %s\n\n"
	  . "-- +upgrade\n%s\n\n-- +downgrade\n%s\n",
	  $i, $i, $parent, $scripts[ $i - 1 ][0], $scripts[ $i - 1 ][1];
	close $fh;
}

psql('CREATE EXTENSION pim_migrate');
psql("CREATE SCHEMA tenant_$_") for 1 .. 3;
psql("SELECT pim_migrate_add_tenant('tenant_%')");

sub tenants
{
	return psql("SELECT string_agg(schema || '=' || array_to_string(current, ','), ' ')"
		  . ' FROM pim_migrate_tenants()');
}

# every tenant from base, one after the other, with a summary
my ($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants');
is($rc, 0, 'upgrade --all-tenants: exit 0') or diag($err);
like($out, qr/^Upgrading schema "tenant_1": 3 steps\nRunning upgrade  -> r01, step 1\n/m,
	'each tenant is announced before its steps');
like($out, qr/^3 tenants: 3 upgraded \(9 steps\), 0 with nothing to upgrade$/m,
	'the summary counts tenants and steps');
is(tenants(), 'tenant_1=r03 tenant_2=r03 tenant_3=r03', 'every tenant is at head');
is(psql('SELECT count(*) FROM pg_indexes WHERE indexname = \'item_name\''), '3',
	'the scripts ran in each tenant');
($rc, $out, $err) = cli('current');
is($out, '', 'the ordinary case has nothing applied');

# nothing to do, then a new tenant catches up alone
($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants');
like($out, qr/^3 tenants: 0 upgraded \(0 steps\), 3 with nothing to upgrade$/m,
	'nothing to do: said');
psql('CREATE SCHEMA tenant_4');
($rc, $out, $err) = cli('upgrade', '--tenants', 'tenant_%');
is($rc, 0, 'a new tenant: exit 0');
like($out, qr/^4 tenants: 1 upgraded \(3 steps\), 3 with nothing to upgrade$/m,
	'a new tenant catches up from base, alone');
unlike($out, qr/tenant_1/, 'the others are not mentioned');

# downgrade and current, by name and by pattern
($rc, $out, $err) = cli('downgrade', '-1', '--tenants', 'tenant_2');
like($out, qr/^1 tenant: 1 downgraded \(1 step\), 0 with nothing to downgrade$/m,
	'downgrade -1 --tenants');
($rc, $out, $err) = cli('current', '--tenants', 'tenant_1', '--tenants', 'tenant_2');
is($out, "tenant_1: r03 (head)\ntenant_2: r02\n", 'current --tenants');

# -q prints nothing; --dry-run changes nothing
($rc, $out, $err) = cli('-q', 'upgrade', 'head', '--all-tenants', '--dry-run');
is($out, '', '-q: nothing printed');
($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants', '--dry-run');
like($out, qr/^4 tenants: 1 would be upgraded \(1 step, rolled back\), 3 with nothing to upgrade$/m,
	'--dry-run: said');
like(tenants(), qr/tenant_2=r02 /, '--dry-run: nothing changed');

# a tenant that fails, in one transaction: the error names it, and
# nothing of the run stays
psql('CREATE SCHEMA tenant_5; CREATE TABLE tenant_5.item (id int)');
($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants');
is($rc, 1, 'a failed tenant in one transaction: exit 1');
like($err, qr/relation "item" already exists\nCONTEXT:  revision r01, upgrade, line 1\ntenant "tenant_5"/,
	'the error names the revision and the tenant');
like($err, qr/the migration was rolled back/, 'and says nothing stays');
like(tenants(), qr/tenant_2=r02 .*tenant_5=$/, 'no tenant moved');

# with --each, the failed tenant stops, the others go on, and the exit
# status says so
($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants', '--each');
is($rc, 1, '--each with a failed tenant: exit 1');
like($err, qr/^pim_migrate: warning: tenant "tenant_5" stopped at base: relation "item" already exists$/m,
	'the failed tenant is named as it fails');
like($err, qr/the migration failed in 1 of 5 tenants: "tenant_5"/, 'and at the end');
like($out, qr/^5 tenants: 1 upgraded \(1 step\), 3 with nothing to upgrade, 1 failed: tenant_5$/m,
	'the summary names it');
like(tenants(), qr/tenant_2=r03 .*tenant_5=$/, 'the others were migrated');
psql('DROP TABLE tenant_5.item');
($rc, $out, $err) = cli('upgrade', 'head', '--all-tenants', '--each');
is($rc, 0, 'fixed: exit 0');
like($out, qr/^5 tenants: 1 upgraded \(3 steps\), 4 with nothing to upgrade$/m,
	'the failed tenant resumes');

# stamp: the version rows only, back and forth
($rc, $out, $err) = cli('stamp', 'r01', '--tenants', 'tenant_4');
like($out, qr/^Stamping schema "tenant_4"\nStamping r01, step 1\ntenant_4: r01\n1 tenant stamped\n$/,
	'stamp --tenants');
($rc, $out, $err) = cli('stamp', 'r03', '--tenants', 'tenant_4');
like(tenants(), qr/tenant_4=r03/, 'stamped back');

# the progress line on a terminal: rewritten in place, then the summary
cli('-q', 'downgrade', 'r01', '--tenants', 'tenant_4');
my $tty = '';
IPC::Run::run([ 'pim_migrate', 'upgrade', 'head', '--all-tenants' ], '>pty>', \$tty);
like($tty, qr/\r\e\[K\[1\/1\] tenant_4: Running upgrade r01 -> r02, step 2/,
	'a progress line on a terminal');
like($tty, qr/\r\e\[K5 tenants: 1 upgraded \(2 steps\), 4 with nothing to upgrade/,
	'cleared before the summary');
unlike($tty, qr/^Running upgrade/m, 'no line per step on a terminal');

# what is not a tenant, and bad usage
($rc, $out, $err) = cli('upgrade', 'head', '--tenants', 'public');
is($rc, 1, 'not a tenant: exit 1');
like($err, qr/schema "public" is not a tenant/, 'not a tenant: said');
($rc, $out, $err) = cli('upgrade', 'head', '--tenants', 'gone');
like($err, qr/schema "gone" does not exist/, 'no such schema: said');
($rc, $out, $err) = cli('upgrade', '--tenants', 'x', '--all-tenants');
is($rc, 2, '--tenants with --all-tenants: exit 2');
($rc, $out, $err) = cli('upgrade', '--tenants', 'x', '--sql');
is($rc, 2, '--tenants with --sql: exit 2');
($rc, $out, $err) = cli('history', '--all-tenants');
is($rc, 2, '--all-tenants with history: exit 2');
like($err, qr/go with upgrade, downgrade, stamp and current/, 'bad usage: said');
($rc, $out, $err) = cli('upgrade', '--tenants');
is($rc, 2, '--tenants without its argument: exit 2');

done_testing();
