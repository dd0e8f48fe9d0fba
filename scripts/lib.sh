# Shared by scripts/run and scripts/test: install what is missing, then build everything.
# Sourced, not executed.
set -euo pipefail
WALCAST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian packages walcast needs to build and test. Only the missing ones are installed.
WALCAST_PACKAGES=(
	build-essential cmake pkg-config
	postgresql-15 postgresql-server-dev-15 postgresql-15-wal2json libpq-dev
	libboost1.81-dev libboost-json1.81-dev libssl-dev libjwt-dev
	googletest libgtest-dev valgrind
	clang-16 libclang-rt-16-dev libfuzzer-16-dev
	python3 python3-pytest python3-psycopg python3-websocket python3-yaml python3-jwt python3-cryptography
)

walcast_install_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	# Node.js may come from another packaging that bundles npm (and conflicts with Debian's npm): only
	# ask Debian for it when there is no npm at all.
	command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "walcast: installing Debian packages: ${missing[*]}"
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Builds and installs the plugin into the system PostgreSQL 15, then builds the CMake targets given
# (all of them when none: the gateway, unit tests and the benchmark load generator).
walcast_build() {
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	export PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
	make -C "$WALCAST_ROOT" -f Makefile.pgxs -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG"
	$sudo make -C "$WALCAST_ROOT" -f Makefile.pgxs -s install PG_CONFIG="$PG_CONFIG"
	cmake -S "$WALCAST_ROOT" -B "$WALCAST_ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	local targets=()
	for t in "$@"; do targets+=(--target "$t"); done
	cmake --build "$WALCAST_ROOT/build" -j"$(nproc)" "${targets[@]}"
}

# walcast_build_sanitized <build dir> <sanitizers> <targets...>: the gateway and units built with
# -DWALCAST_SANITIZE=<sanitizers> (cmake/Sanitizers.cmake) into their own build directory, only the targets given.
walcast_build_sanitized() {
	local dir=$1 sanitizers=$2
	shift 2
	cmake -S "$WALCAST_ROOT" -B "$WALCAST_ROOT/$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DWALCAST_SANITIZE="$sanitizers" >/dev/null
	local targets=()
	for t in "$@"; do targets+=(--target "$t"); done
	cmake --build "$WALCAST_ROOT/$dir" -j"$(nproc)" "${targets[@]}"
}
