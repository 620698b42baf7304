# t_up.sh - cfsnet up: bridge mode, the outside world, IPAM, options.

# ---- bridge mode -----------------------------------------------------------------

test_up_container_has_address_lo_and_default_route() {
	cfs up a --ip 10.0.0.2/24
	assert_container a 10.0.0.2/24
}

test_up_netns_usable_by_ip_netns() {
	cfs up a --ip 10.0.0.2/24
	[[ -e /run/netns/a ]] || fail "/run/netns/a does not exist"
	local out
	out=$(ip netns exec a ip -o link show) || fail "ip netns exec a ip link failed"
	assert_contains "$out" "eth0" "ip netns exec a ip link"
	out=$(ip netns exec a ls /sys/class/net) || fail "ip netns exec a ls /sys/class/net failed"
	assert_eq "eth0 lo" "$(words "$out")" "/sys/class/net seen through ip netns exec a"
}

test_up_bridge_holds_gateway_and_enslaves_host_veth() {
	cfs up a --ip 10.0.0.2/24
	assert_eq cfsbr0 "$(bridges)" "bridges on the host"
	assert_eq 10.0.0.1/24 "$(addr4 cfsbr0)" "address of cfsbr0"
	assert_link_up cfsbr0
	assert_bridged a cfsbr0
	# The host end is the only interface of the container on the host.
	assert_eq "" "$(addr4 cfs-a)" "address of the host veth in bridge mode"
}

# A bridge port is switched, not addressed: IPv6 off on it (so the host's
# IPv6 routes do not grow by one per container), and the bridge floods
# multicast (no snooping: a lab network has no querier).
test_up_bridge_port_without_ipv6_bridge_without_snooping() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	assert_eq 0 "$(cat /sys/class/net/cfsbr0/bridge/multicast_snooping)" "multicast snooping of cfsbr0"
	assert_eq 1 "$(cat /proc/sys/net/ipv6/conf/cfs-a/disable_ipv6)" "disable_ipv6 of cfs-a"
	assert_eq 1 "$(cat /proc/sys/net/ipv6/conf/cfs-b/disable_ipv6)" "disable_ipv6 of cfs-b"
	assert_eq "" "$(ip -6 route show table all dev cfs-a)" "IPv6 routes through cfs-a"
	# The containers' own IPv6 is untouched: each still has its loopback ::1
	# and the frames between them still cross the bridge.
	ping_ok a 10.0.0.3
	ip netns exec a ip -6 addr show dev lo | grep -q '::1/128' || fail "no ::1 inside a"
}

# The bridge's address (the gateway's, in every container's ARP cache) is
# its own, set at creation: it does not follow the ports as they come and go.
test_up_bridge_keeps_its_own_address() {
	cfs up a --ip 10.0.0.2/24
	local mac
	mac=$(cat /sys/class/net/cfsbr0/address)
	assert_eq 3 "$(cat /sys/class/net/cfsbr0/addr_assign_type)" "addr_assign_type of cfsbr0 (3: set)"
	[[ $mac =~ ^[0-9a-f][26ae]: ]] || fail "bridge address $mac is not locally administered unicast"
	local i
	for i in 1 2 3 4; do cfs up "m$i" --ip "10.0.0.$((10 + i))/24"; done
	assert_eq "$mac" "$(cat /sys/class/net/cfsbr0/address)" "bridge address after 4 more members"
	cfs down a
	assert_eq "$mac" "$(cat /sys/class/net/cfsbr0/address)" "bridge address after the first member left"
	ping_ok m1 10.0.0.1
}

test_up_mtu_is_1500_on_both_ends() {
	cfs up a --ip 10.0.0.2/24
	assert_eq 1500 "$(link_field a eth0 mtu)" "mtu of eth0"
	assert_eq 1500 "$(link_field cfs-a mtu)" "mtu of cfs-a"
}

test_up_container_pings_gateway() {
	cfs up a --ip 10.0.0.2/24
	ping_ok a 10.0.0.1
}

test_up_host_pings_container() {
	cfs up a --ip 10.0.0.2/24
	ping_ok 10.0.0.2
}

test_up_two_containers_ping_each_other() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	assert_container b 10.0.0.3/24
	assert_bridged b cfsbr0
	ping_ok a 10.0.0.3
	ping_ok b 10.0.0.2
}

# ---- the outside world --------------------------------------------------------------

test_up_outside_world_answers_through_nat() {
	cfs up a --ip 10.0.0.2/24
	ping_ok a "$WORLD_ADDR"
}

