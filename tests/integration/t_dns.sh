# t_dns.sh - each container's /etc/netns/NAME/resolv.conf and hosts: the
# host's upstream resolvers (never a loopback stub), every member of the
# network by name, rewritten as members come and go, removed with `down`.

# This world's /etc/netns is private (run.sh), so nothing here reaches
# the machine's /etc.
test_dns_world_etc_netns_is_private() {
	awk '$5 == "/etc" || $5 == "/etc/netns" {found = 1} END {exit !found}' /proc/self/mountinfo ||
		fail "/etc/netns is not a private mount in the test world"
}

test_dns_members_resolve_each_other_by_name() {
	cfs up dnsa >/dev/null
	cfs up dnsb >/dev/null
	cfs up dnsfar --ip 10.1.0.2/24 >/dev/null
	assert_contains "$(cat /etc/netns/dnsa/hosts)" $'10.0.0.3\tdnsb' "dnsa's hosts"
	assert_contains "$(cat /etc/netns/dnsb/hosts)" $'10.0.0.2\tdnsa' "dnsb's hosts"
	# -s files: a name not in hosts must not wait on the world's upstream
	# resolvers (unreachable here).
	assert_eq "10.0.0.3" "$(cfs exec dnsa -- getent -s files hosts dnsb | awk '{print $1}')" "dnsb from dnsa"
	# A few tries: a new link may drop the very first packets.
	wait_until 5000 "$CFSNET" exec dnsa -- ping -n -c1 -W1 dnsb || fail "ping dnsb by name from dnsa"
	wait_until 5000 "$CFSNET" exec dnsb -- busybox ping -c1 -W1 dnsa || fail "busybox ping dnsa by name from dnsb"
	# Another network's containers are not named.
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsfar "dnsa's hosts"
	assert_not_contains "$(cat /etc/netns/dnsfar/hosts)" dnsa "dnsfar's hosts"
	if cfs exec dnsfar -- getent -s files hosts dnsa >/dev/null; then
		fail "dnsfar resolves dnsa of another network"
	fi
}

test_dns_hosts_follow_up_and_down() {
	cfs up dnsa >/dev/null
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsb "dnsa's hosts before dnsb"
	cfs up dnsb >/dev/null
	assert_contains "$(cat /etc/netns/dnsa/hosts)" dnsb "dnsa's hosts after up dnsb"
	cfs down dnsb
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsb "dnsa's hosts after down dnsb"
	[[ ! -e /etc/netns/dnsb ]] || fail "/etc/netns/dnsb left after down"
	cfs down dnsa
	[[ ! -e /etc/netns/dnsa ]] || fail "/etc/netns/dnsa left after down"
}

# One network's members share one hosts file (hard links to
# /etc/netns/.hosts-NETWORK, rewritten in place): an up or a down writes one
# file, whatever the network's size. A member on two networks has its own.
test_dns_members_of_one_network_share_one_hosts_file() {
	local ino
	ino() { stat -c %i "$1"; }
	cfs up dnsa >/dev/null
	cfs up dnsb >/dev/null
	[[ -f /etc/netns/.hosts-default ]] || fail "no shared hosts file of network default"
	assert_eq "$(ino /etc/netns/.hosts-default)" "$(ino /etc/netns/dnsa/hosts)" "dnsa's hosts is the shared file"
	assert_eq "$(ino /etc/netns/.hosts-default)" "$(ino /etc/netns/dnsb/hosts)" "dnsb's hosts is the shared file"
	cfs net create dnsother --subnet 10.9.0.0/24 >/dev/null
	cfs up dnsc --net dnsother >/dev/null
	cfs connect dnsb dnsother >/dev/null
	assert_ne "$(ino /etc/netns/.hosts-default)" "$(ino /etc/netns/dnsb/hosts)" "a connected member's own hosts"
	assert_contains "$(cat /etc/netns/dnsb/hosts)" $'\tdnsc' "dnsb names dnsc of its second network"
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsc "dnsa does not name dnsc"
	assert_contains "$(cat /etc/netns/dnsa/hosts)" $'\tdnsb' "dnsa still names dnsb"
	cfs disconnect dnsb dnsother
	assert_eq "$(ino /etc/netns/.hosts-default)" "$(ino /etc/netns/dnsb/hosts)" "dnsb shares again after disconnect"
	assert_not_contains "$(cat /etc/netns/dnsb/hosts)" dnsc "dnsb no longer names dnsc"
	cfs down dnsa
	cfs down dnsb
	[[ ! -e /etc/netns/.hosts-default ]] || fail "the shared hosts file outlives the network"
	cfs down dnsc
	cfs net rm dnsother
	[[ -z $(ls -A /etc/netns) ]] || fail "left in /etc/netns: $(ls -A /etc/netns)"
}

