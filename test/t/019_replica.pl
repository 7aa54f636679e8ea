# A streaming standby follows the primary's migrations.  (a) Every
# read-only function and command answers on the standby as it does on the
# primary, whatever the caches say (kept heads unknown, the DDL watch on, a
# drifted schema); (b) a migration on the primary is there once the standby
# has replayed it; (c) every call that migrates fails on the standby with the
# server's read-only error (25006) and the hint that migrations run on the
# primary, and changes nothing; (d) a standby query that holds a lock on a
# table a migration alters is cancelled as PostgreSQL documents (Hot
# Standby, "Handling Query Conflicts"): after max_standby_streaming_delay,
# hot_standby_feedback or not, while a migration that takes no ACCESS
# EXCLUSIVE lock does not conflict; with the delay at -1 the replay waits
# for the query instead.  The figures are bench/replica.sh's.
use strict;
use warnings;

use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$FindBin::Bin/lib";
use PimCommand;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->start;

# The revisions as files, deployed with the command as a team would.
my @revisions = (
	[ 'r1', '', 'accounts',
		"CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL DEFAULT '');\nINSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 1000) g;",
		'DROP TABLE accounts;' ],
	[ 'r2', 'r1', 'score', 'ALTER TABLE accounts ADD COLUMN score int;',
		'ALTER TABLE accounts DROP COLUMN score;' ],
	[ 'r3', 'r2', 'index email', 'CREATE INDEX accounts_email ON accounts (email);',
		'DROP INDEX accounts_email;' ]);
foreach my $i (4 .. 7)
{
	push @revisions, [ "r$i", 'r' . ($i - 1), "column c$i",
		"ALTER TABLE accounts ADD COLUMN c$i int;",
		"ALTER TABLE accounts DROP COLUMN c$i;" ];
}
my $versions = write_versions(@revisions);

sub cli { return pim_command(@_); }

my ($rc, $out, $err) = cli($primary, '-q', 'upgrade', 'r1');
is($rc, 0, 'the primary migrates to r1') or diag($err);
$primary->safe_psql('postgres', q{
	SELECT pim_migrate_watch_ddl(true);
	CREATE TABLE outside (id int);
});

$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = 2s\n");
$standby->start;

# What the read-only functions say, one query each.
my @readers = (
	'SELECT * FROM pim_migrate_current()',
	'SELECT * FROM pim_migrate_status()',
	'SELECT * FROM pim_migrate_heads()',
	'SELECT * FROM pim_migrate_branches()',
	'SELECT revision, down_revisions, message, is_head, is_applied FROM pim_migrate_history()',
	"SELECT revision, is_applied FROM pim_migrate_history('r1:')",
	"SELECT revision, upgrade_sql, checksum FROM pim_migrate_show('r2')",
	'SELECT * FROM pim_migrate_verify()',
	'SELECT source, by, what, detail FROM pim_migrate_drift()',
	'SELECT * FROM pim_migrate_steps()',
	"SELECT * FROM pim_migrate_steps('base', 'downgrade')",
	"SELECT * FROM pim_migrate_statements('r1')",
	'SELECT revision, line, rule, severity, message FROM pim_migrate_lint()',
	"SELECT line, rule FROM pim_migrate_lint_script('ALTER TABLE accounts ALTER COLUMN id TYPE bigint')",
	'SELECT line, rule FROM pim_migrate_lint_file($f$' . revision_file(@{ $revisions[2] }) . '$f$)',
	'SELECT pim_migrate_upgrade_sql()',
	"SELECT pim_migrate_downgrade_sql('base')",
	'SELECT pim_migrate_unlock()');

sub readers_agree
{
	my ($when) = @_;
	$primary->wait_for_catchup($standby);
	foreach my $q (@readers)
	{
		my ($prc, $pout, $perr) = $primary->psql('postgres', $q);
		my ($src, $sout, $serr) = $standby->psql('postgres', $q);
		is($prc, 0, "$when: on the primary: $q") or diag($perr);
		is($src, 0, "$when: on the standby: $q") or diag($serr);
		is($sout, $pout, "$when: the same answer: $q");
	}
}

is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
readers_agree('at r1, the DDL watch on and a table made outside a migration');

# A revision registered by hand: the kept heads are unknown, and the
# standby works them out without keeping them.
$primary->safe_psql('postgres', q{
	SELECT pim_migrate_revision('by hand', 'SELECT 1', 'SELECT 1', revision => 'r8', down_revision => '{r7}')});
is($primary->safe_psql('postgres', 'SELECT heads_known FROM pim_migrate.graph_state'), 'f',
	'registering by hand leaves the kept heads unknown');
readers_agree('with the kept heads unknown');

# The commands that only look.
foreach my $args ([ 'current' ], [ 'history' ], [ 'heads' ], [ 'branches' ], [ 'show', 'r2' ],
	[ 'verify' ], [ 'drift' ], [ 'lint', '--file', "$versions/r3_rev.sql" ])
{
	my ($prc, $pout) = cli($primary, @$args);
	my ($src, $sout, $serr) = cli($standby, @$args);
	is($src, $prc, "pim_migrate @$args: the standby's exit status is the primary's ($prc)") or diag($serr);
	is($sout, $pout, "pim_migrate @$args: the same output");
}

