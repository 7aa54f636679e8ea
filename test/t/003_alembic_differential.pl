# Differential test against Alembic: random revision graphs (bases, branch
# points, merges, branch labels, depends_on) built both in pim_migrate and
# as Alembic 1.8 RevisionMaps, the same upgrades, downgrades, heads and show
# questions asked of both, the answers compared.  The work is done by
# test/alembic_differential.py, run with Debian's python3 (python3-alembic,
# python3-psycopg2); it prints every difference and a summary line.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $python = '/usr/bin/python3';
my $script = 'test/alembic_differential.py';

# the Python side must be there, or there is nothing to compare with
my ($imports_ok, $why) = (0, "$python is not there or not executable");
if (-x $python)
{
	my ($out, $err);
	$imports_ok = IPC::Run::run([ $python, '-c', 'import alembic, psycopg2' ],
		'>', \$out, '2>', \$err);
	$err =~ s/\s+$//;
	my ($last) = $err =~ /([^\n]*)$/;
	$why = "$python cannot import alembic and psycopg2 "
	  . "(apt-get install python3-alembic python3-psycopg2): $last";
}
plan skip_all => $why unless $imports_ok;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE differential;');
$node->safe_psql('differential', 'CREATE EXTENSION pim_migrate;');

my ($stdout, $stderr);
my $started = time;
my $ok = IPC::Run::run(
	[
		$python, $script,
		'--dsn', $node->connstr('differential'),
		'--seed', '1', '--graphs', '300'
	],
	'>', \$stdout, '2>', \$stderr);
my $elapsed = time - $started;
note($stdout);
note("stderr:\n$stderr") if $stderr ne '';
note(sprintf("took %.1f s", $elapsed));

my ($summary) =
  $stdout =~ /^(alembic differential: \d+ questions compared, \d+ differences)$/m;
ok($ok && defined $summary && $summary =~ / 0 differences$/,
	'pim_migrate answers as Alembic does: '
	  . ($summary // 'no summary line'));

$node->stop;
done_testing();