test_dns_resolv_conf_never_a_loopback_stub() {
	local f=$CFS_IT_TMP/resolv.conf
	# Stand in for a host on systemd-resolved (this mount namespace is
	# the test's own).
	printf 'nameserver 127.0.0.53\noptions edns0\nsearch example.org\n' >"$f"
	mount --bind "$f" /etc/resolv.conf
	mkdir -p /run/systemd/resolve
	printf 'nameserver 192.0.2.53\nnameserver 198.51.100.53\n' >/run/systemd/resolve/resolv.conf
	cfs up dnsa >/dev/null
	assert_eq $'nameserver 192.0.2.53\nnameserver 198.51.100.53' "$(cat /etc/netns/dnsa/resolv.conf)" "resolv.conf with upstreams"
	assert_contains "$(cfs exec dnsa -- cat /etc/resolv.conf)" "nameserver 192.0.2.53" "the container's /etc/resolv.conf"
	cfs down dnsa
	# Without upstreams: no nameserver at all rather than the stub.
	rm -rf /run/systemd/resolve
	cfs up dnsa >/dev/null
	assert_not_contains "$(cat /etc/netns/dnsa/resolv.conf)" "127.0.0.53" "resolv.conf without upstreams"
	assert_not_contains "$(cat /etc/netns/dnsa/resolv.conf)" "nameserver" "resolv.conf without upstreams"
	assert_contains "$(cat /etc/netns/dnsa/resolv.conf)" "search example.org" "resolv.conf without upstreams"
}

test_dns_failed_up_leaves_no_files() {
	cfs up dnsa >/dev/null
	local before
	before=$(cat /etc/netns/dnsa/hosts)
	assert_exit 1 cfs_fault dns up dnsb
	[[ ! -e /etc/netns/dnsb ]] || fail "/etc/netns/dnsb left after a failed up"
	assert_eq "$before" "$(cat /etc/netns/dnsa/hosts)" "dnsa's hosts after a failed up of dnsb"
}

test_dns_run_container_sees_members_and_updates() {
	rt_setup
	cfs up dnsa >/dev/null
	rt_run --detach --ip 10.0.0.9/24 -- sleep 1000
	local hosts
	hosts=$(cfs exec "$N" -- cat /etc/hosts)
	assert_contains "$hosts" $'10.0.0.2\tdnsa' "the run container's /etc/hosts"
	assert_contains "$hosts" $'10.0.0.9\t'"$N" "the run container's /etc/hosts"
	assert_eq "$(cat /etc/netns/"$N"/resolv.conf)" "$(cfs exec "$N" -- cat /etc/resolv.conf)" "the run container's resolv.conf"
	# A member that comes later is named in the running container too.
	cfs up dnsb >/dev/null
	assert_contains "$(cfs exec "$N" -- cat /etc/hosts)" $'10.0.0.3\tdnsb' "/etc/hosts after up dnsb"
	assert_contains "$(cat /etc/netns/dnsa/hosts)" "$N" "dnsa's hosts names the run container"
	# The root's own file is untouched.
	assert_not_contains "$(cat "$ROOT/etc/hosts")" dnsa "the rootfs' etc/hosts"
	cfs stop "$N" >/dev/null
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" "$N" "dnsa's hosts after stop"
}

test_dns_connect_names_both_networks() {
	cfs net create dnsred --subnet 10.31.0.0/24
	cfs net create dnsblue --subnet 10.32.0.0/24
	cfs up dnsa --net dnsred >/dev/null
	cfs up dnsb --net dnsblue >/dev/null
	cfs up dnsr --net dnsred --ip 10.31.0.254/24 >/dev/null
	cfs connect dnsr dnsblue --ip 10.32.0.254/24 >/dev/null
	assert_contains "$(cat /etc/netns/dnsr/hosts)" $'10.31.0.2\tdnsa' "the router's hosts (red)"
	assert_contains "$(cat /etc/netns/dnsr/hosts)" $'10.32.0.2\tdnsb' "the router's hosts (blue)"
	assert_contains "$(cat /etc/netns/dnsb/hosts)" $'10.32.0.254\tdnsr' "dnsb's hosts"
	assert_contains "$(cat /etc/netns/dnsa/hosts)" $'10.31.0.254\tdnsr' "dnsa's hosts"
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsb "dnsa's hosts (blue is not its network)"
	assert_eq 10.32.0.2 "$(cfs exec dnsr -- getent -s files hosts dnsb | awk '{print $1}')" "dnsb from the router"
	# A new member of either network reaches the router's own file too
	# (it shares neither network's file), and leaves it again.
	cfs up dnsc --net dnsblue >/dev/null
	assert_contains "$(cat /etc/netns/dnsr/hosts)" $'\tdnsc' "the router's hosts after a new blue member"
	assert_contains "$(cat /etc/netns/dnsb/hosts)" $'\tdnsc' "dnsb's hosts after a new blue member"
	cfs down dnsc
	assert_not_contains "$(cat /etc/netns/dnsr/hosts)" dnsc "the router's hosts after that member left"
	cfs disconnect dnsr dnsblue
	assert_not_contains "$(cat /etc/netns/dnsb/hosts)" dnsr "dnsb's hosts after disconnect"
	assert_not_contains "$(cat /etc/netns/dnsr/hosts)" dnsb "the router's hosts after disconnect"
	cfs connect dnsr dnsblue >/dev/null
	assert_contains "$(cat /etc/netns/dnsb/hosts)" dnsr "dnsb's hosts after connect again"
	cfs down dnsr
	assert_not_contains "$(cat /etc/netns/dnsb/hosts)" dnsr "dnsb's hosts after down of the router"
	assert_not_contains "$(cat /etc/netns/dnsa/hosts)" dnsr "dnsa's hosts after down of the router"
}
