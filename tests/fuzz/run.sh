#!/bin/bash
# run.sh BUILD_DIR HARNESS... - runs each libFuzzer harness for FUZZ_SECONDS
# on a working copy of its seed corpus (tests/fuzz/corpus/NAME); a crash
# leaves its input in BUILD_DIR/crashes and fails the run. No root needed,
# nothing outside BUILD_DIR is written.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift
secs=${FUZZ_SECONDS:-60}
failed=()
mkdir -p "$build/crashes"
for bin in "$@"; do
	name=$(basename "$bin")
	name=${name#fuzz_}
	work=$build/corpus/$name
	mkdir -p "$work"
	[[ -d $here/corpus/$name ]] && cp -n "$here/corpus/$name"/* "$work"/ 2>/dev/null || true
	printf '== fuzz %s: %ss\n' "$name" "$secs"
	# The CLI prints a message for nearly every input: not to the log
	# (libFuzzer keeps its own reports on a copy of stderr).
	quiet=()
	[[ $name == cli ]] && quiet=(-close_fd_mask=3)
	if ! "$bin" "${quiet[@]}" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crashes/$name-" "$work" >"$build/$name.log" 2>&1; then
		tail -n 40 "$build/$name.log" >&2
		failed+=("$name")
		continue
	fi
	grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/$name.log" |
		sed "s/^/   /" || true
done
if ((${#failed[@]})); then
	printf 'fuzz: FAILED: %s (inputs in %s/crashes)\n' "${failed[*]}" "$build" >&2
	exit 1
fi
printf 'fuzz: %d harnesses, no failure\n' "$#"
