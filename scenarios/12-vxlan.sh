#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 12-vxlan: one subnet over two hosts, through a VXLAN device on each
# host's bridge.
#
#   hostA ulA 192.0.2.1/24 ────── underlay (veth, MTU 1500) ────── ulB 192.0.2.2/24 hostB
#     cfsbr0 10.80.0.1/24 + cfsvx80 (id 80, remote 192.0.2.2)        cfsbr0 10.80.0.254/24 + cfsvx80 (remote 192.0.2.1)
#            fd00:80::1/64                                                  fd00:80::8000:0:0:1/64
#       ├─ a1 10.80.0.2  fd00:80::2                                    ├─ b1 10.80.0.128 fd00:80::8000:0:0:2
#       └─ a2 10.80.0.3  fd00:80::3                                    └─ b2 10.80.0.129 fd00:80::8000:0:0:3
#
# How two hosts live in one sandbox: each simulated host is a network
# namespace (hostA, hostB) made here with `ip netns add`, joined by a veth
# (the underlay), plus a mount namespace of its own whose /run is a fresh
# tmpfs, so each host's cfsnet has its own state (/run/cfsnet) and its own
# named namespaces (/run/netns). A `sleep` started in each mount namespace
# holds it; `on HOST CMD` runs CMD there with nsenter (the host's network
# and mount namespaces). Everything goes with the sandbox.
#
# Each host runs `net create ov --subnet 10.80.0.0/24 --ipv6 fd00:80::/64
# --vxlan 80 --remote <the other host>`. The host with the lower underlay
# address has gateway .1 and hands out .2-.127; the other has .254 and
# .128-.253. The IPv6 prefix is split in /65 halves the same way. The bridge,
# the VXLAN device and the containers get MTU 1450 (the underlay's 1500
# minus 50 for the encapsulation): a full-size, don't-fragment ping crosses.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

# ---- two hosts --------------------------------------------------------------
ip netns add hostA && ip netns add hostB &&
	ip link add ulA netns hostA type veth peer name ulB netns hostB &&
	ip -n hostA link set lo up && ip -n hostB link set lo up &&
	ip -n hostA addr add 192.0.2.1/24 dev ulA && ip -n hostB addr add 192.0.2.2/24 dev ulB &&
	ip -n hostA link set ulA up && ip -n hostB link set ulB up ||
	fail "the two hosts and their underlay"
declare -A HOST_PID
for h in hostA hostB; do
	unshare --mount --propagation private sh -c \
		'mount -t tmpfs -o mode=0755 tmpfs /run && touch /run/.ready && exec sleep 100000' &
	HOST_PID[$h]=$!
	for ((i = 0; i < 100; i++)); do
		[[ -e /proc/${HOST_PID[$h]}/root/run/.ready ]] && break
		sleep 0.05
	done
done
on() { local h=$1; shift; nsenter --target="${HOST_PID[$h]}" --mount --root --wd --net="/run/netns/$h" -- "$@"; }
cfs_on() { local h=$1; shift; on "$h" "$CFSNET" "$@"; }
info "hostA: ulA 192.0.2.1/24, hostB: ulB 192.0.2.2/24, each with its own /run"

ping_on() { # HOST CONTAINER ADDR [ping options]
	local h=$1 c=$2 a=$3
	shift 3
	cfs_on "$h" exec "$c" -- ping -n -q -c 1 -W 1 "$@" "$a" >/dev/null 2>&1 ||
		cfs_on "$h" exec "$c" -- ping -n -c 1 -W 2 "$@" "$a"
}
vxdev() { # HOST: the VXLAN device as `ip -d` shows it
	on "$1" ip -d -o link show dev cfsvx80
}
vx_ok() { # HOST REMOTE LOCAL
	local d
	d=$(vxdev "$1") || return 1
	echo "$d"
	[[ $d == *"vxlan id 80 remote $2 local $3 "* && $d == *"dstport 4789 "* &&
		$d == *" mtu 1450 "* && $d == *" master cfsbr0 "* && $d == *" learning on "* ]]
}
addr_on() { # HOST CONTAINER: its IPv4 address
	cfs_on "$1" exec "$2" -- ip -o -4 addr show dev eth0 | awk '{print $4}'
}
addr6_on() { # HOST CONTAINER: its global IPv6 address
	cfs_on "$1" exec "$2" -- ip -o -6 addr show dev eth0 scope global | awk '{print $4}'
}
ping6_on() { # HOST CONTAINER ADDR
	cfs_on "$1" exec "$2" -- ping -6 -n -q -c 1 -W 1 "$3" >/dev/null 2>&1 ||
		cfs_on "$1" exec "$2" -- ping -6 -n -c 1 -W 2 "$3"
}
gw_on() { on "$1" ip -o -4 addr show dev cfsbr0 | awk '{print $4}'; }
mtu_on() { cfs_on "$1" exec "$2" -- cat /sys/class/net/eth0/mtu; }

