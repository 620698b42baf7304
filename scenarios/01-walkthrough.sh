#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 01-walkthrough: the classic by-hand walkthrough, made by one command.
#
#   host (sandbox)                      netns w
#   cfs-w 10.0.0.1/24  <--- veth --->  eth0 10.0.0.2/24, default via 10.0.0.1
#
# `cfsnet up w --no-bridge`: one network namespace, one veth pair, an address
# on each end, no bridge. Pings both ways and out to 203.0.113.1 (NAT), then
# `down` and nothing is left.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

# Small readers for the checks below.
has_netns() { ip netns list | grep -q "^$1\( \|$\)"; }
is_veth() { ip -d link show dev "$1" | grep -qw veth; }
no_master() { ! ip -o link show dev "$1" | grep -qw master; }
holds() { ip -o -4 addr show dev "$1" | grep -qw "inet $2"; }  # holds IF ADDR/P
in_w() { cfs exec w -- "$@"; }
w_holds() { in_w ip -o -4 addr show dev "$1" | grep -qw "inet $2"; }
w_up() { in_w ip -o link show dev eth0 | grep -q 'state UP' && in_w ip -o link show dev lo | grep -q '[<,]UP[,>]'; }
w_default() { in_w ip route show default | grep -q '^default via 10\.0\.0\.1 dev eth0'; }
w_links() { in_w ip -o link | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | tr '\n' ' '; }

say "up w --no-bridge"
check "cfsnet up w --no-bridge" cfs up w --no-bridge
check "ip netns list shows w" has_netns w
check "one veth: cfs-w on the host is a veth" is_veth cfs-w
check "no bridge: cfs-w has no master" no_master cfs-w
check "host end cfs-w holds 10.0.0.1/24" holds cfs-w 10.0.0.1/24
check "inside: eth0 holds 10.0.0.2/24" w_holds eth0 10.0.0.2/24
check "inside: eth0 and lo are up" w_up
check "inside: default via 10.0.0.1 dev eth0" w_default
check_eq "inside: only lo and eth0" "eth0 lo " "$(w_links)"

say "pings"
check "host -> w (10.0.0.2)" ping_host 10.0.0.2
check "w -> host (10.0.0.1)" ping_from w 10.0.0.1
check "w -> outside (203.0.113.1, through NAT)" ping_from w 203.0.113.1
check "w -> itself (10.0.0.2)" ping_from w 10.0.0.2

say "down w"
check "cfsnet down w" cfs down w
check "cfs-w is gone" wait_gone cfs-w
check_not "netns w is gone" has_netns w
check_eq "ls lists no container" 1 "$(cfs ls | wc -l)"

scenario_end
