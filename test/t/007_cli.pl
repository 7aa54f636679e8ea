# The pim_migrate command: the Alembic guide's workflow with files only,
# every command, and the error paths with their exit status.
use strict;
use warnings;

use File::Temp qw(tempdir);
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use lib "$FindBin::Bin/lib";
use PimCommand;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app');

my $dir = tempdir(CLEANUP => 1);
chdir $dir or die;
# the guide's .env: SQLAlchemy's URL form, as the command reads it
my $host = $node->host;
my $port = $node->port;
$ENV{DATABASE_URL} = "postgresql+psycopg2://localhost/app?host=$host&port=$port";

sub cli { return run_command(@_); }

sub cli_ok
{
	my ($args, $want, $name) = @_;
	my ($rc, $out, $err) = cli(@$args);
	is($rc, 0, "$name: exit 0") or diag($err);
	like($out, $want, "$name: output") if $want;
	return $out;
}

sub cli_fails
{
	my ($args, $rc_want, $want, $name) = @_;
	my ($rc, $out, $err) = cli(@$args);
	is($rc, $rc_want, "$name: exit $rc_want");
	like($err, $want, "$name: says why");
}

sub fill
{
	my ($pattern, $up, $down) = @_;
	my ($file) = glob("versions/$pattern");
	my $text = slurp_file($file);
	$text =~ s/^-- \+upgrade$/-- +upgrade\n$up/m;
	$text =~ s/^-- \+downgrade$/-- +downgrade\n$down/m;
	open(my $fh, '>', $file) or die;
	print $fh $text;
	close $fh;
	return $file;
}

# the guide's story, with files only
cli_ok([ '--help' ], qr/Commands:/, 'help');
cli_ok([ 'upgrade', '--help' ], qr/Usage: .*upgrade/, 'help of a command');
cli_ok([ 'upgrade', '-?' ], qr/Usage: .*upgrade/, 'help of a command, -?');

# bad usage exits 2, always: an unknown option (a CI guard with a typo must
# fail) and an option without its argument, for every command
foreach my $command (qw(init revision upgrade downgrade stamp status current history heads
	branches show verify adopt return-to-alembic import-alembic check merge lint))
{
	my ($rc, $out, $err) = cli($command, '--metadta', 'x:y');
	is($rc, 2, "$command with an unknown option: exit 2");
	like($err, qr/unrecognized option/, "$command with an unknown option: said");
	($rc, $out, $err) = cli($command, '--dir');
	is($rc, 2, "$command with an option missing its argument: exit 2");
}
cli_ok([ 'init' ], qr/extension pim_migrate ready/, 'init');
cli_ok([ 'revision', '-m', 'Initial migration with Stock model' ],
	qr/Generating versions\/[0-9a-f]{12}_initial_migration_with_stock_model\.sql \.\.\. done/,
	'revision');
fill('*_initial_migration_with_stock_model.sql',
	"CREATE TABLE stocks (id integer PRIMARY KEY, name varchar, market varchar, ticker varchar);\nCREATE INDEX ix_stocks_id ON stocks (id);",
	"DROP TABLE stocks;");
cli_ok([ 'upgrade', 'head' ], qr/Running upgrade  -> [0-9a-f]{12}, Initial migration with Stock model/,
	'upgrade head');
cli_ok([ 'revision', '-m', 'Add sector field to Stock model' ], qr/add_sector_field_to_stock_model/,
	'second revision, on the single head');
fill('*_add_sector_field_to_stock_model.sql',
	"ALTER TABLE stocks ADD COLUMN sector varchar;\nCREATE INDEX ix_stocks_sector ON stocks (sector);",
	"DROP INDEX ix_stocks_sector;\nALTER TABLE stocks DROP COLUMN sector;");
cli_ok([ 'upgrade', 'head' ], qr/Running upgrade [0-9a-f]{12} -> [0-9a-f]{12}, Add sector field to Stock model/,
	'upgrade head again');
my $current = cli_ok([ 'current' ], qr/^[0-9a-f]{12} \(head\)$/, 'current');
cli_ok([ 'history' ], qr/-> [0-9a-f]{12} \(head\) \(current\), Add sector.*\n<base> -> [0-9a-f]{12}, Initial/s,
	'history');
