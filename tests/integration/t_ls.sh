# t_ls.sh - cfsnet ls / show: what the kernel has, as text and JSON.

# check_json_container JSON NAME NETWORK MODE CIDR IFNAME BRIDGE|null MTU:
# every key of one container object matches the contract and the kernel.
check_json_container() {
	local j=$1 name=$2 network=$3 mode=$4 cidr=$5 ifname=$6 bridge=$7 mtu=$8
	local hv mac
	assert_eq "$name" "$(json_get "$j" name)" "name of $name"
	if [[ $network == '*' ]]; then
		# The contract names bridge networks only; any non-empty name will do.
		assert_match "$(json_get "$j" network)" '.' "network of $name"
	else
		assert_eq "$network" "$(json_get "$j" network)" "network of $name"
	fi
	assert_eq "$mode" "$(json_get "$j" mode)" "mode of $name"
	assert_eq "$cidr" "$(json_get "$j" address)" "address of $name"
	assert_eq "$(gateway_of "$cidr")" "$(json_get "$j" gateway)" "gateway of $name"
	assert_eq "$ifname" "$(json_get "$j" ifname)" "ifname of $name"
	hv=$(json_get "$j" host_veth)
	link_exists "$hv" || fail "host_veth of $name is '$hv', no such link"
	assert_eq "$(ip netns exec "$name" cat "/sys/class/net/$ifname/iflink")" \
		"$(cat "/sys/class/net/$hv/ifindex")" "host_veth '$hv' is the peer of $name's $ifname"
	if [[ $bridge == null ]]; then
		assert_eq null "$(json_type "$j" bridge)" "type of bridge of $name"
	else
		assert_eq "$bridge" "$(json_get "$j" bridge)" "bridge of $name"
	fi
	mac=$(link_field "$name" "$ifname" link/ether)
	assert_eq "$mac" "$(json_get "$j" mac)" "mac of $name (its $ifname)"
	assert_eq number "$(json_type "$j" mtu)" "type of mtu of $name"
	assert_eq "$mtu" "$(json_get "$j" mtu)" "mtu of $name"
	assert_eq up "$(json_get "$j" state)" "state of $name"
}

test_ls_json_lists_every_container() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.1.0.7/24 --mtu 1400 --ifname net0
	cfs up c --no-bridge --ip 10.2.0.2/24
	local j
	j=$(cfs ls --json)
	assert_eq 3 "$(json_len "$j")" "containers in ls --json"
	local i n
	for i in 0 1 2; do
		n=$(json_get "$j" "$i.name")
		case $n in
		a) check_json_container "$(json_get "$j" "$i")" a default bridge 10.0.0.2/24 eth0 cfsbr0 1500 ;;
		b) check_json_container "$(json_get "$j" "$i")" b 10.1.0.0-24 bridge 10.1.0.7/24 net0 cfsbr1 1400 ;;
		c) check_json_container "$(json_get "$j" "$i")" c '*' veth 10.2.0.2/24 eth0 null 1500 ;;
		*) fail "ls --json lists unexpected container '$n'" ;;
		esac
	done
}

test_ls_json_empty_is_empty_array() {
	local j
	j=$(cfs ls --json)
	assert_eq array "$(json_type "$j")" "type of ls --json with no containers"
	assert_eq 0 "$(json_len "$j")" "length of ls --json with no containers"
}

test_ls_plain_has_header_and_one_row_each() {
	cfs up a --ip 10.0.0.2/24
	cfs up b --ip 10.0.0.3/24
	local out
	out=$(cfs ls)
	assert_eq 3 "$(nlines "$out")" "lines of ls (header + 2 rows)"
	local header
	header=$(head -n1 <<<"$out")
	assert_match "$header" '[Nn][Aa][Mm][Ee]' "ls header"
	local row_a row_b
	row_a=$(awk '$1 == "a"' <<<"$out")
	row_b=$(awk '$1 == "b"' <<<"$out")
	assert_eq 1 "$(nlines "$row_a")" "rows of a in ls"
	assert_eq 1 "$(nlines "$row_b")" "rows of b in ls"
	local w
	for w in 10.0.0.2/24 10.0.0.1 eth0 cfs-a cfsbr0 "$(link_field a eth0 link/ether)" 1500 up; do
		assert_match " $row_a " "[[:space:]]$(re_quote "$w")[[:space:]]" "row of a in ls"
	done
	assert_match " $row_b " '[[:space:]]10\.0\.0\.3/24[[:space:]]' "row of b in ls"
	assert_not_contains "$out" world "ls (world is not a cfsnet container)"
}

test_ls_plain_empty_is_header_only() {
	local out
	out=$(cfs ls)
	assert_eq 1 "$(nlines "$out")" "lines of ls with no containers"
}

test_show_json_matches_kernel() {
	cfs up a --ip 10.0.0.2/24
	local j
	j=$(cfs show a --json)
	assert_eq object "$(json_type "$j")" "type of show --json"
	check_json_container "$j" a default bridge 10.0.0.2/24 eth0 cfsbr0 1500
}

test_show_json_no_bridge() {
	cfs up a --no-bridge --ip 10.0.0.2/24 --mtu 1450
	check_json_container "$(cfs show a --json)" a '*' veth 10.0.0.2/24 eth0 null 1450
}

test_show_plain_key_value_lines() {
	cfs up a --ip 10.0.0.2/24
	local out mac
	out=$(cfs show a)
	mac=$(link_field a eth0 link/ether)
	# "key: value" per line; padding after the colon and a note in
	# parentheses after the value are fine.
	local -a want=(
		"name a" "network default" "address 10.0.0.2/24" "gateway 10.0.0.1"
		"ifname eth0" "host_veth cfs-a" "bridge cfsbr0" "mac $mac" "mtu 1500" "state up"
	)
	local w key value
	for w in "${want[@]}"; do
		key=${w%% *} value=${w#* }
		[[ $(count_matching "^$key:[[:space:]]+$(re_quote "$value")([[:space:]]+[(].*[)])?[[:space:]]*\$" "$out") == 1 ]] ||
			fail "show a has no line '$key: $value': $(oneline "$out")"
	done
}

test_show_reports_kernel_state_not_only_state_file() {
	cfs up a --ip 10.0.0.2/24
	# Change the kernel behind cfsnet's back: the read side must see it.
	ip -n a link set eth0 mtu 1300
	ip -n a link set eth0 down
	local j
	j=$(cfs show a --json)
	assert_eq 1300 "$(json_get "$j" mtu)" "mtu after ip link set mtu 1300"
	assert_eq down "$(json_get "$j" state)" "state after ip link set down"
}

test_show_unknown_name_fails() {
	assert_exit 1 cfs show nosuch
	assert_cfsnet_error
	assert_exit 1 cfs show nosuch --json
	assert_cfsnet_error
}
