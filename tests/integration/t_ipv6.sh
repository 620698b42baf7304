# t_ipv6.sh - dual stack: `up --ip6`, `net create --ipv6`: addresses usable
# at once (no DAD), the gateway ::1 on the bridge, ::/0 inside, ping6
# across and out to 2001:db8::1 through the NAT66 masquerade, forwarding
# and ip6 rules gone after the last `down`, and bad IPv6 input.

WORLD6_ADDR=2001:db8::1

# ping6_ok NETNS ADDR / ping6_fails NETNS ADDR (three tries for ok).
ping6_ok() {
	local i
	for i in 1 2 3; do
		if ip netns exec "$1" ping -6 -n -q -c1 -W1 "$2" >/dev/null 2>&1; then
			((i == 1)) || log "ping6 $2 needed $i tries"
			return 0
		fi
	done
	fail "no answer to ping6 $2 from netns $1"
}
ping6_fails() {
	if ip netns exec "$1" ping -6 -n -q -c1 -W1 "$2" >/dev/null 2>&1; then
		fail "ping6 $2 from netns $1 was answered, expected no answer"
	fi
}

# addr6 [NETNS] DEV: the global IPv6 addresses on DEV with their flags.
addr6() {
	if [[ $# == 2 ]]; then
		ip -n "$1" -o -6 addr show dev "$2" scope global | awk '{$1=$2=$3=""; print}'
	else
		ip -o -6 addr show dev "$1" scope global | awk '{$1=$2=$3=""; print}'
	fi
}

masq6_rules() { ip6tables-legacy -t nat -S CFSNET-POSTROUTING 2>/dev/null | grep -- '-j MASQUERADE' || true; }
fwd6_rules() { ip6tables-legacy -S CFSNET-FORWARD 2>/dev/null | grep -- '^-A' || true; }
ip6_forwarding() { cat /proc/sys/net/ipv6/conf/all/forwarding; }

test_ipv6_dual_stack_addresses_and_routes() {
	cfs net create lab6 --subnet 10.61.0.0/24 --ipv6 fd00:61::/64
	local out
	out=$(cfs up v6a --net lab6)
	assert_contains "$out" "ipv6 fd00:61::2/64 via fd00:61::1" "up's line"
	assert_container v6a 10.61.0.2/24
	# The address is there at once and not tentative: no DAD delay.
	assert_match "$(addr6 v6a eth0)" "fd00:61::2/64" "IPv6 address of eth0"
	assert_not_contains "$(addr6 v6a eth0)" "tentative" "eth0's IPv6 address flags"
	assert_contains "$(addr6 v6a eth0)" "nodad" "eth0's IPv6 address flags"
	assert_match "$(ip -n v6a -6 route show default)" "^default via fd00:61::1 dev eth0" "IPv6 default route"
	local br
	br=$(json_get "$(cfs net ls --json)" 0.bridge)
	assert_contains "$(addr6 "$br")" "fd00:61::1/64" "the IPv6 gateway on $br"
	assert_eq "fd00:61::/64" "$(json_get "$(cfs net ls --json)" 0.ipv6)" "net ls ipv6"
	local js
	js=$(cfs show v6a --json)
	assert_eq "fd00:61::2/64" "$(json_get "$js" address6)" "show address6"
	assert_eq "fd00:61::1" "$(json_get "$js" gateway6)" "show gateway6"
	ping6_ok v6a fd00:61::1
	# Right after up, with no settling time: the first ping6 of a new
	# container (the retry in ping6_ok would hide a DAD delay).
	cfs up v6b --net lab6 --ip6 fd00:61::99/64
	ip netns exec v6b ping -6 -n -q -c1 -W1 fd00:61::1 >/dev/null ||
		fail "the first ping6 right after up was not answered (DAD delay?)"
	assert_match "$(addr6 v6b eth0)" "fd00:61::99/64" "--ip6 address of v6b"
}

test_ipv6_ping6_across_and_out_through_nat66() {
	cfs net create lab6 --subnet 10.61.0.0/24 --ipv6 fd00:61::/64
	cfs up v6a --net lab6
	cfs up v6b --net lab6
	ping6_ok v6a fd00:61::3
	ping6_ok v6b fd00:61::2
	# The world has no route to fd00:61::/64: only the masquerade (the
	# uplink's 2001:db8::2 as source) brings an answer back.
	ip -n world -6 route show | grep -q fd00 && fail "the world has a route to a container prefix"
	assert_eq "1" "$(count_matching '-s fd00:61::/64 ! -o cfsbr[0-9]+ .*-j MASQUERADE' "$(masq6_rules)")" "ip6 MASQUERADE rules"
	ping6_ok v6a "$WORLD6_ADDR"
	ping6_ok v6b "$WORLD6_ADDR"
	# IPv4 still works beside it.
	ping_ok v6a "$WORLD_ADDR"
	assert_eq "1" "$(ip6_forwarding)" "net.ipv6.conf.all.forwarding while a dual-stack network exists"
}

test_ipv6_rules_and_forwarding_gone_after_down() {
	echo 0 >/proc/sys/net/ipv6/conf/all/forwarding
	local before
	before=$(snapshot)
	cfs up v6c --ip 10.62.0.2/24 --ip6 fd00:62::2/64
	assert_eq "1" "$(ip6_forwarding)" "IPv6 forwarding after up"
	assert_eq "1" "$(nlines "$(masq6_rules)")" "ip6 MASQUERADE rules after up"
	assert_eq "4" "$(nlines "$(fwd6_rules)")" "ip6 CFSNET-FORWARD rules after up"
	ping6_ok v6c "$WORLD6_ADDR"
	cfs down v6c
	wait_link_gone cfs-v6c
	assert_eq "0" "$(ip6_forwarding)" "IPv6 forwarding after down"
	assert_not_contains "$(ip6tables-legacy-save)" "CFSNET" "ip6tables after down"
	assert_snapshot_equal "$before" "host after down"
}

test_ipv6_forwarding_value_kept_when_already_on() {
	echo 1 >/proc/sys/net/ipv6/conf/all/forwarding
	local before
	before=$(snapshot)
	cfs up v6c --ip 10.62.0.2/24 --ip6 fd00:62::2/64
	cfs down v6c
	wait_link_gone cfs-v6c
	assert_eq "1" "$(ip6_forwarding)" "IPv6 forwarding restored to its old value"
	assert_snapshot_equal "$before" "host after down"
}

test_ipv6_auto_network_and_second_member() {
	cfs up v6d --ip 10.63.0.2/24 --ip6 fd00:63::2/64
	local out
	out=$(cfs up v6e --ip 10.63.0.3/24)
	assert_contains "$out" "ipv6 fd00:63::3/64" "a second member gets the next IPv6 address"
	ping6_ok v6e fd00:63::2
	# A v4-only network's containers get no IPv6 address.
	cfs up v4only --ip 10.64.0.2/24
	assert_eq "" "$(addr6 v4only eth0)" "IPv6 addresses of a v4-only container"
	# Same up again: no-op; another --ip6: conflict.
	cfs up v6d --ip 10.63.0.2/24 --ip6 fd00:63::2/64
	assert_exit 1 cfs up v6d --ip 10.63.0.2/24 --ip6 fd00:63::7/64
	assert_cfsnet_error
}

test_ipv6_networks_isolated() {
	cfs net create red6 --subnet 10.65.0.0/24 --ipv6 fd00:65::/64
	cfs net create blue6 --subnet 10.66.0.0/24 --ipv6 fd00:66::/64
	cfs up r6 --net red6
	cfs up b6 --net blue6
	ping6_ok r6 fd00:65::1
	ping6_fails r6 fd00:66::2
	ping6_fails b6 fd00:65::2
	ping6_ok b6 "$WORLD6_ADDR"
}

test_ipv6_bad_input_changes_nothing() {
	cfs net create lab6 --subnet 10.61.0.0/24 --ipv6 fd00:61::/64
	cfs net create plain --subnet 10.67.0.0/24
	cfs up v6a --net lab6
	local before
	before=$(snapshot)
	assert_exit 1 cfs up v6x --net lab6 --ip6 fd00:99::5/64
	assert_stderr_matches '^cfsnet: up v6x: IPv6 address fd00:99::5/64 is outside network lab6 \(fd00:61::/64\)$'
	assert_exit 1 cfs up v6x --net lab6 --ip6 fd00:61::5/80
	assert_stderr_matches 'outside network lab6'
	assert_exit 1 cfs up v6x --net lab6 --ip6 fd00:61::2/64
	assert_stderr_matches 'taken by container v6a'
	assert_exit 1 cfs up v6x --net plain --ip6 fd00:67::2/64
	assert_stderr_matches 'network plain has no IPv6 prefix'
	local bad
	for bad in fd00:61::zz/64 fd00:61::5 fd00:61::5/129 fd00:61::5/7 10.0.0.2/24 fd00:61::/64 fd00:61::1/64; do
		assert_exit 1 cfs up v6x --net lab6 --ip6 "$bad"
		assert_stderr_matches '^cfsnet: up v6x: invalid IPv6 address'
	done
	assert_exit 1 cfs net create n6 --subnet 10.68.0.0/24 --ipv6 fd00:68::1/64
	assert_stderr_matches 'not a network address \(fd00:68::/64\?\)'
	assert_exit 1 cfs net create n6 --subnet 10.68.0.0/24 --ipv6 fd00:61:0:0:8000::/65
	assert_stderr_matches 'IPv6 prefix overlaps network lab6'
	assert_exit 2 cfs up v6x --ip6
	assert_snapshot_equal "$before" "host after bad IPv6 input"
	[[ ! -e /run/netns/v6x ]] || fail "/run/netns/v6x appeared"
}

test_ipv6_rollback_each_step() {
	local before step
	before=$(snapshot)
	for step in bridge ip-forward firewall netns veth config state; do
		assert_exit 1 cfs_fault "$step" up v6x --ip 10.69.0.2/24 --ip6 fd00:69::2/64
		assert_cfsnet_error
		wait_link_gone cfs-v6x
		assert_snapshot_equal "$before" "host after a fault after step '$step'"
	done
}

test_ipv6_no_bridge() {
	local before
	before=$(snapshot)
	cfs up v6solo --ip 192.168.50.2/24 --ip6 fd00:50::2/64 --no-bridge
	assert_contains "$(addr6 cfs-v6solo)" "fd00:50::1/64" "the IPv6 gateway on the host veth"
	assert_match "$(addr6 v6solo eth0)" "fd00:50::2/64" "IPv6 address inside"
	ping6_ok v6solo fd00:50::1
	ping6_ok v6solo "$WORLD6_ADDR"
	cfs down v6solo
	wait_link_gone cfs-v6solo
	assert_snapshot_equal "$before" "host after down"
}

test_ipv6_run_with_ip6() {
	rt_setup
	local before
	before=$(snapshot)
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" --ip 10.68.0.2/24 --ip6 fd00:68::2/64 -- \
		sh -c 'ip -6 addr show dev eth0; ping -6 -c 1 -W 2 2001:db8::1'
	assert_contains "$OUT" "fd00:68::2/64" "the container's IPv6 address"
	assert_contains "$OUT" "1 packets received" "ping6 out from the container"
	wait_link_gone "$(host_veth "$N")"
	rt_assert_gone "$N"
	assert_snapshot_equal "$before" "host after run"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --ip6 fd00:68::2/64 -- true
	assert_stderr_matches 'needs --ip'
}

test_ipv6_connect_to_a_dual_stack_network() {
	cfs net create red6 --subnet 10.65.0.0/24 --ipv6 fd00:65::/64
	cfs net create blue6 --subnet 10.66.0.0/24 --ipv6 fd00:66::/64
	cfs up v6a --net red6
	cfs up v6b --net blue6
	local out
	out=$(cfs connect v6a blue6)
	assert_contains "$out" "on eth1" "connect's line"
	assert_contains "$out" "ipv6 fd00:66::3/64" "connect's line: an IPv6 address of blue6"
	assert_match "$(addr6 v6a eth1)" "fd00:66::3/64" "IPv6 address of eth1"
	# Its default route stays with its first network.
	assert_match "$(ip -n v6a -6 route show default)" "^default via fd00:65::1 dev eth0" "IPv6 default route"
	assert_eq "fd00:66::3/64" "$(json_get "$(cfs show v6a --json)" attachments.0.address6)" "show attachments address6"
	ping6_ok v6a fd00:66::2
	cfs disconnect v6a blue6
	assert_eq "" "$(ip -n v6a -o link show dev eth1 2>/dev/null || true)" "eth1 after disconnect"
	# The address is free again.
	out=$(cfs connect v6a blue6)
	assert_contains "$out" "ipv6 fd00:66::3/64" "the same address again"
}