cli_ok([ 'downgrade', '-1' ], qr/Running downgrade [0-9a-f]{12} -> [0-9a-f]{12}, Add sector/, 'downgrade -1');
cli_ok([ 'current' ], qr/^[0-9a-f]{12}$/, 'current after downgrade -1 (not the head)');
# status counts against the files: one behind, exit 1
cli_fails([ 'status' ], 1, qr/^$/, 'status, a revision pending');
like((cli('status'))[1], qr/^current: [0-9a-f]{12}\nheads: [0-9a-f]{12}\npending: 1\n$/,
	'status: current, heads, pending');
is($node->safe_psql('app', "SELECT count(*) FROM pg_attribute WHERE attrelid = 'stocks'::regclass AND attname = 'sector'"),
	'0', 'the downgrade ran');

# --sql, --dry-run, --each
cli_ok([ 'upgrade', '--sql' ], qr/^BEGIN;.*ALTER TABLE stocks ADD COLUMN sector varchar;.*COMMIT;$/ms,
	'upgrade --sql prints the offline script');
# the target of stamp --sql is a literal: a quote in it cannot end the
# string, and the script stamps nothing and drops nothing
{
	my $stamp_sql = cli_ok([ 'stamp', '--sql', "x'); DROP TABLE stocks; --" ],
		qr/^SELECT \* FROM pim_migrate_stamp\('x''\); DROP TABLE stocks; --', false\);$/m,
		'stamp --sql: the target written as a literal');
	my ($rc, $out, $err) = $node->psql('app', $stamp_sql);
	like($err, qr/ERROR:  invalid target "x'\); DROP TABLE stocks; --"/,
		'stamp --sql: the script refuses the target as a whole');
	is($node->safe_psql('app', "SELECT to_regclass('stocks') IS NOT NULL"), 't',
		'stamp --sql: and drops nothing');
}
cli_ok([ 'upgrade', '--dry-run' ], qr/dry run: 1 step ran and was rolled back/, 'upgrade --dry-run');
cli_ok([ 'current' ], qr/^[0-9a-f]{12}$/, 'dry run and --sql changed nothing');
cli_ok([ 'upgrade', '--each' ], qr/1 step committed/, 'upgrade --each');
cli_ok([ 'status' ], qr/^current: ([0-9a-f]{12})\nheads: \1\npending: 0\n$/, 'status at head: exit 0');
cli_ok([ 'heads' ], qr/\(head\), Add sector/, 'heads');
cli_ok([ 'show', 'head' ], qr/Rev: [0-9a-f]{12}\nParent: [0-9a-f]{12}\n/, 'show');
cli_ok([ 'verify' ], qr/ok: no problem found/, 'verify');
cli_ok([ 'stamp', 'base' ], undef, 'stamp base');
cli_ok([ 'current' ], qr/^$/, 'nothing current after stamping base');
cli_ok([ 'stamp', 'head', '--purge' ], undef, 'stamp head --purge');
cli_ok([ 'current' ], qr/\(head\)/, 'current after the stamp');

# branches and a merge, with files
cli_ok([ 'revision', '-m', 'side branch', '--head', 'base', '--branch-label', 'side', '--rev-id', 'side0001' ],
	qr/side0001_side_branch/, 'revision on a new base with a label');
cli_fails([ 'revision', '-m', 'where' ], 1, qr/Multiple heads are present/, 'revision with two heads');
cli_ok([ 'upgrade', 'heads' ], qr/Running upgrade  -> side0001, side branch/, 'upgrade heads');
cli_ok([ 'merge', '-m', 'join them', '--rev-id', 'join0001' ], qr/join0001_join_them/, 'merge');
cli_ok([ 'upgrade' ], qr/Running upgrade .*side0001 -> join0001, join them/, 'upgrade through the merge');
cli_ok([ 'branches' ], qr/^$/, 'no branch point');
cli_ok([ 'history', '-r', 'side0001:' ], qr/join0001 \(side\) \(head\) \(mergepoint\) \(current\), join them\n<base> -> side0001 \(side\), side branch/s,
	'history with a range');

