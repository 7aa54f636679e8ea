# A fleet: one command over many databases on several servers
# (pim_migrate --fleet FILE).  Four clusters: one with new databases, one
# with a database at an older revision, one whose database makes a
# revision fail, one stopped.  The summary says where each database went,
# a database that cannot be reached is a failure of its line only, exit 0
# only when every database reached the target; the first failure stops the
# starts unless --continue-on-error; a failed canary leaves the rest
# untouched; no password of the fleet file ever shows.
use strict;
use warnings;

use File::Copy qw(copy);
use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my %node;
foreach my $name (qw(fresh behind failing stopped))
{
	$node{$name} = PostgreSQL::Test::Cluster->new($name);
	$node{$name}->init;
	$node{$name}->start;
}
$node{fresh}->safe_psql('postgres',
	'CREATE DATABASE f1; CREATE DATABASE f2; CREATE DATABASE c1; CREATE DATABASE c2; CREATE DATABASE c3');
$node{behind}->safe_psql('postgres', 'CREATE DATABASE b1');
$node{failing}->safe_psql('postgres', 'CREATE DATABASE x1');
# revision fl00002 creates t2, which x1 already has
$node{failing}->safe_psql('x1', 'CREATE TABLE t2 (id int)');
$node{stopped}->stop;

my $dir = tempdir(CLEANUP => 1);
chdir $dir or die;
mkdir 'versions' or die;
foreach my $i (1 .. 3)
{
	my $revises = $i == 1 ? '' : sprintf('fl%05d', $i - 1);
	open(my $fh, '>', sprintf('versions/fl%05d_add_t%d.sql', $i, $i)) or die;
	printf $fh "-- add t%d\n--\n-- Revision ID: fl%05d\n-- Revises: %s\n\n-- +upgrade\nCREATE TABLE t%d (id int);\n\n-- +downgrade\nDROP TABLE t%d;\n",
	  $i, $i, $revises, $i, $i;
	close $fh;
}

# a database's line: as key=value pairs, or a URL
my $user = getpwuid($<);
my $password = 'Pa55-in-the-fleet-file';
sub line
{
	my ($name, $db, %opt) = @_;
	my ($host, $port) = ($node{$name}->host, $node{$name}->port);
	return "postgresql://$user:$password\@/$db?host=$host&port=$port" if $opt{url};
	return "postgresql+psycopg2://$user\@/$db?host=$host&port=$port" if $opt{sqlalchemy};
	return "host=$host port=$port dbname=$db" . ($opt{password} ? " password='$password'" : '');
}
sub shown
{
	my ($name, $db, %opt) = @_;
	return ($opt{url} || $opt{sqlalchemy} ? "$user\@" : '')
	  . $node{$name}->host . ':' . $node{$name}->port . "/$db";
}

sub write_fleet
{
	my ($file, @lines) = @_;
	open(my $fh, '>', $file) or die;
	print $fh map { "$_\n" } @lines;
	close $fh;
}

