# t_gc.sh - crash recovery: `cfsnet gc` removes what a killed command left
# and nothing else; `cfsnet check` reports drift and `--fix` (or the same
# `up` again) repairs it. Container names start with "gc" (cgroups are
# machine-wide).

# gc_kill_at STEP ARGS...: the fault build, SIGKILLed right after STEP.
gc_kill_at() {
	local step=$1 rc=0
	shift
	[[ -x ${CFSNET_FAULT_BIN:-} ]] || fail "CFSNET_FAULT_BIN is not an executable: run 'make fault'"
	log "CFSNET_FAULT_KILL=$step cfsnet(fault build) $*"
	{ CFSNET_FAULT_KILL=$step "$CFSNET_FAULT_BIN" "$@" >/dev/null 2>&1; } 2>/dev/null || rc=$?
	[[ $rc == 137 ]] || fail "CFSNET_FAULT_KILL=$step cfsnet $* exited $rc, expected to be killed (137)"
}

test_gc_after_up_killed_at_each_step_restores_the_host() {
	local before step
	set_ip_forward 0
	before=$(snapshot)
	for step in bridge ip-forward firewall netns veth config; do
		gc_kill_at "$step" up gcx --ip 10.0.0.2/24
		assert_exit 0 cfs gc
		[[ -n $OUT ]] || fail "gc after a kill at step $step removed nothing"
		wait_link_gone cfs-gcx
		assert_snapshot_equal "$before" "host after up killed at $step + gc"
		assert_exit 0 cfs gc
		assert_eq "" "$OUT" "a second gc after a kill at $step"
	done
}

# What gc could change, without the carrier flags of links that are still
# settling after a kill.
gc_view() { snapshot | sed -E 's/NO-CARRIER,//; s/,LOWER_UP//; s/ linkdown//'; }

test_gc_dry_run_lists_and_changes_nothing() {
	local before after
	before=$(snapshot)
	gc_kill_at veth up gcx --ip 10.0.0.2/24
	after=$(gc_view)
	assert_exit 0 cfs gc --dry-run
	assert_contains "$OUT" "would remove: network namespace gcx (made by an up that did not finish)"
	assert_contains "$OUT" "would remove: link cfs-gcx"
	assert_contains "$OUT" "would remove: bridge cfsbr0"
	assert_contains "$OUT" "would remove: cfsnet's firewall chains"
	[[ $after == "$(gc_view)" ]] || fail "gc --dry-run changed the host: $(diff <(echo "$after") <(gc_view) | head -5)"
	assert_exit 0 cfs gc
	assert_contains "$OUT" "removed: network namespace gcx"
	wait_link_gone cfs-gcx
	assert_snapshot_equal "$before" "host after gc"
}

test_gc_removes_state_whose_namespace_is_gone() {
	local before
	set_ip_forward 0
	before=$(snapshot)
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	cfs up gcy --ip 10.0.0.3/24 >/dev/null
	ip netns del gcx
	assert_exit 0 cfs gc
	assert_contains "$OUT" "removed: state of container gcx (its network namespace is gone)"
	assert_contains "$OUT" "removed: address lease of gcx on network default"
	[[ ! -e /run/cfsnet/containers/gcx ]] || fail "the state of gcx is still there"
	# gcy and its network are untouched. (The bridge takes the lowest MAC
	# of its ports: a port going may change it, and gcy's ARP entry for
	# the gateway is then stale for a few seconds.)
	assert_container gcy 10.0.0.3/24
	ip -n gcy neigh flush all
	ping_ok gcy "$WORLD_ADDR"
	assert_exit 1 cfs show gcx
	cfs down gcy
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after gc and the last down"
}

test_gc_after_down_killed_finishes_the_job() {
	local before step
	set_ip_forward 0
	before=$(snapshot)
	for step in down-netns down-leave net-remove-bridge net-remove-state; do
		cfs up gcx --ip 10.0.0.2/24 >/dev/null
		gc_kill_at "$step" down gcx
		assert_exit 0 cfs gc
		wait_no_cfs_veths
		assert_snapshot_equal "$before" "host after down killed at $step + gc"
	done
}

