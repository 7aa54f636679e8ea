# pim_migrate lint: the corpus (test/lint/corpus.sql) against the fixture
# database, each case's findings exactly as expected; and the differential
# test against Squawk (squawk-cli from npm, installed by scripts/test.sh):
# every finding Squawk reports for a rule both tools have is reported by
# pim_migrate too, unless the case says why the server knows better.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use IPC::Run;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# the rules pim_migrate has (src/lint.c); Squawk's other rules are style
my %ours = map { $_ => 1 } qw(
  require-concurrent-index-creation require-concurrent-index-deletion
  adding-field-with-default adding-required-field adding-not-nullable-field
  changing-column-type constraint-missing-not-valid
  adding-foreign-key-constraint disallowed-unique-constraint
  adding-serial-primary-key-field ban-drop-column ban-drop-table
  ban-drop-database ban-drop-not-null renaming-column renaming-table
  require-enum-value-ordering transaction-nesting
  ban-concurrent-index-creation-in-transaction require-lock-timeout
  require-concurrent-reindex ban-truncate-cascade);

# the reasons the server may know better than the text
my %reasons = map { $_ => 1 } (
	'created in the same revision', 'binary-coercible',
	'empty table', 'cannot be NOT VALID',
	# Squawk asks for a lock_timeout before any first DDL
	'blocks no query', 'fails in a transaction',
	'silenced by pim_migrate:ignore');

my $root = getcwd();
my $node = PostgreSQL::Test::Cluster->new('lint');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');
$node->safe_psql('app', 'CREATE EXTENSION pim_migrate');
$node->command_ok(
	[
		'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
		'-f', "$root/test/lint/fixture.sql", '-d', $node->connstr('app')
	],
	'fixture loads');

