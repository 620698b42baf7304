#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 05-star: 100 containers on one network, and a pingall.
#
#                     outside 203.0.113.1
#                             │ (NAT)
#          c1 ─┐         host/gateway 10.0.0.1
#          c2 ─┤              │
#          ... ├──────────  cfsbr0  (default network 10.0.0.0/24)
#         c100 ─┘
#
# `cfsnet up c1` .. `cfsnet up c100` (addresses picked by cfsnet). Each
# container pings the gateway, the outside world and 10 random peers (the
# same peers every run: RANDOM is seeded), its 12 pings at once, one echo
# each with one retry. The scenario reports the totals and fails on any loss.
#
# The kernel's ARP table is one for all network namespaces, with a hard limit
# (net.ipv4.neigh.default.gc_thresh3, 1024 by default, settable only in the
# host's namespace): a pingall of 100 containers makes about 2,000 entries
# (each pinger learns its peers, each peer learns the pinger), and past the
# limit new entries fail ("neighbor table overflow" in dmesg), on the
# machine's own network too. So each pinger forgets its entries as soon as
# it is done, and every 20 pingers all tables here are flushed: this
# scenario stays far below the limit.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

N=100
PEERS=10
GW=10.0.0.1
OUT=203.0.113.1

say "up c1 .. c$N"
up_all() {
	local i
	for ((i = 1; i <= N; i++)); do
		cfs up "c$i" >/dev/null || { echo "up c$i failed"; return 1; }
	done
}
t0=$EPOCHREALTIME
check "cfsnet up c1 .. c$N" up_all
info "$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$N" 'BEGIN {printf "%d containers up in %.1f s", n, b - a}')"

declare -A ADDR
while read -r name addr; do
	ADDR[$name]=${addr%/*}
done < <(cfs ls | awk 'NR > 1 {print $1, $2}')
check_eq "ls lists $N containers" "$N" "${#ADDR[@]}"
check_eq "all on 10.0.0.0/24" "$N" \
	"$(printf '%s\n' "${ADDR[@]}" | grep -c '^10\.0\.0\.[0-9]*$' | tr -d ' ')"
check_eq "... and distinct" "$N" "$(printf '%s\n' "${ADDR[@]}" | sort -u | wc -l | tr -d ' ')"
check_eq "one bridge for all of them" 1 "$(ip -o link show type bridge | wc -l | tr -d ' ')"
check_eq "$N ports on it" "$N" "$(ip -o link show master cfsbr0 | wc -l | tr -d ' ')"

# Run inside a container: ping every argument at once; prints "ADDR TRIES"
# per target, TRIES 1 or 2 when answered, 0 when both echoes were lost.
# shellcheck disable=SC2016 # expanded by the sh inside, not here
PINGALL='for t in "$@"; do
	(if ping -n -q -c 1 -W 1 "$t" >/dev/null 2>&1; then echo "$t 1"
	elif ping -n -q -c 1 -W 1 "$t" >/dev/null 2>&1; then echo "$t 2"
	else echo "$t 0"; fi) &
done
wait
ip neigh flush all'

# forget_neighbours: flush the ARP entries of every container and the host's.
forget_neighbours() {
	local n
	for n in $(ip netns list | awk '{print $1}'); do
		ip -n "$n" neigh flush all || return 1
	done
	ip neigh flush dev cfsbr0
}

say "pingall: each container -> gateway, outside, $PEERS random peers"
RANDOM=42
sent=0 received=0 retried=0
t0=$EPOCHREALTIME
for ((i = 1; i <= N; i++)); do
	# PEERS distinct peers, not itself.
	declare -A picked=()
	targets=("$GW" "$OUT")
	while ((${#picked[@]} < PEERS)); do
		j=$((RANDOM % N + 1))
		((j == i)) || [[ -n ${picked[$j]:-} ]] || { picked[$j]=1; targets+=("${ADDR[c$j]}"); }
	done
	unset picked
	((i % 20 != 1)) || forget_neighbours || fail "flushing the ARP tables"
	res=$(cfs exec "c$i" -- sh -c "$PINGALL" sh "${targets[@]}" 2>&1)
	ok=$(awk '$2 == 1 || $2 == 2' <<<"$res" | wc -l)
	again=$(awk '$2 == 2' <<<"$res" | wc -l)
	lost=$(awk '$2 == 0 {printf " %s", $1}' <<<"$res")
	sent=$((sent + ${#targets[@]}))
	received=$((received + ok))
	retried=$((retried + again))
	what="c$i (${ADDR[c$i]}) -> gw, out, $PEERS peers: $ok/${#targets[@]}"
	((again == 0)) || what+=" ($again on retry)"
	((ok == ${#targets[@]})) || fail "$what" "lost:$lost" "$res"
	pass "$what"
done
elapsed=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
info "results: $sent sent, $received received, $(((sent - received) * 100 / sent))% loss" \
	"($retried answered on the retry) in ${elapsed}s"
check_eq "0% loss" "$sent" "$received"

say "down c1 .. c$N"
down_all() {
	local i
	for ((i = 1; i <= N; i++)); do
		cfs down "c$i" || { echo "down c$i failed"; return 1; }
	done
}
check "cfsnet down c1 .. c$N" down_all
check "no cfsnet links left" no_cfs_links
check_eq "ls lists no container" 1 "$(cfs ls | wc -l | tr -d ' ')"
check_eq "no CFSNET rules left" "" "$(iptables-legacy-save | grep CFSNET)"

scenario_end
