#!/usr/bin/env bash
# Format the C sources as PostgreSQL formats its own: PostgreSQL's pgindent
# (taken from Debian's source package of the server we build against) with
# pg_bsd_indent, and a typedefs list made of PostgreSQL's own plus ours
# (typedefs.list at the top of the tree).
#
#   scripts/pgindent.sh           rewrite the files in place
#   scripts/pgindent.sh --check   change nothing; show the diff and exit 1
#                                 when a file is not formatted
set -euo pipefail
source "$(dirname "$0")/common.sh"

check=
[ "${1:-}" = --check ] && check=1

command -v pg_bsd_indent >/dev/null ||
	step "apt-get install pg-bsd-indent" env DEBIAN_FRONTEND=noninteractive \
		"${AS_ROOT[@]}" apt-get install -y -qq --no-install-recommends pg-bsd-indent

# pgindent and PostgreSQL's typedefs.list, cached by source version
cache=${XDG_CACHE_HOME:-$HOME/.cache}/pim_migrate
tools=$(ls -d "$cache"/pgindent-$PG_MAJOR.* 2>/dev/null | tail -n 1 || true)
if [ -z "$tools" ]; then
	dl=$(mktemp -d)
	debian_source postgresql-$PG_MAJOR bookworm "$dl"
	orig=$(ls "$dl"/postgresql-${PG_MAJOR}_*.orig.tar.*)
	version=$(basename "$orig" | sed 's/^postgresql-[0-9]*_\(.*\)\.orig\.tar\..*/\1/')
	tar -xf "$orig" -C "$dl" "postgresql-$version/src/tools/pgindent"
	mkdir -p "$cache"
	mv "$dl/postgresql-$version/src/tools/pgindent" "$cache/pgindent-$version"
	rm -rf "$dl"
	tools=$cache/pgindent-$version
fi

typedefs=$(mktemp)
work=$(mktemp -d)
trap 'rm -rf "$typedefs" "$work"' EXIT
cat "$tools/typedefs.list" "$TOP/typedefs.list" >"$typedefs"

cd "$TOP"
mapfile -t files < <(git ls-files 'src/*.[ch]' 'bin/*.[ch]')
if [ -z "$check" ]; then
	perl "$tools/pgindent" --typedefs="$typedefs" "${files[@]}"
	exit 0
fi

# --check: format copies and compare
for f in "${files[@]}"; do
	mkdir -p "$work/$(dirname "$f")"
	cp "$f" "$work/$f"
done
(cd "$work" && perl "$tools/pgindent" --typedefs="$typedefs" "${files[@]}")
status=0
for f in "${files[@]}"; do
	diff -u --label "$f" --label "$f (pgindent)" "$f" "$work/$f" || status=1
done
if [ $status -ne 0 ]; then
	echo "== not formatted as pgindent formats it: run scripts/pgindent.sh" >&2
fi
exit $status
