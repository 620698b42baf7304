# t_vxlan.sh - multi-host networks: `net create NAME --subnet CIDR --vxlan ID
# --remote IP [--local IP]`: the VXLAN device (id, remote, local, port,
# learning, MTU, on the bridge), containers on two simulated hosts reaching
# each other, the split of the addresses and gateways, removal, bad input.
#
# Two hosts in one test world: network namespaces hostA (192.0.2.1/24) and
# hostB (192.0.2.2/24) joined by a veth (the underlay), each with a mount
# namespace of its own whose /run is a fresh tmpfs, so each host's cfsnet
# has its own state and named namespaces. A `sleep` holds each mount
# namespace; the test world's end takes it away.

# two_hosts [MTU]: makes hostA and hostB (underlay MTU, default 1500).
two_hosts() {
	local mtu=${1:-1500} h pid
	ip netns add hostA
	ip netns add hostB
	ip link add ulA mtu "$mtu" netns hostA type veth peer name ulB mtu "$mtu" netns hostB
	ip -n hostA link set lo up
	ip -n hostB link set lo up
	ip -n hostA addr add 192.0.2.1/24 dev ulA
	ip -n hostB addr add 192.0.2.2/24 dev ulB
	ip -n hostA link set ulA up
	ip -n hostB link set ulB up
	for h in hostA hostB; do
		unshare --mount --propagation private sh -c \
			'mount -t tmpfs -o mode=0755 tmpfs /run && touch /run/.ready && exec sleep 100000' &
		pid=$!
		wait_until 5000 test -e "/proc/$pid/root/run/.ready" || fail "mount namespace of $h not ready"
		eval "HOST_PID_$h=$pid"
	done
}

# on HOST CMD...: CMD in HOST's network and mount namespaces.
on() {
	local h=$1 pidvar
	shift
	pidvar="HOST_PID_$h"
	# -r -w: the root and working directory of the process holding the
	# mount namespace (ours: the tests may run in a chroot).
	nsenter --target="${!pidvar}" --mount --root --wd --net="/run/netns/$h" -- "$@"
}

# cfs_on HOST ARGS...: cfsnet ARGS on HOST, logged like cfs.
cfs_on() {
	local h=$1
	shift
	CFS_LAST_CMD="[$h] cfsnet $*"
	printf '+ %s\n' "$CFS_LAST_CMD" >&9
	_cfs_run on "$h" "$CFSNET" "$@"
}

# vx_ping_ok HOST CONTAINER ADDR: CONTAINER on HOST gets an answer from ADDR.
vx_ping_ok() {
	local i
	for i in 1 2 3; do
		if on "$1" "$CFSNET" exec "$2" -- ping -n -q -c1 -W1 "$3" >/dev/null 2>&1; then
			((i == 1)) || log "ping $3 from $2 on $1 needed $i tries"
			return 0
		fi
	done
	fail "no answer to ping $3 from $2 on $1"
}

test_vxlan_device_id_remote_local_port_mtu() {
	two_hosts
	cfs_on hostA net create ovl --subnet 10.70.0.0/24 --vxlan 4242 --remote 192.0.2.2
	local d
	d=$(on hostA ip -d -o link show dev cfsvx4242)
	assert_match "$d" "vxlan id 4242 remote 192\.0\.2\.2 local 192\.0\.2\.1 " "vxlan id/remote/local"
	assert_match "$d" "dstport 4789 " "vxlan port"
	assert_match "$d" " mtu 1450 " "vxlan MTU (underlay 1500 - 50)"
	assert_match "$d" " master cfsbr0 " "vxlan device on the bridge"
	assert_match "$d" "state (UP|UNKNOWN)" "vxlan device up"
	assert_match "$d" "bridge_slave .* learning on " "learning"
	assert_match "$(on hostA ip -o link show dev cfsbr0)" " mtu 1450 " "bridge MTU"
	cfs_on hostA up vxa1 --net ovl
	assert_eq "1450" "$(on hostA ip -n vxa1 -o link show dev eth0 | sed -E 's/.* mtu ([0-9]+) .*/\1/')" "container MTU"
	local js
	js=$(cfs_on hostA net ls --json)
	assert_eq "4242" "$(json_get "$js" 0.vxlan.id)" "net ls vxlan id"
	assert_eq "192.0.2.2" "$(json_get "$js" 0.vxlan.remote)" "net ls vxlan remote"
	assert_eq "192.0.2.1" "$(json_get "$js" 0.vxlan.local)" "net ls vxlan local (from the route)"
	assert_eq "1450" "$(json_get "$js" 0.mtu)" "net ls mtu"
}

