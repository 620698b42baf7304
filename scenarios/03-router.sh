#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 03-router: two isolated networks, and a router container on both.
#
#   red 10.1.0.0/24 (cfsbr0)                    blue 10.2.0.0/24 (cfsbr1)
#   a 10.1.0.2 ── eth0 10.1.0.254 [ r ] eth1 10.2.0.254 ── b 10.2.0.2
#
# First a and b cannot reach each other: the host never forwards between two
# cfsnet networks. Then r, on red and connected to blue, forwards between
# them, and static routes on a and b send the traffic through r (never
# through the host). Disconnecting r cuts the path again.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

route_of() { cfs exec "$1" -- ip -o route show "$2"; }
has_route() { route_of "$1" "$2" | grep -q "^$2 via $3 "; }
first_hop() {
	cfs exec "$1" -- busybox traceroute -n -w 1 -q 1 -m 3 "$2" 2>/dev/null | awk '$1 == 1 {print $2}'
}
r_eth1() { cfs exec r -- ip -o -4 addr show dev eth1 | grep -qw 'inet 10\.2\.0\.254/24'; }

say "two networks"
check "net create red --subnet 10.1.0.0/24" cfs net create red --subnet 10.1.0.0/24
check "net create blue --subnet 10.2.0.0/24" cfs net create blue --subnet 10.2.0.0/24
check "up a --net red" cfs up a --net red
check "up b --net blue" cfs up b --net blue
check_eq "a has 10.1.0.2/24" 10.1.0.2/24 "$(addr_of a)"
check_eq "b has 10.2.0.2/24" 10.2.0.2/24 "$(addr_of b)"

say "isolation"
check "a -> its gateway (10.1.0.1)" ping_from a 10.1.0.1
check "b -> its gateway (10.2.0.1)" ping_from b 10.2.0.1
check "a -> outside (203.0.113.1)" ping_from a 203.0.113.1
check "b -> outside (203.0.113.1)" ping_from b 203.0.113.1
check "a -/-> b (10.2.0.2): networks are isolated" no_ping_from a 10.2.0.2
check "b -/-> a (10.1.0.2): networks are isolated" no_ping_from b 10.1.0.2

say "router r on red and blue"
check "up r --net red --ip 10.1.0.254/24" cfs up r --net red --ip 10.1.0.254/24
check "connect r blue --ip 10.2.0.254/24" cfs connect r blue --ip 10.2.0.254/24
check "r: eth1 holds 10.2.0.254/24" r_eth1
check "r -> a (10.1.0.2, on red)" ping_from r 10.1.0.2
check "r -> b (10.2.0.2, on blue)" ping_from r 10.2.0.2
check "forwarding on inside r" cfs exec r -- sysctl -qw net.ipv4.ip_forward=1
check "route add a 10.2.0.0/24 via 10.1.0.254" cfs route add a 10.2.0.0/24 via 10.1.0.254
check "route add b 10.1.0.0/24 via 10.2.0.254" cfs route add b 10.1.0.0/24 via 10.2.0.254
check "a: 10.2.0.0/24 via 10.1.0.254" has_route a 10.2.0.0/24 10.1.0.254
check "b: 10.1.0.0/24 via 10.2.0.254" has_route b 10.1.0.0/24 10.2.0.254

say "routed"
check "a -> b (10.2.0.2)" ping_from a 10.2.0.2
check "b -> a (10.1.0.2)" ping_from b 10.1.0.2
check_eq "a -> b goes through r (first hop 10.1.0.254)" 10.1.0.254 "$(first_hop a 10.2.0.2)"
check_eq "b -> a goes through r (first hop 10.2.0.254)" 10.2.0.254 "$(first_hop b 10.1.0.2)"
check "a still reaches the outside (203.0.113.1)" ping_from a 203.0.113.1

say "disconnect r blue"
check "cfsnet disconnect r blue" cfs disconnect r blue
check "cfs1-r is gone" wait_gone cfs1-r
check "a -/-> b again" no_ping_from a 10.2.0.2

say "down"
for n in a b r; do
	check "down $n" cfs down "$n"
done
check "net rm red" cfs net rm red
check "net rm blue" cfs net rm blue
check_eq "net ls lists no network" 1 "$(cfs net ls | wc -l)"
check "no cfsnet links left" no_cfs_links
check_eq "no CFSNET rules left" "" "$(iptables-legacy-save | grep CFSNET)"

scenario_end
