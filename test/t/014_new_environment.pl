# A new environment needs no "pim_migrate init": the commands that migrate
# create the extension in their own transaction, as Alembic creates its
# version table; a role that may not create it is told what it lacks and
# what a DBA runs, and nothing is created.
use strict;
use warnings;

use File::Temp qw(tempdir);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres',
	'CREATE DATABASE fresh; CREATE DATABASE locked; CREATE ROLE regress_deployer LOGIN');

my $dir = tempdir(CLEANUP => 1);
chdir $dir or die;
my $host = $node->host;
my $port = $node->port;

sub cli
{
	my ($conninfo, @args) = @_;
	my ($stdout, $stderr);
	IPC::Run::run([ 'pim_migrate', '-d', "host=$host port=$port $conninfo", @args ],
		'>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

mkdir 'versions' or die;
open(my $fh, '>', 'versions/new00001_first.sql') or die;
print $fh "-- first\n--\n-- Revision ID: new00001\n-- Revises:\n\n-- +upgrade\nCREATE TABLE first (id int);\n\n-- +downgrade\nDROP TABLE first;\n";
close $fh;

# read-only commands keep asking for the extension
my ($rc, $out, $err) = cli('dbname=fresh', 'current');
is($rc, 1, 'current without the extension: exit 1');
like($err, qr/the extension pim_migrate is not installed in database "fresh"/, 'current says so');

# upgrade head creates it, in the migration's transaction
($rc, $out, $err) = cli('dbname=fresh', 'upgrade', 'head');
is($rc, 0, 'upgrade head on a database without the extension') or diag($err);
like($out, qr/^Running upgrade  -> new00001, first$/m, 'and it migrates');
is($node->safe_psql('fresh', "SELECT extversion FROM pg_extension WHERE extname = 'pim_migrate'"),
	'1.1', 'the extension was created');

# a failure in the same transaction leaves no extension behind
open($fh, '>', 'versions/new00002_broken.sql') or die;
print $fh "-- broken\n--\n-- Revision ID: new00002\n-- Revises: new00001\n\n-- +upgrade\nSELECT 1/0;\n";
close $fh;
($rc, $out, $err) = cli('dbname=locked', 'upgrade', 'head');
is($rc, 1, 'a failing first upgrade: exit 1');
is($node->safe_psql('locked', "SELECT count(*) FROM pg_extension WHERE extname = 'pim_migrate'"),
	'0', 'and the extension was rolled back with it');
unlink 'versions/new00002_broken.sql';

# a role that may not create it: the privilege it lacks and the DBA's command
($rc, $out, $err) = cli('dbname=locked user=regress_deployer', 'upgrade', 'head');
is($rc, 1, 'a role without the privilege: exit 1');
like($err,
	qr/^pim_migrate: the extension pim_migrate is not installed in database "locked", and role "regress_deployer" may not create it: that takes a superuser, since pim_migrate is not a trusted extension \(and the role lacks the CREATE privilege on database "locked" too\)$/m,
	'names the privilege it lacks');
like($err, qr/^HINT:  A database administrator creates it once: psql -d locked -c 'CREATE EXTENSION pim_migrate'$/m,
	"names the DBA's command");
is($node->safe_psql('locked', "SELECT count(*) FROM pg_extension WHERE extname = 'pim_migrate'"),
	'0', 'nothing was created');
($rc, $out, $err) = cli('dbname=locked user=regress_deployer', 'stamp', 'head');
is($rc, 1, 'stamp says the same');
like($err, qr/may not create it/, 'stamp: the same message');

# an extension older than the command: said, with the update to run, before
# anything calls a function it lacks; once updated, the command goes on
$node->safe_psql('postgres', 'CREATE DATABASE old');
$node->safe_psql('old', "CREATE EXTENSION pim_migrate VERSION '1.0'");
my $version = (split /\s+/, `pim_migrate --version`)[1];
foreach my $args ([ 'current' ], [ 'upgrade', 'head' ])
{
	($rc, $out, $err) = cli('dbname=old', @$args);
	is($rc, 1, "@$args on an extension at 1.0: exit 1");
	is($err, "pim_migrate: the extension pim_migrate in database \"old\" is version 1.0, and this command needs version $version\n"
		  . "HINT:  Update the extension (psql -d old -c 'ALTER EXTENSION pim_migrate UPDATE'), or run the pim_migrate command of version 1.0.\n",
		"@$args on an extension at 1.0: says which update to run");
}
$node->safe_psql('old', 'ALTER EXTENSION pim_migrate UPDATE');
($rc, $out, $err) = cli('dbname=old', 'upgrade', 'head');
is($rc, 0, 'after the update: the command goes on') or diag($err);

# on a terminal, each step is counted against the plan's length
$node->safe_psql('postgres', 'CREATE DATABASE tty');
{
	my $tty_out;
	IPC::Run::run([ 'pim_migrate', '-d', "host=$host port=$port dbname=tty", 'upgrade', 'head' ],
		'>pty>', \$tty_out);
	like($tty_out, qr/^\[1\/1\] Running upgrade  -> new00001, first\r?$/m,
		'on a terminal: the progress count');
}

chdir '/';
$node->stop;
done_testing();
