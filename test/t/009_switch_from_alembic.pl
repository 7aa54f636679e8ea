# Switching from Alembic: the guide's project (examples/alembic_project:
# the guide's two revisions, a branch with a label, a depends_on across
# branches, an op.execute data migration, a merge, and a concurrent index in
# an autocommit_block) is applied by Alembic to a middle revision; then
# "pim_migrate import-alembic" and "pim_migrate adopt" switch it over, and
# "pim_migrate upgrade head" applies exactly the rest.  The schema then
# equals that of a twin that Alembic upgraded to head, and again after both
# downgrade to base.  Also: what import-alembic says when it cannot work.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use AlembicSwitch;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = switch_setup();

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
switch_node($node);
$node->safe_psql('postgres', "CREATE DATABASE $_") foreach ('app', 'twin');

# a copy of the project to work in: the command writes versions/ beside it
my $src = getcwd() . '/examples/alembic_project';
my $dir = tempdir(CLEANUP => 1);
system('cp', '-r', "$src/.", $dir) == 0 or die "cp: $?";
chdir $dir or die;

# The team's databases: Alembic took app to the guide's second revision
# (with a row the data migration will fill); the twin goes all the way.
alembic_ok('app', 'upgrade', '1975ea83b712');
$node->safe_psql('app', "INSERT INTO stocks (name, ticker) VALUES ('Acme', 'ACM')");
alembic_ok('twin', 'upgrade', '1975ea83b712');
$node->safe_psql('twin', "INSERT INTO stocks (name, ticker) VALUES ('Acme', 'ACM')");
alembic_ok('twin', 'upgrade', 'head');

# the two commands of the README
my $out = pim_ok('app', 'import-alembic');
like($out, qr/^imported 7 of 7 revisions from alembic into versions: 7 written, 1 outside a transaction$/m,
	'import-alembic: every revision, one of them outside a transaction');
like(slurp_file('versions/f1e2d3c4b5a6_index_prices_by_day.sql'),
	qr/^-- Transactional: false\n.*^CREATE INDEX CONCURRENTLY ix_prices_day ON prices \(day\);$/ms,
	'the autocommit_block revision is written Transactional: false');
my $merge = slurp_file('versions/e9f0a1b2c3d4_merge_sectors_and_prices.sql');
like($merge, qr/^-- Revises: c3d4e5f60718, b7c8d9e0f1a2$/m, 'a merge keeps both parents');
like(slurp_file('versions/b7c8d9e0f1a2_sector_prices_view.sql'),
	qr/^-- Depends On: 1975ea83b712$/m, 'depends_on is kept');
like(slurp_file('versions/a1b2c3d4e5f6_add_prices.sql'),
	qr/^-- Branch Labels: prices\n.*^-- Create Date: 2025-08-18 14:30:00.000000$/ms,
	'branch labels and the create date are kept');
my $all = join('', map { slurp_file($_) } glob('versions/*.sql'));
unlike($all, qr/alembic_version|^BEGIN;|^COMMIT;/mi, "Alembic's bookkeeping is left out");
$out = pim_ok('app', 'import-alembic');
is($out, "imported 7 of 7 revisions from alembic into versions: 0 written, 7 kept\n",
	'importing again: every file kept');

# an env.py that commits per migration (as Alembic advises next to
# autocommit_block) gives the same files
my $env = slurp_file('alembic/env.py');
(my $per_migration = $env) =~ s/literal_binds=True,/literal_binds=True, transaction_per_migration=True,/
  or die 'env.py: no literal_binds';
open(my $efh, '>', 'alembic/env.py') or die;
print $efh $per_migration;
close $efh;
pim_ok('app', '--dir', 'per_migration', 'import-alembic');
foreach my $file (glob('versions/*.sql'))
{
	(my $twin = $file) =~ s/^versions/per_migration/;
	is(slurp_file($twin), slurp_file($file), "transaction_per_migration: the same $file");
}
open($efh, '>', 'alembic/env.py') or die;
print $efh $env;
close $efh;

