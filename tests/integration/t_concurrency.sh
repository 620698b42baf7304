# t_concurrency.sh - many commands at once: distinct addresses, nothing
# left, state files never torn, a stale lock never blocks. Container names
# start with "cc".

test_concurrency_50_ups_get_distinct_addresses_and_50_downs_leave_nothing() {
	local before i pids=() rc=0 addrs
	set_ip_forward 0
	before=$(snapshot)
	for ((i = 1; i <= 50; i++)); do
		"$CFSNET" up "cc$i" >"$CFS_IT_TMP/up.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=$?; done
	((rc == 0)) || fail "a concurrent up failed: $(cat "$CFS_IT_TMP"/up.* | grep cfsnet: | head -3)"
	# 50 distinct addresses, each on its container's eth0.
	addrs=$(for ((i = 1; i <= 50; i++)); do addr4 "cc$i" eth0; done)
	assert_eq 50 "$(sort -u <<<"$addrs" | nlines "$(cat)")" "distinct addresses"
	assert_eq 50 "$(nlines "$addrs")" "containers with an address"
	assert_eq 50 "$(cfs ls --json | json_len -)" "containers in ls"
	# All ping out (NAT) and reach each other's gateway.
	for ((i = 1; i <= 50; i++)); do ping_ok "cc$i" "$WORLD_ADDR"; done
	pids=()
	for ((i = 1; i <= 50; i++)); do
		"$CFSNET" down "cc$i" >"$CFS_IT_TMP/down.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=$?; done
	((rc == 0)) || fail "a concurrent down failed: $(cat "$CFS_IT_TMP"/down.* | grep cfsnet: | head -3)"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after 50 concurrent ups and downs"
	assert_exit 0 cfs gc
	assert_eq "" "$OUT" "gc after 50 concurrent downs"
}

test_concurrency_state_files_are_never_torn() {
	local i pids=() bad=0 f
	cfs up cckeep >/dev/null
	# Writers: ups and downs in a loop; readers: every state file must
	# parse (ls reads them all) at every instant.
	for ((i = 1; i <= 4; i++)); do
		(for ((k = 0; k < 8; k++)); do
			"$CFSNET" up "ccw$i" >/dev/null 2>&1
			"$CFSNET" down "ccw$i" >/dev/null 2>&1
		done) &
		pids+=($!)
	done
	for ((i = 0; i < 60; i++)); do
		"$CFSNET" ls >/dev/null 2>"$CFS_IT_TMP/ls.err" || { bad=1; break; }
		for f in /run/cfsnet/containers/* /run/cfsnet/networks/*; do
			[[ $f == *.tmp.* || ! -e $f ]] && continue
			grep -q '^name=' "$f" 2>/dev/null || [[ ! -e $f ]] || { bad=2; break 2; }
		done
	done
	for i in "${pids[@]}"; do wait "$i"; done
	((bad != 1)) || fail "ls failed while others wrote: $(cat "$CFS_IT_TMP/ls.err")"
	((bad != 2)) || fail "a torn state file: $f"
	assert_exit 0 cfs check cckeep
	assert_eq 1 "$(cfs ls --json | json_len -)" "containers after the writers"
}

test_concurrency_a_stale_lock_never_blocks() {
	local pid
	mkdir -p /run/cfsnet
	# A process holding the lock (fd 8 in the sleep itself, nobody else
	# has it), killed: the kernel drops its flock.
	bash -c 'exec 8>/run/cfsnet/lock && flock 8 && exec sleep 60' &
	pid=$!
	wait_until 2000 _cc_lock_held || fail "the lock was never taken"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# A lock file with garbage in it means nothing either.
	echo "12345 stale" >/run/cfsnet/lock
	timeout 10 "$CFSNET" up ccl >/dev/null || fail "up after a killed lock holder did not succeed within 10 s"
	assert_container ccl 10.0.0.2/24
	timeout 10 "$CFSNET" down ccl || fail "down after a killed lock holder did not succeed"
}

_cc_lock_held() { ! flock -n /run/cfsnet/lock true; }
