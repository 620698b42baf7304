# t_publish.sh - cfsnet up/run --publish: the port answers from the host,
# from the outside world and by hairpin from a neighbour; bad or taken
# ports change nothing; the rules go with the container.

# pub_serve NAME TEXT: busybox httpd on port 80 inside NAME, serving TEXT.
pub_serve() {
	local dir=$CFS_IT_TMP/www-$1
	mkdir -p "$dir"
	printf '%s\n' "$2" >"$dir/index.html"
	cfs exec "$1" -- busybox httpd -p 80 -h "$dir"
	wait_until 2000 cfs exec "$1" -- sh -c 'busybox netstat -ltn | grep -q ":80 "' ||
		fail "httpd in $1 does not listen"
}

# pub_get [CMD...] ADDR PORT: the body's last line of GET / through nc.
pub_get() {
	local n=$#
	local addr=${*:n-1:1} port=${*:n:1}
	printf 'GET / HTTP/1.0\r\n\r\n' | "${@:1:n-2}" busybox nc -w 3 "$addr" "$port" 2>/dev/null | tail -n 1 || true
}

# pub_expect TEXT WHAT [CMD...] ADDR PORT: pub_get answers TEXT, within a
# few tries: the machine's ARP table is shared by every namespace, and
# other labs running at the same time can fill it for a moment.
pub_expect() {
	local want=$1 what=$2 got i
	shift 2
	for i in 1 2 3 4 5; do
		got=$(pub_get "$@")
		[[ $got == "$want" ]] && return 0
		sleep 0.5
	done
	assert_eq "$want" "$got" "$what"
}

pub_rules() { iptables-legacy-save 2>/dev/null | grep -E -- "--comment \"cfsnet:(pub|c[0-9a-f]{8})" || true; }

test_publish_port_answers_from_host_world_and_neighbour() {
	cfs up pubweb --publish 8080:80 >/dev/null
	cfs up pubnb >/dev/null
	pub_serve pubweb hello-pubweb
	pub_expect hello-pubweb "host -> its uplink address:8080" 203.0.113.2 8080
	pub_expect hello-pubweb "host -> the gateway address:8080" 10.0.0.1 8080
	pub_expect hello-pubweb "outside world -> host:8080" ip netns exec world 203.0.113.2 8080
	pub_expect hello-pubweb "neighbour -> host:8080 (hairpin)" "$CFSNET" exec pubnb -- 203.0.113.2 8080
	pub_expect hello-pubweb "neighbour -> gateway:8080 (hairpin)" "$CFSNET" exec pubnb -- 10.0.0.1 8080
	# The container itself, through the host (its bridge port in hairpin
	# mode: bridge netfilter turns this DNAT into a bridged frame).
	assert_contains "$(bridge -d link show dev cfs-pubweb)" "hairpin on" "cfs-pubweb's bridge port"
	pub_expect hello-pubweb "pubweb -> gateway:8080 (itself)" "$CFSNET" exec pubweb -- 10.0.0.1 8080
	# Not published: another host port does not answer.
	assert_eq "" "$(pub_get ip netns exec world 203.0.113.2 8081)" "outside world -> host:8081"
	assert_contains "$(iptables-legacy -t nat -S CFSNET-PREROUTING)" \
		'--dport 8080 -m comment --comment "cfsnet:pubweb" -j DNAT --to-destination 10.0.0.2:80' "CFSNET-PREROUTING"
	assert_contains "$(iptables-legacy -t nat -S OUTPUT)" '-A OUTPUT -j CFSNET-OUTPUT' "OUTPUT"
}

test_publish_reaches_from_another_network() {
	cfs up pubweb --publish 8080:80 >/dev/null
	cfs net create puboth --subnet 10.9.0.0/24
	cfs up pubfar --net puboth >/dev/null
	pub_serve pubweb hello-pubweb
	pub_expect hello-pubweb "other network -> host:8080" "$CFSNET" exec pubfar -- 203.0.113.2 8080
	# Isolation stays: directly, the other network cannot reach it.
	assert_eq "" "$(pub_get "$CFSNET" exec pubfar -- 10.0.0.2 80)" "other network -> container directly"
}