test_gc_removes_leases_and_rules_without_containers() {
	local before f
	before=$(snapshot)
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	# A lease of a container that does not exist, and a rule in cfsnet's
	# chain for a network that does not exist.
	f=/run/cfsnet/networks/default
	printf 'lease=10.0.0.9 ghost\n' >>"$f"
	iptables-legacy -A CFSNET-FORWARD -i cfsbr9 -m comment --comment cfsnet:gone -j ACCEPT
	assert_exit 0 cfs gc
	assert_contains "$OUT" "removed: address lease of ghost on network default (no such container)"
	assert_contains "$OUT" "removed: firewall rules of networks that do not exist"
	assert_not_contains "$(cat "$f")" "ghost" "network state after gc"
	assert_not_contains "$(iptables-legacy -S CFSNET-FORWARD)" "cfsbr9" "CFSNET-FORWARD after gc"
	ping_ok gcx "$WORLD_ADDR"
	# The address of the ghost is free again.
	cfs up gcy >/dev/null
	cfs down gcy
	cfs down gcx
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after gc and down"
}

test_gc_touches_nothing_that_is_not_cfsnets() {
	local before
	# Look-alikes: a namespace, a cfs-named link and a cfsbr bridge without
	# cfsnet's alias, foreign rules (one even with a cfsnet-like comment),
	# a FORWARD policy of DROP.
	ip netns add gcforeign
	ip link add cfs-gcfake type veth peer name gcfakep
	ip link add cfsbr7 type bridge
	iptables-legacy -P FORWARD DROP
	iptables-legacy -A FORWARD -i uplink -m comment --comment cfsnet:mine -j ACCEPT
	iptables-legacy -t nat -A POSTROUTING -o uplink -j MASQUERADE
	iptables-legacy -t mangle -A PREROUTING -j MARK --set-mark 7
	mkdir -p /run/cfsnet
	before=$(snapshot)
	assert_exit 0 cfs gc --dry-run
	assert_eq "" "$OUT" "gc --dry-run on a host with only foreign objects"
	assert_exit 0 cfs gc
	assert_eq "" "$OUT" "gc on a host with only foreign objects"
	assert_snapshot_equal "$before" "host after gc"
	# The same with cfsnet's own objects around.
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	before=$(snapshot)
	assert_exit 0 cfs gc
	assert_eq "" "$OUT" "gc with a healthy container"
	assert_snapshot_equal "$before" "host with a container after gc"
	ping_ok gcx "$WORLD_ADDR"
}

test_gc_removes_a_killed_run() {
	local root=$CFS_IT_TMP/root before pid
	cfs rootfs "$root" >/dev/null
	before=$(snapshot)
	"$CFSNET" run gcrun --rootfs "$root" --ip 10.0.0.7/24 -- sleep 60 >/dev/null 2>&1 &
	pid=$!
	wait_until 10000 test -e /run/netns/gcrun || fail "the run never made its namespace"
	wait_until 10000 grep -q '^pid=[1-9]' /run/cfsnet/run/gcrun || fail "the run never recorded its process"
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	# Its PID 1 dies with it (parent-death signal).
	wait_until 5000 _gc_no_procs gcrun || fail "the processes of the killed run are still there"
	assert_exit 0 cfs gc
	assert_contains "$OUT" "removed: run record of gcrun (process gone)"
	[[ -z $(find /sys/fs/cgroup -maxdepth 4 -type d -path '*/cfsnet/gcrun' 2>/dev/null) ]] ||
		fail "the cgroup of gcrun is still there"
	[[ ! -e /run/cfsnet/run/gcrun ]] || fail "the run record of gcrun is still there"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after the killed run + gc"
}

