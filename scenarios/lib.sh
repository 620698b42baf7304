# shellcheck shell=bash
# lib.sh - what every scenario shares. Sourced by scenarios/NN-name.sh.
#
#   scenario_begin "$@"   (first thing a scenario does)
#
# A scenario runs inside `cfsnet sandbox --wan`: scenario_begin re-runs the
# script there (`cfsnet sandbox --wan -- bash SCRIPT --inside`) unless it is
# already inside one. So the machine's own network is never touched, and
# whatever the scenario makes on the network side goes away with it.
#
# Output, one line per check, as Mininet's pingall does it:
#     a -> 10.2.0.2 (through r) ................................ ok
# The first failing check prints FAIL with what it saw, and the scenario
# exits 1 with "NAME: FAIL: what" on stderr.
#
# cfsnet is $CFSNET when set (make scenarios sets it), else `cfsnet` on the
# PATH, else build/cfsnet of this source tree.

SC_NAME=$(basename "$0" .sh)
SC_HERE=$(cd "$(dirname "$0")" && pwd)
SC_CHECKS=0
SC_T0=${EPOCHREALTIME:-0}

if [[ -z ${CFSNET:-} ]]; then
	CFSNET=$(command -v cfsnet || echo "$SC_HERE/../build/cfsnet")
fi
[[ $CFSNET == /* ]] || CFSNET=$(cd "$(dirname "$CFSNET")" && pwd)/$(basename "$CFSNET")
export CFSNET

# True inside a `cfsnet sandbox --wan`: PID 1 of this pid namespace is
# cfsnet's sandbox, and the uplink to the outside world is here.
sc_in_wan_sandbox() {
	local argv
	argv=$(tr '\0' ' ' </proc/1/cmdline 2>/dev/null) || return 1
	[[ $(cat /proc/1/comm 2>/dev/null) == cfsnet && " $argv" == *" sandbox "* ]] || return 1
	ip -o -4 addr show dev uplink 2>/dev/null | grep -q ' 203\.0\.113\.2/24 '
}

scenario_begin() {
	if [[ ${1:-} != --inside ]] && ! sc_in_wan_sandbox; then
		[[ $(id -u) == 0 ]] || { echo "$SC_NAME: needs root (cfsnet sandbox)" >&2; exit 1; }
		[[ -x $CFSNET ]] || { echo "$SC_NAME: no cfsnet at $CFSNET (set CFSNET or run make)" >&2; exit 1; }
		exec "$CFSNET" sandbox --wan -- bash "$0" --inside "$@"
	fi
	sc_in_wan_sandbox || { echo "$SC_NAME: --inside given, but this is not a cfsnet sandbox --wan" >&2; exit 1; }
	echo "== $SC_NAME"
}

# cfs ARGS...: cfsnet, by its full path.
cfs() { "$CFSNET" "$@"; }

# ---- reporting --------------------------------------------------------------------

# sc_line TEXT RESULT: "  TEXT ....... RESULT", dots to column 64.
sc_line() {
	local text="  $1 " dots
	dots=$(printf '%*s' $((64 - ${#text} > 2 ? 64 - ${#text} : 2)) '' | tr ' ' '.')
	printf '%s%s %s\n' "$text" "$dots" "$2"
}

say() { printf '%s\n' "-- $*"; }
info() { printf '   %s\n' "$*"; }

pass() {
	SC_CHECKS=$((SC_CHECKS + 1))
	sc_line "$1" ok
}

# fail WHAT [DETAIL...]: the FAIL line, the details indented, then exit 1.
fail() {
	local what=$1
	shift
	sc_line "$what" FAIL
	local d
	for d in "$@"; do
		[[ -n $d ]] && printf '%s\n' "$d" | sed 's/^/      | /'
	done
	echo "$SC_NAME: FAIL: $what" >&2
	exit 1
}

# check WHAT CMD [ARG...]: CMD must succeed; its output is shown on failure.
check() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	((rc == 0)) || fail "$what" "\$ $*  (exit $rc)" "$out"
	pass "$what"
}

# check_not WHAT CMD [ARG...]: CMD must fail.
check_not() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	((rc != 0)) || fail "$what" "\$ $*  (exit 0, expected a failure)" "$out"
	pass "$what"
}

# check_eq WHAT EXPECTED ACTUAL
check_eq() {
	[[ $2 == "$3" ]] || fail "$1" "expected: $2" "got:      $3"
	pass "$1"
}

scenario_end() {
	local t
	t=$(awk -v a="$SC_T0" -v b="${EPOCHREALTIME:-0}" 'BEGIN {printf "%.1f", b - a}')
	echo "== $SC_NAME: all $SC_CHECKS checks ok (${t}s)"
	exit 0
}

# ---- network helpers --------------------------------------------------------------

# ping_from NAME ADDR: one echo from inside container NAME, one retry.
ping_from() {
	cfs exec "$1" -- ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 ||
		cfs exec "$1" -- ping -n -c 1 -W 1 "$2"
}

# no_ping_from NAME ADDR: two echoes from NAME to ADDR go unanswered.
no_ping_from() {
	! cfs exec "$1" -- ping -n -c 2 -i 0.2 -W 1 "$2"
}

# ping_host ADDR: the same from the sandbox itself (the containers' host).
ping_host() {
	ping -n -q -c 1 -W 1 "$1" >/dev/null 2>&1 || ping -n -c 1 -W 1 "$1"
}

# wait_gone LINK: the kernel removes a dropped namespace's veth a little
# after `down` returns; wait (bounded) for LINK to vanish.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		ip link show dev "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	echo "link $1 still there after 5 s"
	return 1
}

# no_cfs_links: no cfsnet link (cfs*, cfsbr*) left here, waiting (bounded)
# for the veths of dropped namespaces to go.
no_cfs_links() {
	local i left
	for ((i = 0; i < 100; i++)); do
		left=$(ip -o link | awk -F': ' '$2 ~ /^cfs/ {sub(/@.*/, "", $2); print $2}')
		[[ -z $left ]] && return 0
		sleep 0.05
	done
	echo "still there after 5 s:" "${left//$'\n'/ }"
	return 1
}

# addr_of NAME: the address (with prefix) `cfsnet ls` reports for NAME.
addr_of() {
	cfs ls | awk -v n="$1" 'NR > 1 && $1 == n {print $2}'
}

# A random suffix for names that are global (cgroups): the same scenario may
# run in several sandboxes at once.
sc_suffix() {
	od -An -N3 -tx1 /dev/urandom | tr -d ' \n'
}

# sc_cgroup NAME: the cgroup name of container NAME in this sandbox. Cgroups
# are one tree for the whole machine, so cfsnet names a sandboxed
# container's group NAME@ID, ID being the sandbox's (in its private /run).
sc_cgroup() {
	printf '%s@%s\n' "$1" "$(cat /run/.cfsnet-sandbox/id)"
}
