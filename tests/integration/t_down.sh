# t_down.sh - cfsnet down: everything goes, the host is as before.

test_down_returns_host_to_snapshot() {
	local before
	before=$(snapshot)
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	cfs up c --ip 10.1.0.2/24
	cfs up d --no-bridge --ip 10.2.0.2/24
	cfs down b
	cfs down a
	cfs down d
	cfs down c
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after the last down"
}

test_down_keeps_foreign_rules_and_policy() {
	iptables-legacy -P FORWARD DROP
	iptables-legacy -A FORWARD -s 192.0.2.0/24 -j ACCEPT
	iptables-legacy -t nat -A POSTROUTING -s 192.0.2.0/24 -j MASQUERADE
	iptables-legacy -N MYCHAIN
	iptables-legacy -A MYCHAIN -j RETURN
	set_ip_forward 1
	local before
	before=$(snapshot)
	cfs up a --ip 10.0.0.2/24
	ping_ok a "$WORLD_ADDR"
	assert_contains "$(iptables-legacy -S FORWARD)" "-A FORWARD -s 192.0.2.0/24 -j ACCEPT" "FORWARD while up"
	cfs down a
	wait_link_gone cfs-a
	assert_snapshot_equal "$before" "host (with foreign rules) after the last down"
}

test_down_removes_netns_and_state() {
	cfs up a --ip 10.0.0.2/24
	cfs down a
	[[ ! -e /run/netns/a ]] || fail "/run/netns/a still exists after down"
	if netns_listed a; then fail "ip netns list still shows a"; fi
	wait_link_gone cfs-a
	local left
	left=$(cd /run/cfsnet 2>/dev/null && find . -mindepth 1 ! -path ./lock | sort | tr '\n' ' ')
	assert_eq "" "$left" "what is left in /run/cfsnet besides the lock after the last down"
}

test_down_keeps_other_members() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	cfs down a
	wait_link_gone cfs-a
	assert_eq cfsbr0 "$(bridges)" "bridges while b remains"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules while b remains"
	assert_eq 1 "$(ip_forward)" "ip_forward while b remains"
	assert_container b 10.0.0.3/24
	assert_bridged b cfsbr0
	ping_ok b 10.0.0.1
	ping_ok b "$WORLD_ADDR"
}

test_down_unknown_name_fails_and_changes_nothing() {
	cfs up a --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 1 cfs down nosuch
	assert_cfsnet_error
	assert_stderr_matches 'nosuch'
	assert_snapshot_equal "$before" "host after down of an unknown name"
}

test_down_unknown_name_on_empty_host() {
	local before
	before=$(snapshot)
	assert_exit 1 cfs down nosuch
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after down of an unknown name on an empty host"
}

test_down_world_netns_is_not_a_container() {
	# `world` is a named netns cfsnet did not make: down must not touch it.
	local before
	before=$(snapshot)
	assert_exit 1 cfs down world
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after down of a netns cfsnet did not make"
	ping_ok "$WORLD_ADDR"
}

test_down_twice_fails_and_changes_nothing() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	cfs down a
	wait_link_gone cfs-a
	local before
	before=$(snapshot)
	assert_exit 1 cfs down a
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after a second down"
}

test_up_down_up_same_name() {
	local _
	for _ in 1 2 3; do
		cfs up a --ip 10.0.0.2/24
		cfs down a
	done
	# No wait: the old veth may still be on its way out.
	assert_exit 0 cfs up a --ip 10.0.0.2/24
	assert_container a 10.0.0.2/24
	assert_bridged a cfsbr0
	ping_ok a 10.0.0.1
	ping_ok a "$WORLD_ADDR"
}

test_up_down_up_same_name_no_bridge() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	cfs down a
	assert_exit 0 cfs up a --no-bridge --ip 10.0.0.2/24
	assert_container a 10.0.0.2/24
	assert_eq 10.0.0.1/24 "$(addr4 cfs-a)" "address of cfs-a"
	ping_ok a 10.0.0.1
}

test_down_last_then_up_rebuilds_network() {
	set_ip_forward 0
	cfs up a --ip 10.0.0.2/24
	cfs down a
	cfs up b --ip 10.0.0.3/24
	assert_eq 1 "$(ip_forward)" "ip_forward after down + up"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after down + up"
	ping_ok b "$WORLD_ADDR"
	cfs down b
	wait_no_cfs_veths
	assert_eq 0 "$(ip_forward)" "ip_forward after the last down"
}

test_parallel_up_then_parallel_down() {
	local before i rc
	local -a pids=()
	before=$(snapshot)
	for i in 0 1 2 3 4 5 6 7; do
		"$CFSNET" up "q$i" >"$CFS_IT_TMP/up-q$i.out" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3 4 5 6 7; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		[[ $rc == 0 ]] || fail "parallel 'cfsnet up q$i' exited $rc: $(oneline "$(cat "$CFS_IT_TMP/up-q$i.out")")"
	done
	pids=()
	for i in 0 1 2 3 4 5 6 7; do
		"$CFSNET" down "q$i" >"$CFS_IT_TMP/down-q$i.out" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3 4 5 6 7; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		[[ $rc == 0 ]] || fail "parallel 'cfsnet down q$i' exited $rc: $(oneline "$(cat "$CFS_IT_TMP/down-q$i.out")")"
	done
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after 8 parallel ups and downs"
}
