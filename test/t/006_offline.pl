# Offline SQL: the script pim_migrate_upgrade_sql() writes, run with psql
# on one database, leaves it as the online call leaves its twin: the same
# schema (pg_dump --schema-only), version rows and heads; the same for
# downgrades.  The script refuses to run on a database that moved.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

my $revisions = q{
	SET client_min_messages = warning;
	CREATE EXTENSION pim_migrate;
	SELECT pim_migrate_revision('stocks', $$CREATE TABLE stocks (id int PRIMARY KEY, name text);
		CREATE FUNCTION stock_name(int) RETURNS text LANGUAGE sql AS $f$ SELECT name FROM stocks WHERE id = $1 $f$;$$,
		$$DROP FUNCTION stock_name(int); DROP TABLE stocks;$$, revision => 'o0001', down_revision => '{}');
	SELECT pim_migrate_revision('sector', 'ALTER TABLE stocks ADD COLUMN sector text; CREATE INDEX ON stocks (sector)',
		'ALTER TABLE stocks DROP COLUMN sector', revision => 'o0002');
	SELECT pim_migrate_revision('side', 'CREATE TABLE markets (code text)', 'DROP TABLE markets',
		revision => 'o0003', down_revision => '{}', branch_labels => '{markets}');
	SELECT pim_migrate_merge(message => 'join', revision => 'o0004');
	SELECT pim_migrate_revision('after', $$INSERT INTO markets VALUES ('NYSE')$$, 'DELETE FROM markets',
		revision => 'o0005');
};
foreach my $db ('online', 'offline')
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, $revisions);
}

sub schema_only
{
	my ($db) = @_;
	my $file = $node->basedir . "/$db.schema.sql";
	$node->command_ok(
		[ 'pg_dump', '--schema-only', '--exclude-schema=pim_migrate', '-f', $file,
		  '-d', $node->connstr($db) ],
		"pg_dump --schema-only of $db");
	my $dump = slurp_file($file);
	$dump =~ s/^--.*$//mg;		# comments name the database
	$dump =~ s/^\\(un)?restrict .*$//mg;	# a random key per dump
	return $dump;
}

sub state
{
	my ($db) = @_;
	return $node->safe_psql($db, q{
		SELECT string_agg(v, ',' ORDER BY v) FROM pim_migrate_current() v;
		SELECT string_agg(revision, ',' ORDER BY revision) FROM pim_migrate_heads();
		SELECT string_agg(revision || ' ' || operation || ' ' || checksum, ',' ORDER BY id)
		FROM pim_migrate.log;
	});
}

sub offline
{
	my ($sql_call, $online_call, $what) = @_;
	my $script = $node->safe_psql('offline', "SELECT $sql_call");
	my $file = $node->basedir . '/script.sql';
	open(my $fh, '>', $file) or die;
	print $fh $script;
	close $fh;
	$node->command_ok(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $file, '-d', $node->connstr('offline') ],
		"$what: the offline script runs with psql");
	$node->safe_psql('online', "SELECT * FROM $online_call");
	is(schema_only('offline'), schema_only('online'), "$what: same schema as the online twin");
	is(state('offline'), state('online'), "$what: same version rows, heads and log");
	return $file;
}

my $script = offline("pim_migrate_upgrade_sql('o0002')", "pim_migrate_upgrade('o0002')",
	'upgrade to o0002');
# the same script again: the database moved, it refuses and changes nothing
my ($ret, $stdout, $stderr) = $node->psql('offline', undef,
	extra_params => [ '-v', 'ON_ERROR_STOP=1', '-f', $script ]);
isnt($ret, 0, 'the script refuses a database that is not where it was written for');
like($stderr, qr/not at the revisions this script was written for/, 'and says why');
is(state('offline'), state('online'), 'and changes nothing');

offline("pim_migrate_upgrade_sql('heads')", "pim_migrate_upgrade('heads')",
	'upgrade to heads, through a merge');
offline(q{pim_migrate_downgrade_sql('markets@base')}, q{pim_migrate_downgrade('markets@base')},
	'downgrade of a branch');
offline("pim_migrate_downgrade_sql('base')", "pim_migrate_downgrade('base')",
	'downgrade to base');

$node->stop;
done_testing();
