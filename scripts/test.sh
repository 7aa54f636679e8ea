#!/usr/bin/env bash
# Run every test of pim_migrate on a fresh Debian 12 machine: install
# packages, build with assertions and warnings as errors, install, then run
# the pg_regress, isolation and TAP suites (make installcheck: each brings
# its own throwaway clusters) as a user that may run initdb, and the static
# analysis (scripts/analyse.sh).  Exits non-zero on any failure, after
# printing the diffs and findings.
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

build_and_install PG_CFLAGS="-DUSE_ASSERT_CHECKING -Wall -Wextra -Werror -Wno-unused-parameter"
make_workdir

# The suites write results next to the sources: run them in a copy that
# the cluster user owns, so the checkout stays as it was.
echo "== running the tests in $WORKDIR/src"
mkdir "$WORKDIR/src"
cp -a "$TOP/." "$WORKDIR/src/"
rm -rf "$WORKDIR"/src/{results,output_iso,tmp_check*,regression.*,log}
if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$WORKDIR/src"; fi

status=0
"${RUN_AS[@]}" make -C "$WORKDIR/src" -s installcheck 2>&1 | tee "$WORKDIR/installcheck.log" ||
	status=1

for diffs in "$WORKDIR"/src/regression.diffs "$WORKDIR"/src/output_iso/regression.diffs; do
	if [ -s "$diffs" ]; then
		echo "== $diffs"
		cat "$diffs"
		status=1
	fi
done

# counted NAME WHAT COMMAND...: one more test in the count; what it
# prints is shown when it fails, and its line goes into the log the count
# reads
counted() {
	local name=$1 what=$2
	shift 2
	echo "== $what"
	if "$@" >"$WORKDIR/$name.log" 2>&1; then
		echo "test $name ... ok" | tee -a "$WORKDIR/installcheck.log"
	else
		cat "$WORKDIR/$name.log"
		echo "test $name ... FAILED" | tee -a "$WORKDIR/installcheck.log"
		status=1
	fi
}
counted analysers "static analysis (scripts/analyse.sh)" "$TOP/scripts/analyse.sh"
counted pgindent "formatting (scripts/pgindent.sh --check)" "$TOP/scripts/pgindent.sh" --check

# one line per test: pg_regress and isolation say "test NAME ... ok",
# prove says "test/t/NAME.pl .... ok" and lists failures in its summary
log=$WORKDIR/installcheck.log
passed=$(( $(grep -cE '^test .* \.\.\. ok' "$log" || true) +
	$(grep -cE '^test/t/[^ ]+ \.+ ok$' "$log" || true) ))
failed=$(( $(grep -cE '^test .* \.\.\. FAILED' "$log" || true) +
	$(grep -cE '^test/t/[^ ]+ +\(Wstat' "$log" || true) ))
[ "$failed" -eq 0 ] || status=1
[ "$passed" -gt 0 ] || status=1
echo "pim_migrate tests: $passed passed, $failed failed"
exit $status
