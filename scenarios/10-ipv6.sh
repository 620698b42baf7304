#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 10-ipv6: dual stack. A network with an IPv4 subnet and an IPv6 prefix,
# two containers on it, pinging each other and the outside over both.
#
#   outside 203.0.113.1 + 2001:db8::1 ── uplink (203.0.113.2, 2001:db8::2) ── host (sandbox)
#       └─ cfsbr0 10.60.0.1/24 + fd00:60::1/64 ─┬─ a 10.60.0.2 fd00:60::2
#          MASQUERADE 10.60.0.0/24, and         └─ b 10.60.0.3 fd00:60::3
#          ip6tables MASQUERADE fd00:60::/64 (NAT66)
#
# The outside world knows no route to fd00:60::/64, so its answers to a
# ping6 from a container prove the NAT66 masquerade. The addresses are set
# without duplicate address detection, so they work at once. After `down`
# and `net rm`, ip6tables and IPv6 forwarding are as before.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

firewall6() { ip6tables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }
forwarding6() { cat /proc/sys/net/ipv6/conf/all/forwarding; }
if ! ip6tables-legacy -t filter -S >/dev/null || ! ip6tables-legacy -t nat -S >/dev/null; then
	fail "ip6tables-legacy lists the filter and nat tables"
fi
fw0=$(firewall6)
fwd0=$(forwarding6)
info "before: net.ipv6.conf.all.forwarding=$fwd0"

ping6_from() {
	cfs exec "$1" -- ping -6 -n -q -c 1 -W 1 "$2" >/dev/null 2>&1 ||
		cfs exec "$1" -- ping -6 -n -c 1 -W 1 "$2"
}
holds6() { cfs exec "$1" -- ip -o -6 addr show dev eth0 scope global | grep -q " $2 "; }
not_tentative() { ! cfs exec "$1" -- ip -o -6 addr show dev eth0 | grep -q tentative; }
default6() { cfs exec "$1" -- ip -6 route show default | grep -q '^default via fd00:60::1 dev eth0'; }
bridge_holds_gw6() { ip -o -6 addr show dev cfsbr0 | grep -q ' fd00:60::1/64 '; }
has_masquerade6() {
	ip6tables-legacy-save -t nat | grep -q -- '-A CFSNET-POSTROUTING -s fd00:60::/64 ! -o cfsbr0 .*-j MASQUERADE'
}
world_has_no_route() { ! ip netns exec wan ip -6 route show | grep -q fd00; }

say "net create lab --subnet 10.60.0.0/24 --ipv6 fd00:60::/64; up a, b"
check "cfsnet net create lab --subnet 10.60.0.0/24 --ipv6 fd00:60::/64" \
	cfs net create lab --subnet 10.60.0.0/24 --ipv6 fd00:60::/64
check "cfsnet up a --net lab" cfs up a --net lab
check "cfsnet up b --net lab --ip6 fd00:60::3/64" cfs up b --net lab --ip6 fd00:60::3/64
check "bridge cfsbr0 holds the IPv6 gateway fd00:60::1/64" bridge_holds_gw6
check "a: eth0 holds fd00:60::2/64" holds6 a fd00:60::2/64
check "b: eth0 holds fd00:60::3/64" holds6 b fd00:60::3/64
check "a: the address is not tentative (no DAD)" not_tentative a
check "a: default ::/0 via fd00:60::1" default6 a
check "NAT66: ip6tables MASQUERADE for fd00:60::/64" has_masquerade6
check_eq "IPv6 forwarding is on" 1 "$(forwarding6)"

say "pings, IPv6 and IPv4"
check "a -> b (fd00:60::3)" ping6_from a fd00:60::3
check "b -> a (fd00:60::2)" ping6_from b fd00:60::2
check "a -> gateway (fd00:60::1)" ping6_from a fd00:60::1
check "the outside has no route to fd00:60::/64" world_has_no_route
check "a -> outside (2001:db8::1, through NAT66)" ping6_from a 2001:db8::1
check "b -> outside (2001:db8::1, through NAT66)" ping6_from b 2001:db8::1
check "a -> b over IPv4 (10.60.0.3)" ping_from a 10.60.0.3
check "a -> outside over IPv4 (203.0.113.1)" ping_from a 203.0.113.1

say "down a, b; net rm lab"
check "cfsnet down a" cfs down a
check "cfsnet down b" cfs down b
check "cfsnet net rm lab" cfs net rm lab
check "no cfsnet link left" no_cfs_links
check_eq "ip6tables as before" "$fw0" "$(firewall6)"
check_eq "IPv6 forwarding as before" "$fwd0" "$(forwarding6)"

scenario_end