# (b) a migration on the primary, replayed
($rc, $out, $err) = cli($primary, '-q', 'upgrade', 'r2');
is($rc, 0, 'the primary migrates to r2') or diag($err);
$primary->wait_for_catchup($standby);
is($standby->safe_psql('postgres', 'SELECT * FROM pim_migrate_current()'), 'r2',
	"pim_migrate_current() on the standby: r2, once replayed");
is($standby->safe_psql('postgres', 'SELECT current, pending, up_to_date FROM pim_migrate_status()'),
	'{r2}|6|f', 'pim_migrate_status() on the standby');
($rc, $out) = cli($standby, 'current');
is($out, "r2\n", 'pim_migrate current on the standby');
is($standby->safe_psql('postgres',
		"SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'score'"),
	'1', "the revision's column is there");
readers_agree('at r2');

# (c) every call that migrates, on the standby
my @writers = (
	"SELECT * FROM pim_migrate_upgrade()",
	"SELECT * FROM pim_migrate_upgrade('r3', dry_run => true)",
	"SELECT * FROM pim_migrate_downgrade('-1')",
	"SELECT * FROM pim_migrate_stamp('r3')",
	"CALL pim_migrate_upgrade_each()",
	"CALL pim_migrate_downgrade_each('base')",
	"SELECT pim_migrate_load(\$f\$" . revision_file('x1', 'r8', 'x', 'SELECT 1;', 'SELECT 1;') . "\$f\$)",
	"SELECT pim_migrate_load_files(ARRAY[\$f\$" . revision_file('x1', 'r8', 'x', 'SELECT 1;', 'SELECT 1;') . "\$f\$])",
	"SELECT pim_migrate_revision('x', 'SELECT 1')",
	"SELECT pim_migrate_merge(ARRAY['r8'], 'm')",
	"SELECT * FROM pim_migrate_apply('{r3}')",
	"SELECT pim_migrate_lock()",
	"SELECT pim_migrate_unknown_files('{}')",
	"SELECT * FROM pim_migrate_plan()",
	"SELECT * FROM pim_migrate_test()",
	"SELECT pim_migrate_checkpoint_sql('r2')",
	"SELECT pim_migrate_autogenerate('x', 'CREATE TABLE x (id int);')",
	"SELECT * FROM pim_migrate_adopt_alembic('pim_migrate.version')");
