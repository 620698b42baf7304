# t_badinput.sh - the bad-input table: invocations across every command
# that must be refused. Each row exits 1 or 2 (the expected code is in the
# table), says why on stderr as "cfsnet: ...", and leaves the host exactly
# as it was: links, addresses, routes, netns, firewall, ip_forward, state
# files and mounts; an existing `up` container and a running `run`
# container keep working.

# The table: "CODE<TAB>ARGS" with ARGS as bash words; @ROOT@, @TMP@ and @RUN@
# (the running container) are filled in. Names: every cfsnet name rule.
bi_table() {
	cat <<'TABLE'
1	up 'a/b' --ip 10.0.0.3/24
1	up '..' --ip 10.0.0.3/24
1	up 'a b' --ip 10.0.0.3/24
1	up 'a;rm -rf /' --ip 10.0.0.3/24
1	up '$(touch /tmp/pwned)' --ip 10.0.0.3/24
1	up 'a|b&c>d' --ip 10.0.0.3/24
1	up aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --ip 10.0.0.3/24
1	up x --ip 10.0.0.256/24
1	up x --ip 10.0.0.3/33
1	up x --ip 10.0.0.0/24
1	up x --ip 10.0.0.255/24
1	up x --ip 10.0.0.1/24
1	up x --ip 10.0.0.2/24
1	up x --net bnet --ip 10.8.0.3/24
1	up x --net nosuchnet --ip 10.7.0.3/24
1	up x --net bnet --ip 10.7.0.1/24
1	up x --ip 10.0.0.3/24 --mtu 67
1	up x --ip 10.0.0.3/24 --mtu 65536
1	up x --ip 10.0.0.3/24 --mtu 1500x
1	up x --ip 10.0.0.3/24 --ifname 'eth0/../x'
2	up x --ip
2	up x --bogus
1	down nosuch
1	down '../keep'
1	show nosuch
1	show 'keep/..'
1	exec nosuch -- true
1	exec '..' -- true
2	exec
1	stop nosuch
1	stop '../../x'
1	stats nosuch
1	run 'a/b' --rootfs @ROOT@ -- true
1	run 'a b;c' --rootfs @ROOT@ -- true
1	run aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --rootfs @ROOT@ -- true
1	run @RUN@ --rootfs @ROOT@ -- true
1	run x --rootfs @TMP@/missing-rootfs -- true
1	run x --rootfs @ROOT@ -- /no/such/command
1	run x --rootfs @ROOT@ --memory 12q -- true
1	run x --rootfs @ROOT@ --memory -1 -- true
1	run x --rootfs @ROOT@ --memory 99999999999999999999 -- true
1	run x --rootfs @ROOT@ --memory-swap 1m --memory 2m -- true
1	run x --rootfs @ROOT@ --cpus 0-999 -- true
1	run x --rootfs @ROOT@ --cpus 1,,2 -- true
1	run x --rootfs @ROOT@ --cpus a -- true
1	run x --rootfs @ROOT@ --cpu-quota 0% -- true
1	run x --rootfs @ROOT@ --cpu-quota -5% -- true
1	run x --rootfs @ROOT@ --cpu-quota 100000% -- true
1	run x --rootfs @ROOT@ --pids 0 -- true
1	run x --rootfs @ROOT@ --cpu-shares 1 -- true
1	run x --rootfs @ROOT@ --swappiness 101 -- true
1	run x --rootfs @ROOT@ --oom-score-adj 1001 -- true
1	run x --rootfs @ROOT@ --hostname 'a;b' -- true
1	run x --rootfs @ROOT@ --ip 10.0.0.2/24 -- true
1	run x --rootfs @ROOT@ --ip 10.0.0.300/24 -- true
2	run x --rootfs @ROOT@
2	run x -- true
1	image unpack @TMP@/not-an-archive @TMP@/unpacked
1	image unpack @TMP@/missing.tar @TMP@/unpacked
1	image pack @TMP@/missing-dir @TMP@/out.tar
2	image frobnicate
1	rootfs @TMP@/not-an-archive
1	net create 'n/et' --subnet 10.9.0.0/24
1	net create net1 --subnet 10.9.0.1/33
1	net rm nosuch
1	connect nosuch nosuchnet
1	connect keep nosuchnet
1	disconnect keep nosuchnet
1	route add keep 10.5.0.0/33 via 10.0.0.1
1	route add keep 10.5.0.0/24 via 10.9.9.9
2	route frob keep 10.5.0.0/24
2	frobnicate
TABLE
}

test_badinput_table_changes_nothing() {
	rt_cgroups
	local root=$CFS_IT_TMP/root run=bi$(head -c 8 /proc/sys/kernel/random/uuid)
	local before mounts line code args row n=0 pid
	local -a argv
	cfs rootfs "$root" >/dev/null
	printf 'this is not an archive\n' >"$CFS_IT_TMP/not-an-archive"
	cfs up keep --ip 10.0.0.2/24 >/dev/null
	cfs net create bnet --subnet 10.7.0.0/24 >/dev/null
	cfs run "$run" --rootfs "$root" --detach -- sleep 1000 >/dev/null
	# cgroups are the machine's: never leave the container running.
	BI_RUN=$run
	trap '"$CFSNET" stop "$BI_RUN" --timeout 0 >/dev/null 2>&1 || true' EXIT
	pid=$(awk -F= '$1 == "pid" {print $2}' "/run/cfsnet/run/$run")
	before=$(snapshot)
	mounts=$(rt_mounts)
	while IFS=$'\t' read -r code row; do
		row=${row//@ROOT@/$root}
		row=${row//@TMP@/$CFS_IT_TMP}
		row=${row//@RUN@/$run}
		eval "argv=($row)"
		assert_exit "$code" cfs "${argv[@]}"
		assert_cfsnet_error
		assert_snapshot_equal "$before" "host after '$(cmdline cfs "${argv[@]}")'"
		n=$((n + 1))
	done < <(bi_table)
	((n >= 30)) || fail "only $n rows in the table"
	log "$n bad invocations refused"
	assert_eq "$mounts" "$(rt_mounts)" "mounts after the table"
	[[ ! -e /tmp/pwned ]] || fail "a name was run as a shell command"
	[[ ! -e $CFS_IT_TMP/unpacked ]] || [[ -z $(ls -A "$CFS_IT_TMP/unpacked") ]] ||
		fail "unpacking a non-archive left files"
	# The existing containers still work.
	assert_container keep 10.0.0.2/24
	ping_ok keep 10.0.0.1
	[[ -d /proc/$pid ]] || fail "the running container's PID 1 is gone"
	assert_exit 0 cfs exec "$run" -- echo alive
	assert_eq alive "$OUT" "exec into the running container"
	cfs stop "$run" --timeout 0 >/dev/null
	cfs down keep
	cfs net rm bnet >/dev/null
	rt_assert_gone "$run"
}