# autogenerate: the desired schema as a file; the database is at head
open(my $sfh, '>', 'schema.sql') or die;
print $sfh "CREATE TABLE stocks (id integer PRIMARY KEY, name varchar, market varchar, ticker varchar, sector varchar);\n"
  . "CREATE INDEX ix_stocks_id ON stocks (id);\nCREATE INDEX ix_stocks_sector ON stocks (sector);\n";
close $sfh;
cli_ok([ 'check', '--schema-file', 'schema.sql' ], qr/No new upgrade operations detected/,
	'check: the database is the schema');
cli_ok([ 'revision', '--autogenerate', '-m', 'nothing', '--schema-file', 'schema.sql' ],
	qr/No changes in schema detected/, 'autogenerate with no change writes nothing');
is(scalar(() = glob('versions/*_nothing.sql')), 0, 'and there is no file');
open($sfh, '>>', 'schema.sql') or die;
print $sfh "ALTER TABLE stocks ADD COLUMN currency char(3) NOT NULL DEFAULT 'USD';\n";
close $sfh;
cli_fails([ 'check', '--schema-file', 'schema.sql' ], 1, qr/^$/, 'check: a migration is missing');
my ($crc, $cout) = cli('check', '--schema-file', 'schema.sql');
like($cout, qr/New upgrade operations detected:\nALTER TABLE stocks ADD COLUMN currency character\(3\) DEFAULT 'USD'::bpchar NOT NULL;/,
	'check: shows what is missing');
cli_ok([ 'revision', '--autogenerate', '-m', 'Add currency', '--rev-id', 'curr0001', '--schema-file', 'schema.sql' ],
	qr/Generating versions\/curr0001_add_currency\.sql \.\.\. done/, 'revision --autogenerate');
like(slurp_file('versions/curr0001_add_currency.sql'),
	qr/^-- Revises: join0001\n.*^-- \+upgrade\nALTER TABLE stocks ADD COLUMN currency .*^-- \+downgrade\n-- WARNING: drops column stocks\.currency.*\nALTER TABLE stocks DROP COLUMN currency;$/ms,
	'the file holds both scripts, on the head');
is($node->safe_psql('app', "SELECT count(*) FROM pim_migrate.revision WHERE revision = 'curr0001'"),
	'0', 'nothing is registered before upgrade');
cli_ok([ 'upgrade' ], qr/Running upgrade join0001 -> curr0001, Add currency/, 'upgrade the generated revision');
cli_ok([ 'check', '--schema-file', 'schema.sql' ], qr/No new upgrade operations detected/,
	'check after the upgrade');
cli_ok([ 'downgrade', '-1' ], qr/Running downgrade curr0001 -> join0001/, 'and its downgrade');
cli_fails([ 'revision', '--autogenerate', '-m', 'late', '--schema-file', 'schema.sql' ], 1,
	qr/Target database is not up to date/, 'autogenerate below head');
cli_ok([ 'upgrade' ], undef, 'back to head');

# check with no models and no schema file is the drift check
cli_ok([ 'check' ], qr/^ok: no drift since the last migration$/m,
	'check without models or a schema file: no drift');
$node->safe_psql('app', 'CREATE TABLE by_hand (x int)');
my ($drc, $dout) = cli('check');
is($drc, 1, 'check: drift is exit 1');
like($dout, qr/^schema: added table by_hand: in the schema, not in the fingerprint of the last migration$/m,
	'check: names what drifted');
($drc, $dout) = cli('drift');
is($drc, 1, 'drift: exit 1 too');
$node->safe_psql('app', 'DROP TABLE by_hand');
cli_ok([ 'drift' ], qr/^ok: no drift/, 'drift: none once undone');

# test: the pending revision goes down and up again, and nothing stays
cli_ok([ 'downgrade', '-1' ], undef, 'one step back, to test it');
cli_ok([ 'test' ], qr/^ok: every revision up to head goes down and up again$/m,
	'test: the pending revision is reversible');
