# t_lab.sh - batch labs: `cfsnet lab up|down|ping FILE`.

LABS=$(cd "$HERE/../../labs" && pwd)

# lab_file NAME TEXT: writes TEXT to a lab file in the test's scratch
# space and prints its path.
lab_file() {
	printf '%s\n' "$2" >"$CFS_IT_TMP/$1"
	printf '%s\n' "$CFS_IT_TMP/$1"
}

# A small lab of its own: two nodes on a network, a third behind a link.
SMALL_LAB='net lbnet 10.60.0.0/24
node lba lbnet
node lbb lbnet 10.60.0.20/24
node lbc lbnet forward
link lbb:eth1 lbc:eth1 10.61.0.1/30 10.61.0.2/30'

test_lab_star_of_50_builds_pings_and_goes() {
	local before out i
	set_ip_forward 0
	before=$(snapshot)
	out=$(cfs lab up "$LABS/star.lab")
	assert_eq "$LABS/star.lab: 50 nodes, 1 network, 0 links up" "$out" "lab up output"
	# Real cfsnet containers on a real cfsnet network.
	assert_eq 50 "$(cfs ls --json | json_len -)" "containers in ls"
	assert_eq 50 "$(ip netns list | grep -c '^h[0-9]')" "namespaces"
	for i in 1 2 25 50; do
		assert_container "h$i" "10.80.0.$((i + 1))/16"
		assert_bridged "h$i" cfsbr0
	done
	assert_eq 50 "$(ip -o link show master cfsbr0 | wc -l)" "ports of cfsbr0"
	# The bridge and its ports as `up` makes them (see t_up.sh).
	assert_eq 0 "$(cat /sys/class/net/cfsbr0/bridge/multicast_snooping)" "multicast snooping of the lab bridge"
	assert_eq 3 "$(cat /sys/class/net/cfsbr0/addr_assign_type)" "the lab bridge's own address (3: set)"
	assert_eq "1 1 1" "$(words "$(cat /proc/sys/net/ipv6/conf/cfs-h{1,25,50}/disable_ipv6)")" "disable_ipv6 of lab ports"
	assert_eq "" "$(ip -6 route show table all dev cfs-h1)" "IPv6 routes through a lab port"
	assert_contains "$(cfs net ls --json)" '"name":"star"' "net ls"
	assert_eq 1 "$(ip_forward)" "ip_forward with the lab up"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules (one per network)"
	assert_contains "$(masq_rules)" "-s 10.80.0.0/16" "the lab network's NAT rule"
	# Each node reaches its network's peers, the gateway and the outside.
	ping_ok h1 10.80.0.51
	ping_ok h50 10.80.0.2
	ping_ok h7 "$WORLD_ADDR"
	assert_exit 0 cfs lab ping "$LABS/star.lab"
	assert_contains "$OUT" "$LABS/star.lab: 50 nodes, 2450 pings, 2450 answered, 0% loss"
	assert_exit 0 cfs lab down "$LABS/star.lab"
	assert_eq "" "$OUT" "lab down output"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after lab down"
}

test_lab_line_links_routes_and_rates() {
	local before
	before=$(snapshot)
	cfs lab up "$LABS/line.lab"
	assert_eq "10.78.1.1/30" "$(addr4 h1 eth1)" "h1's link address"
	assert_eq "10.78.2.1/30" "$(addr4 h2 eth2)" "h2's second link"
	assert_link_up h3 eth2
	# The link is a veth pair from one node's namespace to the other's.
	assert_contains "$(ip -n h2 -o link show dev eth2)" "link-netns h3" "h2:eth2's peer"
	# rate 10mbit: a tbf on both ends of h2 -- h3, none elsewhere.
	assert_contains "$(tc -n h2 qdisc show dev eth2)" "tbf" "qdisc of h2:eth2"
	assert_contains "$(tc -n h2 qdisc show dev eth2)" "rate 10Mbit" "rate of h2:eth2"
	assert_contains "$(tc -n h3 qdisc show dev eth1)" "rate 10Mbit" "rate of h3:eth1"
	assert_not_contains "$(tc -n h1 qdisc show dev eth1)" "tbf" "qdisc of h1:eth1"
	assert_eq 1 "$(ip netns exec h3 cat /proc/sys/net/ipv4/ip_forward)" "forwarding in h3"
	assert_eq 0 "$(ip netns exec h1 cat /proc/sys/net/ipv4/ip_forward)" "forwarding in h1"
	assert_contains "$(ip -n h1 -4 route show 10.78.0.0/16)" "via 10.78.1.2 dev eth1" "h1's route"
	# Through three routers, end to end, and back.
	ping_ok h1 10.78.4.2
	ping_ok h5 10.78.1.1
	# show knows the routes.
	assert_eq "10.78.0.0/16" "$(cfs show h1 --json | json_get - routes.0.dest)" "show h1: route"
	assert_exit 0 cfs lab ping "$LABS/line.lab"
	assert_contains "$OUT" "0% loss"
	assert_match "$OUT" "5 nodes, ([0-9]+) pings, \\1 answered" "pingall summary"
	cfs lab down "$LABS/line.lab"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after lab down"
}

