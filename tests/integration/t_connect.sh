# t_connect.sh - containers on several networks, routers, static routes.

router_world() { # red 10.1.0.0/24, blue 10.2.0.0/24, a on red, b on blue, r on both
	cfs net create red --subnet 10.1.0.0/24
	cfs net create blue --subnet 10.2.0.0/24
	cfs up a --net red
	cfs up b --net blue
	cfs up r --net red --ip 10.1.0.254/24
	cfs connect r blue --ip 10.2.0.254/24
}

test_connect_adds_eth1_on_the_other_bridge() {
	router_world
	assert_contains "$(ip -n r -4 -o addr show dev eth1)" "10.2.0.254/24" "r's eth1"
	assert_link_up r eth1
	assert_eq "cfsbr1" "$(link_field cfs1-r master)" "master of r's second host veth"
	assert_eq "1" "$(ip -n r -4 route show default | wc -l)" "default routes in r"
	ping_ok r 10.2.0.2
	local js
	js=$(cfs show r --json)
	assert_eq "blue" "$(json_get "$js" 'attachments.0.network')" "show: attachment network"
	assert_eq "eth1" "$(json_get "$js" 'attachments.0.ifname')" "show: attachment ifname"
	assert_contains "$(cfs net ls --json)" '"members":["b","r"]' "blue's members"
}

test_router_routes_between_isolated_networks() {
	router_world
	ping_fails a 10.2.0.2
	cfs exec r -- sysctl -qw net.ipv4.ip_forward=1
	cfs route add a 10.2.0.0/24 via 10.1.0.254
	cfs route add b 10.1.0.0/24 via 10.2.0.254
	assert_contains "$(ip -n a -4 route show 10.2.0.0/24)" "via 10.1.0.254" "a's route"
	ping_ok a 10.2.0.2
	ping_ok b 10.1.0.2
	# The same route again changes nothing.
	local before
	before=$(snapshot)
	cfs route add a 10.2.0.0/24 via 10.1.0.254
	assert_snapshot_equal "$before" "host after the same route again"
	cfs route del a 10.2.0.0/24
	assert_eq "" "$(ip -n a -4 route show 10.2.0.0/24)" "a's route after del"
	ping_fails a 10.2.0.2
}

test_disconnect_and_down_leave_nothing() {
	local before
	before=$(snapshot)
	router_world
	cfs route add b 10.1.0.0/24 via 10.2.0.254
	cfs disconnect r blue
	wait_link_gone cfs1-r
	assert_eq "" "$(ip -n r -4 -o addr show dev eth1 2>/dev/null)" "r's eth1 after disconnect"
	assert_contains "$(cfs net ls --json)" '"members":["b"]' "blue's members after disconnect"
	cfs down a
	cfs down b
	cfs down r
	cfs net rm red
	cfs net rm blue
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after disconnect, down and net rm"
}

test_down_of_a_connected_container_releases_both_networks() {
	local before
	before=$(snapshot)
	cfs up r --ip 10.1.0.254/24
	cfs up other --ip 10.2.0.9/24
	cfs connect r 10.2.0.0-24
	cfs down other
	cfs down r
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after down of a container on two auto networks"
}

test_connect_route_bad_input_changes_nothing() {
	router_world
	local before
	before=$(snapshot)
	assert_exit 1 "$CFSNET" connect r blue
	assert_contains "$ERR" "already connected to network blue"
	assert_exit 1 "$CFSNET" connect r nope
	assert_contains "$ERR" "no such network nope"
	assert_exit 1 "$CFSNET" connect nobody blue
	assert_contains "$ERR" "no such container"
	assert_exit 1 "$CFSNET" connect a blue --ip 10.9.0.5/24
	assert_contains "$ERR" "outside network blue"
	assert_exit 1 "$CFSNET" connect a blue --ip 10.2.0.254/24
	assert_contains "$ERR" "taken by container r"
	assert_exit 2 "$CFSNET" connect a
	assert_exit 1 "$CFSNET" disconnect r red
	assert_contains "$ERR" "use cfsnet down r"
	assert_exit 1 "$CFSNET" disconnect a blue
	assert_contains "$ERR" "not connected to network blue"
	assert_exit 1 "$CFSNET" route add a 10.9.0.0/24 via 10.7.0.1
	assert_contains "$ERR" "gateway 10.7.0.1 is outside every subnet of a"
	assert_exit 1 "$CFSNET" route add a 10.9.0.1/24 via 10.1.0.254
	assert_contains "$ERR" "not a network address"
	assert_exit 1 "$CFSNET" route del a 10.9.0.0/24
	assert_contains "$ERR" "no route to 10.9.0.0/24"
	assert_exit 2 "$CFSNET" route add a 10.9.0.0/24
	assert_exit 2 "$CFSNET" route add a 10.9.0.0/24 through 10.1.0.254
	assert_exit 2 "$CFSNET" route bogus
	assert_snapshot_equal "$before" "host after bad connect/route input"
}