cli_ok([ 'current' ], qr/^join0001/m, 'test: nothing stays');
{
	$node->safe_psql('app', 'CREATE TABLE by_hand (x int)');
	cli_fails([ 'upgrade', '--strict' ], 1, qr/the schema changed since its last migration.*--strict refuses/,
		'upgrade --strict refuses a drifted schema');
	my ($urc, $uout, $uerr) = cli('upgrade');
	is($urc, 0, 'upgrade migrates a drifted schema');
	like($uerr, qr/warning: the schema changed since its last migration; see pim_migrate drift/,
		'and warns first');
	$node->safe_psql('app', 'DROP TABLE by_hand');
	cli_ok([ 'downgrade', '-1' ], undef, 'a fingerprint without it');
	cli_ok([ 'upgrade' ], undef, 'back to head');
}
cli_fails([ 'revision', '-m', 'x', '--autogenerate' ], 2,
	qr/revision --autogenerate needs --metadata MODULE:ATTR or --schema-file FILE/,
	'autogenerate without models or a schema file');
open($sfh, '>', 'bad.sql') or die;
print $sfh "CREATE TABLE a (x int);\nDELETE FROM stocks;\n";
close $sfh;
cli_fails([ 'check', '--schema-file', 'bad.sql' ], 1,
	qr/bad\.sql: the desired schema may hold only CREATE statements.*\nCONTEXT:  desired schema, line 2/s,
	'a bad schema file is named with its line');

# adopt: a database that Alembic left at join0001 goes on from there
$node->safe_psql('app',
	"CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY); "
	  . "INSERT INTO alembic_version VALUES ('join0001'); "
	  . "ALTER TABLE stocks DROP COLUMN currency");    # the schema Alembic left
# (pim_migrate migrated this database above: only --force adopts it)
cli_ok([ 'adopt', '--force' ], qr/^Adopting join0001, join them\nadopted 1 version row from alembic_version\njoin0001$/m, 'adopt');
cli_ok([ 'upgrade' ], qr/^Running upgrade join0001 -> curr0001, Add currency$/, 'then exactly the rest runs');
is($node->safe_psql('app', 'SELECT version_num FROM alembic_version'), 'join0001',
	'alembic_version is left as it was');
cli_fails([ 'adopt', '--version-table', 'nosuch' ], 1,
	qr/^pim_migrate: no Alembic version table "nosuch" in database "app" \(name it with --version-table SCHEMA\.TABLE, as version_table and version_table_schema in env\.py\)$/,
	'adopt from a table that is not there');
# adopting again once pim_migrate went on would set the database back
cli_fails([ 'adopt' ], 1,
	qr/pim_migrate has migrated this database past Alembic's version table alembic_version\n.*\nHINT:  .*--force/,
	'adopt again after an upgrade is refused');
cli_ok([ 'current' ], qr/^curr0001 \(head\)$/, 'and the current revision stays');
cli_ok([ 'adopt', '--force' ], qr/^adopted 1 version row from alembic_version\njoin0001$/m, 'adopt --force');
cli_ok([ 'adopt' ], qr/^adopted 1 version row from alembic_version\njoin0001$/m,
	'adopting the same rows again is a no-op');
# force set the rows back below the schema, which is at curr0001
cli_ok([ 'stamp', 'curr0001' ], undef, 'stamped back to where the schema is');

# return-to-alembic: the helper lists the Alembic project's ids (a fake
# one here: bin/pim_migrate_import_alembic.py --list-revisions)
open(my $hfh, '>', 'fake_helper') or die;
print $hfh "#!/bin/sh\n# \$1 is the helper script; print the project's ids\n"
  . "printf '%s\\n' \$FAKE_IDS\n";
close $hfh;
chmod 0755, 'fake_helper';
{
	local $ENV{PIM_MIGRATE_PYTHON} = "$dir/fake_helper";
	local $ENV{FAKE_IDS} = 'join0001';
	cli_fails([ 'return-to-alembic' ], 1,
		qr/^pim_migrate: the Alembic project of "alembic\.ini" has no revision curr0001, which pim_migrate applied: Alembic could not go on from there \(write it as an Alembic revision first\); nothing was changed$/,
		'return-to-alembic refuses a revision Alembic does not have');
	is($node->safe_psql('app', 'SELECT version_num FROM alembic_version'), 'join0001',
		'and alembic_version is unchanged');
	$ENV{FAKE_IDS} = 'join0001 curr0001';
	cli_ok([ 'return-to-alembic' ], qr/^wrote 1 version row into alembic_version\ncurr0001$/,
		'return-to-alembic');
	is($node->safe_psql('app', 'SELECT version_num FROM alembic_version'), 'curr0001',
		'alembic_version holds the current revision');
	$node->safe_psql('app', 'CREATE SCHEMA legacy');
	cli_ok([ 'return-to-alembic', '--version-table', 'legacy.alembic_version' ],
		qr/^created legacy\.alembic_version\n/, 'return-to-alembic creates the table as Alembic does');
	is($node->safe_psql('app',
			"SELECT version_num, (SELECT conname FROM pg_constraint WHERE conrelid = 'legacy.alembic_version'::regclass AND contype = 'p') FROM legacy.alembic_version"),
		'curr0001|alembic_version_pkc', 'with its rows and its primary key');
}

