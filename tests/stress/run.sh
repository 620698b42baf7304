#!/usr/bin/env bash
# run.sh - cfsnet's crash test: commands killed at random instants, then
# `cfsnet gc`, then the host must be as it was.
#
#   CFSNET=/abs/build/cfsnet CFSNET_FAULT_BIN=/abs/build/fault/cfsnet \
#       bash tests/stress/run.sh [-n TRIALS] [-s SEED] [-v]
#   make stress          (-n 240)      make stress-short  (-n 40)
#
# It runs inside `cfsnet sandbox --wan` (it re-runs itself there), so the
# machine's own network is never touched. Each trial:
#   1. sets up a base (an empty host, or one with a container `gcskeep` on
#      the default network) and takes a snapshot: links, addresses, routes,
#      /run/netns, every legacy iptables table without counters,
#      ip_forward, cfsnet's state files and cfsnet's cgroups of this test;
#   2. runs one command and SIGKILLs it: `up`, `run` or `down` after a
#      random delay, or the fault build at one of its named steps (the
#      first trials take every named step in turn, then at random)
#      (CFSNET_FAULT_KILL=<step>: a crash right after that step), or a
#      failing step (CFSNET_FAULT=<step>: the command's own rollback);
#   3. runs `cfsnet gc` (which must succeed) and a second one (which must
#      find nothing), checks a container the command left complete with
#      `cfsnet check` (no drift) and takes it down;
#   4. compares the host with the snapshot: any difference is a leak.
# The last line is "N trials, M leaks"; the exit status is 1 when M > 0.
# Traffic: none (the container checks are made by `cfsnet check`).
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${CFSNET:=$HERE/../../build/cfsnet}"
: "${CFSNET_FAULT_BIN:=$HERE/../../build/fault/cfsnet}"
CFSNET=$(realpath -m "$CFSNET")
CFSNET_FAULT_BIN=$(realpath -m "$CFSNET_FAULT_BIN")
export CFSNET CFSNET_FAULT_BIN

trials=240 seed=$$ verbose=0
while (($#)); do
	case $1 in
	-n) trials=${2:?-n needs a number}; shift 2 ;;
	-s) seed=${2:?-s needs a number}; shift 2 ;;
	-v) verbose=1; shift ;;
	--inner) inner=1; shift ;;
	-h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

if [[ -z ${inner:-} ]]; then
	[[ $(id -u) == 0 ]] || { echo "run.sh: needs root (cfsnet sandbox)" >&2; exit 1; }
	for b in "$CFSNET" "$CFSNET_FAULT_BIN"; do
		[[ -x $b ]] || { echo "run.sh: no cfsnet at $b (run 'make all fault')" >&2; exit 1; }
	done
	args=(-n "$trials" -s "$seed")
	((verbose)) && args+=(-v)
	exec "$CFSNET" sandbox --wan -- bash "$0" --inner "${args[@]}"
fi

# ---- inside the sandbox ---------------------------------------------------------
# shellcheck source=../integration/lib.sh
source "$HERE/../integration/lib.sh"
exec 9>&2
RANDOM=$seed
PREFIX=gcs
WORK=$(mktemp -d /tmp/cfsnet-stress.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

my_cgroups() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/cfsnet/$PREFIX*" 2>/dev/null | sort
}

# The host as the trial must leave it (lib.sh's snapshot + our cgroups).
host_state() {
	# Carrier flags follow a link's peer with a delay (a base container
	# just made may not have LOWER_UP yet): they are not state.
	snapshot 2>/dev/null | sed -E 's/NO-CARRIER,//; s/,LOWER_UP//'
	echo "== cgroups"
	my_cgroups
}

# Waits (at most 3 s) for the host to equal $1, as veths of dropped
# namespaces vanish asynchronously; leaves the difference in DIFF.
settle_equal() {
	local i
	for ((i = 0; i < 30; i++)); do
		DIFF=$(diff -u <(printf '%s\n' "$1") <(host_state)) && return 0
		sleep 0.05
	done
	return 1
}

ROOT=$WORK/root
"$CFSNET" rootfs "$ROOT" >/dev/null || { echo "run.sh: cfsnet rootfs failed" >&2; exit 1; }

UP_STEPS=(bridge ip-forward firewall netns veth config state)
DOWN_STEPS=(down-netns down-leave net-remove-bridge net-remove-state)

leaks=0 killed=0 finished=0 n=0
declare -A kinds=()

