#!/bin/bash
# demo.sh - the cfsnet walkthrough, end to end, as a tutorial: each command
# is printed before it runs, and each effect is checked.
#
#   bash scripts/demo.sh               in a private world: this machine's own
#                                      network is never touched (default)
#   bash scripts/demo.sh --real-host   on this machine's real network (asks first)
#
# Needs root. The binary is $CFSNET if set, else build/cfsnet in the source
# tree. Exit status: 0 when every check passed, 1 when one failed, 2 for bad use.
#
# The private world: the script re-runs itself under `unshare --net --mount`,
# so it has its own network namespace (links, routes, firewall tables,
# ip_forward) and its own mounts (a tmpfs on /run holds /run/netns and
# /run/cfsnet). An "outside world" namespace at 203.0.113.1 sits behind the
# private host's veth `uplink` (203.0.113.2) and has no route back to
# 10.0.0.0/24, so only NAT lets a container reach it. When the script ends,
# the kernel throws the whole world away.
set -u

CONTAINER=minimal
ADDR=10.0.0.2/24
IP=10.0.0.2
GATEWAY=10.0.0.1
WORLD_IP=203.0.113.1
UPLINK_IP=203.0.113.2

usage() {
	cat <<EOF
usage: bash scripts/demo.sh [--real-host [--yes]]
  (no option)   run the walkthrough in a private world (safe; nothing on this machine changes)
  --real-host   run up/show/ping/down on this machine's real network, after a warning
  --yes         with --real-host: do not ask for confirmation
EOF
}
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

real_host=0 assume_yes=0
for arg in "$@"; do
	case $arg in
	--real-host) real_host=1 ;;
	--yes | -y) assume_yes=1 ;;
	-h | --help) usage; exit 0 ;;
	*) printf 'demo: unknown option %s\n' "$arg" >&2; usage >&2; exit 2 ;;
	esac
done

self=$(readlink -f "$0")
repo=$(dirname "$(dirname "$self")")