# a failed one-transaction migration says, last, that nothing stays
open(my $ffh, '>', 'versions/fail0001_fails.sql') or die;
print $ffh "-- fails\n--\n-- Revision ID: fail0001\n-- Revises: curr0001\n\n-- +upgrade\nSELECT 1/0;\n\n-- +downgrade\n";
close $ffh;
{
	my ($rc, $out, $err) = cli('upgrade');
	is($rc, 1, 'a failing upgrade: exit 1');
	like($out, qr/^Running upgrade curr0001 -> fail0001, fails$/m, 'it announced the step');
	is((split /\n/, $err)[-1],
		'pim_migrate: the migration was rolled back: none of its steps was committed, the database is as it was',
		'the last line says everything was rolled back');
	($rc, $out, $err) = cli('upgrade', '--each');
	is((split /\n/, $err)[-1],
		'pim_migrate: the migration stopped at the failed step: no step of it had been committed',
		'with --each, it says what was committed');
}
unlink 'versions/fail0001_fails.sql';

# file names cut the slug as Alembic does, never mid-word
cli_ok([ 'revision', '-m', 'Add the sector field to the Stock model, with an index', '--rev-id', 'slug0001', '--head', 'base' ],
	qr/Generating versions\/slug0001_add_the_sector_field_to_the_stock_model_\.sql \.\.\. done/,
	'a long slug is cut at a word');
cli_ok([ 'revision', '-m', 'Abcdefghijabcdefghijabcdefghijabcdefghijabcdefghij', '--rev-id', 'slug0002', '--head', 'base' ],
	qr/Generating versions\/slug0002_abcdefghijabcdefghijabcdefghijabcdefghij_\.sql \.\.\. done/,
	'one long word is cut at 40');
unlink glob('versions/slug000*');

# "revision" reads the Revises of the files without a database, by the
# server's rules: white space before the colon and inside a key, any case,
# comma lists, CRLF line ends, nothing after "-- +upgrade".  The server
# accepts each of these files; the new file goes on their single head.
mkdir 'hdrs' or die;
my %hdr_files = (
	'hdr0001_a.sql' => "-- a\n--\n-- Revision ID: hdr0001\n-- Revises:\n\n-- +upgrade\nSELECT 1;\n",
	'hdr0002_b.sql' => "-- b\n--Revision  ID :hdr0002\n--   REVISES : hdr0001\n\n--  +UPGRADE\nSELECT 2;\n",
	'hdr0003_c.sql' => "-- c\r\n  -- revision id:\thdr0003\r\n\t-- Revises :  hdr0002\r\n-- +upgrade\r\nSELECT 3;\r\n",
	'hdr0b01_d.sql' => "-- d\n-- Revision ID : hdr0b01\n-- Revises :\n-- +upgrade\nSELECT 4;\n",
	'hdr0005_e.sql' => "-- e\n-- Revision ID: hdr0005\n-- Revises :hdr0003 ,  hdr0b01\n-- +upgrade\n-- Revision ID: notme\nSELECT 5;\n",);
for my $name (keys %hdr_files)
{
	open(my $hfh, '>', "hdrs/$name") or die;
	print $hfh $hdr_files{$name};
	close $hfh;
}
$node->safe_psql('postgres', 'CREATE DATABASE hdrs');
cli_ok([ '-d', $node->connstr('hdrs'), '--dir', 'hdrs', 'upgrade', '--sql', 'hdr0005' ],
	qr/hdr0005/, 'the server reads the spacing variants');