$out = pim_ok('app', 'adopt');
like($out, qr/^1975ea83b712$/m, 'adopt: the version row Alembic left');
is($node->safe_psql('app', 'SELECT version_num FROM alembic_version'), '1975ea83b712',
	"adopt leaves Alembic's table as it was");

$out = pim_ok('app', 'upgrade', 'head');
my @ran = $out =~ /^Running upgrade .* -> (\w+),/mg;
is_deeply([ sort @ran ],
	[ sort qw(a1b2c3d4e5f6 b7c8d9e0f1a2 c3d4e5f60718 e9f0a1b2c3d4 f1e2d3c4b5a6) ],
	'upgrade head applies exactly the revisions Alembic had not applied');
like($out, qr/^Running upgrade e9f0a1b2c3d4 -> f1e2d3c4b5a6, Index prices by day \(outside a transaction\)$/m,
	'the concurrent index runs outside a transaction');
is($node->safe_psql('app', "SELECT sector FROM stocks"), 'unknown', 'the data migration ran');
is(schema_only('app'), schema_only('twin'), 'at head: the same schema as the Alembic twin');
is($node->safe_psql('app', 'SELECT indisvalid FROM pg_index WHERE indexrelid = \'ix_prices_day\'::regclass'),
	't', 'the concurrent index is valid');
is($node->safe_psql('app', 'SELECT * FROM pim_migrate_current()'), 'f1e2d3c4b5a6',
	'current is head');
is(pim_ok('app', 'upgrade', 'head'), "nothing to upgrade\n", 'a second upgrade has nothing to do');

# history reads as Alembic's, dependencies in parentheses (the order of
# lines on parallel branches may differ: both are newest first)
{
	my ($rc, $alembic_history, $err) = command('twin', $python, '-m', 'alembic', 'history');
	is($rc, 0, 'alembic history') or diag($err);
	(my $pim_history = pim_ok('app', 'history')) =~ s/ \(current\)//g;
	is(join("\n", sort split /\n/, $pim_history),
		join("\n", sort split /\n/, $alembic_history),
		'history: the lines of alembic history');
}

# all the way down, each tool on its database
pim_ok('app', 'downgrade', 'base');
alembic_ok('twin', 'downgrade', 'base');
is(schema_only('app'), schema_only('twin'), 'at base: the same schema as the Alembic twin');
is($node->safe_psql('app', 'SELECT count(*) FROM pim_migrate_current()'), '0', 'current is base');

# --- what import-alembic says when it cannot work --------------------------

# no Alembic for the Python it runs under
my $nopython = "$dir/python-without-alembic";
open(my $fh, '>', $nopython) or die;
print $fh "#!/bin/sh\nexec $python -I -S \"\$@\"\n";
close $fh;
chmod 0755, $nopython;
{
	local $ENV{PIM_MIGRATE_PYTHON} = $nopython;
	my ($rc, $o, $err) = command('app', 'pim_migrate', '--dir', 'other', 'import-alembic');
	is($rc, 1, 'without Alembic: exit 1');
	like($err, qr/import-alembic needs Alembic.*apt-get install python3-alembic/s,
		'without Alembic: says what is missing');
	ok(!-e 'other', 'without Alembic: nothing written');
}

# no project
{
	my ($rc, $o, $err) = command('app', 'pim_migrate', '--dir', 'other', 'import-alembic',
		'--config', 'nowhere.ini');
	is($rc, 1, 'no alembic.ini: exit 1');
	like($err, qr/no Alembic configuration file "nowhere.ini"/, 'no alembic.ini: said so');
}

