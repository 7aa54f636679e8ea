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

done_testing();