test_vxlan_mtu_follows_the_underlay() {
	two_hosts 9000
	cfs_on hostA net create ovl --subnet 10.70.0.0/24 --vxlan 7 --remote 192.0.2.2
	assert_match "$(on hostA ip -o link show dev cfsvx7)" " mtu 8950 " "vxlan MTU over a 9000 underlay"
	assert_match "$(on hostA ip -o link show dev cfsbr0)" " mtu 8950 " "bridge MTU"
	cfs_on hostA net create ovl2 --subnet 10.71.0.0/24 --vxlan 8 --remote 192.0.2.2 --mtu 1400
	assert_match "$(on hostA ip -o link show dev cfsvx8)" " mtu 1400 " "vxlan --mtu"
}

test_vxlan_containers_on_two_hosts_reach_each_other() {
	two_hosts
	cfs_on hostA net create ovl --subnet 10.70.0.0/24 --vxlan 42 --remote 192.0.2.2
	cfs_on hostB net create ovl --subnet 10.70.0.0/24 --vxlan 42 --remote 192.0.2.1 --local 192.0.2.2
	local a1 a2 b1
	a1=$(cfs_on hostA up vxa1 --net ovl)
	a2=$(cfs_on hostA up vxa2 --net ovl)
	b1=$(cfs_on hostB up vxb1 --net ovl)
	# The lower host (192.0.2.1) has gateway .1 and .2-.127, the upper one
	# .254 and .128-.253: never the same address twice.
	assert_contains "$a1" "10.70.0.2/24 on eth0 via 10.70.0.1" "vxa1 on hostA"
	assert_contains "$a2" "10.70.0.3/24 on eth0 via 10.70.0.1" "vxa2 on hostA"
	assert_contains "$b1" "10.70.0.128/24 on eth0 via 10.70.0.254" "vxb1 on hostB"
	assert_contains "$(on hostB ip -4 -o addr show dev cfsbr0)" "10.70.0.254/24" "hostB's gateway"
	vx_ping_ok hostA vxa1 10.70.0.128
	vx_ping_ok hostB vxb1 10.70.0.2
	vx_ping_ok hostB vxb1 10.70.0.3
	vx_ping_ok hostA vxa2 10.70.0.128
	# Full-size frames fit: 1450 - 28 bytes of IPv4 + ICMP, don't fragment.
	on hostA "$CFSNET" exec vxa1 -- ping -n -q -c1 -W2 -M do -s 1422 10.70.0.128 >/dev/null ||
		fail "a full-size (1450) packet did not cross the VXLAN"
	# Each container still has its own host's gateway.
	vx_ping_ok hostB vxb1 10.70.0.254
	vx_ping_ok hostA vxa1 10.70.0.1
	# An address of the other host's share is refused.
	assert_exit 1 cfs_on hostB up vxb2 --net ovl --ip 10.70.0.5/24
	assert_stderr_matches "address 10\.70\.0\.5 is outside this host's share 10\.70\.0\.128-10\.70\.0\.253 of network ovl"
}

test_vxlan_net_rm_removes_the_device() {
	two_hosts
	local before
	# /run/netns becomes a mount point with the first namespace and stays.
	on hostA ip netns add warm
	on hostA ip netns del warm
	before=$(on hostA bash -c "source $(printf '%q' "$HERE/lib.sh"); snapshot")
	cfs_on hostA net create ovl --subnet 10.70.0.0/24 --vxlan 42 --remote 192.0.2.2
	cfs_on hostA up vxa1 --net ovl
	cfs_on hostA down vxa1
	cfs_on hostA net rm ovl
	on hostA ip link show dev cfsvx42 >/dev/null 2>&1 && fail "cfsvx42 still exists after net rm"
	wait_until 5000 bash -c "! nsenter --net=/run/netns/hostA ip -o link show | grep -q cfs-" ||
		fail "host veth still there"
	local after
	after=$(on hostA bash -c "source $(printf '%q' "$HERE/lib.sh"); snapshot")
	[[ $before == "$after" ]] || fail "hostA differs after net rm: $( (diff <(echo "$before") <(echo "$after") || true) | head -5 | tr '\n' ' ')"
}