test_publish_udp() {
	local out=$CFS_IT_TMP/udp.out
	cfs up pubudp --publish 5353:53/udp >/dev/null
	# busybox nc has no UDP: python3 on both ends.
	cfs exec pubudp -- python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(10)
data, _ = s.recvfrom(100)
open(sys.argv[1], "wb").write(data)' "$out" &
	local pid=$!
	wait_until 3000 test -e "$out.ready" || fail "no udp listener"
	# Sent a few times, a datagram has no retransmission: the machine's
	# shared ARP table may be full for a moment (other labs running).
	ip netns exec world python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(25):
    s.sendto(b"ping-udp", ("203.0.113.2", 5353))
    time.sleep(0.2)
    if os.path.exists(sys.argv[1]) and os.path.getsize(sys.argv[1]):
        break' "$out"
	wait "$pid" || true
	assert_eq ping-udp "$(cat "$out" 2>/dev/null)" "datagram from the outside world via host:5353/udp"
	assert_contains "$(iptables-legacy -t nat -S CFSNET-PREROUTING)" '-p udp -m addrtype --dst-type LOCAL -m udp --dport 5353' "udp rule"
}

test_publish_rules_go_with_down() {
	local before
	cfs up pubstay >/dev/null
	before=$(iptables-legacy-save | grep -v '^[#:]')
	cfs up pubweb --publish 8080:80 --publish 8443:443 >/dev/null
	assert_eq 4 "$(count_matching 'cfsnet:pubweb.*DNAT' "$(pub_rules)")" "DNAT rules (2 ports x PREROUTING, OUTPUT)"
	assert_eq 4 "$(count_matching 'cfsnet:pubweb.*ACCEPT' "$(pub_rules)")" "FORWARD accepts"
	assert_eq 2 "$(count_matching 'cfsnet:pubweb.*MASQUERADE' "$(pub_rules)")" "hairpin MASQUERADE"
	assert_contains "$(cat /run/cfsnet/containers/pubweb)" "publish=tcp 8080 80" "state file"
	assert_contains "$(cfs show pubweb)" "published:  host port 8443/tcp -> 443" "show"
	assert_eq 8443 "$(json_get "$(cfs show pubweb --json)" published.1.host_port)" "show --json published[1].host_port"
	cfs down pubweb
	assert_eq "" "$(pub_rules)" "rules of pubweb after down"
	assert_eq "$before" "$(iptables-legacy-save | grep -v '^[#:]')" "rules after down (pubstay remains)"
	assert_not_contains "$(iptables-legacy-save)" CFSNET-PREROUTING "nat table"
	assert_eq "" "$(pub_get ip netns exec world 203.0.113.2 8080)" "outside world -> host:8080 after down"
	cfs down pubstay
}

test_publish_last_member_down_leaves_no_chain() {
	local before
	before=$(snapshot)
	cfs up pubweb --publish 8080:80 >/dev/null
	cfs down pubweb
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after down of the only publisher"
}

test_publish_bad_ports_change_nothing() {
	local before
	before=$(snapshot)
	local bad
	for bad in 0:80 70000:80 8080:0 8080:70000 8080 :80 8080:80/sctp abc:80 8080:80/ -1:80; do
		assert_exit 1 cfs up pubbad --publish "$bad"
		assert_cfsnet_error
		assert_contains "$ERR" "invalid port mapping" "message for '$bad'"
	done
	assert_snapshot_equal "$before" "host after refused ports"
	assert_exit 2 cfs up pubbad --publish
}

