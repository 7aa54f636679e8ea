# A server crash in the middle of a migration leaves nothing of it: the
# scripts, the version rows and the log go back as one.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION pim_migrate;
	SELECT pim_migrate_revision('one', 'CREATE TABLE one (id int)', 'DROP TABLE one',
								revision => 'k0001');
	SELECT pim_migrate_revision('two', 'CREATE TABLE two (id int)', 'DROP TABLE two',
								revision => 'k0002');
	SELECT * FROM pim_migrate_upgrade('k0001');
});

# a migration in an open transaction, then the server dies
my $session = $node->background_psql('postgres');
$session->query_safe('SET client_min_messages = warning');
$session->query_safe('BEGIN');
$session->query_safe("SELECT * FROM pim_migrate_upgrade('head')");
is($session->query_safe('SELECT * FROM pim_migrate_current()'),
	'k0002', 'the migration ran inside the open transaction');

$node->stop('immediate');
$session->quit;
$node->start;

is($node->safe_psql('postgres', 'SELECT * FROM pim_migrate_current()'),
	'k0001', 'after the crash the current revision is the one before');
is($node->safe_psql('postgres', "SELECT to_regclass('two') IS NULL"),
	't', "the interrupted revision's table is gone");
is( $node->safe_psql(
		'postgres', "SELECT count(*) FROM pim_migrate.log WHERE revision = 'k0002'"),
	'0',
	'and so is its log row');

# the migration lock went with the crash: the upgrade runs now
is($node->safe_psql('postgres', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'1', 'the upgrade runs after restart');

$node->stop;
done_testing();
