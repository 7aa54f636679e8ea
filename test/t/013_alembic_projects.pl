# Real-looking Alembic projects switch as they are (test/alembic_projects/,
# see its README): for each project,
#  - a twin that Alembic migrates to head;
#  - "import-alembic" on the project as it is lists every revision it cannot
#    convert, word for word, writes the others
#    and warns of the revisions it makes irreversible (expected/);
#  - with the files a user writes by hand (handwritten/) added, the import
#    succeeds and keeps every file;
#  - a database Alembic took to a middle revision is switched by "adopt" and
#    "upgrade head"; a new empty database by "upgrade head" alone;
#  - both have the twin's schema (pg_dump --schema-only), and again after the
#    three are downgraded to the same revision;
#  - "downgrade base" refuses at the first irreversible revision and leaves
#    everything as it was.
use strict;
use warnings;

use Cwd qw(getcwd);
use File::Temp qw(tempdir);
use FindBin;
use JSON::PP;
use lib "$FindBin::Bin/lib";
use AlembicSwitch;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $python = switch_setup();

my $corpus = getcwd() . '/test/alembic_projects';
# the projects kept as files, and the large one its generator writes
my @projects = ((map { m{([^/]+)/corpus\.json$} } glob("$corpus/*/corpus.json")), 'marketplace');
ok(@projects >= 5, 'the corpus: ' . join(', ', @projects));

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->append_conf('postgresql.conf', 'max_locks_per_transaction = 256');
$node->start;
switch_node($node);

# a command that must succeed; its output
sub ok_command
{
	my ($db, $what, @cmd) = @_;
	my ($rc, $out, $err) = command($db, @cmd);
	is($rc, 0, "$what on $db") or diag("$out\n$err");
	return $out;
}

sub current
{
	my ($db) = @_;
	return join(',', sort split /\n/,
		$node->safe_psql($db, 'SELECT * FROM pim_migrate_current()'));
}

# what the import of a project prints on its standard error (paths are
# relative to the project's directory)
sub expected
{
	my ($project, $what) = @_;
	my $path = "$corpus/expected/$project.$what";
	return -f $path ? slurp_file($path) : '';
}