test_publish_taken_port_is_refused() {
	cfs up pubweb --publish 8080:80 >/dev/null
	local before
	before=$(iptables-legacy-save | grep -v '^[#:]')
	assert_exit 1 cfs up pubtwo --publish 8080:81
	assert_contains "$ERR" "host port 8080/tcp is already published by container pubweb"
	[[ ! -e /run/netns/pubtwo ]] || fail "pubtwo's netns was made"
	# Another protocol is another port.
	cfs up pubtwo --publish 8080:81/udp >/dev/null
	cfs down pubtwo
	# A socket of the host holds the port.
	busybox nc -l -p 9090 >/dev/null 2>&1 &
	local pid=$!
	wait_until 2000 sh -c 'busybox netstat -ltn | grep -q ":9090 "' || fail "no listener on 9090"
	assert_exit 1 cfs up pubthree --publish 9090:80
	kill "$pid"; wait "$pid" 2>/dev/null || true
	assert_contains "$ERR" "host port 9090/tcp is in use on this host"
	assert_exit 1 cfs up pubthree --publish 7070:80 --publish 7070:81
	assert_contains "$ERR" "published twice"
	[[ ! -e /run/netns/pubthree ]] || fail "pubthree's netns was made"
	assert_eq "$before" "$(iptables-legacy-save | grep -v '^[#:]')" "rules after refused ups"
}

test_publish_on_internal_network_is_refused() {
	cfs net create pubint --subnet 10.8.0.0/24 --internal
	assert_exit 1 cfs up pubin --net pubint --publish 8080:80
	assert_contains "$ERR" "internal"
	[[ ! -e /run/netns/pubin ]] || fail "pubin's netns was made"
}

test_publish_rollback_on_fault() {
	local before
	cfs up pubstay >/dev/null
	before=$(iptables-legacy-save | grep -v '^[#:]')
	assert_exit 1 cfs_fault publish up pubweb --publish 8080:80
	assert_eq "$before" "$(iptables-legacy-save | grep -v '^[#:]')" "rules after a failed up"
	[[ ! -e /run/cfsnet/containers/pubweb ]] || fail "state of pubweb left"
}

test_publish_same_up_twice_is_one_and_other_ports_conflict() {
	cfs up pubweb --publish 8080:80 >/dev/null
	assert_exit 0 cfs up pubweb --publish 8080:80
	assert_contains "$OUT" "already up"
	assert_exit 1 cfs up pubweb --publish 8081:80
	assert_contains "$ERR" "another configuration"
}

test_publish_run_goes_through_up_and_stop_removes_it() {
	rt_setup
	mkdir -p "$ROOT/www"
	echo hello-run >"$ROOT/www/index.html"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --publish 8080:80 -- true
	assert_contains "$ERR" "--publish needs --ip"
	rt_run --detach --ip 10.0.0.9/24 --publish 8080:80 -- busybox httpd -f -p 80 -h /www
	wait_until 3000 cfs exec "$N" -- sh -c 'netstat -ltn | grep -q ":80 "' || fail "httpd in $N does not listen"
	pub_expect hello-run "outside world -> host:8080 -> run container" ip netns exec world 203.0.113.2 8080
	assert_contains "$(cat /run/cfsnet/containers/"$N")" "publish=tcp 8080 80" "state"
	cfs stop "$N" >/dev/null
	assert_eq "" "$(pub_rules)" "rules after stop"
	assert_not_contains "$(iptables-legacy-save)" "cfsnet:$N" "rules after stop"
}

test_publish_rollback_of_a_first_container() {
	# The first container of a new network: its ports go into the
	# network's first commit; every later failure takes them out again.
	local before step
	before=$(snapshot)
	for step in firewall veth config state dns publish; do
		assert_exit 1 cfs_fault "$step" up pubweb --publish 8080:80
		wait_no_cfs_veths
		assert_snapshot_equal "$before" "host after a fault at step $step"
	done
	cfs up pubweb --publish 8080:80 >/dev/null
	assert_contains "$(iptables-legacy -t nat -S CFSNET-PREROUTING)" "--dport 8080" "after a good up"
}
