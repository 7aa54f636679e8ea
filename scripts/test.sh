#!/usr/bin/env bash
# Run every test of pim_migrate on a fresh Debian 12 machine, on each
# PostgreSQL it supports: install packages, build the servers that Debian
# 12 does not package (scripts/servers.sh: 17 and 18 from Debian's source
# packages, with assertions; cached), then for each version build the
# extension and the command with assertions and warnings as errors,
# install them into that server, and run the pg_regress, isolation and TAP
# suites (make installcheck: each brings its own throwaway clusters) as a
# user that may run initdb; then the static analysis (scripts/analyse.sh)
# and the formatting check once.  Exits non-zero on any failure, after
# printing the diffs and findings.
#
# Usage: scripts/test.sh [MAJOR...]  (default: 15 17 18; 15 is Debian 12's
# own server)
set -euo pipefail
source "$(dirname "$0")/common.sh"

install_packages

# Squawk, for the differential lint test (test/t/012_lint.pl): from the npm
# registry, at the version the corpus was checked against
SQUAWK_VERSION=2.66.0
if ! squawk --version 2>/dev/null | grep -qF "$SQUAWK_VERSION"; then
	echo "== installing squawk-cli $SQUAWK_VERSION"
	command -v npm >/dev/null ||
		step "apt-get install npm" env DEBIAN_FRONTEND=noninteractive \
			"${AS_ROOT[@]}" apt-get install -y -qq --no-install-recommends npm
	step "npm install -g squawk-cli@$SQUAWK_VERSION" \
		"${AS_ROOT[@]}" npm install -g --silent "squawk-cli@$SQUAWK_VERSION"
fi

# The package test (test/t/018_package.pl) builds the Debian package:
# what debian/control's Build-Depends name (less the servers of the
# build-time tests, which it skips with the nocheck profile), and lintian
if ! (cd "$TOP" && dpkg-checkbuilddeps -P nocheck) >/dev/null 2>&1 ||
	! command -v lintian >/dev/null; then
	echo "== installing the Debian package build's tools"
	step "apt-get update" "${AS_ROOT[@]}" apt-get update -qq
	step "apt-get build-dep -P nocheck $TOP" env DEBIAN_FRONTEND=noninteractive \
		"${AS_ROOT[@]}" apt-get build-dep -y -qq --no-install-recommends -P nocheck "$TOP"
	step "apt-get install lintian" env DEBIAN_FRONTEND=noninteractive \
		"${AS_ROOT[@]}" apt-get install -y -qq --no-install-recommends lintian
fi

# cppcheck, clang-tidy and bear, for the static analysis (scripts/analyse.sh)
analysers=()
for tool in cppcheck clang-tidy bear; do
	command -v "$tool" >/dev/null || analysers+=("$tool")
done
if [ ${#analysers[@]} -gt 0 ]; then
	echo "== installing ${analysers[*]}"
	step "apt-get update" "${AS_ROOT[@]}" apt-get update -qq
	step "apt-get install ${analysers[*]}" env DEBIAN_FRONTEND=noninteractive \
		"${AS_ROOT[@]}" apt-get install -y -qq --no-install-recommends "${analysers[@]}"
fi

VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(15 17 18)
for v in "${VERSIONS[@]}"; do
	case $v in
	15 | 17 | 18) ;;
	*) echo "usage: $0 [MAJOR...] (supported: 15 17 18)" >&2; exit 2 ;;
	esac
