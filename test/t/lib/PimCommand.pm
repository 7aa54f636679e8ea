# Shared by the TAP tests that run the pim_migrate command: the command run
# with any arguments (run_command: 007_cli.pl, 021_tenants.pl), and, for
# those that deploy revision files to nodes of their own (019_replica.pl,
# 020_logical_replication.pl), the files, in a versions directory of the
# test's, and the command run against a node with them.
package PimCommand;

use strict;
use warnings;

use Exporter 'import';
use File::Temp qw(tempdir);
use IPC::Run;

our @EXPORT = qw(run_command revision_file write_versions pim_command);

my $dir = tempdir(CLEANUP => 1);
mkdir "$dir/versions" or die;

# The text of a revision file.
sub revision_file
{
	my ($id, $revises, $message, $up, $down) = @_;
	return "-- $message\n--\n-- Revision ID: $id\n-- Revises: $revises\n\n-- +upgrade\n$up\n\n-- +downgrade\n$down\n";
}

# Write one file per revision, each [id, revises, message, upgrade,
# downgrade]; returns the versions directory.
sub write_versions
{
	foreach my $r (@_)
	{
		open(my $fh, '>', "$dir/versions/$r->[0]_rev.sql") or die;
		print $fh revision_file(@$r);
		close $fh;
	}
	return "$dir/versions";
}

# pim_migrate ARGS, as PATH finds it: (exit status, stdout, stderr).
sub run_command
{
	my ($stdout, $stderr);
	IPC::Run::run([ 'pim_migrate', @_ ], '>', \$stdout, '2>', \$stderr);
	return ($? >> 8, $stdout, $stderr);
}

# pim_migrate ARGS against a node's postgres database, with those files:
# (exit status, stdout, stderr).
sub pim_command
{
	my ($node, @args) = @_;
	return run_command('-d', $node->connstr('postgres'), '--dir', "$dir/versions", @args);
}

1;
