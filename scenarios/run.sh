#!/usr/bin/env bash
# run.sh - runs every scenario (scenarios/NN-name.sh), one after the other.
#
#   CFSNET=/abs/path/to/cfsnet bash scenarios/run.sh [PATTERN...]
#   make scenarios                      (the same, with this tree's build)
#
# Each scenario enters a `cfsnet sandbox --wan` of its own, so nothing here
# touches the machine's network. With PATTERNs (extended regexes) only the
# scenarios whose file name matches one of them run. Each scenario's output
# is shown as it goes, then one line: "ok NN-name (T s)" or "FAIL NN-name
# (exit N, T s)". The last line is "N passed, M failed"; the exit status is 1
# when any scenario failed (or none ran).
#
# The container scenarios check themselves that their cgroups are gone
# before they end; their sandbox removes whatever its containers left (a
# sandbox's groups are NAME@ID, its own), so nothing of theirs outlives
# them, and groups of other runs on the machine are never looked at.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${CFSNET:=$HERE/../build/cfsnet}"
[[ $CFSNET == /* ]] || CFSNET=$PWD/$CFSNET
export CFSNET
[[ -x $CFSNET ]] || { echo "run.sh: no cfsnet at $CFSNET (run make, or set CFSNET)" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "run.sh: the scenarios need root (cfsnet sandbox)" >&2; exit 1; }

scripts=()
for f in "$HERE"/[0-9][0-9]-*.sh; do
	name=$(basename "$f" .sh)
	if (($# > 0)); then
		match=0
		for p in "$@"; do [[ $name =~ $p ]] && match=1; done
		((match)) || continue
	fi
	scripts+=("$f")
done
((${#scripts[@]} > 0)) || { echo "run.sh: no scenario matches: $*" >&2; echo "0 passed, 0 failed"; exit 1; }

passed=0 failed=0 failures=() t_all=$EPOCHREALTIME
for f in "${scripts[@]}"; do
	name=$(basename "$f" .sh)
	t0=$EPOCHREALTIME
	rc=0
	bash "$f" </dev/null || rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
	if ((rc == 0)); then
		printf 'ok   %s (%s s)\n\n' "$name" "$secs"
		passed=$((passed + 1))
	else
		printf 'FAIL %s (exit %d, %s s)\n\n' "$name" "$rc" "$secs"
		failed=$((failed + 1))
		failures+=("$name")
	fi
done

total=$(awk -v a="$t_all" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}')
((failed == 0)) || echo "failed: ${failures[*]}"
echo "scenarios took ${total} s"
echo "$passed passed, $failed failed"
((failed == 0))
