# t_shape.sh - cfsnet up/connect --rate and cfsnet link set: a tbf on both
# ends of the container's veth, a transfer that stays under the limit, bad
# rates refused with nothing changed.

# shp_qdisc [NETNS] DEV: the root qdisc line of DEV.
shp_qdisc() {
	if (($# == 2)); then
		ip netns exec "$1" tc qdisc show dev "$2" root | head -n 1
	else
		tc qdisc show dev "$1" root | head -n 1
	fi
}

# shp_transfer BYTES NAME: sends BYTES from container NAME to a receiver
# on the host (10.0.0.1:5001, python3: busybox nc stops reading early);
# the receiver prints "BYTES SECONDS", timed from the connection to the
# last byte.
shp_transfer() {
	local out=$CFS_IT_TMP/recv.out pid
	rm -f "$out" "$out.ready"
	python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.1", 5001))
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(30)
c, _ = s.accept()
t = time.monotonic()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
open(sys.argv[1], "w").write("%d %.3f\n" % (n, time.monotonic() - t))' "$out" &
	pid=$!
	wait_until 3000 test -e "$out.ready" || fail "no receiver"
	cfs exec "$2" -- sh -c "head -c $1 /dev/zero | busybox nc 10.0.0.1 5001"
	wait "$pid" || fail "the receiver failed"
	cat "$out"
}

test_shape_up_rate_puts_tbf_on_both_ends() {
	cfs up shpa --rate 10mbit >/dev/null
	assert_contains "$(shp_qdisc cfs-shpa)" "tbf 1: root" "host end qdisc"
	assert_contains "$(shp_qdisc cfs-shpa)" "rate 10Mbit" "host end rate"
	assert_contains "$(shp_qdisc shpa eth0)" "tbf 1: root" "container end qdisc"
	assert_contains "$(shp_qdisc shpa eth0)" "rate 10Mbit" "container end rate"
	ping_ok shpa 10.0.0.1
}

test_shape_rate_holds_under_the_limit() {
	# 2 MB at 8 mbit (1 MB/s) take about 2 s; unshaped, a few ms. The
	# measured rate must stay under the limit (+10% for the bucket the
	# transfer starts with); a slow machine only makes it lower.
	cfs up shpa --rate 8mbit >/dev/null
	local r bytes secs rate
	r=$(shp_transfer 2000000 shpa)
	read -r bytes secs <<<"$r"
	assert_eq 2000000 "$bytes" "bytes received"
	rate=$(awk -v b="$bytes" -v t="$secs" 'BEGIN { printf "%.0f", b * 8 / t }')
	log "2 MB in $secs s: $rate bit/s at a limit of 8000000"
	awk -v r="$rate" 'BEGIN { exit !(r <= 8800000) }' ||
		fail "measured $rate bit/s, above the 8 mbit limit (+10%)"
	# The same without the limit is far faster: the tbf is what held it.
	cfs link set shpa --no-rate
	r=$(shp_transfer 2000000 shpa)
	read -r bytes secs <<<"$r"
	assert_eq 2000000 "$bytes" "bytes received unshaped"
	awk -v t="$secs" 'BEGIN { exit !(2000000 * 8 / t > 8800000) }' ||
		fail "unshaped transfer also under 8.8 mbit ($secs s): the test proves nothing"
}

test_shape_link_set_changes_and_removes() {
	cfs up shpa >/dev/null
	assert_not_contains "$(shp_qdisc cfs-shpa)" tbf "qdisc before"
	cfs link set shpa --rate 500kbit --burst 32k
	assert_contains "$(shp_qdisc cfs-shpa)" "rate 500Kbit" "host end after link set"
	assert_contains "$(shp_qdisc shpa eth0)" "rate 500Kbit" "container end after link set"
	cfs link set shpa --rate 1gbit
	assert_contains "$(shp_qdisc cfs-shpa)" "rate 1Gbit" "host end after a second link set"
	cfs link set shpa --no-rate
	assert_not_contains "$(shp_qdisc cfs-shpa)" tbf "host end after --no-rate"
	assert_not_contains "$(shp_qdisc shpa eth0)" tbf "container end after --no-rate"
	ping_ok shpa 10.0.0.1
}

test_shape_connect_rate_shapes_the_new_link() {
	cfs net create shpnet --subnet 10.7.0.0/24
	cfs up shpa >/dev/null
	cfs connect shpa shpnet --rate 2mbit >/dev/null
	assert_contains "$(shp_qdisc cfs1-shpa)" "rate 2Mbit" "host end of eth1"
	assert_contains "$(shp_qdisc shpa eth1)" "rate 2Mbit" "eth1"
	assert_not_contains "$(shp_qdisc shpa eth0)" tbf "eth0 untouched"
	cfs link set shpa --ifname eth1 --rate 3mbit
	assert_contains "$(shp_qdisc shpa eth1)" "rate 3Mbit" "eth1 after link set --ifname"
}

test_shape_bad_values_change_nothing() {
	local before bad
	before=$(snapshot)
	for bad in fast 10xbit -5mbit 0mbit 1.5.3mbit mbit 1e6bit ""; do
		assert_exit 1 cfs up shpb --rate "$bad"
		assert_cfsnet_error
	done
	assert_contains "$ERR" "invalid rate"
	assert_exit 1 cfs up shpb --rate 10mbit --burst 100
	assert_contains "$ERR" "invalid burst"
	assert_exit 1 cfs up shpb --burst 32k
	assert_contains "$ERR" "--burst needs --rate"
	assert_exit 1 cfs up shpb --delay 100ms
	assert_contains "$ERR" "netem"
	assert_exit 1 cfs up shpb --loss 1%
	assert_contains "$ERR" "netem"
	assert_snapshot_equal "$before" "host after refused rates"
	assert_exit 1 cfs link set shpnone --rate 1mbit
	assert_contains "$ERR" "no such container"
	assert_exit 2 cfs link set shpnone
	assert_exit 2 cfs link
}

test_shape_rollback_on_fault() {
	local before
	before=$(snapshot)
	assert_exit 1 cfs_fault shape up shpa --rate 10mbit
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after a failed up --rate"
}

test_shape_rate_holds_toward_the_container() {
	# The other direction: the host end's tbf shapes what the container
	# receives. 1 MB from the host to a receiver inside, at 4 mbit.
	cfs up shpa --rate 4mbit >/dev/null
	local out=$CFS_IT_TMP/recv-in.out pid bytes secs
	cfs exec shpa -- python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.0.0.2", 5002))
s.listen(1)
open(sys.argv[1] + ".ready", "w").close()
s.settimeout(30)
c, _ = s.accept()
t = time.monotonic()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    n += len(d)
open(sys.argv[1], "w").write("%d %.3f\n" % (n, time.monotonic() - t))' "$out" &
	pid=$!
	wait_until 3000 test -e "$out.ready" || fail "no receiver in shpa"
	head -c 1000000 /dev/zero | busybox nc 10.0.0.2 5002
	wait "$pid" || fail "the receiver failed"
	read -r bytes secs <"$out"
	assert_eq 1000000 "$bytes" "bytes received"
	log "1 MB into shpa in $secs s at a limit of 4 mbit"
	awk -v t="$secs" 'BEGIN { exit !(1000000 * 8 / t <= 4400000) }' ||
		fail "1 MB in $secs s: above the 4 mbit limit (+10%)"
}
