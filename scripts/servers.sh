#!/usr/bin/env bash
# servers.sh [MAJOR...]: build the PostgreSQL servers that pim_migrate is
# tested on besides Debian 12's own 15, from Debian's own source packages:
# 17 from Debian 13 (trixie), 18 from unstable (sid).  Default: 17 and 18;
# 15 (bookworm's source) builds Debian 12's server again with assertions.
#
# Each is configured upstream's way (Debian's packaging is not run) with
# assertions, debug symbols and the TAP tests' Perl modules, built with
# `nice make -j2` and installed into a prefix of its own,
# $PIM_PG_ROOT/MAJOR-SOURCEVERSION (default /opt/pim_migrate-pg), with the
# contrib modules the tests use.  A stamp file in the prefix marks a finished
# install: a second run for the same source version only checks it.  Prints
# one line per version: built or cached, the prefix, its pg_config.
#
# servers.sh --print-pg-config MAJOR: print the pg_config of a built MAJOR
# (nothing is built or downloaded), for other scripts; exit 1 if none is.
set -euo pipefail
source "$(dirname "$0")/common.sh"

PIM_PG_ROOT=${PIM_PG_ROOT:-/opt/pim_migrate-pg}

# the Debian suite that has each major's source package; 15 is Debian 12's
# own, packaged without assertions: built here only when asked for, to run
# the suite on 15 with assertions too
declare -A SUITE=([15]=bookworm [17]=trixie [18]=sid)

# configure's options: assertions, debug symbols, the TAP tests' Perl
# modules, and ICU, which Debian's servers have (default only since 16;
# the autogenerate tests create ICU collations).  A change rebuilds.
CONFIGURE=(--enable-cassert --enable-debug --enable-tap-tests --with-icu)

# contrib modules the tests create (citext, hstore, pg_trgm) and the
# others Debian's server package has that a test may reach for
CONTRIB=(citext hstore pg_trgm btree_gist pg_stat_statements amcheck pgcrypto)

# configure's needs on top of the machine's build-essential: bison and flex
# (release tarballs ship no generated parsers since 17), readline and zlib
# (default on), ICU (default on since 16); IPC::Run for the TAP tests
BUILD_PACKAGES=(bison flex perl pkg-config libreadline-dev zlib1g-dev libicu-dev
	libipc-run-perl)

usage() {
	echo "usage: $0 [MAJOR...] | --print-pg-config MAJOR (majors: ${!SUITE[*]})" >&2
	exit 2
}

check_major() {
	[ -n "${SUITE[$1]:-}" ] || { echo "no source package known for PostgreSQL $1" >&2; usage; }
}

# source_version MAJOR: the version of postgresql-MAJOR in its suite, read
# from apt's lists (apt-get source --print-uris downloads nothing)
source_version() {
	local major=$1
	apt-get source --print-uris -qq "postgresql-$major/${SUITE[$major]}" 2>/dev/null |
		sed -n "s/^'[^']*' postgresql-${major}_\(.*\)\.dsc .*/\1/p" | head -n 1
}

# prefix MAJOR VERSION: where that build is installed (an epoch's colon and
# a tilde would be awkward in a path)
prefix() {
	echo "$PIM_PG_ROOT/$1-${2//[:~]/_}"
}

# the newest finished install of MAJOR, whatever its source version
installed_prefix() {
	local stamp
	stamp=$(ls -d "$PIM_PG_ROOT/$1"-*/.pim_migrate-built 2>/dev/null | sort -V | tail -n 1)
	[ -n "$stamp" ] && dirname "$stamp"
}

