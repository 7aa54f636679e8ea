# Shared by the TAP tests that switch Alembic projects to pim_migrate
# (009_switch_from_alembic.pl, 013_alembic_projects.pl): the two tools run
# against databases of one cluster, and schemas compared as pg_dump prints
# them.
package AlembicSwitch;

use strict;
use warnings;

use Exporter 'import';
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(switch_setup switch_node command alembic_ok pim_ok schema_only);

# Debian's python3-alembic and python3-psycopg2 (installed by the test
# command) run the projects' Alembic
our $python = '/usr/bin/python3';
my $node;

# Skip the test unless Alembic is there; the command's import-alembic runs
# under the same Python.  Returns that Python.
sub switch_setup
{
	my ($out, $err);
	IPC::Run::run([ $python, '-c', 'import alembic, psycopg2' ], '>', \$out, '2>', \$err)
	  or plan skip_all => "$python cannot import alembic and psycopg2: $err";
	$ENV{PIM_MIGRATE_PYTHON} = $python;
	return $python;
}

# The cluster the databases are on.
sub switch_node
{
	$node = shift;
}

# SQLAlchemy's URL, as the guide's .env has it; pim_migrate reads it too
sub url
{
	my ($db) = @_;
	return sprintf('postgresql+psycopg2://localhost/%s?host=%s&port=%s',
		$db, $node->host, $node->port);
}

# (exit status, stdout, stderr) of a command run with DATABASE_URL of $db
sub command
{
	my ($db, @cmd) = @_;
	local $ENV{DATABASE_URL} = url($db);
	my ($out, $err);
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

sub alembic_ok
{
	my ($db, @args) = @_;
	my ($rc, $out, $err) = command($db, $python, '-m', 'alembic', @args);
	is($rc, 0, "alembic @args on $db") or diag("$out\n$err");
	return $out;
}

sub pim_ok
{
	my ($db, @args) = @_;
	my ($rc, $out, $err) = command($db, 'pim_migrate', @args);
	is($rc, 0, "pim_migrate @args on $db") or diag("$out\n$err");
	return $out;
}

# The schema of $db without pim_migrate's own objects and without the
# Alembic version table (alembic_version unless named)
sub schema_only
{
	my ($db, $version_table) = @_;
	my $file = $node->basedir . "/$db.schema.sql";
	$version_table //= 'alembic_version';
	$node->command_ok(
		[ 'pg_dump', '--schema-only', '--exclude-schema=pim_migrate',
		  "--exclude-table=$version_table", '-f', $file, '-d', $node->connstr($db) ],
		"pg_dump --schema-only of $db");
	my $dump = slurp_file($file);
	$dump =~ s/^--.*$//mg;
	$dump =~ s/^\\(un)?restrict .*$//mg;
	$dump =~ s/^.*EXTENSION.*pim_migrate.*$//mg;	# the extension itself
	$dump =~ s/\n{2,}/\n/g;
	return $dump;
}

1;
