#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 06-cpuset: the seed's cpuset experiment.
#
#   cfsnet run --cpus A,B -- (gzip & gzip; wait)    two jobs, two CPUs
#   cfsnet run --cpus A   -- (gzip & gzip; wait)    the same two jobs share one
#
# The same compression job, two busybox `gzip -1` of one fixed input at
# once, in a busybox container (`cfsnet rootfs`, `cfsnet run`): pinned to
# one CPU it takes about twice as long as on two. The input's size is chosen
# from a quick measurement so that a job takes about 2-4 s on this machine.
# Prints both times and the ratio; the ratio must be at least 1.4. With
# fewer than two CPUs to use, the scenario says "skipped" and passes.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

MIN_RATIO=1.4

# The CPUs this process may use (its cpuset), in order: run's --cpus must
# name online CPUs, and a cpuset that is not ours would be refused anyway.
cpus=()
for part in $(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status | tr ',' ' '); do
	if [[ $part == *-* ]]; then
		for ((c = ${part%-*}; c <= ${part#*-}; c++)); do cpus+=("$c"); done
	else
		cpus+=("$part")
	fi
done
if ((${#cpus[@]} < 2)); then
	info "only ${#cpus[@]} CPU to use (${cpus[*]}): nothing to compare"
	echo "== $SC_NAME: skipped (needs 2 CPUs)"
	exit 0
fi
ONE=${cpus[0]}
TWO=${cpus[0]},${cpus[1]}
((cpus[1] != cpus[0] + 1)) || TWO=${cpus[0]}-${cpus[1]}

NAME=sc06-$(sc_suffix)
CG=$(sc_cgroup "$NAME") # its cgroup: cgroups are global, named after the sandbox
# `run` removes its cgroup when the job ends; should this script be stopped
# half-way, remove what is left (rmdir: only an empty group goes).
trap 'rmdir /sys/fs/cgroup/*/cfsnet/"$CG" /sys/fs/cgroup/cfsnet/"$CG" 2>/dev/null; true' EXIT

say "a busybox root"
ROOT=$(mktemp -d /run/sc06.XXXXXX) # /run is the sandbox's own tmpfs
check "cfsnet rootfs $ROOT" cfs rootfs "$ROOT"
check "busybox in it has gzip" test -e "$ROOT/bin/gzip" -o -e "$ROOT/usr/bin/gzip" -o -e "$ROOT/sbin/gzip"

# Size the input: time one gzip of 16 MB here, aim at ~2.5 s per gzip.
head -c 16m /dev/urandom >"$ROOT/input" || fail "writing the input"
t0=$EPOCHREALTIME
"$ROOT/bin/busybox" gzip -1 -c "$ROOT/input" >/dev/null || fail "gzip on the host"
mb=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {
	mb = int(16 * 2.5 / (b - a)); print (mb < 16 ? 16 : mb > 160 ? 160 : mb) }')
head -c "${mb}m" /dev/urandom >"$ROOT/input" || fail "writing the input"
info "input: $mb MB of random bytes; job: two 'gzip -1 -c /input >/dev/null' at once"

JOB='grep Cpus_allowed_list /proc/self/status
gzip -1 -c /input >/dev/null & gzip -1 -c /input >/dev/null & wait; times'

# job CPUS: runs the job pinned to CPUS; sets SECS, ALLOWED and SHARE (the
# CPUs the two gzips kept busy: their CPU time, from the shell's `times`,
# per second of wall time).
job() {
	local t0 out
	t0=$EPOCHREALTIME
	out=$(cfs run "$NAME" --rootfs "$ROOT" --cpus "$1" -- sh -c "$JOB" 2>&1) ||
		fail "run --cpus $1" "$out"
	SECS=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')
	ALLOWED=$(awk '/^Cpus_allowed_list:/ {print $2}' <<<"$out")
	SHARE=$(awk -v w="$SECS" '/^[0-9]+m[0-9.]+s [0-9]+m[0-9.]+s$/ { if (++n == 2) {
		split($1, u, /[ms]/); split($2, s, /[ms]/)
		printf "%.2f", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) / w } }' <<<"$out")
	[[ -n $SHARE ]] || fail "the job's CPU time (times)" "$out"
}

say "the job on CPUs $TWO, then pinned to CPU $ONE"
best_two="" best_one=""
for attempt in 1 2; do
	job "$TWO"
	[[ $ALLOWED == "$TWO" ]] ||
		fail "the job on --cpus $TWO sees CPUs $TWO" "Cpus_allowed_list: $ALLOWED"
	info "--cpus $TWO: ${SECS} s, busy CPUs ${SHARE}"
	share_two=$SHARE
	best_two=$(awk -v a="$best_two" -v b="$SECS" 'BEGIN {print (a == "" || b < a) ? b : a}')
	job "$ONE"
	[[ $ALLOWED == "$ONE" ]] || fail "the job on --cpus $ONE sees CPU $ONE only" "Cpus_allowed_list: $ALLOWED"
	info "--cpus $ONE:   ${SECS} s, busy CPUs ${SHARE}"
	share_one=$SHARE
	awk -v s="$SHARE" 'BEGIN {exit !(s <= 1.15)}' ||
		fail "pinned to CPU $ONE, the job kept at most one CPU busy" "busy CPUs: $SHARE"
	best_one=$(awk -v a="$best_one" -v b="$SECS" 'BEGIN {print (a == "" || b < a) ? b : a}')
	ratio=$(awk -v a="$best_one" -v b="$best_two" 'BEGIN {printf "%.2f", a / b}')
	awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN {exit !(r >= m)}' && break
	# Something else on the machine may have slowed the two-CPU run: once
	# more, and keep the best time of each.
	((attempt == 2)) || info "ratio $ratio < $MIN_RATIO: measuring once more"
done
pass "the job saw CPUs $TWO, then CPU $ONE only"
info "two CPUs: ${best_two} s, one CPU: ${best_one} s, ratio ${ratio}"
pass "pinned to CPU $ONE, the job kept at most one CPU busy"
if awk -v r="$ratio" -v m="$MIN_RATIO" 'BEGIN {exit !(r >= m)}'; then
	pass "pinned to one CPU it is slower: ratio $ratio >= $MIN_RATIO"
elif awk -v s="$share_two" 'BEGIN {exit !(s < 1.5)}'; then
	# Other work on the machine took the second CPU from the unpinned run
	# too, so there was nothing for the pin to take away: the cap above
	# is all that can be shown now.
	info "the machine is busy: unpinned, the job got only $share_two CPUs, so no ratio can show"
	pass "pinned to one CPU: no ratio on a busy machine (unpinned it got $share_two CPUs)"
else
	fail "pinned to one CPU it is slower: ratio $ratio >= $MIN_RATIO"
fi

say "nothing left"
check "no cgroup $NAME left" sh -c "! ls -d /sys/fs/cgroup/*/cfsnet/$CG /sys/fs/cgroup/cfsnet/$CG 2>/dev/null"
rm -rf "$ROOT"

scenario_end