done
# the servers to build (cached by source version: seconds when built)
others=()
for v in "${VERSIONS[@]}"; do [ "$v" = "$PG_MAJOR" ] || others+=("$v"); done
[ ${#others[@]} -eq 0 ] || "$TOP/scripts/servers.sh" "${others[@]}"

make_workdir
status=0
CFLAGS_TEST="-DUSE_ASSERT_CHECKING -Wall -Wextra -Werror -Wno-unused-parameter"

# run_suite MAJOR: build and install for that server, then its suites, in
# a copy of the tree that the cluster user owns (the suites write results
# next to the sources), so the checkout stays as it was
run_suite() {
	local major=$1 pgc src log diffs
	if [ "$major" = "$PG_MAJOR" ]; then
		pgc=$PG_CONFIG
		# Debian's server: the command is also linked where PATH finds it
		build_and_install PG_CONFIG="$pgc" PG_CFLAGS="$CFLAGS_TEST"
	else
		pgc=$("$TOP/scripts/servers.sh" --print-pg-config "$major")
		build_and_install PG_CONFIG="$pgc" PG_CFLAGS="$CFLAGS_TEST" BIN_LINK_DIR=
	fi
	src=$WORKDIR/src-$major
	log=$WORKDIR/installcheck-$major.log
	echo "== PostgreSQL $major ($("$pgc" --version)): running the tests in $src"
	mkdir "$src"
	cp -a "$TOP/." "$src/"
	rm -rf "$src"/{results,output_iso,tmp_check*,regression.*,log}
	if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$src"; fi
	"${RUN_AS[@]}" env PATH="$("$pgc" --bindir):$PATH" \
		make -C "$src" -s installcheck PG_CONFIG="$pgc" 2>&1 | tee "$log" ||
		status=1
	for diffs in "$src"/regression.diffs "$src"/output_iso/regression.diffs; do
		if [ -s "$diffs" ]; then
			echo "== PostgreSQL $major: $diffs"
			cat "$diffs"
			status=1
		fi
	done
}

for v in "${VERSIONS[@]}"; do
	run_suite "$v"
done
# no objects of another server's build left in the tree for a "make
# install" into Debian's
[ "${VERSIONS[-1]}" = "$PG_MAJOR" ] || make -C "$TOP" -s clean >/dev/null

# counted NAME WHAT COMMAND...: one more test in the count; what it
# prints is shown when it fails, and its line goes into the log the count
# reads
counted() {
	local name=$1 what=$2
	shift 2
	echo "== $what"
	if "$@" >"$WORKDIR/$name.log" 2>&1; then
		echo "test $name ... ok" | tee -a "$WORKDIR/installcheck-checks.log"
	else
		cat "$WORKDIR/$name.log"
		echo "test $name ... FAILED" | tee -a "$WORKDIR/installcheck-checks.log"
		status=1
	fi
}
counted analysers "static analysis (scripts/analyse.sh)" "$TOP/scripts/analyse.sh"
counted pgindent "formatting (scripts/pgindent.sh --check)" "$TOP/scripts/pgindent.sh" --check

# one line per test: pg_regress and isolation say "test NAME ... ok" up
# to PostgreSQL 15 and "ok 1 - NAME" from 16, prove says
# "test/t/NAME.pl .... ok" and lists failures in its summary
count() {
	local log=$1
	passed=$(( $(grep -cE '^test .* \.\.\. ok' "$log" || true) +
		$(grep -cE '^ok [0-9]+ +- ' "$log" || true) +
		$(grep -cE '^test/t/[^ ]+ \.+ ok$' "$log" || true) ))
	failed=$(( $(grep -cE '^test .* \.\.\. FAILED' "$log" || true) +
		$(grep -cE '^not ok [0-9]+ +- ' "$log" || true) +
		$(grep -cE '^test/t/[^ ]+ +\(Wstat' "$log" || true) ))
}
total_passed=0
total_failed=0
per_version=()
for v in "${VERSIONS[@]}" checks; do
	count "$WORKDIR/installcheck-$v.log"
	# a suite that ran nothing failed
	[ "$passed" -gt 0 ] || { failed=$((failed + 1)); status=1; }
	[ "$failed" -eq 0 ] || status=1
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	if [ "$v" = checks ]; then
		per_version+=("analysers and formatting: $passed passed, $failed failed")
	else
		per_version+=("PostgreSQL $v: $passed passed, $failed failed")
	fi
done
for line in "${per_version[@]}"; do echo "  $line"; done
echo "pim_migrate tests: $total_passed passed, $total_failed failed"
exit $status
