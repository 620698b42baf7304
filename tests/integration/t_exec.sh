# t_exec.sh - cfsnet exec NAME -- CMD: inside the namespace, CMD's status.

test_exec_runs_inside_the_netns() {
	cfs up a --ip 10.0.0.2/24
	local out
	out=$(cfs exec a -- ip -o -4 addr show dev eth0)
	assert_contains "$out" "inet 10.0.0.2/24" "ip addr run by exec"
	out=$(cfs exec a -- ip -4 route show default)
	assert_contains "$out" "default via 10.0.0.1 dev eth0" "ip route run by exec"
}

test_exec_sees_fresh_sys() {
	cfs up a --ip 10.0.0.2/24
	local mac out
	mac=$(link_field a eth0 link/ether)
	out=$(cfs exec a -- cat /sys/class/net/eth0/address)
	assert_eq "$mac" "$out" "/sys/class/net/eth0/address inside"
	out=$(cfs exec a -- ls /sys/class/net)
	assert_eq "eth0 lo" "$(words "$out")" "/sys/class/net inside"
}

test_exec_pings_from_inside() {
	cfs up a --ip 10.0.0.2/24
	cfs exec a -- ping -n -q -c1 -W1 10.0.0.1 >/dev/null || fail "exec a -- ping 10.0.0.1 failed"
}

test_exec_propagates_exit_status() {
	cfs up a --ip 10.0.0.2/24
	assert_exit 7 cfs exec a -- sh -c 'exit 7'
	assert_exit 0 cfs exec a -- true
	assert_exit 1 cfs exec a -- false
}

test_exec_missing_command_is_127() {
	cfs up a --ip 10.0.0.2/24
	assert_exit 127 cfs exec a -- /nonexistent/command
	assert_exit 127 cfs exec a -- no-such-command-anywhere
}

test_exec_passes_arguments_and_stdin() {
	cfs up a --ip 10.0.0.2/24
	local out
	out=$(cfs exec a -- printf '%s|' 'one two' '' three)
	assert_eq 'one two||three|' "$out" "arguments passed by exec"
	out=$(printf 'hello\n' | cfs exec a -- cat)
	assert_eq hello "$out" "stdin through exec"
}

test_exec_leaves_host_unchanged() {
	cfs up a --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	cfs exec a -- true
	assert_snapshot_equal "$before" "host after exec"
	# The caller's /sys is still the host's.
	link_exists cfs-a || fail "cfs-a gone from the host view"
	[[ -e /sys/class/net/cfs-a ]] || fail "/sys/class/net/cfs-a missing on the host after exec"
}

test_exec_unknown_name_fails() {
	assert_exit 1 cfs exec nosuch -- true
	assert_cfsnet_error
}
