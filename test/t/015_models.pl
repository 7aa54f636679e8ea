# Autogenerate from the application's SQLAlchemy models: the Alembic
# guide's workflow on its own project (examples/: app/models/stock.py,
# pyproject.toml), then a model with what real models hold (identity and
# computed columns, server defaults, enums, sequences, naming conventions,
# functional and partial indexes, comments), each checked against a twin
# that SQLAlchemy's create_all() built from the same models; tables the
# models do not have, include and exclude, schema files beside the models,
# and what a user is told when the models cannot be read.
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
{
	my ($out, $err);
	IPC::Run::run([ $python, '-c', 'import sqlalchemy, tomllib' ], '>', \$out, '2>', \$err)
	  or plan skip_all => "$python cannot import sqlalchemy and tomllib: $err";
}

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;
switch_node($node);
$node->safe_psql('postgres', "CREATE DATABASE $_") foreach qw(app twin rich rich_twin errors);

sub write_file
{
	my ($path, $text) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	print $fh $text;
	close $fh;
}

# SQLAlchemy's own create_all() of the models of the project in the
# current directory, into $db: the schema the models mean
sub create_all
{
	my ($db, $ref) = @_;
	my ($module, $attr) = split /:/, $ref;
	my ($rc, $out, $err) = command($db, $python, '-c', <<"EOF");
import os, sys
sys.path.insert(0, os.getcwd())
import sqlalchemy as sa
from $module import $attr as base
url = os.environ["DATABASE_URL"]
metadata = getattr(base, "metadata", base)
metadata.create_all(sa.create_engine(url))
EOF
	is($rc, 0, "create_all() of $ref into $db") or diag($err);
}

# --- the guide's workflow -----------------------------------------------
my $dir = tempdir(CLEANUP => 1);
system('cp', '-r', map("examples/$_", qw(app pyproject.toml versions)), $dir) == 0 or die;
chdir $dir or die;
# before the guide's "Make Model Changes": no sector, the first revision only
unlink glob('versions/4e55a8b046a1_*.sql');
(my $model = slurp_file('app/models/stock.py')) =~ s/^.*(?:sector|# New field).*\n//mg;
write_file('app/models/stock.py', $model);

pim_ok('app', 'upgrade', 'head');
is(pim_ok('app', 'check'), "No new upgrade operations detected.\n",
	'the guide: the first revision is what the Stock model says');

# 1. Make Model Changes
$model =~ s/^(    ticker = Column\(String, index=True\)\n)/$1    # New field\n    sector = Column(String, index=True)  # Add this\n/m
  or die 'no ticker line';
write_file('app/models/stock.py', $model);
my ($rc, $out, $err) = command('app', 'pim_migrate', 'check');
is($rc, 1, 'the guide: check sees the model change, exit 1');
like($out, qr/^ALTER TABLE stocks ADD COLUMN sector (character varying|VARCHAR);$/mi,
	'the guide: check prints the missing statement');

# 2. Generate Migration
$out = pim_ok('app', 'revision', '--autogenerate', '-m', 'Add sector field to Stock model');
my ($file) = glob('versions/*_add_sector_field_to_stock_model.sql');
ok(defined $file, 'the guide: the revision file, named as Alembic names it');
my $text = defined $file ? slurp_file($file) : '';
like($text, qr/^-- Revises: 1975ea83b712$/m, 'the guide: it revises the head');
like($text, qr/^-- \+upgrade\n(?:.*\n)*ALTER TABLE stocks ADD COLUMN sector [^\n]*;\n(?:.*\n)*CREATE INDEX ix_stocks_sector ON [^\n]*stocks[^\n]*\(sector\);$/m,
	'the guide: the column and its index');
like($text, qr/^-- \+downgrade\n(?:.*\n)*ALTER TABLE stocks DROP COLUMN sector;/m,
	'the guide: and back');

# 4. Apply Migration, 5. Verify Changes
pim_ok('app', 'upgrade', 'head');
is(pim_ok('app', 'check'), "No new upgrade operations detected.\n", 'the guide: check after the upgrade');
create_all('twin', 'app.db.base:Base');
is(schema_only('app'), schema_only('twin'), "the guide: the schema SQLAlchemy's create_all() makes");
pim_ok('app', 'downgrade', '-1');
($rc, $out, $err) = command('app', 'pim_migrate', 'check');
is($rc, 1, 'the guide: after downgrade -1, the model is ahead again');

# tables the models do not have are proposed for dropping, with the warning;
# exclude leaves them alone; Alembic's version table is never proposed
pim_ok('app', 'upgrade', 'head');
$node->safe_psql('app', 'CREATE TABLE legacy_audit (id int); CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)');
($rc, $out, $err) = command('app', 'pim_migrate', 'check');
is($rc, 1, 'a table the models lack: exit 1');
like($out, qr/^-- WARNING: .*legacy_audit.*\nDROP TABLE legacy_audit;$/m, 'a table the models lack: dropped, with the warning');
unlike($out, qr/alembic_version/, "Alembic's version table is left alone");
is(pim_ok('app', 'check', '--exclude', 'legacy%'), "No new upgrade operations detected.\n",
	'--exclude LIKE pattern: left alone');
write_file('pyproject.toml', slurp_file('pyproject.toml') . qq{exclude = ["legacy_audit"]\n});
is(pim_ok('app', 'check'), "No new upgrade operations detected.\n",
	'exclude in [tool.pim_migrate]: left alone');
($rc, $out, $err) = command('app', 'pim_migrate', 'check', '--include', 'legacy%', '--exclude', 'nothing');
is($rc, 1, "--exclude on the command line replaces the file's");
like($out, qr/^DROP TABLE legacy_audit;$/m, '--include: what it names is compared');
unlike($out, qr/stocks/, '--include: nothing else is');

# --- models as real projects write them -----------------------------------
my $rich = tempdir(CLEANUP => 1);
chdir $rich or die;
mkdir 'shop' or die;
write_file('shop/__init__.py', '');
write_file('shop/models.py', <<'EOF');
import enum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import declarative_base

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})
Base = declarative_base(metadata=metadata)