# a revision that reads the database while it runs has no offline SQL: it
# is named, with the file to write, while the others are written
open($fh, '>', 'alembic/versions/0a0b0c0d0e0f_recount.py') or die;
print $fh <<'EOF';
"""Recount

Revision ID: 0a0b0c0d0e0f
Revises: f1e2d3c4b5a6
Create Date: 2025-09-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

revision = '0a0b0c0d0e0f'
down_revision = 'f1e2d3c4b5a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    n = op.get_bind().execute(sa.text("SELECT count(*) FROM stocks")).scalar()
    op.execute(f"COMMENT ON TABLE stocks IS '{n} stocks'")


def downgrade() -> None:
    op.execute("COMMENT ON TABLE stocks IS NULL")
EOF
close $fh;
{
	my ($rc, $o, $err) = command('app', 'pim_migrate', '--dir', 'other', 'import-alembic');
	is($rc, 1, 'a revision without offline SQL: exit 1');
	is($err, <<'EOF', 'a revision without offline SQL: named, with the file to write');
pim_migrate: could not convert 1 of 8 revisions; write their files by hand, in SQL:
  alembic/versions/0a0b0c0d0e0f_recount.py, upgrade: reads the database while it runs: op.get_bind().execute(...).scalar() (line 17)
    write other/0a0b0c0d0e0f_recount.sql
HINT:  Write each named file (--skeletons writes them with their header and the Python as a comment), then run import-alembic again: a revision that has a file keeps it.
EOF
	is(scalar(() = glob('other/*.sql')), 7, 'a revision without offline SQL: the others are written');
	ok(!-e 'other/0a0b0c0d0e0f_recount.sql', 'a revision without offline SQL: not its file');

	# the file a user writes is that revision's scripts from then on, under
	# any name; "Revises :" is read as the server reads it
	open($fh, '>', 'other/0a0b0c0d0e0f_count_by_hand.sql') or die;
	print $fh "-- Recount\n--\n-- Revision ID: 0a0b0c0d0e0f\n-- Revises : f1e2d3c4b5a6\n\n"
	  . "-- +upgrade\nDO \$\$BEGIN EXECUTE format('COMMENT ON TABLE stocks IS %L', "
	  . "(SELECT count(*) || ' stocks' FROM stocks)); END\$\$;\n\n"
	  . "-- +downgrade\nCOMMENT ON TABLE stocks IS NULL;\n";
	close $fh;
	($rc, $o, $err) = command('app', 'pim_migrate', '--dir', 'other', 'import-alembic');
	is($rc, 0, 'with the hand-written file: exit 0') or diag($err);
	is($o, "imported 8 of 8 revisions from alembic into other: 0 written, 8 kept\n",
		'with the hand-written file: every file kept');
	like(slurp_file('other/0a0b0c0d0e0f_count_by_hand.sql'), qr/^DO \$\$BEGIN/m,
		'the hand-written file is not rewritten');

	# a header that disagrees with the Python file is said
	open($fh, '>', 'other/0a0b0c0d0e0f_count_by_hand.sql') or die;
	print $fh "-- Recount\n--\n-- Revision ID: 0a0b0c0d0e0f\n-- Revises: 1975ea83b712\n"
	  . "-- Branch Labels: counts\n\n-- +upgrade\nSELECT 1;\n";
	close $fh;
	($rc, $o, $err) = command('app', 'pim_migrate', '--dir', 'other', 'import-alembic');
	is($rc, 1, 'a header that disagrees: exit 1');
	is($err, <<'EOF', 'a header that disagrees: said, key by key');
pim_migrate: 1 revision file(s) disagree with the Alembic project:
  other/0a0b0c0d0e0f_count_by_hand.sql: Revises: 1975ea83b712 where 0a0b0c0d0e0f_recount.py says f1e2d3c4b5a6; Branch Labels: counts where 0a0b0c0d0e0f_recount.py says (none)
HINT:  Correct those files' headers.
EOF
}
unlink 'alembic/versions/0a0b0c0d0e0f_recount.py';

done_testing();
