# Fuzz test: 20,000 generated and mutated inputs (targets, history ranges,
# stamp lists, revision ids and labels, revision files, merge arrays, odd
# but valid data) sent through the SQL functions of a live node.  The work
# is done by test/fuzz.py, run with Debian's python3 (python3-psycopg2); it
# fails on a lost connection, a SQLSTATE outside pim_migrate's classes, a
# malformed input accepted, pim_migrate_verify() finding fault with the
# catalog, or data that does not read back byte for byte, and prints a
# summary line.  The node's log must then show no backend killed by a
# signal.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $python = '/usr/bin/python3';
my $script = 'test/fuzz.py';

# the Python side must be there, or there is nothing to send the inputs
my ($imports_ok, $why) = (0, "$python is not there or not executable");
if (-x $python)
{
	my ($out, $err);
	$imports_ok = IPC::Run::run([ $python, '-c', 'import psycopg2' ],
		'>', \$out, '2>', \$err);
	$err =~ s/\s+$//;
	my ($last) = $err =~ /([^\n]*)$/;
	$why = "$python cannot import psycopg2 "
	  . "(apt-get install python3-psycopg2): $last";
}
plan skip_all => $why unless $imports_ok;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE fuzz;');
$node->safe_psql('fuzz', 'CREATE EXTENSION pim_migrate;');

my ($stdout, $stderr);
my $started = time;
my $ok = IPC::Run::run(
	[
		$python, $script,
		'--dsn', $node->connstr('fuzz'),
		'--seed', '1', '--count', '20000'
	],
	'>', \$stdout, '2>', \$stderr);
my $elapsed = time - $started;
note($stdout);
note("stderr:\n$stderr") if $stderr ne '';
note(sprintf("took %.1f s", $elapsed));

my ($summary) = $stdout =~ /^(fuzz: \d+ inputs, \d+ failures)$/m;
ok($ok && defined $summary && $summary =~ / 0 failures$/,
	'every input handled: ' . ($summary // 'no summary line'));

# a crash the script did not see (or saw and survived) is in the log
my $log = slurp_file($node->logfile);
my @killed = $log =~ /^(.*terminated by signal.*)$/mg;
ok(!@killed, 'no server process terminated by a signal')
  or diag(join("\n", @killed));

$node->stop;
done_testing();