class Status(enum.Enum):
    draft = "draft"
    live = "live"


order_number = sa.Sequence("order_number_seq", start=1000, metadata=metadata)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = {"comment": "people who buy"}
    id = sa.Column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    email = sa.Column(sa.String(200), nullable=False, unique=True, comment="login, 100% unique")
    name = sa.Column(sa.Text, server_default="anonymous")
    created_at = sa.Column(sa.DateTime(timezone=True), server_default=sa.text("now()"))
    status = sa.Column(sa.Enum(Status, name="customer_status"), nullable=False, server_default="draft")


class Order(Base):
    __tablename__ = "orders"
    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.Integer, order_number, server_default=order_number.next_value())
    customer_id = sa.Column(sa.BigInteger, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    qty = sa.Column(sa.Integer, nullable=False)
    price = sa.Column(sa.Numeric(10, 2), nullable=False)
    total = sa.Column(sa.Numeric(12, 2), sa.Computed("qty * price"))
    data = sa.Column(postgresql.JSONB, server_default=sa.text("'{}'::jsonb"))
    discount = sa.Column(sa.String(8), server_default="0%")
    __table_args__ = (
        sa.CheckConstraint("qty > 0", name="positive_qty"),
        sa.CheckConstraint("discount LIKE '%\\%'", name="discount_is_percent"),
        sa.Index("ix_orders_ref", sa.text("(data->>'ref')")),
        sa.Index("ix_orders_big", "qty", postgresql_where=sa.text("qty > 100")),
        sa.UniqueConstraint("customer_id", "number"),
    )
EOF
write_file('views.sql', "CREATE VIEW big_orders AS SELECT id, qty FROM orders WHERE qty > 100;\n");
pim_ok('rich', 'init');
pim_ok('rich', 'revision', '--autogenerate', '-m', 'Shop models', '--metadata', 'shop.models:Base',
	'--schema-file', 'views.sql');
($file) = glob('versions/*_shop_models.sql');
$text = defined $file ? slurp_file($file) : '';
like($text, qr/CREATE TYPE customer_status AS ENUM \('draft', 'live'\);/, 'models: the enum type');
like($text, qr/CREATE VIEW big_orders/, 'models: the schema file beside them');
pim_ok('rich', 'upgrade', 'head');
is(pim_ok('rich', 'check', '--metadata', 'shop.models:Base', '--schema-file', 'views.sql'),
	"No new upgrade operations detected.\n", 'models: check after the upgrade');
create_all('rich_twin', 'shop.models:Base');
$node->safe_psql('rich_twin', slurp_file('views.sql'));
is(schema_only('rich'), schema_only('rich_twin'),
	"models: identity, computed, defaults with %, enum, sequence, conventions, indexes: create_all()'s schema");

# --- what a user is told ---------------------------------------------------
sub fails_with
{
	my ($what, $re, @args) = @_;
	my ($rc, $out, $err) = command('errors', 'pim_migrate', 'check', @args);
	is($rc, 1, "$what: exit 1");
	like($err, $re, "$what: said") or diag($err);
}
fails_with('a module that does not import',
	qr/^pim_migrate: could not import the module "shop.nowhere" of --metadata shop.nowhere:Base: ModuleNotFoundError: No module named 'shop.nowhere'\nDETAIL:  sys.path: \Q$rich\E, /m,
	'--metadata', 'shop.nowhere:Base');
write_file('shop/broken.py', "import sqlalchemy\nraise RuntimeError('settings.DATABASE is not configured')\n");
fails_with('a module that raises',
	qr/^pim_migrate: could not import the module "shop.broken" of --metadata shop.broken:Base: RuntimeError: settings.DATABASE is not configured$/m,
	'--metadata', 'shop.broken:Base');
fails_with('an attribute that is not there', qr/^pim_migrate: the module "shop.models" has no attribute "Nope"/m,
	'--metadata', 'shop.models:Nope');
fails_with('an attribute that is not a MetaData', qr/^pim_migrate: --metadata shop.models:Status is neither a MetaData nor a declarative base \(a class with a \.metadata\): its type is Enum\w+$/m,
	'--metadata', 'shop.models:Status');
fails_with('not MODULE:ATTR', qr/^pim_migrate: --metadata "shop.models" is not MODULE:ATTR/m,
	'--metadata', 'shop.models');
{
	my $nosqla = "$rich/python-without-sqlalchemy";
	write_file($nosqla, "#!/bin/sh\nexec $python -I -S \"\$@\"\n");
	chmod 0755, $nosqla;
	local $ENV{PIM_MIGRATE_PYTHON} = $nosqla;
	fails_with('a Python without SQLAlchemy', qr/--metadata needs SQLAlchemy, which .* cannot import .*apt-get install python3-sqlalchemy/s,
		'--metadata', 'shop.models:Base');
}
write_file('pyproject.toml', "[tool.pim_migrate]\nmetadata = 'shop.models:Base'\nversion = 'versions'\n");
fails_with('an unknown key in pyproject.toml', qr/^pim_migrate: "pyproject.toml": \[tool.pim_migrate\] has no key "version"\nHINT:  The keys are versions, metadata, schema, schema_files, include, exclude\.$/m);
write_file('pyproject.toml', "[tool.pim_migrate]\nmetadata = shop.models:Base\n");
fails_with('pyproject.toml that is not TOML', qr/^pim_migrate: "pyproject.toml" is not valid TOML: /m);
write_file('pyproject.toml', "[tool.pim_migrate]\nexclude = 'legacy'\n");
fails_with('a key of the wrong type', qr/^pim_migrate: "pyproject.toml": \[tool.pim_migrate\] exclude must be a list of strings$/m);
unlink 'pyproject.toml';
# with no models and no schema file, check is the drift check: not bad
# usage (this database has no extension, which it says)
my ($rc2, $out2, $err2) = command('errors', 'pim_migrate', 'check');
is($rc2, 1, 'check with no models and no schema file: the drift check');
like($err2, qr/the extension pim_migrate is not installed in database "errors"/,
	'check with no models: says why it cannot look') or diag($err2);

chdir '/' or die;
done_testing();