# a deploy sends only the texts the server does not know: a file changed
# since it was loaded (not applied) is loaded again, an unchanged one not
my @hdr_db = ('-d', $node->connstr('hdrs'), '--dir', 'hdrs', '-v');
cli_ok([ @hdr_db, 'stamp', 'base' ], qr/5 new or changed/, 'stamp loads the files');
cli_ok([ @hdr_db, 'stamp', 'base' ], qr/0 new or changed/, 'and knows them the next time');
{
	open(my $hfh, '>', 'hdrs/hdr0005_e.sql') or die;
	print $hfh $hdr_files{'hdr0005_e.sql'} =~ s/SELECT 5;/SELECT 55;/r;
	close $hfh;
}
cli_ok([ @hdr_db, 'stamp', 'base' ], qr/1 new or changed/, 'a changed file is sent');
is($node->safe_psql('hdrs', "SELECT upgrade_sql FROM pim_migrate.revision WHERE revision = 'hdr0005'"),
	"-- Revision ID: notme\nSELECT 55;", 'and replaces its revision');

# Files with the stat keys (inode, size, times) of the last files found
# all known are not read at all.  Files changed in the last two seconds
# have no stat keys: a change in the same tick of the clock could leave
# them as they were.
mkdir 'stats' or die;
sub write_stat_file
{
	my ($name, $text) = @_;
	open(my $sfh, '>', "stats/$name") or die;
	print $sfh $text;
	close $sfh;
}
write_stat_file("st0$_.sql",
	"-- s$_\n--\n-- Revision ID: st0$_\n-- Revises: " . ($_ > 1 ? 'st0' . ($_ - 1) : '') . "\n\n-- +upgrade\nSELECT $_;\n")
  for 1 .. 3;
$node->safe_psql('postgres', 'CREATE DATABASE stats');
my @st_db = ('-d', $node->connstr('stats'), '--dir', 'stats', '-v');
cli_ok([ @st_db, 'stamp', 'base' ], qr/3 new or changed\n/, 'new files are loaded');
my $out = cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed/, 'and known');
unlike($out, qr/none read/, 'files written just now are read each time');
sleep 3;
$out = cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed\n/, 'settled files are read once more');
cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed \(none read/, 'then not at all');
# an edit in place that keeps the size and puts the modification time
# back still changes the change time
# (touch -r copies the times to the nanosecond; Perl's utime would not)
sub stat_keys { return `stat -c '%i %s %y' stats/st02.sql`; }
my $st02_keys = stat_keys();
system('touch', '-r', 'stats/st02.sql', 'st02.times') == 0 or die;
write_stat_file('st02.sql', slurp_file('stats/st02.sql') =~ s/SELECT 2;/SELECT 7;/r);
system('touch', '-r', 'st02.times', 'stats/st02.sql') == 0 or die;
is(stat_keys(), $st02_keys, 'the edit keeps the inode, the size and the modification time');
sleep 3;
cli_ok([ @st_db, 'stamp', 'base' ], qr/1 new or changed/, 'an edit that hides its time is read');
is($node->safe_psql('stats', "SELECT upgrade_sql FROM pim_migrate.revision WHERE revision = 'st02'"),
	'SELECT 7;', 'and loaded');
# replacing a revision forgot the other texts: they are sent once more,
# then known, then not read
cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed\n/, 'the files are sent once more');
cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed\n/, 'then read once more');
cli_ok([ @st_db, 'stamp', 'base' ], qr/none read/, 'and then not');
# a file added, or a revision row changed by hand
write_stat_file('st04.sql', "-- s4\n--\n-- Revision ID: st04\n-- Revises: st03\n\n-- +upgrade\nSELECT 4;\n");
cli_ok([ @st_db, 'stamp', 'base' ], qr/1 new or changed/, 'a new file is read');
sleep 3;
cli_ok([ @st_db, 'stamp', 'base' ], qr/0 new or changed\n/, 'settled, it is read once more');
$node->safe_psql('stats', "UPDATE pim_migrate.revision SET message = 'by hand' WHERE revision = 'st01'");
cli_ok([ @st_db, 'stamp', 'base' ], qr/1 new or changed/, 'a revision changed by hand is loaded again');