# the corpus, one file per case
my $dir = tempdir(CLEANUP => 1);
my @cases;
my $case;
for my $line (split /\n/, slurp_file("$root/test/lint/corpus.sql"))
{
	if ($line =~ /^-- case: (.*)$/)
	{
		$case = { name => $1, expect => [], squawk_only => [], sql => '' };
		push @cases, $case;
	}
	elsif (!$case) { }
	elsif ($line =~ /^-- expect: (.*)$/)
	{
		$case->{expect} = [ sort grep { $_ ne 'none' } split /,\s*/, $1 ];
	}
	elsif ($line =~ /^-- squawk-only: ([a-z-]+): (.*)$/)
	{
		ok($reasons{$2}, "$case->{name}: \"$2\" is a reason");
		push @{ $case->{squawk_only} }, $1;
		push @{ $case->{reasons} }, $2;
	}
	else { $case->{sql} .= "$line\n"; }
}
cmp_ok(scalar(@cases), '>=', 100, 'at least 100 cases');
my $nstatements = 0;
for my $i (0 .. $#cases)
{
	$cases[$i]{file} = sprintf('%s/case%03d.sql', $dir, $i);
	open(my $fh, '>', $cases[$i]{file}) or die;
	print $fh $cases[$i]{sql};
	close $fh;
	$nstatements += () = $cases[$i]{sql} =~ /;\s*$/mg;
}
cmp_ok($nstatements, '>=', 100, "at least 100 statements ($nstatements)");

# pim_migrate: each case as a file not yet loaded
my $errors = 0;
for my $c (@cases)
{
	my ($out, $err);
	IPC::Run::run([ 'pim_migrate', '-q', '-d', $node->connstr('app'), 'lint',
			'--file', $c->{file} ], '>', \$out, '2>', \$err);
	my $rc = $? >> 8;
	my @found = sort map { /^\S+:\d+: (\w+): ([a-z-]+):/ ? ($2) : () }
	  split /\n/, $out;
	my $has_error = grep { /^\S+:\d+: error: / } split /\n/, $out;
	$c->{found} = \@found;
	is_deeply(\@found, $c->{expect}, "pim_migrate: $c->{name}")
	  or diag($out, $err);
	is($rc, $has_error ? 1 : 0, "pim_migrate: $c->{name}: exit status");
}

# Squawk on the same files, as transactional revisions
my $squawk = $ENV{SQUAWK} // 'squawk';
my ($json, $serr);
IPC::Run::run([ $squawk, '--reporter', 'json', '--assume-in-transaction',
		map { $_->{file} } @cases ], '>', \$json, '2>', \$serr)
  or ($? >> 8) == 1
  or BAIL_OUT("squawk did not run (npm install -g squawk-cli): $serr");
my %by_file;
for my $v (@{ decode_json($json) })
{
	push @{ $by_file{ $v->{file} } }, $v->{rule_name} if $ours{ $v->{rule_name} };
}

my ($agreed, $pim_only) = (0, 0);
my @pim_only;
my %squawk_only;
for my $c (@cases)
{
	my %theirs;
	$theirs{$_}++ for @{ $by_file{ $c->{file} } // [] };
	my %mine;
	$mine{$_}++ for @{ $c->{found} };
	my @missing;
	for my $rule (sort keys %theirs)
	{
		my $n = $mine{$rule} // 0;
		$agreed += $n < $theirs{$rule} ? $n : $theirs{$rule};
		push @missing, ($rule) x ($theirs{$rule} - $n) if $theirs{$rule} > $n;
	}
	for my $rule (keys %mine)
	{
		my $n = $theirs{$rule} // 0;
		next unless $mine{$rule} > $n;
		$pim_only += $mine{$rule} - $n;
		push @pim_only, "$rule ($c->{name})";
	}
	is_deeply([ sort @missing ], [ sort @{ $c->{squawk_only} } ],
		"squawk: $c->{name}: what pim_migrate does not report is explained");
	$squawk_only{$_}++ for @{ $c->{reasons} // [] };
}
my $nsquawk_only = 0;
$nsquawk_only += $_ for values %squawk_only;
diag(sprintf('Squawk differential over %d cases, %d statements: %d agreed, %d pim_migrate only, %d Squawk only (%s)',
		scalar(@cases), $nstatements, $agreed, $pim_only, $nsquawk_only,
		join(', ', map { "$_: $squawk_only{$_}" } sort keys %squawk_only)));
diag("pim_migrate only: " . join('; ', @pim_only));

# The command: lint of the versions directory, of one revision file (lines
# of the file), exit status 1 on an error, and upgrade --plan; neither
# leaves anything registered or applied
my $proj = tempdir(CLEANUP => 1);
mkdir "$proj/versions" or die;
sub write_file
{
	my ($path, $text) = @_;
	open(my $fh, '>', $path) or die;
	print $fh $text;
	close $fh;
}
write_file("$proj/versions/aa01_index.sql", <<'EOT');
-- index and widen
--
-- Revision ID: aa01
-- Revises:

-- +upgrade
CREATE INDEX big_t_idx ON big (t);
-- pim_migrate:ignore changing-column-type
ALTER TABLE big ALTER COLUMN n TYPE bigint;
ALTER TABLE big ALTER COLUMN v TYPE varchar(64);

-- +downgrade
DROP INDEX big_t_idx;
EOT
write_file("$proj/versions/aa02_drop.sql", <<'EOT');
-- drop
--
-- Revision ID: aa02
-- Revises: aa01

-- +upgrade
SET lock_timeout = '1s';
ALTER TABLE small DROP COLUMN name;
EOT
sub pim
{
	my ($out, $err);
	IPC::Run::run([ 'pim_migrate', '-d', $node->connstr('app'), '--dir',
			"$proj/versions", @_ ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}
my ($rc, $out, $err) = pim('lint');
is($rc, 0, 'lint: exit 0 on warnings') or diag($err);
like($out, qr/^aa01:1: warning: require-lock-timeout: .*big \(about 100000 rows/m,
	'lint: the lock timeout, with the size');
like($out, qr/^aa01:1: warning: require-concurrent-index-creation: /m,
	'lint: the index, at its line of the script');
unlike($out, qr/changing-column-type/, 'lint: ignored, and a widening is no rewrite');
like($out, qr/^aa02:2: warning: ban-drop-column: .*small \(about 2 rows, 8192 bytes\)/m,
	'lint: a dropped column whatever the size, the size named');
like($out, qr/^3 findings: 0 errors, 3 warnings, 0 notices$/m, 'lint: the summary')
  or diag($out);
($rc, $out) = pim('lint', 'aa01');
unlike($out, qr/aa02/, 'lint TARGET: up to the target');
{
	local $ENV{PGOPTIONS} = '-c pim_migrate.lint_error_size=1MB';
	($rc, $out) = pim('lint');
	is($rc, 1, 'lint: exit 1 on an error');
	like($out, qr/^aa01:1: error: require-concurrent-index-creation: /m,
		'lint: the error size makes a big table an error');
}
($rc, $out, $err) = pim('lint', '--file', "$proj/versions/aa01_index.sql");
is($rc, 0, 'lint --file: exit 0') or diag($err);
like($out, qr/aa01_index\.sql:7: warning: require-concurrent-index-creation: /,
	'lint --file: lines of the file');
# the file read as the server reads it: loose markers, Transactional: off
write_file("$proj/loose.sql", "-- loose\r\n-- revision id: zz01\r\n-- REVISES:\r\n-- Transactional: off\r\n\r\n--  +Upgrade\r\nCREATE INDEX CONCURRENTLY big_t_idx ON big (t);\r\n-- +downgrade\r\nDROP INDEX big_t_idx;\r\n");
($rc, $out, $err) = pim('lint', '--file', "$proj/loose.sql");
is($rc, 0, 'lint --file: a revision outside a transaction may build concurrently')
  or diag($out, $err);
unlike($out, qr/ban-concurrent|require-concurrent-index-deletion/,
	'lint --file: its downgrade is not linted');
($rc, $out, $err) = pim('lint', '--file', "$proj/versions/aa01_index.sql", 'head');
is($rc, 2, 'lint --file with a target: a usage error');

($rc, $out, $err) = pim('upgrade', '--plan', '-q');
is($rc, 0, 'upgrade --plan: exit 0') or diag($err);
like($out, qr/^aa01:1  [0-9.]+ ms  CREATE INDEX big_t_idx ON big \(t\)\n    locks: big ShareLock, big_t_idx AccessExclusiveLock$/m,
	'upgrade --plan: the index takes SHARE on its table');
like($out, qr/^aa01:3  [0-9.]+ ms  ALTER TABLE big ALTER COLUMN n TYPE bigint\n    locks: .*\n    rewrites: big\b/m,
	'upgrade --plan: a rewrite');
like($out, qr/^aa01:4  [0-9.]+ ms  ALTER TABLE big ALTER COLUMN v TYPE varchar\(64\)\n(?!    rewrites)/m,
	'upgrade --plan: no rewrite for a widening');
is($node->safe_psql('app',
		'SELECT count(*) FROM pim_migrate.revision') . '/'
	  . $node->safe_psql('app', 'SELECT count(*) FROM pim_migrate_current()')
	  . '/' . $node->safe_psql('app', "SELECT to_regclass('big_t_idx') IS NULL"),
	'0/0/t', 'lint and plan leave nothing registered, applied or built');

done_testing();
