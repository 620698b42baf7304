#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 07-memory: the seed's memory experiment.
#
#   cfsnet run --memory 50m --swappiness 0 -- dd bs=200M count=1   -> OOM kill, exit 137
#   cfsnet run                             -- dd bs=200M count=1   -> exit 0
#
# busybox dd allocates its 200 MB block in one piece and reading /dev/zero
# into it touches every page: under a 50 MB limit, with swappiness 0 so the
# group may not swap its way out, the kernel's OOM killer ends it and cfsnet
# says so. First the limit is looked at in a detached container (its cgroup
# files and `cfsnet stats`, which counts the OOM kill), then the one-shot run
# with and without the limit.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

NAME=sc07-$(sc_suffix)
CG=$(sc_cgroup "$NAME") # its cgroup: cgroups are global, named after the sandbox
DD=(dd if=/dev/zero of=/dev/null bs=200M count=1)
DDS="dd bs=200M" # for the check lines
cleanup() {
	cfs stop "$NAME" --timeout 1 >/dev/null 2>&1
	rmdir /sys/fs/cgroup/*/cfsnet/"$CG" /sys/fs/cgroup/cfsnet/"$CG" 2>/dev/null
	true
}
trap cleanup EXIT

stats_key() { cfs stats "$NAME" --json | sed -n "s/.*\"$1\":\\([^,}]*\\).*/\\1/p"; }
# cg_file FILE: the container's cgroup file (v1 memory hierarchy, else v2).
cg_file() {
	local f
	for f in /sys/fs/cgroup/memory/cfsnet/"$CG"/"$1" /sys/fs/cgroup/cfsnet/"$CG"/"$1"; do
		[[ -e $f ]] && { cat "$f"; return; }
	done
	echo "(no $1)"
}

say "a busybox root"
ROOT=$(mktemp -d /run/sc07.XXXXXX) # /run is the sandbox's own tmpfs
check "cfsnet rootfs $ROOT" cfs rootfs "$ROOT"

say "the limit, in a detached container"
LIMIT=(--memory 50m --swappiness 0)
if ! out=$(cfs run "$NAME" --rootfs "$ROOT" "${LIMIT[@]}" --detach -- sleep 120 2>&1); then
	if [[ $out == *swappiness* ]]; then
		info "--swappiness is refused here ($out): going on without it"
		LIMIT=(--memory 50m)
		out=$(cfs run "$NAME" --rootfs "$ROOT" "${LIMIT[@]}" --detach -- sleep 120 2>&1) ||
			fail "run $NAME ${LIMIT[*]} --detach -- sleep 120" "$out"
	else
		fail "run $NAME ${LIMIT[*]} --detach -- sleep 120" "$out"
	fi
fi
pass "run ${LIMIT[*]} --detach -- sleep 120"
check_eq "stats: memory_limit 52428800 (50 MiB)" 52428800 "$(stats_key memory_limit)"
if [[ -d /sys/fs/cgroup/memory/cfsnet/$CG ]]; then
	check_eq "cgroup v1: memory.limit_in_bytes" 52428800 "$(cg_file memory.limit_in_bytes)"
	[[ ${LIMIT[*]} != *swappiness* ]] ||
		check_eq "cgroup v1: memory.swappiness" 0 "$(cg_file memory.swappiness)"
else
	check_eq "cgroup v2: memory.max" 52428800 "$(cg_file memory.max)"
fi
check_eq "stats: no OOM kill yet" 0 "$(stats_key oom_kills)"
rc=0
out=$(cfs exec "$NAME" -- "${DD[@]}" 2>&1) || rc=$?
check_eq "exec in it: $DDS is OOM-killed (137)" 137 "$rc"
check_eq "stats: 1 OOM kill" 1 "$(stats_key oom_kills)"
check "the container itself still runs (sleep)" cfs exec "$NAME" -- true
cfs stats "$NAME" | sed 's/^/   | /'
check "stop $NAME" cfs stop "$NAME" --timeout 2

say "the one-shot run, with and without the limit"
rc=0
out=$(cfs run "$NAME" --rootfs "$ROOT" "${LIMIT[@]}" -- "${DD[@]}" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/   | /'
check_eq "run ${LIMIT[*]} -- $DDS: exit 137" 137 "$rc"
[[ $out == *"killed by the OOM killer"* ]] || fail "cfsnet reports it: killed by the OOM killer" "$out"
pass "cfsnet reports it: killed by the OOM killer"
rc=0
out=$(cfs run "$NAME" --rootfs "$ROOT" -- "${DD[@]}" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/   | /'
check_eq "run (no limit) -- $DDS: exit 0" 0 "$rc"
[[ $out == *"1+0 records out"* ]] || fail "dd copied its 200 MB block" "$out"
pass "dd copied its 200 MB block"

say "nothing left"
check "no cgroup $NAME left" sh -c "! ls -d /sys/fs/cgroup/*/cfsnet/$CG /sys/fs/cgroup/cfsnet/$CG 2>/dev/null"
check_eq "ls lists no container" 1 "$(cfs ls | wc -l | tr -d ' ')"
rm -rf "$ROOT"

scenario_end
