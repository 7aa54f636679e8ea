# The Debian package (debian/), built from a copy of the tracked files as
# `dpkg-buildpackage -us -uc -b` builds it on a Debian 12 machine: it holds
# exactly what `make install` installs (plus its documentation), with the
# same modes; its postinst makes /usr/bin/pim_migrate the command; lintian
# finds nothing the overrides do not justify; and extracted into a scratch
# root, it has the extension's files as the tree has them and a command
# that finds its Python helpers through the /usr/bin/pim_migrate links.
#
# The package is built without its build-time tests (the nocheck profile):
# they are the regression and isolation suites this run has already run.
use strict;
use warnings;

use Cwd;
use File::Compare qw(compare);
use File::Find;
use File::Temp qw(tempdir);
use JSON::PP;
use PostgreSQL::Test::Utils;
use Test::More;

sub have
{
	my ($tool) = @_;
	return system("command -v $tool >/dev/null 2>&1") == 0;
}

foreach my $tool (qw(git dpkg-buildpackage dpkg-checkbuilddeps dh pg_buildext))
{
	plan skip_all => "$tool is not installed (scripts/test.sh installs the package build's tools)"
	  unless have($tool);
}

# The package is the one of Debian's own server; a run of the suite on a
# server built from source (scripts/servers.sh: 17, 18) would build the
# same package again
my $bindir = `pg_config --bindir`;
chomp $bindir;
plan skip_all => "the package is built for Debian's own PostgreSQL, not for $bindir"
  unless $bindir =~ m{^/usr/lib/postgresql/};

my $top = Cwd::getcwd();
my $tmp = tempdir(CLEANUP => 1);

# A build sees nothing of this run: not make's variables (PG_CONFIG, the
# TAP suite's), not the PATH of the server under test; the system's
# PostgreSQL is what pg_buildext builds against.
my @clean_env = ('env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', "HOME=$tmp",
	'LC_ALL=C.UTF-8');

# nothing more to test: the failures so far are the result (not
# BAIL_OUT, which would stop the TAP tests after this one)
sub stop_here
{
	done_testing();
	exit;
}

# run_in DIR, COMMAND...: run COMMAND in DIR in the clean environment;
# its output goes to the test's log, and the last lines to the screen
# when it fails
sub run_in
{
	my ($dir, @cmd) = @_;
	my $out = '';
	my $ok = IPC::Run::run([ @clean_env, @cmd ], '>&', \$out,
		init => sub { chdir $dir or die "chdir $dir: $!" });
	note(join(' ', @cmd) . "\n$out");
	unless ($ok)
	{
		my @lines = split /\n/, $out;
		splice(@lines, 0, @lines - 30) if @lines > 30;
		diag(join("\n", join(' ', @cmd) . ' failed:', @lines));
	}
	return ($ok, $out);
}

# the tracked files, as a fresh clone has them: build outputs, results of
# this run and untracked files stay behind, and nothing is written into
# the tree
my ($ok, $files) = run_in($top, 'git', '-c', 'safe.directory=*', 'ls-files', '-z');
plan skip_all => "not a git checkout: the package is built from the tracked files"
  unless $ok;
my @present = grep { -e "$top/$_" || -l "$top/$_" } split /\0/, $files;
foreach my $copy ("$tmp/src", "$tmp/make")
{
	mkdir $copy or die;
	IPC::Run::run([ 'tar', '-C', $top, '--null', '-T', '-', '-cf', '-' ],
		'<', \join("\0", @present), '|', [ 'tar', '-C', $copy, '-xf', '-' ])
	  or die "copying the tree to $copy failed";
}

($ok) = run_in("$tmp/src", 'dpkg-checkbuilddeps', '-P', 'nocheck');
plan skip_all => "the package's Build-Depends are not installed (scripts/test.sh installs them)"
  unless $ok;

# the versions built: debian/pgversions among the servers installed
my ($vok, $vout) = run_in("$tmp/src", 'pg_buildext', 'supported-versions');
my @versions = split /\s+/, $vout;
ok($vok && @versions, 'pg_buildext finds a PostgreSQL version to build for')
  or stop_here();

# checkcontrol (debian/rules clean) fails the build when debian/control
# was not regenerated from control.in
($ok) = run_in("$tmp/src", 'env', 'DEB_BUILD_OPTIONS=nocheck parallel=2',
	'dpkg-buildpackage', '-us', '-uc', '-b', '-Pnocheck');
ok($ok, 'dpkg-buildpackage -us -uc -b builds the package') or stop_here();

