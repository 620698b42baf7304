#!/bin/bash
# ip-attach.sh NAME ADDR/PREFIX GATEWAY BRIDGE - the classic by-hand attach
# of one container, one `ip` process per step: a named netns, a veth moved
# into it and renamed eth0, the host end on the bridge, address, links up,
# default route. The bridge (with its gateway address) and NAT exist.
set -e
n=$1 ip=$2 gw=$3 br=$4
ip netns add "$n"
ip link add "v$n" type veth peer name "e$n"
ip link set "e$n" netns "$n"
ip -n "$n" link set "e$n" name eth0
ip link set "v$n" master "$br" up
ip -n "$n" addr add "$ip" dev eth0
ip -n "$n" link set eth0 up
ip -n "$n" link set lo up
ip -n "$n" route add default via "$gw"
