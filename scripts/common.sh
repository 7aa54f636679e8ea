# Shared by scripts/demo.sh and scripts/test.sh: install what the build
# needs, build and install the extension, and run things as a user that
# PostgreSQL accepts (initdb refuses root).
#
# Sourced, not run.

PG_MAJOR=${PG_MAJOR:-15}
PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/$PG_MAJOR/bin}
export PG_CONFIG=$PG_BINDIR/pg_config
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Prefix for commands that need root.
if [ "$(id -u)" -eq 0 ]; then
	AS_ROOT=()
else
	AS_ROOT=(sudo)
fi

# Debian packages the build, the demo and the tests need: Alembic and
# psycopg2 for import-alembic and the tests against Alembic, SQLAlchemy for
# autogenerate from the models (the demo's Stock model), IO::Pty for the
# tests that play a terminal.
PACKAGES=(postgresql-$PG_MAJOR postgresql-server-dev-$PG_MAJOR
	postgresql-client-$PG_MAJOR build-essential libipc-run-perl libio-pty-perl
	python3-alembic python3-sqlalchemy python3-psycopg2)

# install_packages [PACKAGE...]: those of them not installed yet (default:
# PACKAGES), quietly, through step
install_packages() {
	local missing=() p
	[ $# -gt 0 ] || set -- "${PACKAGES[@]}"
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing ${missing[*]}"
	step "apt-get update" "${AS_ROOT[@]}" apt-get update -qq
	step "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
		"${AS_ROOT[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# step WHAT COMMAND...: run an install step quietly; when it fails, say
# which step it was and show what it printed, then stop.
step() {
	local what=$1 log
	shift
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		echo "== install step failed: $what" >&2
		tail -n 30 "$log" >&2
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
}

# build_and_install [make variables...]
build_and_install() {
	echo "== building pim_migrate"
	make -C "$TOP" -s clean >/dev/null
	make -C "$TOP" -s "$@"
	# the command is also linked where PATH finds it, as asked for here
	"${AS_ROOT[@]}" make -C "$TOP" -s install BIN_LINK_DIR=/usr/local/bin "$@" >/dev/null
}

# The user that runs clusters: postgres when we are root, else ourselves.
if [ "$(id -u)" -eq 0 ]; then
	RUN_AS=(runuser -u postgres --)
	RUN_USER=postgres
else
	RUN_AS=()
	RUN_USER=$(id -un)
fi

# A directory the cluster user owns, removed at exit.
make_workdir() {
	WORKDIR=$(mktemp -d /tmp/pim_migrate.XXXXXX)
	chmod 755 "$WORKDIR"
	if [ "$(id -u)" -eq 0 ]; then chown postgres: "$WORKDIR"; fi
	trap cleanup EXIT
}

cleanup() {
	if [ -n "${PGDATA_DIR:-}" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
		"${RUN_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true
	fi
	if [ -n "${WORKDIR:-}" ] && [ -z "${KEEP:-}" ]; then rm -rf "$WORKDIR"; fi
}

# debian_source PACKAGE SUITE DIR: download Debian's source package PACKAGE
# of SUITE (bookworm, trixie, sid) into DIR, unpacked only as far as the
# caller needs (the files stay as apt-get fetched them).  The deb-src entry
# lives in a file of our own, never in the machine's own sources.
PIM_SOURCES=/etc/apt/sources.list.d/pim_migrate-src.sources
debian_source() {
	local package=$1 suite=$2 dir=$3
	debian_source_suite "$suite"
	mkdir -p "$dir"
	(cd "$dir" && step "apt-get source $package/$suite" \
		apt-get source --download-only -qq "$package/$suite")
}

# debian_source_suite SUITE: make sure our deb-src file lists SUITE, and
# apt's lists have it (scripts/servers.sh reads versions from them)
debian_source_suite() {
	local suite=$1
	if ! grep -qs "^Suites:.* $suite\b" "$PIM_SOURCES"; then
		local suites
		suites=$(sed -n 's/^Suites://p' "$PIM_SOURCES" 2>/dev/null || true)
		printf '%s\n' "Types: deb-src" "URIs: http://deb.debian.org/debian" \
			"Suites:$suites $suite" "Components: main" \
			"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
			"${AS_ROOT[@]}" tee "$PIM_SOURCES" >/dev/null
		step "apt-get update (for $PIM_SOURCES)" "${AS_ROOT[@]}" apt-get update -qq
	fi
}