_gc_no_procs() {
	local f
	for f in /sys/fs/cgroup/*/cfsnet/"$1"/cgroup.procs /sys/fs/cgroup/cfsnet/"$1"/cgroup.procs; do
		[[ -e $f && -n $(<"$f") ]] && return 1
	done
	return 0
}

# ---- check ------------------------------------------------------------------------

test_check_reports_no_drift_on_a_healthy_container() {
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	assert_exit 0 cfs check gcx
	assert_eq "gcx: the kernel matches the state" "$OUT"
	assert_exit 1 cfs check gcnone
	assert_stderr_matches '^cfsnet: check gcnone: no such container$'
	assert_exit 2 cfs check
	assert_exit 2 cfs check gcx --bogus
}

test_check_fixes_routes_addresses_links_and_rules() {
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	ip -n gcx route del default
	ip -n gcx addr flush dev eth0
	ip link set cfs-gcx down
	iptables-legacy -t nat -F
	set_ip_forward 0
	ping_fails gcx "$WORLD_ADDR"
	assert_exit 1 cfs check gcx
	assert_contains "$OUT" "gcx: address 10.0.0.2/24 is missing on eth0"
	assert_contains "$OUT" "gcx: default route via 10.0.0.1 is missing in gcx"
	assert_contains "$OUT" "gcx: host veth cfs-gcx is down"
	assert_contains "$OUT" "gcx: firewall rules differ from the state"
	assert_contains "$OUT" "gcx: ip_forward is 0"
	assert_stderr_matches "^cfsnet: check gcx: 5 difference\(s\) between the state and the kernel"
	assert_exit 0 cfs check gcx --fix
	assert_contains "$OUT" "gcx: default route via 10.0.0.1 is missing in gcx: fixed"
	assert_container gcx 10.0.0.2/24
	assert_link_up cfs-gcx
	assert_eq 1 "$(ip_forward)" "ip_forward after --fix"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after --fix"
	ping_ok gcx "$WORLD_ADDR"
	assert_exit 0 cfs check gcx
}

test_check_fix_rebuilds_a_deleted_bridge_and_namespace() {
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	cfs up gcy --ip 10.0.0.3/24 >/dev/null
	ip link del cfsbr0
	ip netns del gcy
	wait_link_gone cfs-gcy
	assert_exit 1 cfs check gcx
	assert_contains "$OUT" "bridge cfsbr0 of network default is missing"
	assert_exit 0 cfs check gcx --fix
	assert_bridged gcx cfsbr0
	ping_ok gcx "$WORLD_ADDR"
	assert_exit 1 cfs check gcy
	assert_contains "$OUT" "network namespace gcy is missing"
	assert_exit 0 cfs check gcy --fix
	assert_container gcy 10.0.0.3/24
	assert_bridged gcy cfsbr0
	ping_ok gcy 10.0.0.2
	ping_ok gcy "$WORLD_ADDR"
}

test_up_again_repairs_a_flushed_nat_table() {
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	iptables-legacy -t nat -F
	iptables-legacy -t nat -X
	ping_fails gcx "$WORLD_ADDR"
	assert_exit 0 cfs up gcx --ip 10.0.0.2/24
	assert_contains "$OUT" "gcx: already up: 10.0.0.2/24"
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after the second up"
	ping_ok gcx "$WORLD_ADDR"
	# A route removed inside: the same.
	ip -n gcx route del default
	cfs up gcx >/dev/null
	assert_container gcx 10.0.0.2/24
}

test_gc_leaves_recordless_cgroups_unless_asked() {
	local d o x parent_made=0 h id
	# A group of cfsnet's in this world (NAME@ID: this test world's id)
	# that no run record names, an hour old; beside it the same of another
	# world and of the host, which this world cannot judge.
	id=$(cat /run/.cfsnet-sandbox/id)
	# One hierarchy cfsnet uses: pids on v1, the unified tree on v2.
	h=/sys/fs/cgroup/pids
	[[ -e /sys/fs/cgroup/cgroup.controllers ]] && h=/sys/fs/cgroup
	[[ -d $h/cfsnet ]] || { mkdir "$h/cfsnet"; parent_made=1; }
	d=$h/cfsnet/gcorphan@$id
	o=$h/cfsnet/gcorphan@sbxnotthisworld
	x=$h/cfsnet/gchost$RANDOM
	# Machine-wide: removed even when the test fails half-way.
	trap "for g in '$d' '$o' '$x'; do [[ ! -d \$g ]] || rmdir \$g || true; done" EXIT
	mkdir "$d" "$o" "$x"
	touch -d '-1 hour' "$d" "$o" "$x"
	assert_exit 0 cfs gc
	assert_not_contains "$OUT" "gcorphan" "gc without --all-cgroups"
	[[ -d $d ]] || fail "gc removed $d without --all-cgroups"
	assert_exit 0 cfs gc --dry-run --all-cgroups
	assert_contains "$OUT" "would remove: cgroup cfsnet/gcorphan@$id (empty, no such container)"
	assert_not_contains "$OUT" "sbxnotthisworld" "another world's group"
	assert_not_contains "$OUT" "gchost" "the host's group"
	[[ -d $d ]] || fail "gc --dry-run removed $d"
	assert_exit 0 cfs gc --all-cgroups
	[[ ! -d $d ]] || fail "gc --all-cgroups left $d"
	[[ -d $o && -d $x ]] || fail "gc --all-cgroups removed another world's group"
	rmdir "$o" "$x"
	((parent_made == 0)) || rmdir "$h/cfsnet" 2>/dev/null || true
}

test_gc_removes_temporary_files_of_dead_writers_only() {
	local dead live
	cfs up gcx --ip 10.0.0.2/24 >/dev/null
	sleep 60 &
	live=$!
	sh -c 'exit 0' &
	dead=$!
	wait "$dead"
	echo partial >"/run/cfsnet/containers/gcx.tmp.$dead"
	echo partial >"/run/cfsnet/networks/default.tmp.$live"
	assert_exit 0 cfs gc
	assert_contains "$OUT" "removed: temporary file /run/cfsnet/containers/gcx.tmp.$dead"
	[[ ! -e /run/cfsnet/containers/gcx.tmp.$dead ]] || fail "the dead writer's file is still there"
	[[ -e /run/cfsnet/networks/default.tmp.$live ]] || fail "gc removed the file of a writer that is alive"
	kill "$live"
	wait "$live" 2>/dev/null || true
	rm -f "/run/cfsnet/networks/default.tmp.$live"
	assert_exit 0 cfs check gcx
}

test_check_fixes_the_interfaces_of_connect_and_static_routes() {
	cfs net create gcred --subnet 10.1.0.0/24 >/dev/null
	cfs net create gcblue --subnet 10.2.0.0/24 >/dev/null
	cfs up gcx --net gcred >/dev/null
	cfs connect gcx gcblue --ip 10.2.0.5/24 >/dev/null
	cfs route add gcx 10.9.0.0/24 via 10.2.0.254
	assert_exit 0 cfs check gcx
	# The static route alone.
	ip -n gcx route del 10.9.0.0/24
	assert_exit 1 cfs check gcx
	assert_eq "gcx: route 10.9.0.0/24 via 10.2.0.254 is missing in gcx" "$OUT"
	assert_exit 0 cfs check gcx --fix
	assert_match "$(ip -n gcx route show 10.9.0.0/24)" "^10\.9\.0\.0/24 via 10\.2\.0\.254 dev eth1" "route after --fix"
	# The interface (and with it the route over it).
	ip -n gcx link del eth1
	assert_exit 1 cfs check gcx
	assert_contains "$OUT" "gcx: veth cfs1-gcx - eth1 is missing"
	assert_exit 0 cfs check gcx --fix
	assert_match "$(ip -n gcx route show 10.9.0.0/24)" "^10\.9\.0\.0/24 via 10\.2\.0\.254 dev eth1" "route after eth1 came back"
	assert_eq 10.2.0.5/24 "$(addr4 gcx eth1)" "address of eth1 after --fix"
	assert_eq gcblue-br "$(link_field cfs1-gcx master | sed 's/^cfsbr.*/gcblue-br/')" "master of cfs1-gcx"
	# Over eth1 itself (the host would answer through the default route too).
	ip netns exec gcx ping -n -q -c1 -W2 -I eth1 10.2.0.1 >/dev/null || fail "no answer to ping 10.2.0.1 over eth1"
	# The further network's address gone, its host end down: the same.
	ip -n gcx addr flush dev eth1
	ip link set cfs1-gcx down
	assert_exit 1 cfs check gcx
	assert_contains "$OUT" "gcx: address 10.2.0.5/24 is missing on eth1"
	assert_contains "$OUT" "gcx: host veth cfs1-gcx is down"
	assert_exit 0 cfs check gcx --fix
	ping_ok gcx 10.2.0.1
	assert_exit 0 cfs check gcx
}
