#!/usr/bin/env bash
# run.sh - cfsnet's integration tests, each in a private world of its own.
#
#   CFSNET=/abs/build/cfsnet CFSNET_FAULT_BIN=/abs/build/fault/cfsnet \
#       bash tests/integration/run.sh [-j JOBS] [-v] [PATTERN...]
#
# Every function named test_* in tests/integration/t_*.sh is a test; with
# PATTERNs (extended regexes) only the tests whose name matches one of them
# run. Each test runs in new network, mount and pid namespaces with a tmpfs
# on /run, a fresh /sys and, behind the veth `uplink` (203.0.113.2/24), an
# "outside world" namespace `world` at 203.0.113.1/24 that has no route to
# any container subnet, so an answer from it proves NAT (IPv6 too: the world
# has 2001:db8::1/64, the uplink 2001:db8::2/64 and the default route ::/0,
# so an answer from 2001:db8::1 proves NAT66). Nothing touches the
# real host's network. One line per test (PASS name / FAIL name: reason),
# then "N passed, M failed"; the exit status is 1 when any test failed.
#
#   -j JOBS  run JOBS tests at once (default 1; worlds are independent)
#   -v       print every test's log, not only the failing ones'
#   CFS_IT_TIMEOUT  seconds per test (default 60)
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---- inside one test's world ---------------------------------------------------
# run.sh --inner TEST REASON_FILE, started by the outer part under unshare.
if [[ ${1:-} == --inner ]]; then
	name=$2
	export CFS_IT_REASON=$3
	# Scratch space for the test, removed with the run's work directory.
	export CFS_IT_TMP=$3.tmp TMPDIR=$3.tmp
	mkdir -p "$CFS_IT_TMP"
	setup_fail() {
		echo "world setup failed: $*" >"$CFS_IT_REASON"
		exit 1
	}
	mount --make-rprivate / || setup_fail "mount --make-rprivate /"
	mount -t tmpfs -o mode=0755 tmpfs /run || setup_fail "tmpfs on /run"
	# The world's id, as `cfsnet sandbox` writes it: the cgroups of its
	# containers are named NAME@ID, so worlds side by side never share one.
	mkdir -p /run/.cfsnet-sandbox && echo "$CFS_IT_WORLD" >/run/.cfsnet-sandbox/id ||
		setup_fail "writing the world's id"
	# /etc/netns private too (cfsnet writes each container's resolv.conf
	# and hosts there): a tmpfs on it, or where the host has none, an
	# overlay on /etc whose upper layer is in this world's /run.
	if [[ -d /etc/netns ]]; then
		mount -t tmpfs -o mode=0755 tmpfs /etc/netns || setup_fail "tmpfs on /etc/netns"
	else
		mkdir -p /run/.etc/upper /run/.etc/work &&
			mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/.etc/upper,workdir=/run/.etc/work /etc &&
			mkdir /etc/netns || setup_fail "private /etc/netns"
	fi
	# sysfs shows the namespace of whoever mounts it: mount one for ours,
	# keeping the cgroup hierarchies (mounted under /sys/fs/cgroup) visible.
	mkdir -p /run/.cgroup && mount --rbind /sys/fs/cgroup /run/.cgroup ||
		setup_fail "keeping /sys/fs/cgroup"
	mount -t sysfs sysfs /sys || setup_fail "sysfs"
	mount --move /run/.cgroup /sys/fs/cgroup && rmdir /run/.cgroup ||
		setup_fail "moving /sys/fs/cgroup back"
	{
		ip link set lo up &&
			ip netns add world &&
			ip link add uplink type veth peer name wan0 netns world &&
			sysctl -qw net.ipv6.conf.uplink.accept_dad=0 &&
			ip addr add 203.0.113.2/24 dev uplink &&
			ip link set uplink up &&
			ip -n world link set lo up &&
			ip -n world addr add 203.0.113.1/24 dev wan0 &&
			ip -n world link set wan0 up &&
			ip addr add 2001:db8::2/64 dev uplink nodad &&
			ip -n world addr add 2001:db8::1/64 dev wan0 nodad &&
			ip -6 route add default via 2001:db8::1 dev uplink
	} >&2 || setup_fail "building the outside world"

	# shellcheck source=lib.sh
	source "$HERE/lib.sh"
	for f in "$HERE"/t_*.sh; do
		# shellcheck disable=SC1090
		source "$f"
	done
	declare -F "$name" >/dev/null || setup_fail "no function $name"

	# fd 9: the test's log, for lines that must not mix with the stderr
	# of the commands a test captures.
	exec 9>&2
	set -eE -o pipefail
	shopt -s inherit_errexit
	trap '_cfs_it_err_trap $? "$BASH_COMMAND" "$LINENO" "${BASH_SOURCE[0]}"' ERR
	"$name"
	exit 0
fi

# ---- outside: discover, isolate, report -----------------------------------------------
jobs=1 verbose=0
patterns=()
while (($#)); do
	case $1 in
	-j) jobs=${2:?-j needs a number}; shift 2 ;;
	-j*) jobs=${1#-j}; shift ;;
	-v) verbose=1; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) patterns+=("$1"); shift ;;
	esac
done

