#!/usr/bin/env bash
# Static analysis of pim_migrate: cppcheck and clang-tidy over src/*.c and
# bin/*.c, with the flags the build uses.  Prints each finding as
# FILE:LINE: TOOL: message [check] and exits 1 if there is any that is not
# suppressed (.cppcheck-suppressions, inline "cppcheck-suppress" comments,
# the checks chosen in .clang-tidy).  Run by scripts/test.sh.
#
# Needs cppcheck (2.10), clang-tidy (14) and bear (3), and the server
# headers (postgresql-server-dev).  PG_CONFIG picks the PostgreSQL; JOBS
# (2) how many clang-tidy run at once.
#
# Runtime: about 70 seconds on 2 cores (measured on the 2-core test machine,
# load 1-2 from other jobs, PostgreSQL 15):
#   time scripts/analyse.sh   ->  real 1m08s, user 1m31s
#   of which the build under bear ~12 s, cppcheck -j2 ~21 s, clang-tidy
#   -j2 ~35 s
# What keeps it short:
#   - cppcheck reads PostgreSQL's headers (-I the server's include
#     directory, so it knows ereport(ERROR), palloc, foreach and
#     pg_attribute_noreturn()) but checks one configuration only: the
#     compiler's own -D__GNUC__ etc. are given.  Without them cppcheck
#     tries every #if combination of those headers: 8 minutes for src/.
#   - clang-tidy gets the real compile commands, from bear watching the
#     build (in a copy, without LLVM bitcode: with_llvm=no), and runs on
#     JOBS files at once.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
JOBS=${JOBS:-2}
# the tests build with assertions: Assert() tells the analysers what holds
CFLAGS_ANALYSED="-DUSE_ASSERT_CHECKING"

for tool in cppcheck clang-tidy bear; do
	command -v "$tool" >/dev/null || { echo "analyse: $tool not found" >&2; exit 2; }
done

work=$(mktemp -d /tmp/pim_analyse.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$TOP"
files=(src/*.c bin/*.c)

# compile_commands.json, from a build of a copy (the checkout keeps its
# objects), pointed back at the checkout's files
mkdir "$work/build"
cp -a Makefile pim_migrate.control src bin "$work/build/"
if ! bear --output "$work/compile_commands.json" -- \
	make -C "$work/build" -s -B with_llvm=no PG_CONFIG="$PG_CONFIG" \
	PG_CFLAGS="$CFLAGS_ANALYSED" >"$work/build.log" 2>&1; then
	echo "analyse: the build failed" >&2
	cat "$work/build.log" >&2
	exit 2
fi
sed -i "s|$work/build|$TOP|g" "$work/compile_commands.json"

: >"$work/findings"

# cppcheck
server=$("$PG_CONFIG" --includedir-server)
includedir=$("$PG_CONFIG" --includedir)
cppcheck -q -j "$JOBS" --std=c99 --library=posix \
	--enable=warning,style,performance,portability \
	-D__GNUC__=12 -D__x86_64__ -D__linux__ -D_GNU_SOURCE $CFLAGS_ANALYSED \
	-I"$server" -I"$includedir" -Isrc -Ibin \
	--inline-suppr --suppressions-list=.cppcheck-suppressions \
	--suppress="*:$server/*" \
	--template='{file}:{line}: cppcheck: {message} [{id}]' \
	"${files[@]}" 2>"$work/cppcheck.out" || true
sed "s|^$TOP/||" "$work/cppcheck.out" >>"$work/findings"

# clang-tidy, one output file per source file; a finding that points into
# a header of PostgreSQL says which file it was found in
printf '%s\n' "${files[@]}" |
	xargs -P "$JOBS" -n 1 sh -c '
		clang-tidy -p "$0" --quiet --extra-arg=-Wno-unknown-warning-option \
			"$PWD/$1" >"$0/tidy.$(echo "$1" | tr / _)" 2>&1 || true' "$work"
for f in "${files[@]}"; do
	awk -v top="$TOP/" -v src="$f" '
		/^[^ ]+:[0-9]+:[0-9]+: (warning|error): / {
			sub("^" top, "")
			split($0, p, ":")
			# named as the compile command named it: relative to its directory
			if (p[1] !~ /\//) {
				dir = src
				sub(/\/[^\/]*$/, "", dir)
				p[1] = dir "/" p[1]
			}
			msg = $0
			sub(/^[^ ]+:[0-9]+:[0-9]+: (warning|error): /, "", msg)
			where = (p[1] ~ /^(src|bin)\//) ? "" : " (in " src ")"
			print p[1] ":" p[2] ": clang-tidy: " msg where
		}
		/^Error while processing/ { print src ": clang-tidy: " $0 }' \
		"$work/tidy.$(echo "$f" | tr / _)" >>"$work/findings"
done

# a header's finding comes once, not once per file that includes it
sort -t: -k1,1 -k2,2n -u "$work/findings" >"$work/sorted"
n=$(wc -l <"$work/sorted")
cat "$work/sorted"
echo "analyse: $n finding(s) (cppcheck $(grep -c ': cppcheck: ' "$work/sorted" || true), clang-tidy $(grep -c ': clang-tidy: ' "$work/sorted" || true))"
[ "$n" -eq 0 ]
