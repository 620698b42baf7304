#!/bin/sh
# setup.sh - install what a Debian 12 or Ubuntu machine needs to build, test
# and run cfsnet. Safe to run again: apt-get skips what is already there.
#
#   sh scripts/setup.sh          as root, or as a user who may use sudo
#
# POSIX sh on purpose: a bare machine may have no bash yet.
set -eu

# Build: compiler, make, pkg-config and the libraries cfsnet links against.
# Run: the kernel-facing tools the demo and the tests use to check cfsnet's
# work from the outside (ip, iptables-legacy-save, ping, unshare, sysctl).
# Test: cmocka for the unit tests, python3 to read `--json` output (and
# python3-minimal alone, without recommends, lacks the json module), a static
# busybox that the image tests pack, unpack and run, valgrind for
# `make valgrind`; libseccomp for the containers' seccomp filter; clang and
# its runtime (libclang_rt.fuzzer: libclang-rt-dev on Debian 12) for the
# libFuzzer harnesses of `make fuzz`.
PACKAGES="
	build-essential pkg-config make git sudo ca-certificates
	libmnl-dev libnl-3-dev libnl-route-3-dev
	libiptc-dev libip6tc-dev libxtables-dev
	libarchive-dev libseccomp-dev
	libcmocka-dev
	iproute2 iptables iputils-ping util-linux procps
	python3-minimal python3 busybox-static
	valgrind
	clang libclang-rt-dev
"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# shellcheck disable=SC2086 # joins the list onto one line
command -v apt-get >/dev/null 2>&1 ||
	die "apt-get not found: this script knows Debian and Ubuntu only. Install the equivalents of:$(echo $PACKAGES | sed 's/^/ /')"

# Root runs apt-get directly; anyone else goes through sudo when it exists.
# `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
if [ "$(id -u)" = 0 ]; then
	AS_ROOT=""
elif command -v sudo >/dev/null 2>&1; then
	AS_ROOT="sudo"
	say "not root: using sudo for apt-get"
else
	die "installing packages needs root: run this as root (e.g. 'su -c \"sh scripts/setup.sh\"'), or install sudo first"
fi

apt() {
	# Lock::Timeout: wait for an unattended upgrade instead of failing at once.
	$AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 \
		-o Dpkg::Use-Pty=0 "$@"
}

say "apt-get update"
apt update >/dev/null || die "apt-get update failed (see the messages above)"

# shellcheck disable=SC2086 # word splitting of the list is intended
say "apt-get install -y" $PACKAGES
# Only apt's errors reach the terminal; the install log goes to a temporary file
# and is shown in full if the install fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086
if ! apt install -y --no-install-recommends $PACKAGES >"$log" 2>&1; then
	cat "$log" >&2
	die "apt-get install failed"
fi
grep -E '^[0-9]+ upgraded, [0-9]+ newly installed' "$log" | sed 's/^/setup: /' || true

# A quick check that the build will find every library.
for pc in libmnl libnl-3.0 libnl-route-3.0 libip4tc xtables libarchive libseccomp cmocka; do
	pkg-config --exists "$pc" || die "pkg-config cannot find $pc after the install"
done
say "done: build with 'make', test with 'make test', walk through with 'make demo'"