test_lab_ping_reports_loss_and_exits_1() {
	local f
	f=$(lab_file small.lab "$SMALL_LAB")
	cfs lab up "$f"
	assert_exit 0 cfs lab ping "$f"
	# lba <-> lbb, lba <-> lbc, lbb <-> lbc on the net, lbb <-> lbc on the link
	assert_contains "$OUT" "3 nodes, 8 pings, 8 answered, 0% loss"
	ip -n lbc link set eth1 down
	assert_exit 1 cfs lab ping "$f"
	assert_contains "$OUT" "lbb -> lbc 10.61.0.2: no answer"
	assert_contains "$OUT" "lbc -> lbb 10.61.0.1: no answer"
	assert_contains "$OUT" "3 nodes, 8 pings, 6 answered, 25% loss"
	cfs lab down "$f"
}

test_lab_nodes_are_containers_for_every_command() {
	local f before
	before=$(snapshot)
	f=$(lab_file small.lab "$SMALL_LAB")
	cfs lab up "$f"
	assert_eq "10.60.0.20/24" "$(cfs show lbb --json | json_get - address)" "show lbb"
	assert_eq "lbnet" "$(cfs show lbb --json | json_get - network)" "lbb's network"
	assert_eq "hello" "$(cfs exec lba -- sh -c 'echo hello')" "exec in a node"
	# One node taken down alone; the network stays (it is the lab's).
	cfs down lba
	assert_eq 2 "$(cfs ls --json | json_len -)" "containers after down lba"
	assert_contains "$(cfs net ls --json)" '"members":["lbb","lbc"]' "lbnet's members"
	# lab down removes what is left.
	cfs lab down "$f"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after down lba + lab down"
	# Nothing of it is left: a second lab down says so, and there is
	# nothing to ping.
	assert_exit 1 cfs lab down "$f"
	assert_stderr_matches "^cfsnet: lab down $(re_quote "$f"): none of the lab's nodes and networks exists$"
	assert_exit 1 cfs lab ping "$f"
	assert_stderr_matches "^cfsnet: lab ping $(re_quote "$f"): node lba is not up$"
}

test_lab_up_twice_is_refused() {
	local f before
	f=$(lab_file small.lab "$SMALL_LAB")
	cfs lab up "$f"
	before=$(snapshot)
	assert_exit 1 cfs lab up "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):1: net lbnet: network lbnet exists$"
	assert_snapshot_equal "$before" "host after a second lab up"
	cfs lab down "$f"
}

test_lab_down_refuses_a_network_with_a_foreign_member() {
	local f
	f=$(lab_file small.lab "$SMALL_LAB")
	cfs lab up "$f"
	cfs up lbguest --net lbnet
	assert_exit 1 cfs lab down "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):1: net lbnet: container lbguest is on it and is not a node of the lab$"
	# Nothing was removed.
	assert_eq 4 "$(cfs ls --json | json_len -)" "containers after the refused lab down"
	ping_ok lba 10.60.0.20
	cfs down lbguest
	cfs lab down "$f"
	assert_eq 0 "$(cfs ls --json | json_len -)" "containers after lab down"
}

