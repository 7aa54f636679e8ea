# A checkpoint stands for the revisions below it: on a 300-revision history
# with a checkpoint written at revision 250 by pim_migrate_checkpoint_sql,
# (a) a new database reaches head through it with the schema of one that
# ran all 300, (b) an old database at revision 200 crosses it as a no-op,
# (c) with the files below it deleted, a new database registers only the
# checkpoint and what stands on it, and an old one keeps working.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

# Revision i: tables, indexes, columns, views, constraints, foreign keys,
# a type change, enums, comments, functions and renames, in turn.
sub scripts
{
	my ($i) = @_;
	my $k = $i % 10;
	my $t = 't_' . ($i - (($i - 1) % 10));    # the table of this group of ten
	return ("CREATE TABLE $t (id bigserial PRIMARY KEY, name text NOT NULL, qty int DEFAULT 0, created timestamptz DEFAULT now());",
		"DROP TABLE $t;") if $k == 1;
	return ("CREATE INDEX ix_${t}_name ON $t (name);", "DROP INDEX ix_${t}_name;") if $k == 2;
	return ("ALTER TABLE $t ADD COLUMN note varchar(40);", "ALTER TABLE $t DROP COLUMN note;") if $k == 3;
	return ("CREATE VIEW v_$t AS SELECT id, name FROM $t WHERE qty > 0;", "DROP VIEW v_$t;") if $k == 4;
	return ("ALTER TABLE $t ADD CONSTRAINT ck_${t}_qty CHECK (qty >= 0);",
		"ALTER TABLE $t DROP CONSTRAINT ck_${t}_qty;") if $k == 5;
	return ("CREATE TABLE u_$t (id int PRIMARY KEY, t_id bigint REFERENCES $t (id), label text UNIQUE);",
		"DROP TABLE u_$t;") if $k == 6;
	return ("ALTER TABLE $t ALTER COLUMN note TYPE text;",
		"ALTER TABLE $t ALTER COLUMN note TYPE varchar(40);") if $k == 7;
	return ("CREATE TYPE mood_$t AS ENUM ('low', 'high');\nALTER TABLE u_$t ADD COLUMN mood mood_$t;",
		"ALTER TABLE u_$t DROP COLUMN mood;\nDROP TYPE mood_$t;") if $k == 8;
	return ("COMMENT ON TABLE $t IS 'group $t';", "COMMENT ON TABLE $t IS NULL;") if $k == 9;
	return ("CREATE FUNCTION f_$t(n int) RETURNS int LANGUAGE sql AS 'SELECT n + 1';",
		"DROP FUNCTION f_$t(int);") if $i % 20 == 0;
	return ("ALTER TABLE $t RENAME COLUMN qty TO quantity;",
		"ALTER TABLE $t RENAME COLUMN quantity TO qty;");
}

sub id { return sprintf('r%04d', $_[0]); }

# revision i as a file; 251 revises the checkpoint
my %file;
foreach my $i (1 .. 300)
{
	my ($up, $down) = scripts($i);
	my $revises = $i == 1 ? '' : $i == 251 ? 'c0250' : id($i - 1);
	$file{ id($i) } =
	  "-- revision $i\n--\n-- Revision ID: " . id($i) . "\n-- Revises: $revises\n\n-- +upgrade\n$up\n\n-- +downgrade\n$down\n";
}

sub load_files
{
	my ($db, @ids) = @_;
	my $array = join(",\n", map { "\$pm\$$file{$_}\$pm\$" } @ids);
	return $node->safe_psql($db, "SELECT pim_migrate_load_files(ARRAY[$array])");
}

sub dump_schema
{
	my ($db) = @_;
	my ($out, $err) = run_command(
		[ 'pg_dump', '--schema-only', '--exclude-schema=pim_migrate', '-d', $node->connstr($db) ]);
	is($err, '', "pg_dump of $db");
	# a dump is fenced by \restrict lines with a random key of its own
	$out =~ s/^\\(un)?restrict .*$//mg;
	open(my $fh, '>', "$PostgreSQL::Test::Utils::tmp_check/$db.dump") or die;
	print $fh $out;
	close $fh;
	return $out;
}

my @below = map { id($_) } 1 .. 250;
my @above = map { id($_) } 251 .. 300;

foreach my $db (qw(writer replayed fresh old trimmed trimmed_old))
{
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, 'CREATE EXTENSION pim_migrate');
}

