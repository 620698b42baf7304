# t_errors.sh - bad input: the right exit status, "cfsnet: ..." on stderr,
# and nothing changed (checked with a container present).

# check_bad CODE ARGS...: cfsnet ARGS exits CODE, says why, changes nothing
# (compared with $BEFORE).
check_bad() {
	local code=$1
	shift
	assert_exit "$code" cfs "$@"
	assert_cfsnet_error
	assert_snapshot_equal "$BEFORE" "host after '$(cmdline cfs "$@")'"
}

_with_keep() {
	cfs up keep --ip 10.0.0.2/24
	BEFORE=$(snapshot)
}

test_bad_names() {
	_with_keep
	local n
	# shellcheck disable=SC2016 # literal '$'
	for n in 'a/b' '..' '.' 'abcdefghijklmnop' 'abcdefghijklmnopqrstuvwxyz' 'a b' 'a;b' '' \
		'a$b' 'ä' 'a:b' $'a\nb' '*'; do
		check_bad 1 up "$n" --ip 10.0.0.3/24
	done
	[[ ! -e /run/netns/a ]] || fail "/run/netns/a appeared"
	check_bad 1 down 'a/b'
	check_bad 1 show '..'
	check_bad 1 exec 'a/b' -- true
}

test_bad_name_leading_dash() {
	_with_keep
	# "-x" may be read as an unknown option (usage, 2) or as a bad name (1).
	assert_exit_in "1 2" cfs up -x --ip 10.0.0.3/24
	assert_cfsnet_error
	assert_snapshot_equal "$BEFORE" "host after 'cfsnet up -x'"
	assert_exit_in "1 2" cfs up -- -x --ip 10.0.0.3/24
	assert_cfsnet_error
	assert_snapshot_equal "$BEFORE" "host after 'cfsnet up -- -x'"
}

# assert_exit_in "CODES" CMD...: exits with one of CODES.
assert_exit_in() {
	local codes=$1
	shift
	run_capture "$@"
	[[ " $codes " == *" $RC "* ]] || fail "'$(cmdline "$@")' exited $RC, expected one of: $codes"
}

test_bad_addresses() {
	_with_keep
	local a
	for a in 10.0.0.256/24 256.0.0.3/24 10.0.0.3/33 10.0.0.3/7 10.0.0.3/31 10.0.0.3/32 10.0.0.3/0 \
		10.0.0.0/24 10.0.0.255/24 10.0.0.1/24 10.0.0.2/24 10.0.0.5/16 10.0.5.5/16 10.0.0.130/25 \
		10.0.0 10.0.0.3 10.0.0.3/ /24 10.0.0.3/abc 10.0.0.3/24x ' 10.0.0.3/24' 10.0.0.-3/24 \
		10.0.0.03x/24 abc ''; do
		check_bad 1 up x --ip "$a"
	done
	[[ ! -e /run/netns/x ]] || fail "/run/netns/x appeared"
}

test_bad_address_prefix_8_and_30_are_fine() {
	# The edges of the allowed prefix range are accepted.
	cfs up a --ip 10.200.0.2/30
	assert_container a 10.200.0.2/30
	cfs up b --ip 11.0.0.2/8
	assert_container b 11.0.0.2/8
}

test_bad_address_broadcast_of_other_prefix() {
	cfs up keep --ip 10.5.0.2/16
	BEFORE=$(snapshot)
	check_bad 1 up x --ip 10.5.255.255/16
	check_bad 1 up x --ip 10.5.0.0/16
	check_bad 1 up x --ip 10.5.0.1/16
	check_bad 1 up x --ip 10.5.0.2/16
	check_bad 1 up x --ip 10.5.3.3/24
}

test_bad_mtu() {
	_with_keep
	local m
	for m in 67 65536 0 -1 abc 1500x '' 99999999999999999999; do
		check_bad 1 up x --ip 10.0.0.3/24 --mtu "$m"
	done
}

test_mtu_edges_are_fine() {
	cfs up a --ip 10.0.0.2/24 --mtu 68
	assert_eq 68 "$(link_field a eth0 mtu)" "mtu of eth0 with --mtu 68"
	cfs up b --ip 10.1.0.2/24 --mtu 65535
	assert_eq 65535 "$(link_field b eth0 mtu)" "mtu of eth0 with --mtu 65535"
}

test_bad_ifname() {
	_with_keep
	local i
	for i in 'a/b' '' 'abcdefghijklmnop' 'a b' '.' '..'; do
		check_bad 1 up x --ip 10.0.0.3/24 --ifname "$i"
	done
}

test_usage_errors_exit_2() {
	_with_keep
	check_bad 2 up x --bogus
	check_bad 2 up x --ip 10.0.0.3/24 --bogus
	check_bad 2 up x --ip
	check_bad 2 up x --mtu
	check_bad 2 up x --ifname
	check_bad 2 frobnicate
	check_bad 2 frobnicate keep
	check_bad 2 up
	check_bad 2 down
	check_bad 2 show
	check_bad 2 exec
	check_bad 2 ls --bogus
	check_bad 2 show keep --bogus
	check_bad 2 down keep --bogus
	check_bad 2
}

test_usage_error_on_extra_arguments() {
	_with_keep
	check_bad 2 up x y --ip 10.0.0.3/24
	check_bad 2 down keep extra
	check_bad 2 ls extra
}

test_errors_on_conflicting_up_mention_name() {
	_with_keep
	check_bad 1 up keep --ip 10.0.0.3/24
	assert_stderr_matches 'keep'
}