test_up_outside_world_silent_without_masquerade() {
	cfs up a --ip 10.0.0.2/24
	ping_ok a "$WORLD_ADDR"
	# The world has no route back to 10.0.0.0/24: only NAT makes it answer.
	iptables-legacy -t nat -F CFSNET-POSTROUTING
	ping_fails a "$WORLD_ADDR"
}

test_up_works_with_forward_policy_drop() {
	iptables-legacy -P FORWARD DROP
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	ping_ok a "$WORLD_ADDR"
	ping_ok a 10.0.0.3
	assert_eq DROP "$(iptables-legacy -S FORWARD | awk '$1 == "-P" {print $3}')" "FORWARD policy (cfsnet must not change it)"
}

test_up_ip_forward_on_then_restored_0() {
	set_ip_forward 0
	cfs up a --ip 10.0.0.2/24
	assert_eq 1 "$(ip_forward)" "ip_forward while a network exists"
	cfs up b --ip 10.1.0.2/24
	cfs down a
	assert_eq 1 "$(ip_forward)" "ip_forward while network 10.1.0.0-24 still exists"
	cfs down b
	assert_eq 0 "$(ip_forward)" "ip_forward after the last down"
}

test_up_ip_forward_on_then_restored_1() {
	set_ip_forward 1
	cfs up a --ip 10.0.0.2/24
	assert_eq 1 "$(ip_forward)" "ip_forward while a network exists"
	cfs down a
	assert_eq 1 "$(ip_forward)" "ip_forward after the last down (was 1 before)"
}

test_up_rules_in_own_chains_jumped_to_once() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	assert_eq 1 "$(count_matching ' -j CFSNET-POSTROUTING$' "$(iptables-legacy -t nat -S POSTROUTING)")" \
		"jumps from nat POSTROUTING to CFSNET-POSTROUTING"
	assert_eq 1 "$(count_matching ' -j CFSNET-FORWARD$' "$(iptables-legacy -S FORWARD)")" \
		"jumps from filter FORWARD to CFSNET-FORWARD"
	local fwd
	fwd=$(iptables-legacy -S CFSNET-FORWARD)
	# (Other rules, e.g. isolation between networks, may be there too.)
	assert_eq 1 "$(count_matching '^-A CFSNET-FORWARD -i cfsbr0 (-m [^!]*)?-j ACCEPT$' "$(grep -v -- ' -o ' <<<"$fwd" || true)")" \
		"'-i cfsbr0 -j ACCEPT' rules in CFSNET-FORWARD"
	assert_eq 1 "$(count_matching '^-A CFSNET-FORWARD -o cfsbr0 .*--ctstate RELATED,ESTABLISHED( .*)? -j ACCEPT$' "$fwd")" \
		"'-o cfsbr0 RELATED,ESTABLISHED' rules in CFSNET-FORWARD"
}

test_up_one_masquerade_rule_per_subnet() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	cfs up c
	local rules
	rules=$(masq_rules)
	assert_eq 1 "$(nlines "$rules")" "MASQUERADE rules for three containers on one subnet"
	assert_match "$rules" '-s 10\.0\.0\.0/24 ! -o cfsbr0 .*cfsnet:default.*-j MASQUERADE' "the MASQUERADE rule"
}

# ---- idempotent and conflicting up ---------------------------------------------------

test_up_same_again_changes_nothing() {
	cfs up a --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 0 cfs up a --ip 10.0.0.2/24
	assert_snapshot_equal "$before" "host after the same up again"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after the same up again"
	ping_ok a 10.0.0.1
}

test_up_same_again_no_bridge_changes_nothing() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 0 cfs up a --no-bridge --ip 10.0.0.2/24
	assert_snapshot_equal "$before" "host after the same up --no-bridge again"
}

test_up_conflicting_changes_nothing() {
	cfs up a --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	local -a conflicts=(
		"--ip 10.0.0.3/24"
		"--ip 10.1.0.2/24"
		"--no-bridge --ip 10.0.0.2/24"
		"--ip 10.0.0.2/24 --mtu 1400"
		"--ip 10.0.0.2/24 --ifname eth1"
	)
	local c
	for c in "${conflicts[@]}"; do
		# shellcheck disable=SC2086
		assert_exit 1 cfs up a $c
		assert_cfsnet_error
		assert_snapshot_equal "$before" "host after conflicting 'up a $c'"
	done
	assert_container a 10.0.0.2/24
}

test_up_no_bridge_then_bridge_conflicts() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 1 cfs up a --ip 10.0.0.2/24
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after conflicting bridge-mode up of a --no-bridge container"
}

# ---- IPAM -----------------------------------------------------------------------