test_lab_bad_files_are_rejected_with_their_line() {
	local before f
	before=$(snapshot)
	f=$(lab_file bad1.lab 'net n 10.62.0.0/24
node a n
# a comment

node b nn')
	assert_exit 1 cfs lab up "$f"
	assert_eq "cfsnet: lab $f:5: node b: no net nn (nets are defined before their nodes)" "$ERR" "error of a bad file"
	f=$(lab_file bad2.lab 'net n 10.62.0.0/24
node a n
node b n
link a:eth1 b:eth1 10.9.0.1/30 10.9.1.2/30')
	assert_exit 1 cfs lab up "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):4: link: 10.9.0.1/30 and 10.9.1.2/30 are not in the same subnet$"
	# The same for down and ping: the file is read first.
	assert_exit 1 cfs lab down "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):4: "
	assert_exit 1 cfs lab ping "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):4: "
	assert_exit 1 cfs lab up "$CFS_IT_TMP/missing.lab"
	assert_eq "cfsnet: lab $CFS_IT_TMP/missing.lab: No such file or directory" "$ERR" "missing file"
	assert_exit 1 cfs lab up "$CFS_IT_TMP"
	assert_stderr_matches "not a regular file"
	assert_snapshot_equal "$before" "host after bad lab files"
}

test_lab_usage_errors_exit_2() {
	local before
	before=$(snapshot)
	assert_exit 2 cfs lab
	assert_stderr_matches "^cfsnet: lab: missing up, down or ping$"
	assert_exit 2 cfs lab up
	assert_stderr_matches "^cfsnet: lab up: missing FILE$"
	assert_exit 2 cfs lab build x.lab
	assert_stderr_matches "^cfsnet: lab: unknown subcommand 'build'$"
	assert_exit 2 cfs lab up a.lab b.lab
	assert_stderr_matches "unexpected argument 'b.lab'"
	assert_exit 2 cfs lab up --all "$LABS/star.lab"
	assert_stderr_matches "^cfsnet: lab up: unknown option '--all'$"
	assert_exit 2 cfs lab ping --bogus "$LABS/star.lab"
	assert_stderr_matches "^cfsnet: lab ping: unknown option '--bogus'$"
	assert_snapshot_equal "$before" "host after usage errors"
}

test_lab_up_conflicts_change_nothing() {
	local f before
	f=$(lab_file small.lab "$SMALL_LAB")
	cfs up lbb --ip 10.63.0.2/24
	cfs net create other --subnet 10.60.0.0/16
	before=$(snapshot)
	assert_exit 1 cfs lab up "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):1: net lbnet: subnet overlaps network other \\(10.60.0.0/16\\)$"
	cfs net rm other
	before=$(snapshot)
	assert_exit 1 cfs lab up "$f"
	assert_stderr_matches "^cfsnet: lab $(re_quote "$f"):3: node lbb: container lbb exists$"
	assert_snapshot_equal "$before" "host after a refused lab up"
}

# A failure half-way (a namespace of a later node's name that is not
# cfsnet's) removes everything the lab had made.
test_lab_up_failure_half_way_rolls_back() {
	local f before
	set_ip_forward 0
	f=$(lab_file small.lab "$SMALL_LAB")
	ip netns add lbc
	before=$(snapshot)
	assert_exit 1 cfs lab up "$f"
	assert_stderr_matches "^cfsnet: lab up $(re_quote "$f"): node lbc: network namespace lbc already exists and is not cfsnet's$"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after a lab up that failed half-way"
	ip netns del lbc
}

test_lab_rollback_after_each_step() {
	local f before step
	set_ip_forward 0
	f=$(lab_file small.lab "$SMALL_LAB")
	before=$(snapshot)
	for step in bridge firewall veth config state; do
		run_capture cfs_fault "$step" lab up "$f"
		[[ $RC == 1 ]] || fail "CFSNET_FAULT=$step lab up exited $RC, expected 1"
		assert_stderr_matches "fault injected after step $step"
		wait_no_cfs_veths
		assert_snapshot_equal "$before" "host after a fault after step '$step'"
	done
}

test_lab_progress_only_on_a_terminal() {
	local f out
	f=$(lab_file small.lab "$SMALL_LAB")
	assert_exit 0 cfs lab up "$f"
	assert_eq "" "$ERR" "stderr of lab up in a pipe"
	cfs lab down "$f"
	# On a terminal: "lab up: done/total", erased at the end.
	out=$(script -qec "$CFSNET lab up $f" /dev/null)
	assert_contains "$out" "lab up: 3/3" "progress on a terminal"
	assert_contains "$out" "$f: 3 nodes, 1 network, 1 link up" "result on a terminal"
	cfs lab down "$f"
}
