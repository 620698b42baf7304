#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 13-lab: the batch labs of labs/: the Mininet star of 50 and the line of
# five, each built with one `cfsnet lab up`, checked with `lab ping` (the
# pingall) and removed with `lab down`, which must leave nothing behind.
#
#   star.lab   50 hosts on one bridge (10.80.0.0/16)
#   line.lab   h1 - h2 - h3 - h4 - h5 over node-to-node links, routes along
#              the line, h2 -- h3 shaped to 10mbit
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

LABS=$SC_HERE/../labs

host_state() {
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
	iptables-legacy-save | grep -E '^(-A|-N)' || true
	ls /run/netns 2>/dev/null
}
no_cfs_links() {
	local i
	for ((i = 0; i < 100; i++)); do
		[[ $(ip -o link show) != *": cfs"* ]] && return 0
		sleep 0.05
	done
	echo "cfsnet links still there after 5 s"
	return 1
}

before=$(host_state)
for lab in star line; do
	f=$LABS/$lab.lab
	say "$lab.lab"
	t0=$EPOCHREALTIME
	check "lab up $lab.lab" cfs lab up "$f"
	info "lab up took $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}') s"
	nodes=$(grep -c '^node ' "$f")
	check_eq "ls lists its $nodes nodes" "$nodes" "$(cfs ls --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
	out=$(cfs lab ping "$f" 2>&1) || fail "lab ping $lab.lab" "$out"
	pass "lab ping $lab.lab: ${out##*: }"
	if [[ $lab == line ]]; then
		check "h1 reaches h5 through three routers" ping_from h1 10.78.4.2
		check "h2 -- h3 is shaped (tbf 10Mbit)" sh -c "tc -n h2 qdisc show dev eth2 | grep -q 'tbf.*rate 10Mbit'"
	fi
	check "lab down $lab.lab" cfs lab down "$f"
	check "no cfsnet links left" no_cfs_links
done
check_eq "the host is as before" "$before" "$(host_state)"

scenario_end