test_up_without_ip_takes_lowest_free_address() {
	cfs up a
	assert_container a 10.0.0.2/24
	cfs up b
	assert_container b 10.0.0.3/24
	cfs down a
	cfs up c
	assert_container c 10.0.0.2/24
	cfs up d
	assert_container d 10.0.0.4/24
}

test_up_without_ip_skips_explicit_addresses() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.4/24
	cfs up c
	assert_container c 10.0.0.3/24
	cfs up d
	assert_container d 10.0.0.5/24
}

test_up_parallel_get_distinct_addresses() {
	local -a pids=()
	local i rc addrs=""
	for i in 0 1 2 3 4 5 6 7 8 9; do
		"$CFSNET" up "p$i" >"$CFS_IT_TMP/up-p$i.out" 2>&1 &
		pids+=($!)
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		rc=0
		wait "${pids[$i]}" || rc=$?
		[[ $rc == 0 ]] || fail "parallel 'cfsnet up p$i' exited $rc: $(oneline "$(cat "$CFS_IT_TMP/up-p$i.out")")"
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		addrs+="$(addr4 "p$i" eth0)"$'\n'
		assert_bridged "p$i" cfsbr0
	done
	assert_eq 10 "$(nlines "$addrs")" "addresses of 10 containers"
	assert_eq 10 "$(nlines "$(sort -u <<<"$addrs")")" "distinct addresses of 10 containers: $(words "$addrs")"
	local want
	want=$(for i in $(seq 2 11); do echo "10.0.0.$i/24"; done | sort)
	assert_eq "$want" "$(sort <<<"$addrs" | grep .)" "the 10 addresses"
	assert_eq cfsbr0 "$(bridges)" "bridges after 10 parallel ups"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after 10 parallel ups"
	ping_ok p9 10.0.0.1
}

# ---- more networks ------------------------------------------------------------------

test_up_other_subnet_makes_second_network() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.1.0.5/24
	assert_container b 10.1.0.5/24
	assert_eq "cfsbr0 cfsbr1" "$(words "$(bridges)")" "bridges for two subnets"
	assert_eq 10.1.0.1/24 "$(addr4 cfsbr1)" "address of cfsbr1"
	assert_bridged b cfsbr1
	local rules
	rules=$(masq_rules)
	assert_eq 2 "$(nlines "$rules")" "MASQUERADE rules for two networks"
	assert_match "$rules" '-s 10\.1\.0\.0/24 ! -o cfsbr1 .*cfsnet:10\.1\.0\.0-24.*-j MASQUERADE' "rule of network 10.1.0.0-24"
	ping_ok b 10.1.0.1
	ping_ok b "$WORLD_ADDR"
	ping_ok 10.1.0.5

	cfs down b
	wait_link_gone cfs-b
	assert_eq cfsbr0 "$(bridges)" "bridges after the last member of 10.1.0.0-24 went"
	rules=$(masq_rules)
	assert_eq 1 "$(nlines "$rules")" "MASQUERADE rules after the last member of 10.1.0.0-24 went"
	assert_not_contains "$rules" "10.1.0.0/24" "MASQUERADE rules"
	assert_not_contains "$(iptables-legacy -S CFSNET-FORWARD)" cfsbr1 "CFSNET-FORWARD"
	ping_ok a "$WORLD_ADDR"
}

test_up_other_prefix_network() {
	cfs up a --ip 172.20.5.9/16
	assert_container a 172.20.5.9/16
	assert_eq 172.20.0.1/16 "$(addr4 cfsbr0)" "address of the bridge of 172.20.0.0/16"
	assert_match "$(masq_rules)" '-s 172\.20\.0\.0/16 ! -o cfsbr0 .*cfsnet:172\.20\.0\.0-16' "rule of 172.20.0.0-16"
	ping_ok a "$WORLD_ADDR"
}

# ---- options --------------------------------------------------------------------------

test_up_mtu_option_sets_both_ends() {
	cfs up a --ip 10.0.0.2/24 --mtu 1400
	assert_eq 1400 "$(link_field a eth0 mtu)" "mtu of eth0"
	assert_eq 1400 "$(link_field cfs-a mtu)" "mtu of cfs-a"
	ping_ok a 10.0.0.1
}

test_up_ifname_option_names_the_inside() {
	cfs up a --ip 10.0.0.2/24 --ifname net0
	assert_container a 10.0.0.2/24 net0
	if ip -n a link show dev eth0 >/dev/null 2>&1; then fail "eth0 exists in a although --ifname net0"; fi
	ping_ok a 10.0.0.1
}