my $top = getcwd();
foreach my $project (@projects)
{
	note("project $project");
	my $dir = tempdir(CLEANUP => 1);
	if ($project eq 'marketplace')
	{
		# a project too long to keep as files: written by its generator
		system($python, "$corpus/make_large.py", $dir) == 0
		  or BAIL_OUT("make_large.py: $?");
	}
	else
	{
		system('cp', '-r', "$corpus/$project/.", $dir) == 0 or die "cp: $?";
	}
	chdir $dir or die;
	my $meta = decode_json(slurp_file('corpus.json'));
	my $version_table = $meta->{version_table} // 'alembic_version';
	my ($twin, $app, $new) = map { "${project}_$_" } qw(twin app new);
	$node->safe_psql('postgres', "CREATE DATABASE $_") foreach ($twin, $app, $new);

	alembic_ok($twin, 'upgrade', 'heads');
	alembic_ok($app, 'upgrade', $meta->{middle});

	# the project as it is: everything that converts is written, the rest
	# listed
	my ($rc, $out, $err) = command($app, 'pim_migrate', 'import-alembic');
	is($rc, scalar(@{ $meta->{handwritten} }) ? 1 : 0,
		"$project: import-alembic as it is, exit status");
	is($err, expected($project, 'import.out'), "$project: the refusals and warnings, word for word");
	my @written = glob('versions/*.sql');
	is(scalar(@written), $meta->{revisions} - @{ $meta->{handwritten} },
		"$project: every revision that converts is written");

	# the files a user writes for what moves data in Python
	system('sh', '-c', 'cp handwritten/*.sql versions/') == 0 or die 'cp handwritten'
	  if @{ $meta->{handwritten} };
	($rc, $out, $err) = command($app, 'pim_migrate', 'import-alembic');
	is($rc, 0, "$project: import-alembic with the hand-written files") or diag($err);
	is($err, '', "$project: with the hand-written files, nothing to say");
	like($out, qr/^imported $meta->{revisions} of $meta->{revisions} revisions from alembic into versions: 0 written, $meta->{revisions} kept/m,
		"$project: every file kept");

	# the team's database, switched; a new one, from nothing
	pim_ok($app, 'adopt', '--version-table', $version_table);
	pim_ok($app, 'upgrade', 'heads');
	pim_ok($new, 'upgrade', 'heads');
	my $twin_schema = schema_only($twin, $version_table);
	is(schema_only($app, $version_table), $twin_schema, "$project: adopted and upgraded, the twin's schema");
	is(schema_only($new, $version_table), $twin_schema, "$project: upgraded from nothing, the twin's schema");
	is($node->safe_psql($new, 'SELECT count(*) FROM pim_migrate.revision'),
		$meta->{revisions}, "$project: every revision registered");

	# down to the same revision, each tool on its own
	alembic_ok($twin, 'downgrade', $meta->{downgrade_to});
	pim_ok($app, 'downgrade', $meta->{downgrade_to});
	pim_ok($new, 'downgrade', $meta->{downgrade_to});
	$twin_schema = schema_only($twin, $version_table);
	is(schema_only($app, $version_table), $twin_schema, "$project: downgraded to $meta->{downgrade_to}, the twin's schema");
	is(schema_only($new, $version_table), $twin_schema, "$project: downgraded from head to $meta->{downgrade_to}, the same");
	is(current($new), current($app), "$project: the same current");

	# and up again
	pim_ok($new, 'upgrade', 'heads');
	alembic_ok($twin, 'upgrade', 'heads');
	is(schema_only($new, $version_table), schema_only($twin, $version_table), "$project: up again, the twin's schema");

	# below an irreversible revision there is no way down: refused, and
	# nothing changes
	if (@{ $meta->{irreversible} })
	{
		my $before = schema_only($new, $version_table);
		($rc, $out, $err) = command($new, 'pim_migrate', 'downgrade', 'base');
		is($rc, 1, "$project: downgrade base across an irreversible revision: exit 1");
		like($err, qr/no downgrade script/i, "$project: downgrade base: says why")
		  or diag($err);
		is(schema_only($new, $version_table), $before, "$project: downgrade base: nothing changed");
	}
	# back to Alembic from where pim_migrate left the team's database: Alembic
	# sees pim_migrate's current and goes on from there to the twin's schema
	pim_ok($app, 'return-to-alembic', '--version-table', $version_table);
	is(join(',', sort split /\n/, $node->safe_psql($app, "SELECT version_num FROM $version_table")),
		current($app), "$project: return-to-alembic: Alembic's rows are pim_migrate's current");
	alembic_ok($app, 'upgrade', 'heads');
	is(schema_only($app, $version_table), schema_only($twin, $version_table),
		"$project: return-to-alembic, then alembic upgrade heads: the twin's schema");

	# the import's options, on a project with both kinds of irreversible
	# downgrade and both kinds of refusal
	if ($project eq 'helpdesk')
	{
		# --strict: a downgrade that raises is a refusal too
		($rc, $out, $err) = command($app, 'pim_migrate', '--dir', 'strict', 'import-alembic', '--strict');
		is($rc, 1, "$project: --strict: exit 1");
		like($err, qr/^pim_migrate: could not convert 4 of 14 revisions; write their files by hand, in SQL:$/m,
			"$project: --strict: the irreversible ones are refused too");
		like($err, qr{^  alembic/versions/1a612e44158b_drop_legacy_password_hashes\.py, downgrade: its downgrade\(\) raises NotImplementedError \(line 24\)$}m,
			"$project: --strict: a raising downgrade, named");
		unlike($err, qr/imported as irreversible/, "$project: --strict: nothing made irreversible");

		# -q: nothing but the refusals; -v: the Python errors as DETAIL
		($rc, $out, $err) = command($app, 'pim_migrate', '-q', '--dir', 'quiet', 'import-alembic');
		is($out, '', "$project: -q: nothing on standard output");
		unlike($err, qr/warning|INFO/, "$project: -q: no warning, no logging");
		($rc, $out, $err) = command($app, 'pim_migrate', '-v', '--dir', 'verbose', 'import-alembic');
		like($err, qr/^    DETAIL:  ParametersDropped$/m, "$project: -v: the Python error, as DETAIL");

		# --skeletons: files to finish, which refuse to load until edited
		($rc, $out, $err) = command($app, 'pim_migrate', '--dir', 'skel', 'import-alembic', '--skeletons');
		is($rc, 1, "$project: --skeletons: exit 1, there is work left");
		my ($skeleton) = glob('skel/ae97d0eda82f_*.sql');
		ok(defined $skeleton && slurp_file($skeleton) =~
			  /^-- Revision ID: ae97d0eda82f\n-- Revises: 8f6d4ef8aa38\n.*^-- \|     connection\.execute\(.*^pim_migrate_todo: write the upgrade of revision ae97d0eda82f;$/ms,
			"$project: --skeletons: header, the Python as a comment, the line to replace");
		($rc, $out, $err) = command($app, 'pim_migrate', '--dir', 'skel', 'import-alembic');
		like($err, qr{^  skel/ae97d0eda82f_escalation_level\.sql is a skeleton still to finish: write its SQL where it says TODO$}m,
			"$project: a skeleton left as it is: listed again");
		$node->safe_psql('postgres', "CREATE DATABASE ${project}_skel");
		($rc, $out, $err) = command("${project}_skel", 'pim_migrate', '--dir', 'skel', 'upgrade', 'heads');
		is($rc, 1, "$project: a skeleton left as it is does not load");
		like($err, qr/syntax error at or near "pim_migrate_todo"/, "$project: a skeleton: the line to replace, named")
		  or diag($err);
	}

	# a deploy that fails half-way (a table in the way of a revision) says
	# on its last line what stays, and that is what stays
	if ($project eq 'blog_cms')
	{
		my $clash = "${project}_clash";
		$node->safe_psql('postgres', "CREATE DATABASE $clash");

		# up to a revision below the first Transactional: false one: one
		# transaction, so nothing stays, not even the extension
		$node->safe_psql($clash, 'CREATE TABLE site_settings (id int)');
		($rc, $out, $err) = command($clash, 'pim_migrate', 'upgrade', 'd23f128b2f33');
		is($rc, 1, "$project: one transaction that fails: exit 1");
		ok(scalar(() = $out =~ /^Running upgrade /mg) >= 2,
			"$project: one transaction that fails: after several steps") or diag($out);
		like($err, qr/relation "site_settings" already exists/,
			"$project: one transaction that fails: the error");
		is((split /\n/, $err)[-1],
			'pim_migrate: the migration was rolled back: none of its steps was committed, the database is as it was',
			"$project: one transaction that fails: the last line, word for word");
		is($node->safe_psql($clash,
				"SELECT count(*) FROM pg_extension WHERE extname = 'pim_migrate'"
				  . " UNION ALL SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"),
			"0\n1", "$project: one transaction that fails: no extension, no table but the one in the way");
		$node->safe_psql($clash, 'DROP TABLE site_settings');

		# to head, across Transactional: false revisions: what was committed
		# before the failure stays, and the next deploy goes on from there
		$node->safe_psql($clash, 'CREATE TABLE post_revisions (id int)');
		($rc, $out, $err) = command($clash, 'pim_migrate', 'upgrade', 'heads');
		is($rc, 1, "$project: a deploy in parts that fails: exit 1");
		my $ran = () = $out =~ /^Running upgrade /mg;
		my ($stay) = (split /\n/, $err)[-1] =~
		  /^pim_migrate: the migration stopped at the failed step: the (\d+) steps committed before it stay applied, the rest was rolled back$/;
		ok(defined $stay && $stay > 0 && $stay < $ran,
			"$project: a deploy in parts that fails: the last line says what stays") or diag($err);
		is($node->safe_psql($clash, "SELECT count(*) FROM pim_migrate.log WHERE operation = 'upgrade'"),
			$stay // -1, "$project: a deploy in parts that fails: exactly those steps are recorded");
		$node->safe_psql($clash, 'DROP TABLE post_revisions');
		ok_command($clash, 'the next deploy', 'pim_migrate', 'upgrade', 'heads');
		is(schema_only($clash, $version_table), schema_only($twin, $version_table),
			"$project: after the failed deploy and the next one, the twin's schema");
	}
	chdir $top or die;
}

done_testing();