sub cli
{
	my ($args, $stdin) = @_;
	my ($stdout, $stderr);
	IPC::Run::run([ 'pim_migrate', @$args ], '<', \($stdin // ''), '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

sub current
{
	my ($name, $db) = @_;
	return 'no extension'
	  if $node{$name}->safe_psql($db, "SELECT to_regclass('pim_migrate.version') IS NULL") eq 't';
	return $node{$name}->safe_psql($db, "SELECT coalesce(string_agg(revision, ','), 'base') FROM pim_migrate.version");
}

# the summary's row of a database: its cells after the name
sub row
{
	my ($out, $shown) = @_;
	my ($row) = $out =~ /^\Q$shown\E +(.*)$/m;
	return defined $row ? join(' | ', split(/  +/, $row)) : undef;
}

write_fleet('fleet.txt',
	'# every server of the test',
	line('fresh', 'f1', url => 1),
	'',
	line('fresh', 'f2', password => 1),
	'   # indented comment',
	line('behind', 'b1', sqlalchemy => 1),
	line('failing', 'x1'),
	line('stopped', 'postgres', password => 1));

{
	my ($rc, $out) = cli([ '--help' ]);
	like($out, qr/^      --fleet=FILE  .*^  -j, --jobs=N .*^      --canary=K .*^      --continue-on-error$/ms,
		'--help names the fleet options');
}

# bad usage exits 2, before any database is touched
write_fleet('empty.txt', '# nothing here', '');
write_fleet('bad.txt', line('fresh', 'f1'), "host=/tmp password=$password oops");
foreach my $case (
	[ [ '--canary', '1', 'upgrade' ], qr/--canary goes with --fleet/, '--canary without --fleet' ],
	[ [ '--jobs', '2', 'upgrade' ], qr/--jobs goes with --fleet/, '--jobs without --fleet' ],
	[ [ 'upgrade', '--continue-on-error' ], qr/--continue-on-error goes with --fleet/,
		'--continue-on-error without --fleet' ],
	[ [ '--fleet', 'fleet.txt', '--jobs', '0', 'upgrade' ], qr/--jobs must be a number from 1 to 256, not "0"/,
		'--jobs 0' ],
	[ [ '--fleet', 'fleet.txt', '--canary', 'x', 'upgrade' ], qr/--canary must be a number/, '--canary x' ],
	[ [ '--fleet', 'nonesuch.txt', 'upgrade' ], qr/could not open fleet file "nonesuch.txt": No such file/,
		'a fleet file that does not exist' ],
	[ [ '--fleet', 'empty.txt', 'upgrade' ], qr/fleet file "empty.txt" names no database/, 'an empty fleet file' ],
	[ [ '--fleet', '-', 'upgrade' ], qr/standard input names no database/, 'an empty standard input' ],
	[ [ '--fleet', 'bad.txt', 'upgrade' ], qr/line 2 of fleet file "bad.txt" is not a connection string or URL/,
		'a line that is not a connection string' ],
	[ [ '--fleet', 'fleet.txt', 'revision', '-m', 'x' ], qr/revision does not run over a fleet/, 'revision' ],
	[ [ '--fleet', 'fleet.txt', 'init' ], qr/init does not run over a fleet/, 'init' ],
	[ [ '--fleet', 'fleet.txt', 'history' ], qr/history does not run over a fleet/, 'history' ],
	[ [ '--fleet', 'fleet.txt', '-d', 'dbname=f1', 'upgrade' ], qr/--fleet and -d do not go together/, '-d' ],
	[ [ '--fleet', 'fleet.txt', 'upgrade', '--sql' ], qr/--sql goes with one database/, '--sql' ],
	[ [ '--fleet', 'fleet.txt', '--canary', '1', 'status' ], qr/--canary goes with upgrade, downgrade and stamp/,
		'--canary with status' ])
{
	my ($args, $want, $name) = @$case;
	my ($rc, $out, $err) = cli($args);
	is($rc, 2, "$name: exit 2");
	like($err, $want, "$name: says why");
	unlike($err, qr/\Q$password\E/, "$name: no password");
}
is(current('fresh', 'f1'), 'no extension', 'bad usage touched nothing');

# b1 goes to the first revision, on its own, with only its file
mkdir 'first' or die;
copy('versions/fl00001_add_t1.sql', 'first/') or die;
my ($rc, $out, $err) = cli([ '-d', line('behind', 'b1'), '--dir', 'first', 'upgrade', 'head' ]);
is($rc, 0, 'b1 at fl00001') or diag($err);

# status before the fleet's upgrade: how far behind the files each
# database is
($rc, $out, $err) = cli([ '--fleet', 'fleet.txt', '--jobs', '3', 'status' ]);
is($rc, 1, 'status over the fleet, some behind: exit 1');
like($out, qr/^database +current +head +pending +duration +status$/m, 'status: its columns');
like(row($out, shown('fresh', 'f1', url => 1)), qr/^base \| - \| - \| [\d.]+ s \| no extension$/,
	'status: a database without the extension');
like(row($out, shown('behind', 'b1', sqlalchemy => 1)), qr/^fl00001 \| fl00003 \| 2 \| [\d.]+ s \| pending$/,
	'status: pending, counted against the files');
like(row($out, shown('stopped', 'postgres')), qr/^\? \| - \| - \| [\d.]+ s \| unreachable$/,
	'status: the stopped server is unreachable');
like($out, qr/^5 databases: 3 no extension, 1 pending, 1 unreachable$/m, 'status: the counts');
is($node{behind}->safe_psql('b1', 'SELECT count(*) FROM pim_migrate.revision'), '1',
	'status registered none of the files it counted');

# a failed canary stops everything, --continue-on-error or not: the rest
# stays untouched
write_fleet('canary.txt', line('failing', 'x1'), line('fresh', 'f1', url => 1),
	line('fresh', 'f2', password => 1), line('behind', 'b1'));
($rc, $out, $err) = cli([ '--fleet', 'canary.txt', '--canary', '1', '--jobs', '4', '--continue-on-error',
	'upgrade', 'head' ]);
is($rc, 1, 'a failed canary: exit 1');
like(row($out, shown('failing', 'x1')), qr/^base \| base \| 0\/3 \| [\d.]+ s \| failed$/,
	'the canary failed, rolled back: nothing of its 3 steps stays');
like(row($out, shown('fresh', 'f1', url => 1)), qr/^- \| - \| - \| - \| not started$/, 'f1 not started');
like(row($out, shown('behind', 'b1')), qr/^- \| - \| - \| - \| not started$/, 'b1 not started');
like($out, qr/^4 databases: 1 failed, 3 not started$/m, 'the counts');
like($err, qr/^\Q@{[shown('failing', 'x1')]}\E: pim_migrate: relation "t2" already exists$/m,
	"the canary's error, led by its database");
is(current('fresh', 'f1') . ' ' . current('fresh', 'f2') . ' ' . current('behind', 'b1'),
	'no extension no extension fl00001', 'after the failed canary, the rest is untouched');

# without --continue-on-error, the first failure stops the starts
write_fleet('stop.txt', line('fresh', 'f2', password => 1), line('failing', 'x1'), line('behind', 'b1'));
($rc, $out, $err) = cli([ '--fleet', 'stop.txt', 'upgrade', 'head' ]);
is($rc, 1, 'a failure: exit 1');
like(row($out, shown('fresh', 'f2')), qr/^base \| fl00003 \| 3 \| [\d.]+ s \| ok$/, 'the database before it went on');
like(row($out, shown('failing', 'x1')), qr/^base \| base \| 0\/3 \| [\d.]+ s \| failed$/, 'the failure');
like(row($out, shown('behind', 'b1')), qr/^- \| - \| - \| - \| not started$/, 'the one after it was not started');
is(current('behind', 'b1'), 'fl00001', 'and is untouched');

# the whole fleet, three at a time, on past the failures
($rc, $out, $err) = cli([ '--fleet', 'fleet.txt', '--jobs', '3', '--continue-on-error', 'upgrade', 'head' ]);
is($rc, 1, 'a fleet with a failure and an unreachable server: exit 1');
like($out, qr/^database +from +to +steps +duration +status$/m, 'the summary: its columns');
like(row($out, shown('fresh', 'f1', url => 1)), qr/^base \| fl00003 \| 3 \| [\d.]+ s \| ok$/, 'f1: from base');
like(row($out, shown('fresh', 'f2')), qr/^fl00003 \| fl00003 \| 0 \| [\d.]+ s \| ok$/, 'f2: at head already');
like(row($out, shown('behind', 'b1', sqlalchemy => 1)), qr/^fl00001 \| fl00003 \| 2 \| [\d.]+ s \| ok$/,
	'b1: from another revision');
like(row($out, shown('failing', 'x1')), qr/^base \| base \| 0\/3 \| [\d.]+ s \| failed$/, 'x1: failed');
like(row($out, shown('stopped', 'postgres')), qr/^\? \| \? \| - \| [\d.]+ s \| unreachable$/,
	'the stopped server: a failure of its line, not of the run');
like($out, qr/^5 databases: 3 ok, 1 failed, 1 unreachable$/m, 'the counts');
like($err, qr/^\Q@{[shown('stopped', 'postgres')]}\E: pim_migrate: could not connect to the database \(connection from line 8 of fleet file "fleet.txt"\)/m,
	'the unreachable one says which line it is');
is(join(' ', map { current(@$_) } [ 'fresh', 'f1' ], [ 'fresh', 'f2' ], [ 'behind', 'b1' ], [ 'failing', 'x1' ]),
	'fl00003 fl00003 fl00003 no extension', 'each database where its row says');
unlike($out . $err, qr/\Q$password\E/, 'no password in any output');

# each database's output is one block: its lines are never mixed with
# another's, however many ran at the same time
{
	my @lines = grep { /^\S+: / } split /\n/, $out;
	my (%seen, $last, $mixed);
	foreach my $l (@lines)
	{
		my ($who) = $l =~ /^(.*?): /;
		$mixed = 1 if $seen{$who} && $last ne $who;
		$seen{$who} = 1;
		$last = $who;
	}
	ok(!$mixed && keys %seen == 4, 'the output comes as one block per database');
	like($out, qr/^\Q@{[shown('fresh', 'f1', url => 1)]}\E: Running upgrade fl00002 -> fl00003, add t3$/m,
		'its lines led by the database');
}

# over the databases that are well: from standard input, exit 0, and the
# other commands that look
my $good = join("\n", line('fresh', 'f1', url => 1), line('fresh', 'f2'), line('behind', 'b1'), '');
($rc, $out, $err) = cli([ '--fleet', '-', '--jobs', '2', 'upgrade', 'head' ], $good);
is($rc, 0, 'every database at the target: exit 0') or diag($err);
like($out, qr/^\Q@{[shown('behind', 'b1')]}\E: nothing to upgrade$/m, 'nothing to upgrade, said per database');
like($out, qr/^3 databases: 3 ok$/m, 'all ok');
foreach my $command ('status', 'current', 'check', 'drift', 'verify')
{
	($rc, $out, $err) = cli([ '--fleet', '-', $command ], $good);
	is($rc, 0, "$command over the fleet: exit 0") or diag($err);
	like(row($out, shown('behind', 'b1')),
		$command eq 'status' ? qr/^fl00003 \| fl00003 \| 0 \| [\d.]+ s \| up to date$/ : qr/^fl00003 \| [\d.]+ s \| ok$/,
		"$command: the row of a database");
}
($rc, $out, $err) = cli([ '--fleet', '-', '-q', 'upgrade', 'head' ], $good);
is($rc . $out . $err, '0', '-q, every database well: nothing printed');

# drift is a row's finding: exit 1, the others still looked at
$node{behind}->safe_psql('b1', 'CREATE TABLE by_hand (id int)');
($rc, $out, $err) = cli([ '--fleet', '-', 'drift' ], $good);
is($rc, 1, 'drift in one database: exit 1');
like(row($out, shown('behind', 'b1')), qr/^fl00003 \| [\d.]+ s \| drifted$/, 'drift: the database that drifted');
like(row($out, shown('fresh', 'f2')), qr/^fl00003 \| [\d.]+ s \| ok$/, 'drift: the others');
$node{behind}->safe_psql('b1', 'DROP TABLE by_hand');

# a canary that goes well: the others start once it ended
write_fleet('canaries.txt', map { line('fresh', $_) } qw(c1 c2 c3));
($rc, $out, $err) = cli([ '--fleet', 'canaries.txt', '--canary', '1', '--jobs', '3', 'upgrade', 'head' ]);
is($rc, 0, 'a canary, then the rest: exit 0') or diag($err);
my %times = map {
	$_ => $node{fresh}->safe_psql($_, 'SELECT min(applied_at), max(applied_at) FROM pim_migrate.log')
} qw(c1 c2 c3);
my ($c1_end) = (split /\|/, $times{c1})[1];
ok( $node{fresh}->safe_psql('postgres',
		"SELECT '$c1_end'::timestamptz < ALL (ARRAY['" . join("','", map { (split /\|/, $times{$_})[0] } qw(c2 c3)) . "']::timestamptz[])") eq 't',
	'the others began after the canary had ended');

# on a terminal, a progress line
{
	my $tty_out;
	IPC::Run::run([ 'pim_migrate', '--fleet', 'canaries.txt', 'current' ], '>pty>', \$tty_out);
	like($tty_out, qr/\r\e\[K\[3\/3\] 0 running/, 'on a terminal: the progress line');
}

chdir '/';
$node{$_}->stop foreach qw(fresh behind failing);
done_testing();