test_vxlan_bad_input_changes_nothing() {
	cfs up keep --ip 10.0.0.2/24
	local before id
	before=$(snapshot)
	for id in 0 16777216 -1 abc 99999999999; do
		assert_exit 1 cfs net create ovl --subnet 10.70.0.0/24 --vxlan "$id" --remote 203.0.113.1
		assert_stderr_matches "^cfsnet: net create ovl: invalid VXLAN id '$(re_quote "$id")': must be 1\.\.16777215$"
	done
	assert_exit 2 cfs net create ovl --subnet 10.70.0.0/24 --vxlan 5
	assert_stderr_matches '^cfsnet: net create: missing --remote'
	assert_exit 2 cfs net create ovl --subnet 10.70.0.0/24 --remote 203.0.113.1
	assert_exit 1 cfs net create ovl --subnet 10.70.0.0/24 --vxlan 5 --remote 203.0.113.300
	assert_stderr_matches "invalid --remote '203\.0\.113\.300'"
	assert_exit 1 cfs net create ovl --subnet 10.70.0.0/24 --vxlan 5 --remote 203.0.113.1 --mtu 1480
	assert_stderr_matches 'MTU 1480 does not fit the underlay towards 203\.0\.113\.1 \(at most 1450\)'
	assert_exit 1 cfs net create ovl --subnet 10.70.0.0/30 --vxlan 5 --remote 203.0.113.1
	assert_stderr_matches 'subnet too small'
	assert_exit 1 cfs net create ovl --subnet 10.70.0.0/24 --vxlan 5 --remote 203.0.113.1 --internal
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after bad VXLAN input"
	# The same VNI twice is refused.
	cfs net create ovl --subnet 10.70.0.0/24 --vxlan 5 --remote 203.0.113.1
	assert_exit 1 cfs net create ovl2 --subnet 10.71.0.0/24 --vxlan 5 --remote 203.0.113.1
	assert_stderr_matches 'VXLAN id 5 is used by network ovl'
}

test_vxlan_rollback() {
	local before step
	before=$(snapshot)
	for step in bridge vxlan ip-forward firewall state; do
		assert_exit 1 cfs_fault "$step" net create ovl --subnet 10.70.0.0/24 --vxlan 5 --remote 203.0.113.1
		assert_cfsnet_error
		assert_snapshot_equal "$before" "host after a fault after step '$step'"
	done
}

test_vxlan_dual_stack_across_hosts() {
	two_hosts
	cfs_on hostA net create ovl --subnet 10.70.0.0/24 --ipv6 fd00:70::/64 --vxlan 42 --remote 192.0.2.2
	cfs_on hostB net create ovl --subnet 10.70.0.0/24 --ipv6 fd00:70::/64 --vxlan 42 --remote 192.0.2.1
	local a1 b1
	a1=$(cfs_on hostA up vxa1 --net ovl)
	b1=$(cfs_on hostB up vxb1 --net ovl)
	# IPv6 is split in halves: the lower host keeps fd00:70::/65 (gateway
	# ::1), the upper one fd00:70:0:0:8000::/65 (gateway its ::1).
	assert_contains "$a1" "ipv6 fd00:70::2/64 via fd00:70::1" "vxa1's IPv6"
	assert_contains "$b1" "ipv6 fd00:70::8000:0:0:2/64 via fd00:70::8000:0:0:1" "vxb1's IPv6"
	assert_contains "$(on hostB ip -o -6 addr show dev cfsbr0 scope global)" "fd00:70::8000:0:0:1/64" "hostB's IPv6 gateway"
	local i ok=0
	for i in 1 2 3; do
		if on hostA "$CFSNET" exec vxa1 -- ping -6 -n -q -c1 -W1 fd00:70::8000:0:0:2 >/dev/null 2>&1; then
			ok=1
			break
		fi
	done
	((ok)) || fail "no answer to ping6 from vxa1 (hostA) to vxb1 (hostB)"
	on hostB "$CFSNET" exec vxb1 -- ping -6 -n -q -c1 -W2 fd00:70::8000:0:0:1 >/dev/null ||
		fail "vxb1 does not reach its own IPv6 gateway"
	assert_exit 1 cfs_on hostB up vxb2 --net ovl --ip6 fd00:70::5/64
	assert_stderr_matches "outside this host's half fd00:70:0:0:8000::/65"
	assert_exit 1 cfs_on hostA net create small --subnet 10.71.0.0/24 --ipv6 fd00:71::/125 --vxlan 43 --remote 192.0.2.2
	assert_stderr_matches 'IPv6 prefix too small'
}
