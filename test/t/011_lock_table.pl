# A history too long for one transaction's locks: at a small
# max_locks_per_transaction, a one-transaction upgrade of many
# CREATE TABLE revisions fills the lock table.  The error keeps the
# server's message and SQLSTATE and says what to do in pim_migrate's terms;
# the _each procedures, committing per revision, go all the way up and
# down.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', "max_locks_per_transaction = 10\nmax_connections = 5\n");
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION pim_migrate;
	SELECT count(pim_migrate_revision('r' || i,
		format('CREATE TABLE t_%s (id int PRIMARY KEY, v text)', i),
		format('DROP TABLE t_%s', i), revision => 'r' || i,
		down_revision => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END))
	FROM generate_series(1, 300) i;
});

my ($rc, $out, $err) = $node->psql('postgres',
	"SET client_min_messages = warning; SELECT count(*) FROM pim_migrate_upgrade('head')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($rc, 0, 'one transaction cannot hold the locks of 300 new tables');
like($err, qr/ERROR:  53200: out of shared memory/, "the server's message and SQLSTATE");
like($err, qr/HINT:  Run it with CALL pim_migrate_upgrade_each\(\.\.\.\), which commits after each revision, or increase max_locks_per_transaction\./,
	'the hint names the _each procedure and the setting');
like($err, qr/CONTEXT:  revision r\d+, upgrade, line 1/, 'the context names the revision');
is($node->safe_psql('postgres', 'SELECT count(*) FROM pim_migrate_current()'), '0',
	'nothing was applied');

$node->safe_psql('postgres', "SET client_min_messages = warning; CALL pim_migrate_upgrade_each('head')");
is($node->safe_psql('postgres', 'SELECT * FROM pim_migrate_current()'), 'r300',
	'upgrade_each goes all the way');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'}),
	'300', 'every table is there');

($rc, $out, $err) = $node->psql('postgres',
	"SET client_min_messages = warning; SELECT count(*) FROM pim_migrate_downgrade('base')");
like($err, qr/HINT:  Run it with CALL pim_migrate_downgrade_each\(\.\.\.\)/,
	'the downgrade says the same, with its own procedure');
$node->safe_psql('postgres', "SET client_min_messages = warning; CALL pim_migrate_downgrade_each('base')");
is($node->safe_psql('postgres', 'SELECT count(*) FROM pim_migrate_current()'), '0',
	'downgrade_each goes all the way down');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\_%'}),
	'0', 'every table is gone');

done_testing();
