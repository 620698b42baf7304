# t_net.sh - networks by name, isolation between networks, internal
# networks, and the sandbox.

test_net_create_makes_bridge_rules_and_lists() {
	cfs net create lab --subnet 10.5.0.0/24
	assert_contains "$(ip -4 -o addr show)" "10.5.0.1/24" "host addresses (the gateway)"
	assert_eq "1" "$(masq_rules | grep -c -- '-s 10.5.0.0/24')" "MASQUERADE rules for 10.5.0.0/24"
	assert_eq "1" "$(ip_forward)" "ip_forward while a network exists"
	local js
	js=$(cfs net ls --json)
	assert_eq "lab" "$(json_get "$js" '0.name')" "net ls name"
	assert_eq "10.5.0.0/24" "$(json_get "$js" '0.subnet')" "net ls subnet"
	assert_eq "false" "$(json_get "$js" '0.internal')" "net ls internal"
	assert_eq "0" "$(json_len "$(json_get "$js" '0.members')")" "members of an empty network"
}

test_net_survives_its_last_member_until_rm() {
	local before
	before=$(snapshot)
	cfs net create lab --subnet 10.5.0.0/24
	cfs up a --net lab
	assert_contains "$(ip -n a -4 -o addr show dev eth0)" "10.5.0.2/24" "a's address"
	ping_ok a "$WORLD_ADDR"
	cfs down a
	wait_link_gone cfs-a
	assert_contains "$(ip -4 -o addr show)" "10.5.0.1/24" "gateway after the last member left"
	cfs net rm lab
	assert_snapshot_equal "$before" "host after net rm"
}

test_net_rm_refused_while_in_use() {
	cfs net create lab --subnet 10.5.0.0/24
	cfs up a --net lab
	local before
	before=$(snapshot)
	assert_exit 1 "$CFSNET" net rm lab
	assert_contains "$ERR" "cfsnet: net rm lab: network is in use"
	assert_snapshot_equal "$before" "host after a refused net rm"
	ping_ok a 10.5.0.1
}

test_networks_are_isolated_from_each_other() {
	cfs net create red --subnet 10.5.0.0/24
	cfs net create blue --subnet 10.6.0.0/24
	cfs up r1 --net red
	cfs up r2 --net red
	cfs up b1 --net blue
	ping_ok r1 10.5.0.3
	ping_fails r1 10.6.0.2
	ping_fails b1 10.5.0.2
	ping_ok b1 "$WORLD_ADDR"
	ping_ok r1 "$WORLD_ADDR"
}

test_internal_network_has_no_way_out() {
	cfs net create iso --subnet 10.6.0.0/24 --internal
	cfs up i1 --net iso
	cfs up i2 --net iso
	ping_ok i1 10.6.0.3
	ping_ok i1 10.6.0.1
	ping_fails i1 "$WORLD_ADDR"
	assert_eq "0" "$(masq_rules | grep -c -- '-s 10.6.0.0/24' || true)" "MASQUERADE rules of an internal network"
	assert_contains "$(iptables-legacy -S CFSNET-FORWARD)" "-A CFSNET-FORWARD -i cfsbr0 -m comment --comment \"cfsnet:iso\" -j DROP"
}

test_net_bad_input_changes_nothing() {
	cfs net create lab --subnet 10.5.0.0/24
	local before
	before=$(snapshot)
	assert_exit 1 "$CFSNET" net create x --subnet 10.5.0.0/16
	assert_contains "$ERR" "overlaps network lab"
	assert_exit 1 "$CFSNET" net create y --subnet 10.8.0.1/24
	assert_contains "$ERR" "not a network address"
	assert_exit 1 "$CFSNET" net create y --subnet 10.8.0.0/31
	assert_exit 1 "$CFSNET" net create lab --subnet 10.9.0.0/24
	assert_contains "$ERR" "network lab exists"
	assert_exit 1 "$CFSNET" net create 'a/b' --subnet 10.9.0.0/24
	assert_exit 2 "$CFSNET" net create z
	assert_exit 2 "$CFSNET" net bogus
	assert_exit 1 "$CFSNET" net rm nope
	assert_contains "$ERR" "no such network"
	assert_exit 1 "$CFSNET" up a --net nope
	assert_contains "$ERR" "no such network nope"
	assert_exit 1 "$CFSNET" up a --net lab --ip 10.7.0.2/24
	assert_contains "$ERR" "outside network lab"
	assert_exit 1 "$CFSNET" up a --net lab --no-bridge
	assert_snapshot_equal "$before" "host after bad net input"
}

test_sandbox_is_private_and_passes_status() {
	local before
	before=$(snapshot)
	assert_exit 7 "$CFSNET" sandbox -- sh -c "$CFSNET up s1 >/dev/null && ip netns exec s1 ping -c1 -W1 10.0.0.1 >/dev/null && exit 7"
	assert_snapshot_equal "$before" "host after a sandbox that made a container"
	assert_exit 0 "$CFSNET" sandbox --wan -- sh -c "$CFSNET up s1 >/dev/null && ip netns exec s1 ping -c1 -W1 203.0.113.1 >/dev/null"
	assert_exit 0 "$CFSNET" sandbox --wan -- "$CFSNET" sandbox --wan -- ip netns exec wan ip -4 -o addr show dev eth0
	assert_contains "$OUT" "203.0.113.1/24" "nested sandbox's wan"
	assert_exit 127 "$CFSNET" sandbox -- /nonexistent
	assert_exit 2 "$CFSNET" sandbox
	assert_snapshot_equal "$before" "host after sandboxes"
}