my ($default_version) =
  slurp_file("$top/pim_migrate.control") =~ /^default_version = '([^']+)'/m;
my $meta = JSON::PP->new->decode(slurp_file("$top/META.json"));
my @scripts = map { s{.*/}{}r } glob("$top/sql/pim_migrate--*.sql");
ok(@scripts >= 2, 'the tree has install and update scripts');

# mode and path of the files (not directories) under a root, as "0755 /usr/..."
sub installed_files
{
	my ($root) = @_;
	my @list;
	find(
		{
			no_chdir => 1,
			wanted => sub {
				return if -d $_ && !-l $_;
				my $mode = -l $_ ? 'link' : sprintf('%04o', (lstat $_)[2] & 07777);
				push @list, "$mode " . substr($File::Find::name, length $root);
			}
		},
		$root);
	return [ sort @list ];
}

# "-rwxr-xr-x" as "0755", a symbolic link as "link"
sub mode_octal
{
	my ($mode) = @_;
	return 'link' if $mode =~ /^l/;
	my $n = 0;
	$n = $n * 2 + (substr($mode, $_, 1) ne '-') foreach 1 .. 9;
	return sprintf('%04o', $n);
}

foreach my $v (@versions)
{
	my $pkg = "postgresql-$v-pim-migrate";
	my ($deb) = grep { !/-dbgsym_/ } glob("$tmp/${pkg}_*.deb");
	ok(defined $deb, "$pkg: built") or next;

	my ($f, $fields) = run_in($tmp, 'dpkg-deb', '-f', $deb, 'Package', 'Version', 'Depends');
	like($fields, qr/^Package: \Q$pkg\E$/m, "$pkg: its name");
	like($fields, qr/^Version: \Q$default_version\E\.\d+-\d+$/m,
		"$pkg: a version of extension version $default_version");
	my ($upstream) = $fields =~ /^Version: (.*)-\d+$/m;
	is($meta->{version}, $upstream, "$pkg: META.json's version is the package's");
	is($meta->{provides}{pim_migrate}{version}, $upstream,
		"$pkg: and so is the version of the extension META.json provides");
	like($fields, qr/^Depends: .*\bpostgresql-$v\b/m, "$pkg: depends on its server");
	like($fields, qr/^Depends: .*\bpython3\b/m, "$pkg: depends on python3 (the helpers)");

	# what make install puts under DESTDIR, built for the same server
	my $pg_config = "/usr/lib/postgresql/$v/bin/pg_config";
	my $destdir = "$tmp/install-$v";
	($ok) = run_in("$tmp/make", 'make', '-s', '-j2', "PG_CONFIG=$pg_config");
	($ok) = run_in("$tmp/make", 'make', '-s', 'install', "PG_CONFIG=$pg_config",
		"DESTDIR=$destdir")
	  if $ok;
	run_in("$tmp/make", 'make', '-s', 'clean', "PG_CONFIG=$pg_config");
	ok($ok, "$pkg: make install DESTDIR=... for PostgreSQL $v");
	# dh_fixperms makes shared objects 0644, as Debian's policy wants
	# them (make install leaves the module 0755): the one mode that differs
	my $want = [ sort map { s{^0755 (.*\.so)$}{0644 $1}r } @{ installed_files($destdir) } ];

	# the package's files, from dpkg-deb -c: "-rwxr-xr-x root/root SIZE
	# DATE TIME ./PATH"
	my ($c, $listing) = run_in($tmp, 'dpkg-deb', '-c', $deb);
	my (@got, @docs, @owners);
	foreach my $line (split /\n/, $listing)
	{
		my ($mode, $owner, $path) = $line =~ m{^(\S+)\s+(\S+)\s+\d+\s+\S+\s+\S+\s+\.(/\S*)};
		next unless defined $path;
		push @owners, $owner;
		next if $mode =~ /^d/;
		# Debian's own: documentation, and the lintian overrides
		if ($path =~ m{^/usr/share/(doc/\Q$pkg\E/.*|lintian/overrides/\Q$pkg\E)$})
		{
			push @docs, $1;
			next;
		}
		push @got, mode_octal($mode) . " $path";
	}
	ok(scalar(@$want) > 0, "$pkg: make install installed files");
	is_deeply([ sort @got ], $want,
		"$pkg: its files and modes are what make install installs")
	  or diag("package:\n" . join("\n", sort @got) . "\nmake install:\n" . join("\n", @$want));
	is_deeply(
		[ sort @docs ],
		[
			(map { "doc/$pkg/$_" } qw(README.md.gz changelog.Debian.gz changelog.gz copyright)),
			"lintian/overrides/$pkg"
		],
		"$pkg: and README, changelogs, copyright and lintian overrides in /usr/share");
	is_deeply([ grep { $_ ne 'root/root' } @owners ], [], "$pkg: every file is root's");

	# /usr/bin/pim_migrate: an alternative set up by postinst, removed by prerm
	my ($i, $postinst) = run_in($tmp, 'dpkg-deb', '-I', $deb, 'postinst');
	like($postinst,
		qr{update-alternatives --install /usr/bin/pim_migrate pim_migrate /usr/lib/postgresql/$v/bin/pim_migrate $v\b},
		"$pkg: postinst links /usr/bin/pim_migrate to the command");
	my ($r, $prerm) = run_in($tmp, 'dpkg-deb', '-I', $deb, 'prerm');
	like($prerm,
		qr{update-alternatives --remove pim_migrate /usr/lib/postgresql/$v/bin/pim_migrate},
		"$pkg: prerm removes the link");

	# extracted into a scratch root
	my $root = "$tmp/root-$v";
	($ok) = run_in($tmp, 'dpkg', '-x', $deb, $root);
	ok($ok, "$pkg: dpkg -x into a scratch root");
	my $ext = "$root/usr/share/postgresql/$v/extension";
	is(compare("$ext/pim_migrate.control", "$top/pim_migrate.control"),
		0, "$pkg: the control file is the tree's");
	foreach my $script (@scripts)
	{
		is(compare("$ext/$script", "$top/sql/$script"), 0, "$pkg: $script is the tree's");
	}
	is_deeply([ sort map { s{.*/}{}r } glob("$ext/*") ],
		[ sort('pim_migrate.control', @scripts) ],
		"$pkg: no other extension files");
	ok(-f "$root/usr/lib/postgresql/$v/lib/pim_migrate.so", "$pkg: the module");
	my $bindir = "$root/usr/lib/postgresql/$v/bin";
	ok(-x "$bindir/$_", "$pkg: $_ executable")
	  foreach qw(pim_migrate pim_migrate_import_alembic.py pim_migrate_models.py);

	# the command through links as the alternative makes them
	# (/usr/bin/pim_migrate -> /etc/alternatives/pim_migrate -> bindir):
	# its version, and pyproject.toml read by its helper beside the program
	mkdir "$tmp/links-$v" or die;
	symlink("$bindir/pim_migrate", "$tmp/links-$v/alternative") or die;
	symlink("$tmp/links-$v/alternative", "$tmp/links-$v/pim_migrate") or die;
	my $project = "$tmp/project-$v";
	mkdir $project or die;
	mkdir "$project/migrations" or die;
	open(my $fh, '>', "$project/pyproject.toml") or die;
	print $fh "[tool.pim_migrate]\nversions = \"migrations\"\n";
	close $fh;
	my ($vv, $version) = run_in($project, "$tmp/links-$v/pim_migrate", '--version');
	is($version, "pim_migrate $default_version\n", "$pkg: pim_migrate --version");
	my ($rv, $revision) =
	  run_in($project, "$tmp/links-$v/pim_migrate", 'revision', '-m', 'first');
	ok($rv, "$pkg: pim_migrate revision, configured by pyproject.toml");
	my @written = glob("$project/migrations/*_first.sql");
	is(scalar(@written), 1, "$pkg: the helper found beside the program read the versions directory");
}

# lintian: every tag it finds is overridden with its reason
# (debian/postgresql-PGVERSION-pim-migrate.lintian-overrides)
SKIP:
{
	skip 'lintian is not installed (scripts/test.sh installs it)', 1 unless have('lintian');
	my ($changes) = glob("$tmp/*.changes");
	my ($lok, $tags) = run_in($tmp, 'lintian', '--pedantic', '-E', '-I',
		'--fail-on', 'error,warning,info,pedantic,experimental', $changes);
	$tags =~ s/^running with root privileges is not recommended!\n//m;
	ok($lok && $tags eq '', 'lintian finds nothing that is not overridden') or diag($tags);
}

# debian/copyright's licence is LICENSE's
my ($licence) = slurp_file("$top/debian/copyright") =~ /\n\nLicense: PostgreSQL\n(.*)\z/s;
$licence =~ s/^ \.$//mg;
$licence =~ s/^ //mg;
my ($text) = slurp_file("$top/LICENSE") =~ /\n\n(Permission.*)\z/s;
is($licence, $text, 'debian/copyright has the licence of LICENSE');

done_testing();
