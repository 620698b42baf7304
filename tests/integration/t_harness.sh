# t_harness.sh - the harness itself: the world is as the other tests assume,
# and snapshots see what they must see.

test_harness_world_answers_and_has_no_route_back() {
	ping_ok "$WORLD_ADDR"
	assert_eq "203.0.113.0/24 dev wan0 proto kernel scope link src 203.0.113.1" \
		"$(ip -n world -4 route show | sed 's/ *$//')" "routes of the outside world"
}

test_harness_snapshot_is_stable() {
	local a
	a=$(snapshot)
	sleep 1.2
	assert_snapshot_equal "$a" "untouched host"
}

test_harness_snapshot_sees_changes() {
	local a d
	local -a changes=(
		"ip link add hx type veth peer name hxp"
		"ip link add brx type bridge"
		"ip link set uplink mtu 1400"
		"ip addr add 198.51.100.1/24 dev lo"
		"ip route add 198.51.100.0/24 via 203.0.113.1"
		"ip netns add nsx"
		"iptables-legacy -t nat -N CHX"
		"iptables-legacy -t raw -A PREROUTING -j ACCEPT"
		"iptables-legacy -P FORWARD DROP"
		"set_ip_forward 1"
		"mkdir -p /run/cfsnet/containers && echo x >/run/cfsnet/containers/x"
	)
	local c
	for c in "${changes[@]}"; do
		a=$(snapshot)
		eval "$c"
		d=$(snapshot)
		[[ $a != "$d" ]] || fail "the snapshot does not see: $c"
	done
	# ...but not the lock file, which may stay after the last down.
	a=$(snapshot)
	: >/run/cfsnet/lock
	assert_snapshot_equal "$a" "host after creating /run/cfsnet/lock"
	# ...and it sees which bridge a link is enslaved to.
	ip link add hy type veth peer name hyp
	a=$(snapshot)
	ip link set hy master brx
	d=$(snapshot)
	assert_contains "$d" "hy <BROADCAST,MULTICAST,M-DOWN> mtu 1500 master brx" "snapshot of an enslaved link"
	[[ $a != "$d" ]] || fail "the snapshot does not see a link being enslaved"
}
