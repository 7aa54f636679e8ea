# pim_migrate: PGXS build.  `make && make install`, then, as a user that
# may run initdb (not root), `make installcheck`: the tests bring their own
# throwaway clusters.

EXTENSION = pim_migrate
MODULE_big = pim_migrate
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA = $(wildcard sql/pim_migrate--*.sql)
PGFILEDESC = "pim_migrate - versioned schema migrations inside the server"
PG_CPPFLAGS = -Isrc

REGRESS = extension oldextversions revision_file register upgrade target execution branches stamp verify reliability security stock autogenerate adopt nontransactional kept_heads load_files plan lint logical_replication drift migration_test checkpoint tenants
# Each suite brings its own throwaway cluster, so `make installcheck` needs
# no running server.  NO_TEMP_INSTANCE=1 runs them in the server PGHOST and
# PGPORT name instead: Debian's pg_buildext installcheck (debian/rules,
# debian/tests/installcheck) passes it, since pg_virtualenv's cluster is the
# one that sees the package's files, and initdb refuses the root user that
# autopkgtest may be.
temp_instance = $(if $(NO_TEMP_INSTANCE),,--temp-instance=$(1))
REGRESS_OPTS = --load-extension=pim_migrate $(call temp_instance,./tmp_check_regress)

ISOLATION = concurrent_upgrade lock_guard races session_lock kept_heads tenants
ISOLATION_OPTS = --inputdir=test --outputdir=output_iso --load-extension=pim_migrate $(call temp_instance,./tmp_check_iso)

TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies; every module shares one header
$(OBJS): src/pim_migrate.h

# The pim_migrate command (bin/), built and installed with the extension
# into PostgreSQL's bindir.  That is not on PATH on Debian: make install
# BIN_LINK_DIR=/usr/local/bin also links it there (the scripts do); by
# default nothing is written outside PostgreSQL's directories.
BIN_LINK_DIR ?=

all: pim_migrate-command
pim_migrate-command:
	$(MAKE) -C bin PG_CONFIG=$(PG_CONFIG)
install: install-command
install-command: pim_migrate-command
	$(MAKE) -C bin PG_CONFIG=$(PG_CONFIG) install
	if [ -n "$(BIN_LINK_DIR)" ] && [ -d "$(DESTDIR)$(BIN_LINK_DIR)" ] && [ -w "$(DESTDIR)$(BIN_LINK_DIR)" ]; then \
		ln -sf '$(bindir)/pim_migrate' '$(DESTDIR)$(BIN_LINK_DIR)/pim_migrate'; fi
clean: clean-command
clean-command:
	$(MAKE) -C bin PG_CONFIG=$(PG_CONFIG) clean
.PHONY: pim_migrate-command install-command clean-command