if [[ $(id -u) != 0 ]]; then
	echo "run.sh: the integration tests need root (network and mount namespaces, iptables); run as root" >&2
	exit 1
fi
for tool in unshare ip iptables-legacy iptables-legacy-save ping timeout sysctl; do
	command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: missing tool: $tool" >&2; exit 1; }
done
: "${CFSNET:=$HERE/../../build/cfsnet}"
CFSNET=$(realpath -m "$CFSNET")
if [[ ! -x $CFSNET ]]; then
	echo "run.sh: no cfsnet binary at $CFSNET (set CFSNET, or run 'make')" >&2
	exit 1
fi
if [[ -n ${CFSNET_FAULT_BIN:-} ]]; then CFSNET_FAULT_BIN=$(realpath -m "$CFSNET_FAULT_BIN"); fi
export CFSNET CFSNET_FAULT_BIN="${CFSNET_FAULT_BIN:-}"
timeout_s=${CFS_IT_TIMEOUT:-60}

# Test names in file order, then definition order.
tests=()
for f in "$HERE"/t_*.sh; do
	while read -r t; do
		if ((${#patterns[@]})); then
			keep=0
			for p in "${patterns[@]}"; do [[ $t =~ $p ]] && keep=1; done
			((keep)) || continue
		fi
		tests+=("$t")
	done < <(sed -nE 's/^(test_[A-Za-z0-9_]+)[[:space:]]*\(\)[[:space:]]*\{?.*/\1/p' "$f")
done
if ((${#tests[@]} == 0)); then
	echo "run.sh: no test matches: ${patterns[*]:-}" >&2
	echo "0 passed, 0 failed"
	exit 1
fi

work=$(mktemp -d /tmp/cfsnet-it.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Control groups are the one thing of cfsnet's a test world does not take
# with it (they are global). Each world has an id (its containers' groups
# are NAME@ID), all of this run's start with $run_id: groups of this run
# that a failing test left behind are found, reported and removed at the
# end, and nobody else's (another run's, the host's) are ever touched.
run_id=it$(printf '%04x%04x' "$RANDOM" "$RANDOM")
cfs_cgroups() {
	find /sys/fs/cgroup/*/cfsnet /sys/fs/cgroup/cfsnet -mindepth 1 -maxdepth 1 -type d \
		-name "*@$run_id-*" 2>/dev/null | sort
}

# run_one I: runs tests[I] in its world; leaves $work/I.{log,reason,rc}.
run_one() {
	local i=$1 t=${tests[$1]} rc=0
	local start=$SECONDS
	: >"$work/$i.reason"
	# --kill-child: when timeout kills unshare, the test's pid 1 dies and with
	# it every process of the test (and so its namespaces).
	CFS_IT_WORLD=$run_id-$i timeout -k 5 "$timeout_s" \
		unshare --net --mount --pid --fork --kill-child --mount-proc \
		bash "$HERE/run.sh" --inner "$t" "$work/$i.reason" >"$work/$i.log" 2>&1 || rc=$?
	if ((rc == 124 || rc == 137)); then
		# What the test said while being killed is a consequence, not a cause.
		echo "timed out after ${timeout_s}s (CFS_IT_TIMEOUT)" >"$work/$i.reason"
	fi
	echo "$rc $((SECONDS - start))" >"$work/$i.rc.tmp" && mv "$work/$i.rc.tmp" "$work/$i.rc"
}

report() { # I
	local i=$1 t=${tests[$1]} rc reason
	read -r rc _ <"$work/$i.rc"
	if [[ $rc == 0 ]]; then
		echo "PASS $t"
		((verbose)) && sed 's/^/    /' "$work/$i.log"
		passed=$((passed + 1))
	else
		reason=$(head -n1 "$work/$i.reason")
		echo "FAIL $t: ${reason:-exit status $rc}"
		if ((verbose)); then sed 's/^/    /' "$work/$i.log"; else tail -n 25 "$work/$i.log" | sed 's/^/    /'; fi
		failed=$((failed + 1))
	fi
}

passed=0 failed=0
next_report=0
running=0
for i in "${!tests[@]}"; do
	if ((jobs <= 1)); then
		run_one "$i"
		report "$i"
		next_report=$((i + 1))
		continue
	fi
	run_one "$i" &
	running=$((running + 1))
	if ((running >= jobs)); then
		wait -n
		running=$((running - 1))
	fi
	# Report finished tests in order, as soon as every earlier one is done.
	while ((next_report <= i)) && [[ -e $work/$next_report.rc ]]; do
		report "$next_report"
		next_report=$((next_report + 1))
	done
done
wait
while ((next_report < ${#tests[@]})) && [[ -e $work/$next_report.rc ]]; do
	report "$next_report"
	next_report=$((next_report + 1))
done

# Groups that were not there before: left by a test (its processes are gone
# with its world). Deepest first, so each directory is empty when removed.
leaked=$(cfs_cgroups)
if [[ -n $leaked ]]; then
	echo "FAIL cgroups left behind by the tests (removed now):"
	sed 's/^/    /' <<<"$leaked"
	while read -r d; do rmdir "$d" 2>/dev/null || true; done <<<"$leaked"
	rmdir /sys/fs/cgroup/*/cfsnet /sys/fs/cgroup/cfsnet 2>/dev/null || true
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
((failed == 0))