# the checkpoint, written where 1..250 are registered and applied
load_files('writer', @below);
$node->safe_psql('writer', "SELECT count(*) FROM pim_migrate_upgrade('head')");
my $script = $node->safe_psql('writer', "SELECT pim_migrate_checkpoint_sql('r0250')");
like($script, qr/^-- pim_migrate checkpoint: schema public as the revisions up to r0250 leave it$/m,
	'the script says what it is');
like($script, qr/^-- Extensions and data are not included/m, 'and what it leaves out');
is($node->safe_psql('writer', 'SELECT count(*) FROM pim_migrate.log'), '250',
	'writing it left no step behind');
$file{c0250} =
  "-- checkpoint at r0250\n--\n-- Revision ID: c0250\n-- Revises: r0250\n-- Checkpoint: true\n\n-- +upgrade\n$script\n";

# every revision run, one by one: 1..250, then the checkpoint as a no-op
load_files('replayed', @below, 'c0250', @above);
$node->safe_psql('replayed', "SELECT count(*) FROM pim_migrate_upgrade('r0250')");
is($node->safe_psql('replayed', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'51', 'replayed: 50 revisions and the checkpoint above 250');
my $replayed = dump_schema('replayed');

# (a) a new database reaches head through the checkpoint
load_files('fresh', @below, 'c0250', @above);
is($node->safe_psql('fresh', "SELECT string_agg(revision, ',' ORDER BY step) FROM pim_migrate_steps('head') WHERE step <= 2"),
	'c0250,r0251', 'a new database: the plan starts at the checkpoint');
is($node->safe_psql('fresh', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'51', 'a new database runs the checkpoint and the 50 above it');
is($node->safe_psql('fresh', 'SELECT pim_migrate_current()'), 'r0300', 'it stands at head');
is($node->safe_psql('fresh', "SELECT count(*) FROM pim_migrate_history() WHERE is_applied"),
	'301', 'and everything below the checkpoint counts as applied');
is(dump_schema('fresh'), $replayed,
	'a new database through the checkpoint has the schema of one that ran all 300');

# (b) an old database at 200 crosses the checkpoint as a no-op
load_files('old', @below, 'c0250', @above);
$node->safe_psql('old', "SELECT count(*) FROM pim_migrate_upgrade('r0200')");
my ($rc, $out, $err) = $node->psql('old', "SELECT count(*) FROM pim_migrate_upgrade('head')");
is($rc, 0, 'old database: upgrade head') or diag($err);
is($out, '101', 'it runs 201..250, the checkpoint and 251..300');
like($err,
	qr/NOTICE:  Running upgrade r0250 -> c0250, checkpoint at r0250\nDETAIL:  Checkpoint: the revisions below it are applied, so its script does not run\./,
	'the checkpoint is bookkeeping only');
is($node->safe_psql('old', "SELECT operation FROM pim_migrate.log WHERE revision = 'c0250'"),
	'upgrade', 'and logged as an upgrade');
is(dump_schema('old'), $replayed, 'the old database has the same schema');

# (c) the files below the checkpoint deleted: a new database registers only
# the checkpoint and what stands on it
load_files('trimmed', 'c0250', @above);
is($node->safe_psql('trimmed', 'SELECT count(*) FROM pim_migrate_verify()'), '0',
	'its unknown down_revision is no problem');
is($node->safe_psql('trimmed', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'51', 'the trimmed catalog reaches head');
is(dump_schema('trimmed'), $replayed, 'with the same schema');

# and an old database, whose catalog still has them, loads the trimmed
# directory (nothing changes) and goes on
load_files('trimmed_old', @below, 'c0250', @above);
$node->safe_psql('trimmed_old', "SELECT count(*) FROM pim_migrate_upgrade('r0200')");
is(load_files('trimmed_old', 'c0250', @above), '0', 'an old database: the trimmed files change nothing');
is($node->safe_psql('trimmed_old', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'101', 'and it reaches head');
is(dump_schema('trimmed_old'), $replayed, 'with the same schema');

# below the checkpoint there is no way down
($rc, $out, $err) = $node->psql('fresh', "SELECT count(*) FROM pim_migrate_downgrade('r0250')");
isnt($rc, 0, 'a downgrade below the checkpoint fails');
like($err, qr/cannot downgrade below checkpoint "c0250"/, 'and names it');

$node->stop;
done_testing();
