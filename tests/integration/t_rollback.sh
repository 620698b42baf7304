# t_rollback.sh - a fault injected right after each step of `up` (the
# fault build: CFSNET_FAULT=<step>) leaves the host exactly as before.

FAULT_STEPS="bridge firewall ip-forward netns veth config state"

# rollback_each_step CIDR: for every step, a failing up of x leaves the host
# as in the snapshot taken before it.
rollback_each_step() {
	local cidr=$1 before step silent=""
	before=$(snapshot)
	for step in $FAULT_STEPS; do
		run_capture cfs_fault "$step" up x --ip "$cidr"
		if [[ $RC == 0 ]]; then
			# The fault must fire after the step even when the step had
			# nothing to do (bridge or ip_forward already there): that is
			# when a careless undo removes what others still use. Go on
			# with the other steps, and report this at the end.
			silent+=" $step"
			cfs down x
		else
			[[ $RC == 1 ]] || fail "CFSNET_FAULT=$step up x exited $RC, expected 1"
			assert_cfsnet_error
		fi
		wait_link_gone cfs-x
		assert_snapshot_equal "$before" "host after a fault after step '$step'"
		[[ ! -e /run/netns/x ]] || fail "/run/netns/x left behind after a fault after step '$step'"
	done
	[[ -z $silent ]] || fail "up x --ip $cidr succeeded (exit 0) with CFSNET_FAULT set to:$silent (the fault did not fire; rollback after those steps untested)"
}

test_rollback_on_empty_host() {
	set_ip_forward 0
	rollback_each_step 10.0.0.2/24
}

test_rollback_on_empty_host_ip_forward_already_on() {
	set_ip_forward 1
	rollback_each_step 10.0.0.2/24
}

test_rollback_with_member_on_same_network() {
	set_ip_forward 0
	cfs up keep --ip 10.0.0.3/24
	rollback_each_step 10.0.0.2/24
	# The network kept its bridge and rules: keep still works.
	assert_bridged keep cfsbr0
	ping_ok keep 10.0.0.1
	ping_ok keep "$WORLD_ADDR"
}

test_rollback_with_member_on_other_network() {
	cfs up keep --ip 10.1.0.3/24
	rollback_each_step 10.0.0.2/24
	ping_ok keep "$WORLD_ADDR"
}

test_rollback_no_bridge() {
	set_ip_forward 0
	local before step
	before=$(snapshot)
	for step in $FAULT_STEPS; do
		run_capture cfs_fault "$step" up x --no-bridge --ip 10.0.0.2/24
		if [[ $step == bridge && $RC == 0 ]]; then
			# --no-bridge has no bridge step: nothing to fail after.
			cfs down x
		else
			[[ $RC == 1 ]] || fail "--no-bridge up with CFSNET_FAULT=$step exited $RC, expected 1"
			assert_cfsnet_error
		fi
		wait_link_gone cfs-x
		assert_snapshot_equal "$before" "host after a --no-bridge fault after step '$step'"
	done
}

test_rollback_then_up_works() {
	local step
	for step in $FAULT_STEPS; do
		assert_exit 1 cfs_fault "$step" up x --ip 10.0.0.2/24
	done
	cfs up x --ip 10.0.0.2/24
	assert_container x 10.0.0.2/24
	ping_ok x "$WORLD_ADDR"
	cfs down x
}

test_fault_build_without_fault_works() {
	[[ -x ${CFSNET_FAULT_BIN:-} ]] || fail "CFSNET_FAULT_BIN is not set to an executable"
	local before
	before=$(snapshot)
	"$CFSNET_FAULT_BIN" up x --ip 10.0.0.2/24
	assert_container x 10.0.0.2/24
	"$CFSNET_FAULT_BIN" down x
	wait_link_gone cfs-x
	assert_snapshot_equal "$before" "host after up + down with the fault build"
}
