#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 02-mission: the mission line, `cfsnet up minimal --ip 10.0.0.2/24`.
#
#   outside 203.0.113.1 ── uplink ── host (sandbox) ── cfsbr0 10.0.0.1/24 ── veth ── minimal 10.0.0.2/24
#                                      MASQUERADE 10.0.0.0/24
#
# Bridge mode with NAT: the container pings its gateway (the host) and the
# outside world, shows up in `ls`; after `down` the links, the firewall and
# ip_forward are exactly as before `up`.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

# What `up` may change and `down` must put back. The firewall is compared
# without iptables-legacy-save's comment lines and packet counters.
links() { ip -o link | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' '; }
firewall() { iptables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }
forwarding() { cat /proc/sys/net/ipv4/ip_forward; }
netns_list() { ip netns list | awk '{print $1}' | sort | tr '\n' ' '; }

# A fresh namespace has no iptables tables until something uses one, and a
# table once made stays: list filter and nat first, so "before" has them too.
if ! iptables-legacy -t filter -S >/dev/null || ! iptables-legacy -t nat -S >/dev/null; then
	fail "iptables-legacy lists the filter and nat tables"
fi
links0=$(links)
fw0=$(firewall)
fwd0=$(forwarding)
ns0=$(netns_list)
info "before: links: $links0; netns: $ns0; ip_forward=$fwd0"

in_m() { cfs exec minimal -- "$@"; }
m_holds() { in_m ip -o -4 addr show dev eth0 | grep -qw 'inet 10\.0\.0\.2/24'; }
m_default() { in_m ip route show default | grep -q '^default via 10\.0\.0\.1 dev eth0'; }
bridge_holds_gw() { ip -o -4 addr show dev cfsbr0 | grep -qw 'inet 10\.0\.0\.1/24'; }
veth_on_bridge() { ip -o link show dev cfs-minimal | grep -qw 'master cfsbr0'; }
has_masquerade() {
	iptables-legacy-save -t nat | grep -q -- '-A CFSNET-POSTROUTING -s 10\.0\.0\.0/24 ! -o cfsbr0 .*-j MASQUERADE'
}
ls_row() { cfs ls | awk 'NR > 1 {print $1, $2, $3, $6}'; }

say "up minimal --ip 10.0.0.2/24"
check "cfsnet up minimal --ip 10.0.0.2/24" cfs up minimal --ip 10.0.0.2/24
check "bridge cfsbr0 holds the gateway 10.0.0.1/24" bridge_holds_gw
check "host veth cfs-minimal is a port of cfsbr0" veth_on_bridge
check "inside: eth0 holds 10.0.0.2/24" m_holds
check "inside: default via 10.0.0.1" m_default
check "NAT: MASQUERADE for 10.0.0.0/24 out of anything but cfsbr0" has_masquerade
check_eq "ip_forward is on" 1 "$(forwarding)"

say "pings"
check "minimal -> gateway, the host (10.0.0.1)" ping_from minimal 10.0.0.1
check "minimal -> host's uplink address (203.0.113.2)" ping_from minimal 203.0.113.2
check "minimal -> outside (203.0.113.1, through NAT)" ping_from minimal 203.0.113.1
check "host -> minimal (10.0.0.2)" ping_host 10.0.0.2

say "ls"
check_eq "ls: minimal 10.0.0.2/24 via 10.0.0.1 on cfsbr0" "minimal 10.0.0.2/24 10.0.0.1 cfsbr0" "$(ls_row)"

say "down minimal"
check "cfsnet down minimal" cfs down minimal
check "cfs-minimal is gone" wait_gone cfs-minimal
check_eq "links as before" "$links0" "$(links)"
check_eq "firewall as before (iptables-legacy-save)" "$fw0" "$(firewall)"
check_eq "ip_forward as before" "$fwd0" "$(forwarding)"
check_eq "network namespaces as before" "$ns0" "$(netns_list)"
check_eq "no state left in /run/cfsnet but the lock" "" "$(find /run/cfsnet -mindepth 1 ! -name lock 2>/dev/null)"

scenario_end