test_up_long_name_gets_hashed_host_veth() {
	cfs up abcdefghijklmno --ip 10.0.0.2/24
	cfs up abcdefghijklmnX --ip 10.0.0.3/24
	assert_container abcdefghijklmno 10.0.0.2/24
	local hv1 hv2
	hv1=$(host_veth abcdefghijklmno)
	hv2=$(host_veth abcdefghijklmnX)
	assert_match "$hv1" '^cfs-abcdef[0-9a-f]{5}$' "host veth of a 15-character name"
	assert_match "$hv2" '^cfs-abcdef[0-9a-f]{5}$' "host veth of a 15-character name"
	assert_ne "$hv1" "$hv2" "host veths of two long names sharing 14 characters"
	assert_bridged abcdefghijklmno cfsbr0
	ping_ok abcdefghijklmno 10.0.0.3
	cfs down abcdefghijklmno
	wait_link_gone "$hv1"
	link_exists "$hv2" || fail "$hv2 vanished with the other container"
}

test_up_name_of_11_chars_keeps_plain_host_veth() {
	cfs up abcdefghijk --ip 10.0.0.2/24
	link_exists cfs-abcdefghijk || fail "no host veth cfs-abcdefghijk"
}

# ---- --no-bridge ----------------------------------------------------------------------

test_nobridge_host_veth_holds_gateway() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	assert_container a 10.0.0.2/24
	assert_eq "" "$(bridges)" "bridges in --no-bridge mode"
	assert_eq 10.0.0.1/24 "$(addr4 cfs-a)" "address of cfs-a"
	assert_link_up cfs-a
	assert_eq "" "$(link_field cfs-a master)" "master of cfs-a"
}

test_nobridge_pings_both_ways_and_out() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	ping_ok a 10.0.0.1
	ping_ok 10.0.0.2
	ping_ok a "$WORLD_ADDR"
	assert_match "$(masq_rules)" '-s 10\.0\.0\.0/24 ! -o cfs-a .*-j MASQUERADE' "MASQUERADE rule in --no-bridge mode"
}

test_nobridge_works_with_forward_policy_drop() {
	iptables-legacy -P FORWARD DROP
	cfs up a --no-bridge --ip 10.0.0.2/24
	ping_ok a "$WORLD_ADDR"
}

test_nobridge_subnet_is_exclusive() {
	cfs up a --no-bridge --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 1 cfs up b --no-bridge --ip 10.0.0.3/24
	assert_cfsnet_error
	assert_exit 1 cfs up c --ip 10.0.0.4/24
	assert_cfsnet_error
	assert_exit 1 cfs up d
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after ups into a --no-bridge subnet"
}

test_nobridge_beside_bridge_network() {
	cfs up a --ip 10.0.0.2/24
	local before
	before=$(snapshot)
	assert_exit 1 cfs up b --no-bridge --ip 10.0.0.3/24
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after --no-bridge up into a bridge subnet"
	cfs up c --no-bridge --ip 10.2.0.2/24
	assert_container c 10.2.0.2/24
	ping_ok c "$WORLD_ADDR"
	ping_ok a "$WORLD_ADDR"
	cfs down c
	wait_link_gone cfs-c
	ping_ok a "$WORLD_ADDR"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after the --no-bridge container went"
}

# ---- what cfsnet did not make is not cfsnet's ----------------------------------------

test_up_name_of_foreign_netns_fails_and_keeps_it() {
	local before
	before=$(snapshot)
	assert_exit 1 cfs up world --ip 10.0.0.2/24
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after up of a name a foreign netns has"
	ping_ok "$WORLD_ADDR"
}

test_up_foreign_link_with_host_veth_name_fails_and_keeps_it() {
	ip link add cfs-a type veth peer name cfs-a-peer
	local before
	before=$(snapshot)
	assert_exit 1 cfs up a --ip 10.0.0.2/24
	assert_cfsnet_error
	assert_stderr_matches 'cfs-a'
	sleep 0.2 # a wrongly started removal of the foreign link would show by now
	assert_snapshot_equal "$before" "host after up whose host veth name is taken"
}

test_up_skips_foreign_bridge_name() {
	ip link add cfsbr0 type bridge
	cfs up a --ip 10.0.0.2/24
	assert_eq 10.0.0.1/24 "$(addr4 cfsbr1)" "address of cfsbr1 (cfsbr0 is not cfsnet's)"
	assert_bridged a cfsbr1
	assert_eq "" "$(addr4 cfsbr0)" "address of the foreign cfsbr0"
	ping_ok a "$WORLD_ADDR"
	cfs down a
	wait_link_gone cfs-a cfsbr1
	link_exists cfsbr0 || fail "down removed the foreign bridge cfsbr0"
}
