#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 09-shape: a rate-limited link whose measured throughput stays under the
# limit.
#
#   host 10.0.0.1 (receiver) ── cfsbr0 ── veth (tbf 8mbit both ends) ── slow 10.0.0.2 (sender)
#
# `up slow --rate 8mbit`: a tbf on both ends of slow's veth. 3 MB sent from
# slow to a receiver on the host take about 3 s; the measured rate, as a
# ratio of the limit, must be at most 1.1 (the bucket the transfer starts
# with) and is printed. `link set slow --rate 32mbit` raises the limit and
# the next transfer is faster; `--no-rate` removes it.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

BYTES=3000000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# transfer: sends BYTES from slow to the host; prints "bytes seconds" as the
# receiver (python3: it reads to the end) timed it.
transfer() {
	rm -f "$tmp/out" "$tmp/ready"
	python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.1", 5001))
s.listen(1)
open(sys.argv[1] + "/ready", "w").close()
s.settimeout(30)
c, _ = s.accept()
t = time.monotonic()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
open(sys.argv[1] + "/out", "w").write("%d %.3f\n" % (n, time.monotonic() - t))' "$tmp" &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do [[ -e $tmp/ready ]] && break; sleep 0.03; done
	cfs exec slow -- sh -c "head -c $BYTES /dev/zero | busybox nc 10.0.0.1 5001"
	wait "$pid"
	cat "$tmp/out"
}

# measure LIMIT_BITS MAX_RATIO: one transfer; its rate / LIMIT_BITS must be
# at most MAX_RATIO.
measure() {
	local r bytes secs
	r=$(transfer) || return 1
	read -r bytes secs <<<"$r"
	[[ $bytes == "$BYTES" ]] || { echo "received $bytes of $BYTES bytes"; return 1; }
	awk -v b="$bytes" -v t="$secs" -v l="$1" -v m="$2" 'BEGIN {
		rate = b * 8 / t; ratio = rate / l
		printf "%d bytes in %.2f s: %.2f Mbit/s, %.2f of the limit\n", b, t, rate / 1e6, ratio
		exit !(ratio <= m)
	}'
}
shown() { measure "$@" | sed 's/^/   /'; return "${PIPESTATUS[0]}"; }
# ping_retry FROM ADDR: a few tries (machine-wide ARP table pressure from
# other labs can drop the first packets).
ping_retry() {
	local i
	for i in 1 2 3 4 5; do
		cfs exec "$1" -- ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	cfs exec "$1" -- ping -c 1 -W 1 "$2"
}
tbf_on() { tc qdisc show dev "$1" | grep -q "tbf 1: root .*rate $2"; }
tbf_in() { cfs exec slow -- tc qdisc show dev eth0 | grep -q "tbf 1: root .*rate $1"; }
no_tbf() { ! tc qdisc show dev cfs-slow | grep -q tbf && ! cfs exec slow -- tc qdisc show dev eth0 | grep -q tbf; }

say "up slow --rate 8mbit"
check "cfsnet up slow --rate 8mbit" cfs up slow --rate 8mbit
check "tbf 8Mbit on the host end cfs-slow" tbf_on cfs-slow 8Mbit
check "tbf 8Mbit on slow's eth0" tbf_in 8Mbit
check "slow -> gateway" ping_retry slow 10.0.0.1

say "3 MB from slow to the host"
info "limit 8 Mbit/s: about 3 s"
shown 8000000 1.1 || fail "throughput at most 1.1 x the 8 mbit limit"
pass "throughput at most 1.1 x the 8 mbit limit"

say "link set slow --rate 32mbit"
check "cfsnet link set slow --rate 32mbit" cfs link set slow --rate 32mbit
check "tbf 32Mbit on cfs-slow" tbf_on cfs-slow 32Mbit
shown 32000000 1.1 || fail "throughput at most 1.1 x the 32 mbit limit"
pass "throughput at most 1.1 x the 32 mbit limit"

say "bad values change nothing"
check_not "cfsnet link set slow --rate fast" cfs link set slow --rate fast
check_not "cfsnet link set slow --delay 10ms (no netem)" cfs link set slow --delay 10ms
check "tbf still 32Mbit" tbf_on cfs-slow 32Mbit

say "link set slow --no-rate"
check "cfsnet link set slow --no-rate" cfs link set slow --no-rate
check "no tbf on either end" no_tbf
check "cfsnet down slow" cfs down slow

scenario_end
