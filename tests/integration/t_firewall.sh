# t_firewall.sh - living with other firewalls: a FORWARD policy of DROP and
# foreign rules in every table (as Docker leaves them), a flushed nat
# table, a host whose rules are in nftables. Container names start with "fw".

# Docker's legacy rules, roughly: its chains and jumps in filter and nat,
# a mangle and a raw rule, FORWARD policy DROP.
fw_docker_like() {
	iptables-legacy -P FORWARD DROP
	iptables-legacy -N DOCKER
	iptables-legacy -N DOCKER-USER
	iptables-legacy -A DOCKER-USER -j RETURN
	iptables-legacy -A FORWARD -j DOCKER-USER
	iptables-legacy -A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	iptables-legacy -A FORWARD -o docker0 -j DOCKER
	iptables-legacy -t nat -N DOCKER
	iptables-legacy -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	iptables-legacy -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	iptables-legacy -t mangle -A PREROUTING -i uplink -j MARK --set-mark 1
	iptables-legacy -t raw -A PREROUTING -p udp --dport 9 -j NOTRACK
}

test_fw_works_with_policy_drop_and_foreign_rules_and_removes_only_its_own() {
	local before foreign
	fw_docker_like
	before=$(snapshot)
	foreign=$(iptables-legacy-save | grep -v '^#' | sed -E 's/ \[[0-9]+:[0-9]+\]$//')
	cfs up fwa --ip 10.0.0.2/24 >/dev/null
	cfs up fwb --ip 10.1.0.2/24 >/dev/null
	ping_ok fwa "$WORLD_ADDR"
	ping_ok fwb "$WORLD_ADDR"
	ping_fails fwa 10.1.0.2
	# Every foreign rule is still there, in its place.
	local now
	now=$(iptables-legacy-save | grep -v '^#' | sed -E 's/ \[[0-9]+:[0-9]+\]$//' | grep -v -e CFSNET -e 'cfsnet:')
	assert_eq "$foreign" "$now" "the foreign rules while cfsnet's are in place"
	assert_exit 0 cfs gc
	assert_eq "" "$OUT" "gc on a Docker-like host"
	cfs down fwa
	cfs down fwb
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "Docker-like host after the last down"
}

test_fw_flushed_nat_table_is_restored_by_check_fix_and_by_up() {
	fw_docker_like
	cfs up fwa --ip 10.0.0.2/24 >/dev/null
	ping_ok fwa "$WORLD_ADDR"
	iptables-legacy -t nat -F
	ping_fails fwa "$WORLD_ADDR"
	assert_exit 1 cfs check fwa
	assert_contains "$OUT" "firewall rules differ from the state"
	assert_exit 0 cfs check fwa --fix
	assert_eq 1 "$(nlines "$(masq_rules)")" "MASQUERADE rules after check --fix"
	assert_contains "$(iptables-legacy -t nat -S POSTROUTING)" "-A POSTROUTING -j CFSNET-POSTROUTING"
	ping_ok fwa "$WORLD_ADDR"
	# Flushed again (chains deleted too): the next up of the same container.
	iptables-legacy -t nat -F
	iptables-legacy -t nat -X
	cfs up fwa --ip 10.0.0.2/24 >/dev/null
	ping_ok fwa "$WORLD_ADDR"
	# The filter table flushed with policy DROP: forwarding is refused
	# until check --fix puts the ACCEPT rules back.
	iptables-legacy -F FORWARD
	ping_fails fwa "$WORLD_ADDR"
	assert_exit 0 cfs check fwa --fix
	ping_ok fwa "$WORLD_ADDR"
}

test_fw_warns_on_a_host_whose_firewall_is_nftables_only() {
	command -v iptables-nft >/dev/null || fail "iptables-nft is missing (package iptables)"
	# A rule in nftables (what iptables-nft, Docker on nft or firewalld
	# leave), none in the legacy tables.
	iptables-nft -A FORWARD -i uplink -j ACCEPT
	assert_exit 0 cfs up fwa --ip 10.0.0.2/24
	assert_stderr_matches "^cfsnet: warning: this host's firewall is nftables \([0-9]+ rules in ip/inet tables\)"
	# It works anyway (nothing in nftables drops), and gc/check say it too.
	ping_ok fwa "$WORLD_ADDR"
	assert_exit 0 cfs check fwa
	assert_stderr_matches "^cfsnet: warning: this host's firewall is nftables"
	# A further container on that network writes no rule, and does not
	# pay for the probe (it reads every table) nor repeat the warning.
	assert_exit 0 cfs up fwb --ip 10.0.0.3/24
	assert_eq "" "$ERR" "stderr of an up that wrote no rule"
	# With legacy rules of its own, the host is not nftables-only.
	iptables-legacy -A INPUT -i lo -j ACCEPT
	assert_exit 0 cfs check fwa
	assert_eq "" "$ERR" "stderr of check on a host with legacy rules"
	cfs down fwa
	cfs down fwb
	iptables-nft -F FORWARD
}

test_fw_no_warning_on_a_plain_host() {
	assert_exit 0 cfs up fwa --ip 10.0.0.2/24
	assert_eq "" "$ERR" "stderr of up on a host without any firewall"
	assert_exit 0 cfs gc
	assert_eq "" "$ERR" "stderr of gc"
}