say "net create ov on each host, two containers on each"
check "[hostA] net create ov ... --vxlan 80 --remote 192.0.2.2" \
	cfs_on hostA net create ov --subnet 10.80.0.0/24 --ipv6 fd00:80::/64 --vxlan 80 --remote 192.0.2.2
check "[hostB] net create ov ... --vxlan 80 --remote 192.0.2.1" \
	cfs_on hostB net create ov --subnet 10.80.0.0/24 --ipv6 fd00:80::/64 --vxlan 80 --remote 192.0.2.1
check "[hostA] cfsvx80: id 80, remote 192.0.2.2, port 4789, MTU 1450, on cfsbr0" vx_ok hostA 192.0.2.2 192.0.2.1
check "[hostB] cfsvx80: id 80, remote 192.0.2.1, port 4789, MTU 1450, on cfsbr0" vx_ok hostB 192.0.2.1 192.0.2.2
check_eq "[hostA] gateway" "10.80.0.1/24" "$(gw_on hostA)"
check_eq "[hostB] gateway" "10.80.0.254/24" "$(gw_on hostB)"
for c in a1 a2; do check "[hostA] up $c --net ov" cfs_on hostA up $c --net ov; done
for c in b1 b2; do check "[hostB] up $c --net ov" cfs_on hostB up $c --net ov; done
check_eq "addresses: hostA's from the lower half, hostB's from the upper" \
	"10.80.0.2/24 10.80.0.3/24 10.80.0.128/24 10.80.0.129/24" \
	"$(addr_on hostA a1) $(addr_on hostA a2) $(addr_on hostB b1) $(addr_on hostB b2)"
check_eq "IPv6: hostA's from the lower half, hostB's from the upper" \
	"fd00:80::2/64 fd00:80::3/64 fd00:80::8000:0:0:2/64 fd00:80::8000:0:0:3/64" \
	"$(addr6_on hostA a1) $(addr6_on hostA a2) $(addr6_on hostB b1) $(addr6_on hostB b2)"
check_eq "container MTU (1500 - 50)" "1450" "$(mtu_on hostA a1)"
check_not "[hostB] up b3 --ip 10.80.0.5/24 (hostA's share) is refused" \
	cfs_on hostB up b3 --net ov --ip 10.80.0.5/24

say "pings across the hosts"
for pair in "hostA a1 10.80.0.128" "hostA a1 10.80.0.129" "hostA a2 10.80.0.128" \
	"hostB b1 10.80.0.2" "hostB b2 10.80.0.3" "hostA a1 10.80.0.2" "hostB b1 10.80.0.129"; do
	read -r h c a <<<"$pair"
	check "[$h] $c -> $a" ping_on "$h" "$c" "$a"
done
check "[hostA] a1 -> its gateway 10.80.0.1" ping_on hostA a1 10.80.0.1
check "[hostB] b1 -> its gateway 10.80.0.254" ping_on hostB b1 10.80.0.254
check "[hostA] a1 -> b1, 1450-byte packet, don't fragment" ping_on hostA a1 10.80.0.128 -M do -s 1422
check "[hostA] a1 -> b1 over IPv6 (fd00:80::8000:0:0:2)" ping6_on hostA a1 fd00:80::8000:0:0:2
check "[hostB] b2 -> a2 over IPv6 (fd00:80::3)" ping6_on hostB b2 fd00:80::3
check "[hostB] b1 -> its IPv6 gateway fd00:80::8000:0:0:1" ping6_on hostB b1 fd00:80::8000:0:0:1

say "down, net rm"
for c in a1 a2; do check "[hostA] down $c" cfs_on hostA down $c; done
for c in b1 b2; do check "[hostB] down $c" cfs_on hostB down $c; done
check "[hostA] net rm ov" cfs_on hostA net rm ov
check "[hostB] net rm ov" cfs_on hostB net rm ov
check_not "[hostA] cfsvx80 is gone" vxdev hostA
check_not "[hostB] cfsvx80 is gone" vxdev hostB

scenario_end
