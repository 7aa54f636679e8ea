import logging
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import engine_from_config, pool

# models: alembic.ini's prepend_sys_path puts the project root on sys.path
from app.models import Base
import app.models  # noqa: F401  (all tables registered on Base.metadata)

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

if os.environ.get("DATABASE_URL"):
    # ConfigParser interpolation: a password may hold a %
    config.set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"].replace("%", "%%"))
else:
    logger.warning("DATABASE_URL is not set, using sqlalchemy.url from alembic.ini")

target_metadata = Base.metadata

# shared with the reporting service, which keeps its own alembic_version
VERSION_TABLE = "billing_alembic_version"

# tables other tools own: never autogenerate drops for them
IGNORED_TABLES = {"spatial_ref_sys", "pg_stat_statements"}


def include_object(object, name, type_, reflected, compare_to):
    if type_ == "table" and (name in IGNORED_TABLES or name.startswith("tmp_")):
        return False
    if type_ == "index" and name and name.startswith("pgroonga_"):
        return False
    return True


common_options = dict(
    target_metadata=target_metadata,
    version_table=VERSION_TABLE,
    transaction_per_migration=True,
    compare_type=True,
    compare_server_default=True,
    include_object=include_object,
)


def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **common_options,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(connection=connection, **common_options)

        with context.begin_transaction():
            context.run_migrations()
    logger.info("migrations done")


if context.is_offline_mode():
    logger.info("offline mode: writing SQL")
    run_migrations_offline()
else:
    run_migrations_online()
