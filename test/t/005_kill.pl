# A backend killed with SIGKILL in the middle of a long revision: after
# crash recovery the schema and the version rows agree, nothing of the
# interrupted call stays (one transaction), and a re-run completes.  With
# CALL pim_migrate_upgrade_each the revisions committed before the kill
# stay applied and recorded, and the re-run resumes after them.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
# the postmaster must survive a backend's SIGKILL, as in production
$node->append_conf('postgresql.conf', 'restart_after_crash = on');
$node->start;

# k0003 sleeps while the table "slow" exists: long enough to be killed
$node->safe_psql(
	'postgres', q{
	CREATE EXTENSION pim_migrate;
	CREATE TABLE slow (id int);
	SELECT pim_migrate_revision('one', 'CREATE TABLE one (id int)', 'DROP TABLE one',
								revision => 'k0001', down_revision => '{}');
	SELECT pim_migrate_revision('two', 'CREATE TABLE two (id int)', 'DROP TABLE two',
								revision => 'k0002');
	SELECT pim_migrate_revision('three',
		$$CREATE TABLE three (id int);
		  SELECT pg_sleep(CASE WHEN to_regclass('slow') IS NULL THEN 0 ELSE 300 END);$$,
		'DROP TABLE three', revision => 'k0003');
	SELECT pim_migrate_revision('four', 'CREATE TABLE four (id int)', 'DROP TABLE four',
								revision => 'k0004');
});

# Start a migration in the background, wait until it sleeps in k0003,
# kill its backend with SIGKILL and wait for the server to recover.
sub kill_while_in_k0003
{
	my ($sql) = @_;
	my $session = $node->background_psql('postgres', on_error_stop => 0);

	$session->query_until(qr/started/, "\\echo started\n$sql;\n");
	$node->poll_query_until('postgres',
		"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
	  or die "the migration never reached k0003";
	my $pid = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
	my $log_offset = -s $node->logfile;
	kill 'KILL', $pid;
	eval { $session->quit; };	# its backend is gone
	# the end of the crash recovery, not a connection made before the
	# postmaster saw the crash (it would end that one too)
	$node->wait_for_log(qr/all server processes terminated; reinitializing/, $log_offset);
	$node->poll_query_until('postgres', 'SELECT 1', '1')
	  or die "the server did not come back";
}

sub state
{
	return $node->safe_psql(
		'postgres', q{
		SELECT coalesce(string_agg(v, ',' ORDER BY v), '') FROM pim_migrate_current() v;
		SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class
		 WHERE relname IN ('one', 'two', 'three', 'four') AND relkind = 'r';
		SELECT count(*) FROM pim_migrate.log;
	});
}

# one transaction: everything of the interrupted call is gone
kill_while_in_k0003("SELECT * FROM pim_migrate_upgrade('head')");
is(state(), "\n\n0", 'SIGKILL during an upgrade: nothing applied, nothing logged');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pim_migrate_verify()'),
	'0', 'the catalog is consistent after recovery');

# commit per revision: what was committed stays
kill_while_in_k0003("CALL pim_migrate_upgrade_each('head')");
is(state(), "k0002\none,two\n2",
	'SIGKILL during upgrade_each: the revisions before the kill stay applied and recorded');

# the re-run resumes at k0003 and completes
$node->safe_psql('postgres', 'DROP TABLE slow');
$node->safe_psql('postgres', "CALL pim_migrate_upgrade_each('head')");
is(state(), "k0004\nfour,one,three,two\n4", 'the re-run resumes and completes');

# an immediate shutdown of the whole server in the middle of upgrade_each
$node->safe_psql('postgres', "CALL pim_migrate_downgrade_each('base')");
$node->safe_psql('postgres', 'CREATE TABLE slow (id int)');
my $session = $node->background_psql('postgres', on_error_stop => 0);
$session->query_until(qr/started/,
	"\\echo started\nCALL pim_migrate_upgrade_each('head');\n");
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
  or die "the upgrade never reached k0003";
$node->stop('immediate');
eval { $session->quit; };	# its server is gone
$node->start;
is(state(), "k0002\none,two\n10",
	'immediate shutdown during upgrade_each: the committed revisions stay');
$node->safe_psql('postgres', 'DROP TABLE slow');
$node->safe_psql('postgres', "CALL pim_migrate_upgrade_each('head')");
is(state(), "k0004\nfour,one,three,two\n12", 'and the re-run completes');

$node->stop;
done_testing();