cli_ok([ '--dir', 'hdrs', 'revision', '-m', 'next', '--rev-id', 'hdr0006' ],
	qr/Generating hdrs\/hdr0006_next\.sql/, 'revision over the spacing variants');
like(slurp_file('hdrs/hdr0006_next.sql'), qr/^-- Revises: hdr0005$/m,
	'the new file revises the single head');
unlink 'hdrs/hdr0006_next.sql';
cli_ok([ '--dir', 'hdrs', 'merge', '-m', 'm', '--rev-id', 'hdr0007', 'hdr0002', 'hdr0b' ],
	qr/Generating/, 'merge finds ids and prefixes in the spacing variants');
like(slurp_file('hdrs/hdr0007_m.sql'), qr/^-- Revises: hdr0002, hdr0b01$/m,
	'the merge file revises both');

# checkpoint: a file whose upgrade builds the schema of every revision
# below it; an old database records it, a new one runs it alone
cli_ok([ 'checkpoint', '-m', 'checkpoint', '--rev-id', 'ckpt0001' ],
	qr/^Generating versions\/ckpt0001_checkpoint\.sql \.\.\. done$/m, 'checkpoint writes a file');
my $ckpt = slurp_file('versions/ckpt0001_checkpoint.sql');
like($ckpt, qr/^-- Checkpoint: true$/m, 'checkpoint: marked in its header');
like($ckpt, qr/^CREATE TABLE stocks/m, 'checkpoint: its upgrade builds the tables');
unlike($ckpt, qr/^-- \+downgrade/m, 'checkpoint: no downgrade');
# (the catalog still has fail0001, a second head: name the target)
cli_ok([ 'upgrade', 'ckpt0001' ], undef, 'an old database crosses the checkpoint');
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'ckpt0001',
	'and stands at it');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
{
	local $ENV{DATABASE_URL} = "postgresql://localhost/fresh?host=$host&port=$port";
	cli_ok([ 'upgrade' ], qr/Running upgrade .* -> ckpt0001, checkpoint/, 'a new database runs the checkpoint');
	is($node->safe_psql('fresh', "SELECT string_agg(revision, ',') FROM pim_migrate.log"),
		'ckpt0001', 'and nothing below it');
}
cli_fails([ 'checkpoint' ], 2, qr/checkpoint needs -m MESSAGE/, 'checkpoint without a message');
unlink 'versions/ckpt0001_checkpoint.sql';

# error paths
cli_fails([ 'upgrade', 'nosuch' ], 1, qr/Can't locate revision identified by 'nosuch'/, 'unknown revision');
cli_fails([ 'bogus' ], 2, qr/unknown command "bogus"/, 'unknown command');
cli_fails([ 'downgrade' ], 2, qr/downgrade needs a target/, 'missing target');
cli_fails([ 'revision' ], 2, qr/revision needs -m MESSAGE/, 'missing message');
{
	local $ENV{DATABASE_URL} = 'postgresql://someone:secret@127.0.0.1:1/none';
	my ($rc, $out, $err) = cli('current');
	is($rc, 1, 'no connection: exit 1');
	like($err, qr/connection from DATABASE_URL/, 'no connection: says which source');
	unlike($err, qr/secret/, 'no connection: never prints the password');
}
# a broken file: named with its line, and nothing changes
open(my $fh, '>', 'versions/broken01_broken.sql') or die;
print $fh "-- broken\n-- Revision ID: broken01\n-- Revises: join0001\nCREATE TABLE oops (id int);\n-- +upgrade\n";
close $fh;
my $before = $node->safe_psql('app', 'SELECT count(*) FROM pim_migrate.revision');
cli_fails([ 'upgrade' ], 1, qr/revision file has text before its "-- \+upgrade" line.*\nCONTEXT:  revision file, line 4\nrevision file "versions\/broken01_broken\.sql"/s,
	'a broken file is named with its line');
is($node->safe_psql('app', 'SELECT count(*) FROM pim_migrate.revision'), $before,
	'and nothing was loaded');
unlink 'versions/broken01_broken.sql';

chdir '/';
$node->stop;
done_testing();
