# pg_dump carries the history: a database restored from a dump has the same
# revisions, version rows and log, and migrates on from where it was.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src; CREATE DATABASE dst;');
$node->safe_psql('src', 'CREATE EXTENSION pim_migrate;');

foreach my $file (sort glob('examples/versions/*.sql'))
{
	my $script = slurp_file($file);
	$script =~ s/'/''/g;
	$node->safe_psql('src', "SELECT pim_migrate_load('$script');");
}
$node->safe_psql('src', "SELECT * FROM pim_migrate_upgrade('head');");
$node->safe_psql('src', "INSERT INTO stocks VALUES (1, 'Acme', 'NYSE', 'ACME', 'tech');");

my $catalog = q{
	SELECT string_agg(revision || ':' || checksum, ',' ORDER BY revision) FROM pim_migrate.revision;
	SELECT string_agg(revision, ',' ORDER BY revision) FROM pim_migrate.version;
	SELECT string_agg(revision || ':' || operation, ',' ORDER BY id) FROM pim_migrate.log;
};
my $before = $node->safe_psql('src', $catalog);

my $dump = $node->basedir . '/src.dump';
$node->command_ok(
	[ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ],
	'pg_dump of a migrated database');
$node->command_ok(
	[ 'pg_restore', '-d', $node->connstr('dst'), $dump ],
	'pg_restore into an empty database');

is($node->safe_psql('dst', $catalog), $before,
	'revisions, version rows and log survive dump and restore');

# the plain format, replayed with psql, carries the same
my $plain = $node->basedir . '/src.sql';
$node->safe_psql('postgres', 'CREATE DATABASE plain;');
$node->command_ok([ 'pg_dump', '-f', $plain, '-d', $node->connstr('src') ],
	'pg_dump, plain format');
$node->command_ok(
	[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $plain, '-d', $node->connstr('plain') ],
	'the plain dump replays');
is($node->safe_psql('plain', $catalog), $before,
	'revisions, version rows and log survive a plain dump');
is($node->safe_psql('plain', "SELECT count(*) FROM pim_migrate_verify()"),
	'0', 'and the restored catalog verifies');
is($node->safe_psql('dst', 'SELECT * FROM pim_migrate_current()'),
	'4e55a8b046a1', 'current revision restored');

# the fingerprint of the last migration travels too, and the restored
# schema is what it describes: no drift in either restored database
my $fingerprint = q{SELECT string_agg(kind || ' ' || parent || '.' || name || ' ' || coalesce(def, ''),
	',' ORDER BY kind, parent, name) FROM pim_migrate.schema_object};
isnt($node->safe_psql('src', $fingerprint), '', 'a migration leaves a fingerprint');
is($node->safe_psql('dst', $fingerprint), $node->safe_psql('src', $fingerprint),
	'the fingerprint survives dump and restore');
is($node->safe_psql('dst', 'SELECT count(*) FROM pim_migrate_drift()'), '0',
	'no drift after pg_restore');
is($node->safe_psql('plain', 'SELECT count(*) FROM pim_migrate_drift()'), '0',
	'no drift after a plain dump');
is($node->safe_psql('dst', "SELECT count(*) FROM pim_migrate_upgrade('head')"),
	'0', 'the restored database is at head: nothing to upgrade');

# it migrates on: downgrade -1 runs the restored downgrade script
$node->safe_psql('dst', "SELECT * FROM pim_migrate_downgrade('-1')");
is($node->safe_psql('dst', 'SELECT * FROM pim_migrate_current()'),
	'1975ea83b712', 'downgrade -1 after restore');
is( $node->safe_psql(
		'dst',
		"SELECT count(*) FROM pg_attribute WHERE attrelid = 'stocks'::regclass AND attname = 'sector'"
	),
	'0',
	'the downgrade script ran in the restored database');
is($node->safe_psql('dst', 'SELECT count(*) FROM stocks'), '1', 'data kept');

# the log keeps growing from the restored sequence
is( $node->safe_psql(
		'dst',
		"SELECT operation FROM pim_migrate.log ORDER BY id DESC LIMIT 1"),
	'downgrade',
	'the log row of the new step follows the restored ones');

$node->stop;
done_testing();