foreach my $q (@writers)
{
	my ($src, $sout, $serr) = $standby->psql('postgres', $q,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($serr, qr/ERROR:  25006: cannot run a migration in a read-only transaction\n.*HINT:  Migrations run on the primary: the standby replays what they commit\./s,
		"on the standby, 25006 and where to migrate: $q");
}
foreach my $q ("SELECT * FROM pim_migrate_diff('CREATE TABLE x (id int);')",
	"SELECT pim_migrate_check('CREATE TABLE x (id int);')")
{
	my ($src, $sout, $serr) = $standby->psql('postgres', $q,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);
	like($serr, qr/ERROR:  25006: cannot compare with a desired schema in a read-only transaction\n.*HINT:  Migrations run on the primary/s,
		"on the standby, the diff's scratch schema is refused as such: $q");
}
foreach my $args ([ 'upgrade' ], [ 'upgrade', '--each' ], [ 'upgrade', '--dry-run' ], [ 'upgrade', '--sql' ],
	[ 'upgrade', '--plan' ], [ 'downgrade', '-1' ], [ 'stamp', 'r3' ], [ 'lint' ], [ 'test' ], [ 'adopt' ])
{
	($rc, $out, $err) = cli($standby, @$args);
	is($rc, 1, "pim_migrate @$args on the standby: exit 1");
	like($err, qr/^pim_migrate: cannot run a migration in a read-only transaction\nDETAIL:  This server is a standby: every transaction on it is read-only\.\nHINT:  Migrations run on the primary/,
		"pim_migrate @$args on the standby: says where to migrate");
}
is($standby->safe_psql('postgres', 'SELECT * FROM pim_migrate_current()'), 'r2',
	'nothing moved on the standby');

# A read-only transaction on the primary is refused the same way, with
# the hint that fits it.
my ($prc, $pout, $perr) = $primary->psql('postgres',
	"BEGIN READ ONLY; SELECT * FROM pim_migrate_upgrade('r3')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($perr, qr/ERROR:  25006: cannot run a migration in a read-only transaction\nHINT:  Run it in a read-write transaction/,
	'a READ ONLY transaction on the primary: 25006, and what to change');

# (d) conflicts.  A standby query that holds ACCESS SHARE on accounts
# while the primary migrates: started in the background, its output and
# error kept.
sub standby_session
{
	my ($sql) = @_;
	my $session = $standby->background_psql('postgres', on_error_stop => 0,
		extra_params => [ '-v', 'VERBOSITY=verbose' ]);

	# a transaction left open: after its query's result; a query that
	# sleeps: as it starts
	if ($sql =~ /^BEGIN/)
	{
		$session->query_until(qr/started/, "$sql\n\\echo started\n");
	}
	else
	{
		$session->query_until(qr/started/, "\\echo started\n$sql\n");
	}
	$standby->poll_query_until('postgres', q{
		SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		 WHERE l.relation = 'accounts'::regclass AND l.mode = 'AccessShareLock' AND l.granted
		   AND a.backend_type = 'client backend'})
	  or die 'the standby query never locked accounts';
	return $session;
}

sub wait_for_stderr
{
	my ($session, $pattern) = @_;
	pump_until($session->{run}, $session->{timeout}, \$session->{stderr}, $pattern);
	my $stderr = $session->{stderr};
	eval { $session->quit; };
	return $stderr;
}

sub migrate_primary
{
	my ($target, $what) = @_;
	my ($rc, $out, $err) = cli($primary, '-q', 'upgrade', $target);
	is($rc, 0, "the primary $what ($target)") or diag($err);
}

sub standby_setting
{
	my ($name, $value) = @_;
	$standby->append_conf('postgresql.conf', "$name = $value\n");
	$standby->reload;
	$standby->poll_query_until('postgres', "SHOW $name", $value)
	  or die "$name never became $value";
}

sub standby_current
{
	return $standby->safe_psql('postgres', 'SELECT * FROM pim_migrate_current()');
}

my $cancelled = qr/ERROR:  40001: canceling statement due to conflict with recovery\nDETAIL:  User was holding a relation lock for too long\./;

# A revision that takes no ACCESS EXCLUSIVE lock (CREATE INDEX takes SHARE,
# which is not WAL-logged): nothing for the standby to wait for.
my $reader = standby_session('BEGIN; SELECT count(*) FROM accounts;');
migrate_primary('r3', 'builds an index');
$primary->wait_for_catchup($standby);
is(standby_current(), 'r3',
	'a CREATE INDEX revision is replayed while a standby transaction reads the table');
is($reader->query('SELECT count(*) FROM accounts'), '1000', 'and that transaction goes on');
$reader->query('COMMIT');
$reader->quit;

# An ALTER TABLE revision against a running standby query: the replay
# waits max_standby_streaming_delay (2s), then cancels the query.
$reader = standby_session('SELECT count(*) FROM accounts, pg_sleep(600);');
migrate_primary('r4', 'adds a column');
like(wait_for_stderr($reader, qr/ERROR:.*\n.*\n/), $cancelled,
	'the standby query is cancelled: 40001, a relation lock held too long');
$primary->wait_for_catchup($standby);
is(standby_current(), 'r4', 'then the standby replays the migration');

# An idle transaction that holds the lock: its session is ended (psql
# reads why at its next query).
$reader = standby_session('BEGIN; SELECT count(*) FROM accounts;');
migrate_primary('r5', 'adds a column');
$primary->wait_for_catchup($standby);
is(standby_current(), 'r5',
	'an idle transaction holding the lock: the standby replays r5 after the delay');
$reader->{stdin} .= "SELECT 1;\n";
like(wait_for_stderr($reader, qr/FATAL:.*\n.*\n/),
	qr/FATAL:  40001: terminating connection due to conflict with recovery\nDETAIL:  User was holding a relation lock for too long\./,
	'and the connection of that transaction was terminated');

# hot_standby_feedback keeps the rows a standby query may need from being
# vacuumed away; it does nothing about locks.
standby_setting('hot_standby_feedback', 'on');
$reader = standby_session('SELECT count(*) FROM accounts, pg_sleep(600);');
migrate_primary('r6', 'adds a column');
like(wait_for_stderr($reader, qr/ERROR:.*\n.*\n/), $cancelled,
	'with hot_standby_feedback on, the query is cancelled all the same');
$primary->wait_for_catchup($standby);
ok($standby->poll_query_until('postgres',
		'SELECT confl_lock FROM pg_stat_database_conflicts WHERE datname = current_database()', '3'),
	'the standby counts three lock conflicts');

# max_standby_streaming_delay = -1: the replay waits for the query, however
# long; meanwhile the standby answers with the revision before.
standby_setting('max_standby_streaming_delay', '-1');
$reader = standby_session('BEGIN; SELECT count(*) FROM accounts;');
migrate_primary('r7', 'adds a column');
$standby->poll_query_until('postgres', q{
	SELECT count(*) = 1 FROM pg_locks
	 WHERE relation = 'accounts'::regclass AND mode = 'AccessExclusiveLock' AND NOT granted})
  or die 'the replay never waited for the lock';
is(standby_current(), 'r6', 'while the replay waits, pim_migrate_current() on the standby says r6');
is($reader->query('SELECT count(*) FROM accounts'), '1000', 'and the standby transaction goes on');
$reader->query('COMMIT');
$reader->quit;
$primary->wait_for_catchup($standby);
is(standby_current(), 'r7', 'once it ends, the standby replays r7');

$standby->stop;
$primary->stop;
done_testing();
