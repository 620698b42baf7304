#!/usr/bin/env bash
# lab-bench.sh - how long `cfsnet lab up` takes per node: a star of N hosts
# (default 250, the size Mininet builds in 20.4 s on this machine) built,
# pinged (the documented subset) and removed, inside a `cfsnet sandbox`, so
# the machine's own network is never touched.
#
#   make lab-bench                   (N=250)
#   CFSNET=build/cfsnet bash scripts/lab-bench.sh [N]
set -eu
N=${1:-250}
HERE=$(cd "$(dirname "$0")" && pwd)
: "${CFSNET:=$HERE/../build/cfsnet}"
[[ $CFSNET == /* ]] || CFSNET=$PWD/$CFSNET
[[ $N =~ ^[0-9]+$ ]] && ((N >= 1 && N <= 4000)) || { echo "lab-bench: N must be 1..4000" >&2; exit 2; }

if [[ ${LAB_BENCH_INSIDE:-} != 1 ]]; then
	[[ $(id -u) == 0 ]] || { echo "lab-bench: needs root (cfsnet sandbox)" >&2; exit 1; }
	exec env LAB_BENCH_INSIDE=1 CFSNET="$CFSNET" "$CFSNET" sandbox -- bash "$0" "$N"
fi

lab=$(mktemp /tmp/lab-bench.XXXXXX)
trap 'rm -f "$lab"' EXIT
{
	echo "net bench 10.200.0.0/16"
	for ((i = 1; i <= N; i++)); do echo "node b$i bench"; done
} >"$lab"

secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", b - a}'; }
t0=$EPOCHREALTIME
"$CFSNET" lab up "$lab" >/dev/null
t1=$EPOCHREALTIME
ping=$("$CFSNET" lab ping "$lab")
t2=$EPOCHREALTIME
"$CFSNET" lab down "$lab"
t3=$EPOCHREALTIME
up=$(secs "$t0" "$t1")
echo "lab up:   $N nodes in $up s, $(awk -v s="$up" -v n="$N" 'BEGIN {printf "%.2f", s * 1000 / n}') ms per node (Mininet: 81.6 ms per node for 250)"
echo "lab ping: $(secs "$t1" "$t2") s: ${ping##*: }"
echo "lab down: $(secs "$t2" "$t3") s"