# The binary, as an absolute path (the private world re-runs this script).
bin=${CFSNET:-$repo/build/cfsnet}
if [[ $bin != */* ]]; then
	bin=$(command -v "$bin") || die "no '${CFSNET:-}' in PATH"
fi
[[ -x $bin ]] || die "no cfsnet binary at $bin: build it with 'make' (or set CFSNET=/path/to/cfsnet)"
bin=$(readlink -f "$bin")

[[ $(id -u) == 0 ]] || die "needs root (it makes namespaces, links and firewall rules): sudo bash scripts/demo.sh"
for tool in ip ping unshare mount; do
	command -v "$tool" >/dev/null || die "'$tool' not found: run 'sh scripts/setup.sh' first"
done

# ---- into the private world --------------------------------------------

if [[ $real_host == 0 && ${_CFSNET_DEMO_FROM_NET:-} == "" ]]; then
	# Remember which network namespace we came from, to prove we left it.
	exec unshare --net --mount -- env CFSNET="$bin" \
		_CFSNET_DEMO_FROM_NET="$(readlink /proc/self/ns/net)" bash "$self" "$@"
fi

if [[ $real_host == 0 ]]; then
	[[ $(readlink /proc/self/ns/net) != "$_CFSNET_DEMO_FROM_NET" ]] ||
		die "refusing to run: not in a private network namespace"
	# Mount changes stay in this mount namespace; the host's /run is untouched.
	mount --make-rprivate / || die "cannot make / private"
	mount -t tmpfs -o mode=0755 cfsnet-demo /run || die "cannot mount a tmpfs on /run"
	# cfsnet writes each container's resolv.conf and hosts in /etc/netns:
	# a private one (a tmpfs on it, or an overlay on /etc kept in /run).
	if [[ -d /etc/netns ]]; then
		mount -t tmpfs -o mode=0755 cfsnet-demo /etc/netns || die "cannot mount a tmpfs on /etc/netns"
	else
		{ mkdir -p /run/.etc/upper /run/.etc/work &&
			mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/.etc/upper,workdir=/run/.etc/work /etc &&
			mkdir /etc/netns; } || die "cannot make a private /etc/netns"
	fi
	# A /sys that shows this namespace's links (for anyone reading /sys/class/net).
	mount -t sysfs sysfs /sys 2>/dev/null || true
	ip link set lo up || die "cannot bring lo up"
fi

# ---- helpers --------------------------------------------------------------

cfsnet() { "$bin" "$@"; }

checks=0 failed=0
step() { printf '\n== %s\n' "$*"; }
note() { printf '   # %s\n' "$@"; }
# run CMD...: print it as typed, then run it.
run() { printf '$ %s\n' "$*"; "$@"; }
# pass/fail DESCRIPTION: record the outcome of a check.
pass() { checks=$((checks + 1)); printf '   ok: %s\n' "$*"; }
fail() { checks=$((checks + 1)); failed=$((failed + 1)); printf '   FAIL: %s\n' "$*"; }
# expect DESCRIPTION CMD...: run CMD (printed), pass when it exits 0.
expect() {
	local what=$1 rc=0; shift
	run "$@" || rc=$?
	if [[ $rc == 0 ]]; then pass "$what"; else fail "$what (exit $rc)"; fi
	return "$rc"
}
# capture DESCRIPTION PATTERN CMD...: run CMD (printed, output shown), pass
# when it exits 0 and its output matches the extended regex PATTERN.
# expect and capture return the command's status (1 for a mismatch).
capture() {
	local what=$1 pattern=$2 out rc; shift 2
	printf '$ %s\n' "$*"
	out=$("$@" 2>&1); rc=$?
	[[ -n $out ]] && printf '%s\n' "$out"
	if [[ $rc != 0 ]]; then
		fail "$what (exit $rc)"
	elif ! grep -Eq -- "$pattern" <<<"$out"; then
		fail "$what (no line matching '$pattern')"
		return 1
	else
		pass "$what"
	fi
	return "$rc"
}

have_legacy=0
command -v iptables-legacy-save >/dev/null && command -v iptables-legacy >/dev/null && have_legacy=1

# What cfsnet may change, in a form that compares equal when nothing is left:
# links, IPv4 addresses and routes, named namespaces, ip_forward, the rules
# and chains of the legacy iptables tables (built-in chain headers and
# counters are left out: reading a table may create it empty), cfsnet state.
snapshot() {
	echo "links:"; ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "  " $2 }' | sort
	echo "addresses:"; ip -o -4 addr show | awk '{ print "  " $2, $4 }' | sort
	echo "routes:"; ip -4 route show | sed 's/^/  /' | sort
	echo "netns:"; ip netns list 2>/dev/null | awk '{ print "  " $1 }' | sort
	echo "ip_forward: $(cat /proc/sys/net/ipv4/ip_forward)"
	if [[ $have_legacy == 1 ]]; then
		echo "iptables (legacy):"
		iptables-legacy-save 2>/dev/null |
			grep -Ev '^(#|\*|COMMIT|:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) )' | sed 's/^/  /'
	fi
	echo "state:"; find /run/cfsnet -mindepth 1 ! -path /run/cfsnet/lock 2>/dev/null | sed 's/^/  /' | sort
}

# Whatever happens, do not leave the container behind (this matters on the
# real host; the private world disappears by itself).
is_up=0
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [[ $is_up == 1 ]]; then
		printf '\ndemo: cleaning up: cfsnet down %s\n' "$CONTAINER"
		cfsnet down "$CONTAINER" || printf 'demo: cleanup failed: remove it with: cfsnet down %s\n' "$CONTAINER" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_gone LINK: the kernel deletes a dropped namespace's veth
# asynchronously; poll for it (at most 5 s) instead of sleeping blindly.
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		ip link show "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}

# ---- the stage --------------------------------------------------------------

if [[ $real_host == 1 ]]; then
	cat <<EOF
demo: WARNING: --real-host changes THIS MACHINE's network while it runs:
  a network namespace '$CONTAINER', a veth 'cfs-$CONTAINER', a bridge for 10.0.0.0/24
  holding 10.0.0.1, net.ipv4.ip_forward=1, and iptables rules (legacy tables,
  chains CFSNET-POSTROUTING and CFSNET-FORWARD), and /etc/netns/$CONTAINER (its
  resolv.conf and hosts). 'cfsnet down' removes them all at the end, and the
  script checks that nothing is left.
EOF
	if [[ $assume_yes == 0 ]]; then
		[[ -t 0 ]] || die "not a terminal: add --yes to confirm --real-host"
		read -r -p "Type 'yes' to continue: " answer
		[[ $answer == yes ]] || die "stopped; nothing was changed"
	fi
	# Do not collide with what the machine already has.
	if [[ -e /run/netns/$CONTAINER ]] || cfsnet show "$CONTAINER" >/dev/null 2>&1; then
		die "a network namespace or container named '$CONTAINER' already exists; not touching it"
	fi
	routed=$(ip -4 route show match "$IP" | grep -v '^default')
	[[ -z $routed ]] || die "$IP is already routed on this machine ($routed); not touching it"
else
	step "The stage: a private world"
	note "This shell now has its own network namespace and mounts (unshare --net --mount)." \
		"An 'outside world' namespace stands in for the internet: $WORLD_IP, reachable through" \
		"the veth 'uplink' ($UPLINK_IP), with no route back to 10.0.0.0/24."
	{
		ip netns add world &&
			ip link add uplink type veth peer name eth0 netns world &&
			ip addr add "$UPLINK_IP/24" dev uplink && ip link set uplink up &&
			ip -n world link set lo up &&
			ip -n world addr add "$WORLD_IP/24" dev eth0 && ip -n world link set eth0 up
	} || die "cannot build the private world"
	run ip -br addr
fi

before=$(snapshot)

# ---- the walkthrough ------------------------------------------------------

step "Create the container network '$CONTAINER' at $ADDR"
note "A network namespace, a veth pair (eth0 inside, cfs-$CONTAINER outside), a bridge" \
	"holding the gateway $GATEWAY, routes, ip_forward and a MASQUERADE rule."
expect "cfsnet up" cfsnet up "$CONTAINER" --ip "$ADDR" && is_up=1
# A failed `up` rolls itself back; should it still leave the namespace, the
# exit trap tries `down` anyway.
[[ -e /run/netns/$CONTAINER ]] && is_up=1

step "What cfsnet reports about it"
capture "show reports the address $ADDR" "^address:[[:space:]]*$ADDR\$" cfsnet show "$CONTAINER"

if [[ $real_host == 0 ]]; then
	step "Inside the container's namespace"
	capture "eth0 inside holds $ADDR" "inet $ADDR .*eth0" cfsnet exec "$CONTAINER" -- ip addr
	capture "the default route goes via $GATEWAY" "^default via $GATEWAY " cfsnet exec "$CONTAINER" -- ip route
fi

step "Ping the gateway from inside"
expect "the container reaches its gateway $GATEWAY" \
	cfsnet exec "$CONTAINER" -- ping -c 2 -i 0.2 -W 2 "$GATEWAY"

if [[ $real_host == 0 ]]; then
	step "Ping the container from the host"
	expect "the host reaches the container at $IP" ping -c 2 -i 0.2 -W 2 "$IP"

	step "Ping the outside world from inside"
	note "$WORLD_IP has no route to 10.0.0.0/24: a reply proves the host rewrote the" \
		"source address to its own ($UPLINK_IP), i.e. NAT works."
	if [[ $have_legacy == 1 ]]; then
		capture "a MASQUERADE rule for 10.0.0.0/24 exists" "-s 10\.0\.0\.0/24 .*MASQUERADE" \
			iptables-legacy -t nat -S CFSNET-POSTROUTING
	fi
	capture "ip_forward is on" "= 1" sysctl net.ipv4.ip_forward
	expect "the container reaches the outside world $WORLD_IP" \
		cfsnet exec "$CONTAINER" -- ping -c 2 -i 0.2 -W 2 "$WORLD_IP"
	if [[ $have_legacy == 1 ]]; then
		note "The MASQUERADE rule's packet counter now shows the translated flow:"
		run iptables-legacy -t nat -n -v -L CFSNET-POSTROUTING
	fi

	step "List the containers"
	capture "ls lists $CONTAINER" "^${CONTAINER}[[:space:]]" cfsnet ls
fi

step "Remove it"
expect "cfsnet down" cfsnet down "$CONTAINER" && is_up=0
if wait_gone "cfs-$CONTAINER"; then
	pass "the host end cfs-$CONTAINER is gone (the kernel removes it after the namespace)"
else
	fail "cfs-$CONTAINER is still there after 5 s"
fi

step "Nothing is left"
if [[ $real_host == 0 ]]; then
	run ip netns list
	run ip -br link
fi
after=$(snapshot)
if [[ $before == "$after" ]]; then
	pass "links, addresses, routes, namespaces, ip_forward, iptables rules and cfsnet state are as before"
else
	fail "the machine differs from before 'up':"
	diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | sed 's/^/     /'
fi

printf '\n'
if [[ $failed == 0 ]]; then
	printf 'demo: all %d checks passed\n' "$checks"
	exit 0
fi
printf 'demo: %d of %d checks FAILED\n' "$failed" "$checks"
exit 1