if [ "${1:-}" = --print-pg-config ]; then
	[ $# -eq 2 ] || usage
	check_major "$2"
	p=""
	# the build of the version apt knows now, else whatever was built
	if grep -qs "^Suites:.* ${SUITE[$2]}\b" "$PIM_SOURCES"; then
		v=$(source_version "$2")
		[ -n "$v" ] && [ -f "$(prefix "$2" "$v")/.pim_migrate-built" ] && p=$(prefix "$2" "$v")
	fi
	[ -n "$p" ] || p=$(installed_prefix "$2") ||
		{ echo "PostgreSQL $2 is not built: run $0 $2" >&2; exit 1; }
	echo "$p/bin/pg_config"
	exit 0
fi

case "${1:-}" in -*) usage ;; esac
MAJORS=("$@")
[ ${#MAJORS[@]} -gt 0 ] || MAJORS=(17 18)
for major in "${MAJORS[@]}"; do check_major "$major"; done

# When the mirror has lost the source files of the version a suite lists
# (seen for trixie's postgresql-17 17.12-0+deb13u1: the lists and binaries
# are there, the .dsc and tarballs are not), an earlier version of the same
# suite is taken from the same pool directory, checked against the hash of
# its .dsc pinned here (the .dsc then gives the tarball's hash).
declare -A FALLBACK=(
	[17]="17.11-0+deb13u1 bf148ae423a982707c3f60672c3a072ef62b701bd9f5df847d9f4b8c9b3e3b18"
)

workdir() {
	echo "$PIM_PG_ROOT/build/$1-${2//[:~]/_}"
}

# fetch_listed MAJOR VERSION: apt-get source the version the suite lists,
# through our deb-src file; returns non-zero if apt cannot download it
fetch_listed() {
	local major=$1 version=$2 work
	work=$(workdir "$major" "$version")
	rm -rf "$work"
	mkdir -p "$PIM_PG_ROOT/build"
	# debian_source stops its shell when apt fails: give it one of its own
	if ! (debian_source "postgresql-$major" "${SUITE[$major]}" "$work") 2>"$work.log"; then
		echo "== apt-get source postgresql-$major/${SUITE[$major]} ($version) failed:" \
			"$(grep -m 1 -E '^E: ' "$work.log" || tail -n 1 "$work.log")" >&2
		rm -rf "$work" "$work.log"
		return 1
	fi
	rm -f "$work.log"
}

# fetch_fallback MAJOR: download FALLBACK[MAJOR] from the pool directory
# of the listed version, with apt's own downloader, checking hashes
fetch_fallback() {
	local major=$1 version dsc_hash work pool dsc line
	read -r version dsc_hash <<<"${FALLBACK[$major]}"
	work=$(workdir "$major" "$version")
	pool=$(apt-get source --print-uris -qq "postgresql-$major/${SUITE[$major]}" 2>/dev/null |
		sed -n "s/^'\(.*\)\/postgresql-${major}_[^/']*\.dsc' .*/\1/p" | head -n 1)
	[ -n "$pool" ] || return 1
	rm -rf "$work"
	mkdir -p "$work"
	dsc=postgresql-${major}_${version#*:}.dsc
	step "download $dsc" /usr/lib/apt/apt-helper download-file \
		"$pool/${dsc//+/%2b}" "$work/$dsc" "SHA256:$dsc_hash"
	# the upstream tarball, as the .dsc's Checksums-Sha256 names it
	line=$(sed -n '/^Checksums-Sha256:/,/^[^ ]/p' "$work/$dsc" | grep -E ' postgresql-[0-9]+_[^ ]*\.orig\.tar\.[a-z0-9]+$' | head -n 1)
	[ -n "$line" ] || { echo "no upstream tarball in $work/$dsc" >&2; exit 1; }
	set -- $line
	step "download $3" /usr/lib/apt/apt-helper download-file "$pool/$3" "$work/$3" "SHA256:$1"
}

# build MAJOR VERSION PREFIX: unpack what fetch_* downloaded, configure,
# build, install; a stamp file in PREFIX says it all went well
build() {
	local major=$1 version=$2 prefix=$3 work upstream tarball srcdir
	work=$(workdir "$major" "$version")
	upstream=${version#*:}
	upstream=${upstream%-*}
	tarball=$(ls "$work"/postgresql-"${major}"_"${upstream}".orig.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || { echo "no upstream tarball for $version in $work" >&2; exit 1; }
	step "unpack $(basename "$tarball")" tar -xf "$tarball" -C "$work"
	srcdir=$work/postgresql-$upstream
	[ -d "$srcdir" ] || { echo "$tarball has no postgresql-$upstream/" >&2; exit 1; }
	install_packages "${BUILD_PACKAGES[@]}"
	rm -rf "$prefix"
	local log=$work/build.log
	echo "== building PostgreSQL $version in $srcdir (log: $log)"
	if ! (cd "$srcdir" &&
		./configure --prefix="$prefix" "${CONFIGURE[@]}" &&
		nice -n 10 make -j2 &&
		make install &&
		for m in "${CONTRIB[@]}"; do
			nice -n 10 make -j2 -C "contrib/$m" && make -C "contrib/$m" install || exit 1
		done) >"$log" 2>&1; then
		echo "== building PostgreSQL $version failed; the end of $log:" >&2
		tail -n 30 "$log" >&2
		exit 1
	fi
	echo "$version ${CONFIGURE[*]}" >"$prefix/.pim_migrate-built"
	# the build tree is not needed any more; the unpacked source is kept
	# for reading (release notes, headers as they were written)
	(cd "$srcdir" && make -s distclean >/dev/null 2>&1) || true
	rm -f "$work"/*.orig.tar.* "$work"/*.debian.tar.* "$work"/*.dsc
}

# built PREFIX: installed there, and configured as CONFIGURE says now
built() {
	[ -x "$1/bin/pg_config" ] &&
		[ "$(cut -d' ' -f2- "$1/.pim_migrate-built" 2>/dev/null)" = "${CONFIGURE[*]}" ]
}

for major in "${MAJORS[@]}"; do
	suite=${SUITE[$major]}
	# our deb-src file gets the suite (and apt its lists) the first time
	debian_source_suite "$suite"
	if [ -z "$(source_version "$major")" ]; then
		# the file lists the suite but apt's lists lack it (a new machine)
		step "apt-get update (for $PIM_SOURCES)" "${AS_ROOT[@]}" apt-get update -qq
	fi
	version=$(source_version "$major")
	[ -n "$version" ] || { echo "apt knows no source of postgresql-$major in $suite" >&2; exit 1; }
	note=""
	p=$(prefix "$major" "$version")
	if built "$p"; then
		state=cached
	elif fetch_listed "$major" "$version"; then
		build "$major" "$version" "$p"
		state=built
	elif [ -n "${FALLBACK[$major]:-}" ]; then
		note=" ($suite lists $version, whose source the mirror lacks)"
		version=${FALLBACK[$major]%% *}
		p=$(prefix "$major" "$version")
		if built "$p"; then
			state=cached
		else
			fetch_fallback "$major"
			build "$major" "$version" "$p"
			state=built
		fi
	else
		echo "cannot download the source of postgresql-$major $version from $suite" >&2
		exit 1
	fi
	echo "PostgreSQL $major $version: $state in $p, pg_config $p/bin/pg_config$note"
done
