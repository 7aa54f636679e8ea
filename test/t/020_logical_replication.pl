# Logical replication does not carry DDL, and the lint's warnings are about
# something real.  A publisher and a subscriber of one table, both migrated
# by pim_migrate from the same revision files: (a) a column added on the
# publisher alone stops the subscription at the next row, until the
# subscriber gets the column too, while (b) the same kind of revision run on
# the subscriber first goes through; (c) a column dropped on the subscriber
# alone stops it too.  pim_migrate lint and upgrade --plan warn of each
# beforehand (altering-published-table on the publisher,
# altering-subscribed-table on the subscriber).
use strict;
use warnings;

use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$FindBin::Bin/lib";
use PimCommand;

my $publisher = PostgreSQL::Test::Cluster->new('publisher');
$publisher->init(allows_streaming => 'logical');
$publisher->start;
my $subscriber = PostgreSQL::Test::Cluster->new('subscriber');
$subscriber->init;
# an apply worker that stopped at an error starts again soon
$subscriber->append_conf('postgresql.conf', "wal_retrieve_retry_interval = 100ms\n");
$subscriber->start;

write_versions(
	[ 'r1', '', 'accounts', 'CREATE TABLE accounts (id int PRIMARY KEY, email text);',
		'DROP TABLE accounts;' ],
	[ 'r2', 'r1', 'score', 'ALTER TABLE accounts ADD COLUMN score int;',
		'ALTER TABLE accounts DROP COLUMN score;' ],
	[ 'r3', 'r2', 'tier', 'ALTER TABLE accounts ADD COLUMN tier int;',
		'ALTER TABLE accounts DROP COLUMN tier;' ],
	[ 'r4', 'r3', 'no tier', 'ALTER TABLE accounts DROP COLUMN tier;',
		'ALTER TABLE accounts ADD COLUMN tier int;' ]);

sub cli { return pim_command(@_); }

sub migrate
{
	my ($node, $target) = @_;
	my ($rc, $out, $err) = cli($node, '-q', 'upgrade', $target);
	is($rc, 0, $node->name . " migrates to $target") or diag($err);
}

sub rows
{
	return $subscriber->safe_psql('postgres', 'SELECT count(*) FROM accounts');
}

migrate($publisher, 'r1');
migrate($subscriber, 'r1');
$publisher->safe_psql('postgres', q{
	CREATE PUBLICATION pub_accounts FOR TABLE accounts;
	INSERT INTO accounts VALUES (1, 'a1');
});
my $connstr = $publisher->connstr . ' dbname=postgres';
$subscriber->safe_psql('postgres',
	"CREATE SUBSCRIPTION sub_accounts CONNECTION '$connstr' PUBLICATION pub_accounts");
$subscriber->wait_for_subscription_sync($publisher, 'sub_accounts');
is(rows(), '1', 'the subscriber has the first row');

# The warnings, before anything runs.
my ($rc, $out, $err) = cli($publisher, 'lint', 'r2');
is($rc, 0, 'pim_migrate lint on the publisher: warnings only, exit 0') or diag($err);
like($out, qr/^r2:1: warning: altering-published-table: Table accounts gets column score, and logical replication does not carry DDL: the subscribers of publication pub_accounts need the same change first, or their replication stops at the first change to the table they cannot apply\.\n  hint: Run the same DDL on every subscriber before this revision runs here/m,
	'pim_migrate lint on the publisher names the publication');
($rc, $out, $err) = cli($publisher, 'upgrade', '--plan', '-q', 'r2');
is($rc, 0, 'upgrade --plan on the publisher') or diag($err);
like($out, qr/^r2:1  [0-9.]+ ms  ALTER TABLE accounts ADD COLUMN score int\n    locks: accounts AccessExclusiveLock\n    replication: altering-published-table: Table accounts gets column score, /m,
	'upgrade --plan on the publisher says the same under the statement');
($rc, $out, $err) = cli($subscriber, 'lint', 'r2');
unlike($out, qr/altering-/, 'on the subscriber, a column added to a subscribed table is no finding');

# (a) the publisher alone: the subscription stops at the next row
migrate($publisher, 'r2');
my $offset = -s $subscriber->logfile;
$publisher->safe_psql('postgres', "INSERT INTO accounts VALUES (2, 'a2', 20)");
ok($subscriber->wait_for_log(qr/ERROR:  logical replication target relation "public\.accounts" is missing replicated column: "score"/, $offset),
	'the subscriber cannot apply a row with the new column');
is(rows(), '1', 'and the row is not there');

# the subscriber gets the column: replication goes on from that row
migrate($subscriber, 'r2');
$publisher->wait_for_catchup('sub_accounts');
is($subscriber->safe_psql('postgres', 'SELECT score FROM accounts WHERE id = 2'), '20',
	'once the subscriber has the column, the row arrives');

# (b) the subscriber first, then the publisher: nothing stops
$offset = -s $subscriber->logfile;
migrate($subscriber, 'r3');
migrate($publisher, 'r3');
$publisher->safe_psql('postgres', "INSERT INTO accounts VALUES (3, 'a3', 30, 3)");
$publisher->wait_for_catchup('sub_accounts');
is($subscriber->safe_psql('postgres', 'SELECT tier FROM accounts WHERE id = 3'), '3',
	'a column added on the subscriber first: the rows keep coming');
unlike(slurp_file($subscriber->logfile, $offset), qr/ERROR/, 'with no error on the subscriber');

# (c) a column dropped on the subscriber while the publisher still sends it
($rc, $out, $err) = cli($subscriber, 'lint', 'r4');
like($out, qr/^r4:1: warning: altering-subscribed-table: Table accounts loses column tier, and it is filled by subscription sub_accounts \(publication pub_accounts of its publisher\)/m,
	'pim_migrate lint on the subscriber names the subscription and its publication');
($rc, $out, $err) = cli($publisher, 'lint', 'r4');
unlike($out, qr/altering-/, 'on the publisher, a column dropped from a published table is no finding');
migrate($subscriber, 'r4');
$offset = -s $subscriber->logfile;
$publisher->safe_psql('postgres', "INSERT INTO accounts VALUES (4, 'a4', 40, 4)");
ok($subscriber->wait_for_log(qr/ERROR:  logical replication target relation "public\.accounts" is missing replicated column: "tier"/, $offset),
	'the subscriber cannot apply a row of the column it dropped');

# back: the subscriber has the column again, and the publisher drops it first
($rc, $out, $err) = cli($subscriber, '-q', 'downgrade', 'r3');
is($rc, 0, 'the subscriber takes r4 back') or diag($err);
$publisher->wait_for_catchup('sub_accounts');
is(rows(), '4', 'the row arrives');
migrate($publisher, 'r4');
migrate($subscriber, 'r4');
$publisher->safe_psql('postgres', "INSERT INTO accounts VALUES (5, 'a5', 50)");
$publisher->wait_for_catchup('sub_accounts');
is(rows(), '5', 'dropped on the publisher first, then on the subscriber: the rows keep coming');

$subscriber->stop;
$publisher->stop;
done_testing();