# Waits until container NAME's processes are gone (a killed run's PID 1
# dies by its parent-death signal), at most 3 s.
wait_procs_gone() {
	local i f busy g=$1
	# Inside a sandbox the group is NAME@ID, ID the sandbox's.
	[[ -e /run/.cfsnet-sandbox/id ]] && g=$1@$(cat /run/.cfsnet-sandbox/id)
	for ((i = 0; i < 150; i++)); do
		busy=0
		for f in /sys/fs/cgroup/*/cfsnet/"$g"/cgroup.procs /sys/fs/cgroup/cfsnet/"$g"/cgroup.procs; do
			# (cgroup files have no size: read them)
			[[ -e $f && -n $(<"$f") ]] && busy=1
		done
		((busy)) || return 0
		sleep 0.02
	done
	return 1
}

# run_killed DELAY_MS CMD...: starts CMD, SIGKILLs it after DELAY_MS ms.
run_killed() {
	local delay=$1 pid
	shift
	"$@" >/dev/null 2>&1 </dev/null &
	pid=$!
	if ((delay > 0)); then sleep "$(printf '0.%03d' "$delay")"; fi
	if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); else finished=$((finished + 1)); fi
	wait "$pid" 2>/dev/null || true
}

trial() {
	local i=$1 base=$((RANDOM % 2)) kind name before out step ip
	((i > 18)) || base=$((i % 2))
	local -a cmd
	name=$PREFIX$i
	ip=10.0.0.$((10 + i % 200))/24
	if ((base)); then "$CFSNET" up gcskeep --ip 10.0.0.5/24 >/dev/null || return 1; fi
	# The first trials go through every named step once (a kill after
	# each step of up and down, then a failure after each step of up, on
	# alternating bases); the rest pick at random.
	local nk=$((${#UP_STEPS[@]} + ${#DOWN_STEPS[@]})) nf=${#UP_STEPS[@]} fixed=""
	if ((i <= nk)); then
		kind=kill-step
		fixed=$(((i - 1) % nk))
	elif ((i <= nk + nf)); then
		kind=fault-step
		fixed=$((i - 1 - nk))
	else
		case $((RANDOM % 6)) in
		0 | 1) kind=up ;;
		2) kind=down ;;
		3) kind=run ;;
		4) kind=kill-step ;;
		5) kind=fault-step ;;
		esac
	fi
	if [[ $kind == down ]]; then
		before=$(host_state)
		"$CFSNET" up "$name" --ip "$ip" >/dev/null || return 1
	else
		before=$(host_state)
	fi
	case $kind in
	up) run_killed $((RANDOM % 12)) "$CFSNET" up "$name" --ip "$ip" ;;
	down) run_killed $((RANDOM % 8)) "$CFSNET" down "$name" ;;
	run)
		run_killed $((RANDOM % 60)) "$CFSNET" run "$name" --rootfs "$ROOT" --ip "$ip" -- sleep 30
		wait_procs_gone "$name" || { echo "trial $i: the processes of killed run $name are still there" >&2; return 1; }
		;;
	kill-step)
		local k=${fixed:-$((RANDOM % nk))}
		if ((k < ${#UP_STEPS[@]})); then
			step=${UP_STEPS[k]}
			cmd=("$CFSNET_FAULT_BIN" up "$name" --ip "$ip")
		else
			step=${DOWN_STEPS[k - ${#UP_STEPS[@]}]}
			"$CFSNET" up "$name" --ip "$ip" >/dev/null || return 1
			cmd=("$CFSNET_FAULT_BIN" down "$name")
		fi
		kind="kill-step ${cmd[1]}@$step"
		# (The braces keep bash's "Killed" notice out of the output.)
		if { CFSNET_FAULT_KILL=$step "${cmd[@]}" >/dev/null 2>&1; } 2>/dev/null; then
			finished=$((finished + 1))
		else
			killed=$((killed + 1))
		fi
		;;
	fault-step)
		step=${UP_STEPS[${fixed:-$((RANDOM % nf))}]}
		kind="fault-step up@$step"
		CFSNET_FAULT=$step "$CFSNET_FAULT_BIN" up "$name" --ip "$ip" >/dev/null 2>&1 || true
		;;
	esac
	kinds[${kind%% *}]=$((${kinds[${kind%% *}]:-0} + 1))

	if ! out=$("$CFSNET" gc 2>&1); then
		echo "trial $i ($kind): gc failed: $out" >&2
		return 1
	fi
	((verbose)) && [[ -n $out ]] && printf 'trial %d (%s), base %d: %s\n' "$i" "$kind" "$base" "${out//$'\n'/; }"
	if [[ $kind == fault-step* && -n $out ]]; then
		echo "trial $i ($kind): gc found something after a rollback: $out" >&2
		return 1
	fi
	if ! out=$("$CFSNET" gc 2>&1) || [[ -n $out ]]; then
		echo "trial $i ($kind): a second gc found more: $out" >&2
		return 1
	fi
	# What the command finished (or gc kept) must be whole: no drift.
	if [[ -e /run/cfsnet/containers/$name ]]; then
		if ! out=$("$CFSNET" check "$name" 2>&1); then
			echo "trial $i ($kind): $name survived with drift: $out" >&2
			return 1
		fi
		"$CFSNET" down "$name" >/dev/null || return 1
	fi
	if ! settle_equal "$before"; then
		echo "trial $i ($kind, base $base): LEAK: the host differs from the snapshot:" >&2
		grep -E '^[-+][^-+]' <<<"$DIFF" | head -20 >&2
		return 1
	fi
	if ((base)); then
		"$CFSNET" down gcskeep >/dev/null || return 1
		if ! settle_equal "$EMPTY"; then
			echo "trial $i ($kind, base $base): LEAK: after the last down, the host differs from the empty host:" >&2
			grep -E '^[-+][^-+]' <<<"$DIFF" | head -20 >&2
			return 1
		fi
	fi
	return 0
}

EMPTY=$(host_state)
t0=$SECONDS
for ((n = 1; n <= trials; n++)); do
	if ! trial "$n"; then
		leaks=$((leaks + 1))
		# Start the next trial from a clean host.
		"$CFSNET" gc >/dev/null 2>&1
		for c in /run/cfsnet/containers/*; do [[ -e $c ]] && "$CFSNET" down "${c##*/}" >/dev/null 2>&1; done
	fi
done
n=$((n - 1))
summary=""
for k in "${!kinds[@]}"; do summary+=" $k=${kinds[$k]}"; done
echo "stress: seed $seed, $((SECONDS - t0)) s; kinds:$summary; killed $killed, finished before the kill $finished"
echo "$n trials, $leaks leaks"
((leaks == 0))
