# t_run.sh - cfsnet rootfs / run / stop / stats / exec into a running
# container: namespaces, root, limits, privileges, cleanup.
#
# cgroups are global (a test's world has its own network, mount and pid
# namespaces, not its own cgroups): every container here gets a name unique
# across parallel tests, and each test checks that its groups are gone.

# ---- helpers (prefixed rt_: every t_*.sh shares one shell) -------------------

# rt_cgroups: the world's fresh /sys hides the host's cgroup mounts. Mount the
# same hierarchies again (the same controllers name the same hierarchy), as
# found in mountinfo, where the covered mounts are still listed.
rt_cgroups() {
	[[ -e /sys/fs/cgroup/cgroup.controllers || -d /sys/fs/cgroup/memory/ ]] && return 0
	local line mp fs opts o v1=0
	local -a mounts=()
	while IFS= read -r line; do mounts+=("$line"); done < <(
		awk '{ for (i = 7; $i != "-"; i++); fs = $(i + 1)
		       if ((fs == "cgroup" || fs == "cgroup2") && $5 ~ "^/sys/fs/cgroup") print $5, fs, $(i + 3) }' \
			/proc/self/mountinfo | sort -u)
	((${#mounts[@]})) || fail "no cgroup hierarchy on this host"
	for line in "${mounts[@]}"; do
		read -r mp fs opts <<<"$line"
		[[ $fs == cgroup ]] && v1=1
	done
	if ((v1)); then
		mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
	fi
	for line in "${mounts[@]}"; do
		read -r mp fs opts <<<"$line"
		mkdir -p "$mp" 2>/dev/null || true
		if [[ $fs == cgroup2 ]]; then
			mount -t cgroup2 cgroup2 "$mp"
		else
			# Controllers (and name=) only: rw, xattr, ... are not what
			# selects the hierarchy.
			o=$(tr ',' '\n' <<<"$opts" | grep -vE '^(rw|ro|relatime|noatime|nosuid|nodev|noexec|xattr|clone_children|release_agent=.*)$' | paste -sd, -)
			[[ $o == name=* ]] && o="none,$o"
			mount -t cgroup -o "$o" cgroup "$mp"
		fi
	done
}

# rt_setup: cgroups mounted, a busybox root in $ROOT, a unique name in $N.
rt_setup() {
	rt_cgroups
	ROOT=$CFS_IT_TMP/root
	cfs rootfs "$ROOT" >/dev/null
	N=c$(head -c 8 /proc/sys/kernel/random/uuid)
}

# rt_groups NAME: the cgroup directories of NAME under every hierarchy.
rt_groups() { find /sys/fs/cgroup -maxdepth 4 -type d -path "*/cfsnet/$1" 2>/dev/null || true; }

rt_mounts() { awk '{print $5}' /proc/self/mountinfo | sort; }

# rt_assert_gone NAME: no cgroup, no run record, no overlay dir, no netns.
rt_assert_gone() {
	local g
	g=$(rt_groups "$1")
	[[ -z $g ]] || fail "cgroups of $1 left: $(oneline "$g")"
	[[ ! -e /run/cfsnet/run/$1 ]] || fail "run record of $1 left"
	[[ ! -e /run/cfsnet/overlay/$1 ]] || fail "overlay directory of $1 left"
	[[ ! -e /run/netns/$1 ]] || fail "netns $1 left"
}

# rt_run ARGS... -- CMD...: cfsnet run $N --rootfs $ROOT ARGS, output in OUT.
rt_run() { assert_exit 0 cfs run "$N" --rootfs "$ROOT" "$@"; }

rt_status_field() { awk -v k="$1:" '$1 == k {print $2}' <<<"$2"; }

# ---- rootfs -------------------------------------------------------------------

test_rootfs_builds_a_busybox_tree() {
	local r=$CFS_IT_TMP/r d
	cfs rootfs "$r" >/dev/null
	[[ -x $r/bin/busybox && ! -L $r/bin/busybox ]] || fail "no bin/busybox copy"
	assert_eq busybox "$(readlink "$r/bin/sh")" "bin/sh link"
	assert_eq ../../bin/busybox "$(readlink "$r/usr/bin/awk")" "usr/bin/awk link"
	for d in proc sys dev tmp root; do
		[[ -d $r/$d && -z $(ls -A "$r/$d") ]] || fail "/$d is not an empty directory"
	done
	assert_eq 1777 "$(stat -c %a "$r/tmp")" "mode of /tmp"
	assert_match "$(cat "$r/etc/passwd")" '^root:x:0:0:' "etc/passwd"
	assert_match "$(cat "$r/etc/group")" '^root:x:0:' "etc/group"
	assert_contains "$(cat "$r/etc/hosts")" localhost "etc/hosts"
	[[ -f $r/etc/resolv.conf ]] || fail "no etc/resolv.conf"
	# It runs.
	assert_eq hello "$(chroot "$r" /bin/echo hello)" "echo in the tree"
}

test_rootfs_never_copies_a_loopback_resolver() {
	local r=$CFS_IT_TMP/r f=$CFS_IT_TMP/resolv.conf
	# This world's mount namespace is private: stand in for a host on
	# systemd-resolved.
	printf 'nameserver 127.0.0.53\noptions edns0\nsearch example.org\n' >"$f"
	mount --bind "$f" /etc/resolv.conf
	mkdir -p /run/systemd/resolve
	printf 'nameserver 192.0.2.53\n' >/run/systemd/resolve/resolv.conf
	cfs rootfs "$r" >/dev/null
	assert_eq "nameserver 192.0.2.53" "$(cat "$r/etc/resolv.conf")" "resolv.conf with an upstream"
	rm -rf "$r" /run/systemd/resolve
	cfs rootfs "$r" >/dev/null
	assert_not_contains "$(cat "$r/etc/resolv.conf")" "127.0.0.53" "resolv.conf without an upstream"
	assert_contains "$(cat "$r/etc/resolv.conf")" "search example.org" "resolv.conf without an upstream"
}

test_rootfs_refuses_non_empty_or_non_directory() {
	local r=$CFS_IT_TMP/r
	mkdir "$r" && touch "$r/keep"
	assert_exit 1 cfs rootfs "$r"
	assert_cfsnet_error
	assert_eq keep "$(ls -A "$r")" "the refused directory's content"
	assert_exit 1 cfs rootfs "$r/keep"
	assert_exit 1 cfs rootfs "$CFS_IT_TMP/no/such/parent"
	assert_exit 2 cfs rootfs
	# An empty existing directory is fine.
	mkdir "$CFS_IT_TMP/empty"
	cfs rootfs "$CFS_IT_TMP/empty" >/dev/null
}

# ---- the container's world ---------------------------------------------------

test_run_pid1_is_cfsnet_init_and_ps_sees_only_the_container() {
	rt_setup
	rt_run -- sh -c 'echo $$; tr -d "\0" </proc/1/cmdline; echo; ps -o pid,comm; true'
	local lines
	mapfile -t lines <<<"$OUT"
	assert_eq 2 "${lines[0]}" "the command's pid"
	assert_eq cfsnet-init "${lines[1]}" "PID 1's command line"
	# ps: header, PID 1, sh, ps (tr had pid 3): small pids, nothing else.
	assert_match "$(words "$(awk 'NR > 3 {print $1}' <<<"$OUT")")" '^1 2 [0-9]$' "pids ps sees"
	assert_eq "cfsnet-init sh ps" "$(words "$(awk 'NR > 3 {print $2}' <<<"$OUT")")" "processes ps sees"
	rt_assert_gone "$N"
}

test_run_has_its_own_hostname_and_environment() {
	rt_setup
	rt_run -- sh -c 'hostname; echo "$HOSTNAME|$HOME|$PATH"'
	assert_eq "$N" "$(head -n1 <<<"$OUT")" "default hostname"
	assert_eq "$N|/root|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		"$(sed -n 2p <<<"$OUT")" "environment"
	rt_run --hostname box1 --env FOO=bar --env HOME=/tmp -- sh -c 'hostname; echo "$FOO $HOME"; env | wc -l'
	assert_eq box1 "$(head -n1 <<<"$OUT")" "--hostname"
	assert_eq "bar /tmp" "$(sed -n 2p <<<"$OUT")" "--env"
	# PATH HOME TERM HOSTNAME FOO, and the shell's own PWD/SHLVL at most.
	(($(sed -n 3p <<<"$OUT") <= 7)) || fail "environment not clean: $(sed -n 3p <<<"$OUT") variables"
	assert_ne "$(hostname)" "$N" "host's hostname"
}

test_run_root_is_the_rootfs_and_host_paths_are_invisible() {
	rt_setup
	touch "$ROOT/marker-$N"
	rt_run -- ls -A /
	assert_eq "$(cd "$ROOT" && ls -A | sort | tr '\n' ' ')" "$(sort <<<"$OUT" | tr '\n' ' ')" "/ inside"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- ls "$CFS_IT_TMP"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- ls /etc/os-release
	rt_run -- sh -c 'pwd; cat /proc/self/mountinfo | wc -l'
	assert_eq / "$(head -n1 <<<"$OUT")" "working directory"
	# root, proc, sys, dev and its 4, masked and read-only paths: no host mounts.
	(($(sed -n 2p <<<"$OUT") < 30)) || fail "too many mounts inside: $(sed -n 2p <<<"$OUT")"
	rt_assert_gone "$N"
}

test_run_proc_sys_dev_and_masked_paths() {
	rt_setup
	rt_run -- sh -c 'head -n1 /proc/self/status; cat /proc/timer_list | wc -c; ls -A /sys/firmware | wc -l
		ls /dev | tr "\n" " "; echo; echo hi >/dev/null && echo null-ok
		echo 1 >/proc/sys/vm/overcommit_memory 2>/dev/null || echo proc-sys-ro
		touch /sys/x 2>/dev/null || echo sys-ro
		grep -c " /dev/pts " /proc/self/mountinfo'
	local lines
	mapfile -t lines <<<"$OUT"
	assert_match "${lines[0]}" '^Name:' "/proc/self/status"
	assert_eq 0 "${lines[1]}" "bytes read from masked /proc/timer_list"
	assert_eq 0 "${lines[2]}" "entries of masked /sys/firmware"
	local n
	for n in null zero full random urandom tty ptmx pts shm; do
		[[ " ${lines[3]} " == *" $n "* ]] || fail "/dev/$n missing: ${lines[3]}"
	done
	assert_eq null-ok "${lines[4]}" "/dev/null"
	assert_eq proc-sys-ro "${lines[5]}" "/proc/sys"
	assert_eq sys-ro "${lines[6]}" "/sys"
	assert_eq 1 "${lines[7]}" "devpts mounts"
}

test_run_capabilities_no_new_privs_and_fds() {
	rt_setup
	# An extra fd on the command line must not leak in.
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" -- sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|CapInh|NoNewPrivs)" /proc/self/status' 7</dev/null 8>"$CFS_IT_TMP/f"
	assert_eq 00000000a80425fb "$(rt_status_field CapEff "$OUT")" "CapEff"
	assert_eq 00000000a80425fb "$(rt_status_field CapPrm "$OUT")" "CapPrm"
	assert_eq 00000000a80425fb "$(rt_status_field CapBnd "$OUT")" "CapBnd"
	assert_eq 0000000000000000 "$(rt_status_field CapInh "$OUT")" "CapInh"
	assert_eq 1 "$(rt_status_field NoNewPrivs "$OUT")" "NoNewPrivs"
	# The command's fds, seen from outside (a shell listing its own would
	# see those it holds for the listing: a pipeline's, a redirection's).
	local pid cmd
	rt_run --detach -- sleep 1000 7</dev/null 8>"$CFS_IT_TMP/f"
	pid=$(grep -oE '[0-9]+\)$' <<<"$OUT" | tr -d ')')
	cmd=$(cat "/proc/$pid/task/$pid/children")
	assert_eq "0 1 2" "$(words "$(ls "/proc/${cmd% }/fd")")" "the command's open fds"
	cfs stop "$N" --timeout 0 >/dev/null
}

test_run_exit_status_is_the_commands() {
	rt_setup
	assert_exit 7 cfs run "$N" --rootfs "$ROOT" -- sh -c 'exit 7'
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" -- true
	assert_exit 137 cfs run "$N" --rootfs "$ROOT" -- sh -c 'kill -9 $$'
	assert_exit 143 cfs run "$N" --rootfs "$ROOT" -- sh -c 'kill -TERM $$'
	rt_assert_gone "$N"
}

test_run_init_reaps_orphans() {
	rt_setup
	# The orphans (sh's children re-parented to PID 1) must not stay
	# zombies while the command runs.
	rt_run -- sh -c '(sleep 0.1 &) ; (sleep 0.1 &); sleep 0.5; ps -o stat,comm | grep -c "^Z" || true'
	assert_eq 0 "$(tail -n1 <<<"$OUT")" "zombies"
}

test_run_forwards_signals_to_the_command() {
	rt_setup
	local pid rc=0 out=$CFS_IT_TMP/out
	"$CFSNET" run "$N" --rootfs "$ROOT" -- sh -c 'trap "echo got-TERM; exit 3" TERM; echo ready; while :; do sleep 0.05; done' >"$out" &
	pid=$!
	wait_until 5000 grep -q ready "$out" || fail "the container did not start"
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_eq 3 "$rc" "exit status after SIGTERM"
	assert_contains "$(cat "$out")" got-TERM "the command's output"
	rt_assert_gone "$N"
}

# ---- network ---------------------------------------------------------------------

test_run_with_ip_pings_gateway_and_outside_world() {
	rt_setup
	local before
	before=$(snapshot)
	rt_run --ip 10.0.0.2/24 -- sh -c 'ip -4 -o addr show dev eth0; ping -c1 -W2 10.0.0.1 >/dev/null && echo gw-ok; ping -c1 -W2 203.0.113.1 >/dev/null && echo world-ok'
	assert_contains "$OUT" "inet 10.0.0.2/24" "eth0 inside"
	assert_contains "$OUT" gw-ok "ping of the gateway"
	assert_contains "$OUT" world-ok "ping of 203.0.113.1 through NAT"
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after run --ip"
	rt_assert_gone "$N"
}

test_run_without_ip_has_only_lo_up() {
	rt_setup
	local before
	before=$(snapshot)
	rt_run -- sh -c 'ls /sys/class/net | tr "\n" " "; echo; ip -o link show lo'
	assert_eq lo "$(words "$(head -n1 <<<"$OUT")")" "links inside"
	assert_contains "$(tail -n1 <<<"$OUT")" "UP" "lo"
	assert_snapshot_equal "$before" "host after run"
}

test_run_joins_a_container_made_by_up() {
	rt_setup
	cfs up "$N" --ip 10.0.0.5/24 >/dev/null
	rt_run -- ip -4 -o addr show dev eth0
	assert_contains "$OUT" "inet 10.0.0.5/24" "eth0 of the up container"
	# run did not make it, so it leaves it.
	assert_container "$N" 10.0.0.5/24
	cfs down "$N"
}

# ---- limits --------------------------------------------------------------------------

test_run_memory_limit_triggers_the_oom_killer() {
	rt_setup
	# dd allocates its 200 MB block and read() from /dev/zero touches it all.
	assert_exit 137 cfs run "$N" --rootfs "$ROOT" --memory 50m -- dd if=/dev/zero of=/dev/null bs=200M count=1
	assert_stderr_matches "^cfsnet: run $N: killed by the OOM killer \\(memory limit 50M\\)$"
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" -- dd if=/dev/zero of=/dev/null bs=200M count=1
	rt_assert_gone "$N"
}

test_run_cpus_pins_to_cpu_0() {
	rt_setup
	rt_run --cpus 0 -- grep Cpus_allowed_list /proc/self/status
	assert_eq 0 "$(awk '{print $2}' <<<"$OUT")" "Cpus_allowed_list"
}

test_run_pids_limit_stops_a_fork_burst() {
	rt_setup
	local burst='for i in 1 2 3 4 5 6 7 8; do sleep 0.2 & done; wait'
	# PID 1 and sh leave room for two sleeps: the third fork fails (and
	# busybox sh gives up).
	run_capture cfs run "$N" --rootfs "$ROOT" --pids 4 -- sh -c "$burst"
	assert_ne 0 "$RC" "exit status of the burst under --pids 4"
	assert_contains "$ERR" "can't fork" "the burst's stderr"
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" -- sh -c "$burst"
	rt_assert_gone "$N"
}

test_run_cpu_quota_slows_a_busy_loop() {
	rt_setup
	# The same busy loop in two containers at once, one under a 20% quota:
	# whatever else loads the machine slows both alike, so their ratio
	# holds (about 5 on an idle machine).
	local loop='i=0; while [ $i -lt 250000 ]; do i=$((i+1)); done' t0 free capped
	local o=$CFS_IT_TMP
	t0=$EPOCHREALTIME
	("$CFSNET" run "$N" --rootfs "$ROOT" -- sh -c "$loop" && echo "$EPOCHREALTIME" >"$o/free") &
	("$CFSNET" run "${N}q" --rootfs "$ROOT" --cpu-quota 20% -- sh -c "$loop" &&
		echo "$EPOCHREALTIME" >"$o/capped") &
	wait
	[[ -s $o/free && -s $o/capped ]] || fail "a busy loop failed"
	free=$(awk -v a="$t0" -v b="$(cat "$o/free")" 'BEGIN {print b - a}')
	capped=$(awk -v a="$t0" -v b="$(cat "$o/capped")" 'BEGIN {print b - a}')
	log "busy loop: ${free}s free, ${capped}s at 20%"
	awk -v f="$free" -v c="$capped" 'BEGIN {exit !(c >= 2.5 * f)}' ||
		fail "20% quota: ${capped}s is not 2.5 x ${free}s"
	rt_assert_gone "$N"
	rt_assert_gone "${N}q"
}

# ---- detach, exec, stop, stats, ls -----------------------------------------------------------

test_run_detach_exec_stop() {
	rt_setup
	local before pid j
	before=$(snapshot)
	rt_run --detach --memory 64m -- sleep 1000
	assert_match "$OUT" "^$N: running \\(pid [0-9]+\\)$" "run --detach"
	pid=$(grep -oE '[0-9]+\)$' <<<"$OUT" | tr -d ')')
	[[ -d /proc/$pid ]] || fail "PID 1 of the container ($pid) is not running"

	j=$(cfs ls --json)
	assert_eq "$pid" "$(json_get "$j" 0.pid)" "pid in ls --json"
	assert_eq running "$(json_get "$j" 0.status)" "status in ls --json"
	assert_contains "$(cfs ls)" "$N" "plain ls"

	# exec enters every namespace, the root and the cgroup.
	assert_exit 0 cfs exec "$N" -- sh -c 'hostname; ps -o pid,comm | awk "NR > 1 {print \$2}" | tr "\n" " "; echo; cat /proc/self/cgroup | grep -c ":/$"; grep CapEff /proc/self/status; echo made >/tmp/by-exec'
	assert_eq "$N" "$(head -n1 <<<"$OUT")" "hostname via exec"
	assert_contains "$(sed -n 2p <<<"$OUT")" "cfsnet-init sleep" "processes via exec"
	assert_eq "$(wc -l </proc/self/cgroup)" "$(sed -n 3p <<<"$OUT")" "cgroup paths at the namespace root"
	assert_contains "$(sed -n 4p <<<"$OUT")" 00000000a80425fb "CapEff via exec"
	assert_exit 0 cfs exec "$N" -- cat /tmp/by-exec
	assert_eq made "$OUT" "a file written by an earlier exec"
	# Without layers the root is the rootfs itself.
	assert_eq made "$(cat "$ROOT/tmp/by-exec")" "the file in the rootfs"
	assert_exit 5 cfs exec "$N" -- sh -c 'exit 5'
	assert_exit 127 cfs exec "$N" -- /no/such/command

	local stats
	stats=$(cfs stats "$N" --json)
	assert_eq 67108864 "$(json_get "$stats" memory_limit)" "memory_limit in stats"
	(($(json_get "$stats" pids) >= 2)) || fail "stats: pids $(json_get "$stats" pids)"
	assert_contains "$(cfs stats "$N")" "limit 64M" "plain stats"

	cfs stop "$N" >/dev/null
	[[ ! -d /proc/$pid ]] || fail "PID 1 still running after stop"
	assert_eq 0 "$(json_len "$(cfs ls --json)")" "containers after stop"
	rt_assert_gone "$N"
	assert_snapshot_equal "$before" "host after detach + stop"
	assert_exit 1 cfs stop "$N"
}

test_run_stop_kills_after_the_timeout() {
	rt_setup
	rt_run --detach --ip 10.0.0.9/24 -- sh -c 'trap "" TERM; while :; do sleep 1; done'
	assert_container "$N" 10.0.0.9/24
	local t0=$SECONDS
	cfs stop "$N" --timeout 1 >/dev/null
	((SECONDS - t0 <= 5)) || fail "stop took $((SECONDS - t0)) s"
	rt_assert_gone "$N"
	wait_no_cfs_veths
	[[ -z $(masq_rules) ]] || fail "NAT rules left after stop"
}

test_run_detached_container_cleans_up_after_itself() {
	rt_setup
	rt_run --detach -- sh -c 'sleep 0.2'
	wait_until 5000 test ! -e "/run/cfsnet/run/$N" || fail "the record stays after the command ended"
	wait_until 2000 test -z "$(rt_groups "$N")" || fail "the cgroup stays after the command ended"
	rt_assert_gone "$N"
}

test_run_same_name_twice_is_refused() {
	rt_setup
	rt_run --detach -- sleep 1000
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- true
	assert_stderr_matches "is running"
	cfs stop "$N" --timeout 0 >/dev/null
	rt_assert_gone "$N"
}

# ---- layers ----------------------------------------------------------------------------

test_run_layers_leave_base_untouched() {
	rt_setup
	local l1=$CFS_IT_TMP/l1 l2=$CFS_IT_TMP/l2 before
	mkdir -p "$l1/opt" "$l2/opt"
	echo one >"$l1/opt/f"
	echo two >"$l2/opt/f"
	echo only-l1 >"$l1/opt/g"
	before=$(cd "$ROOT" && find . -printf '%p %m %s %l\n' | sort; md5sum etc/passwd)
	rt_run --layer "$l1" --layer "$l2" -- sh -c 'cat /opt/f /opt/g; echo x >/new; echo evil >>/etc/passwd; rm /bin/ls; ls /new'
	assert_eq "two only-l1 /new" "$(words "$OUT")" "the stack seen inside (last layer on top)"
	assert_eq "$before" "$(cd "$ROOT" && find . -printf '%p %m %s %l\n' | sort; md5sum etc/passwd)" "BASE after the run"
	[[ $(cat "$l1/opt/f") == one && ! -e $l2/new ]] || fail "a layer was modified"
	rt_run --layer "$l1" -- sh -c 'test -e /new || echo fresh'
	assert_eq fresh "$OUT" "a second run's upper directory"
	rt_assert_gone "$N"
}

# ---- bad input -------------------------------------------------------------------------

test_run_bad_input_changes_nothing() {
	rt_setup
	local before mounts
	before=$(snapshot)
	mounts=$(rt_mounts)
	touch "$CFS_IT_TMP/file"
	# exit 1: bad values
	assert_exit 1 cfs run "$N" --rootfs "$CFS_IT_TMP/none" -- true
	assert_exit 1 cfs run "$N" --rootfs "$CFS_IT_TMP/file" -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- /bin/no-such
	assert_stderr_matches "not found"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- no-such
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --memory 10x -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --cpus 99 -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --pids 0 -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --pids -3 -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --cpu-quota 0% -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --cpu-quota "$((100 * $(nproc) + 1))%" -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --layer "$CFS_IT_TMP/none" -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --env NOEQUALS -- true
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --ip 10.0.0.1/24 -- true
	assert_exit 1 cfs run "bad/name" --rootfs "$ROOT" -- true
	assert_cfsnet_error
	# exit 2: usage
	assert_exit 2 cfs run "$N" --rootfs "$ROOT"
	assert_exit 2 cfs run "$N" --rootfs "$ROOT" --
	assert_exit 2 cfs run "$N" -- true
	assert_exit 2 cfs run --rootfs "$ROOT" -- true
	assert_exit 2 cfs run "$N" --rootfs "$ROOT" --bogus -- true
	assert_exit 2 cfs run "$N" --rootfs "$ROOT" --memory
	assert_snapshot_equal "$before" "host after refused runs"
	assert_eq "$mounts" "$(rt_mounts)" "mounts after refused runs"
	rt_assert_gone "$N"
}

test_run_failure_halfway_undoes_everything() {
	rt_setup
	local before mounts
	# A netns of that name that is not cfsnet's: `up` fails after the
	# cgroup and the record were made.
	ip netns add "$N"
	before=$(snapshot)
	mounts=$(rt_mounts)
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" --ip 10.0.0.7/24 --layer "$CFS_IT_TMP" -- true
	assert_cfsnet_error
	assert_snapshot_equal "$before" "host after a failed run"
	assert_eq "$mounts" "$(rt_mounts)" "mounts after a failed run"
	[[ -z $(rt_groups "$N") && ! -e /run/cfsnet/run/$N && ! -e /run/cfsnet/overlay/$N ]] ||
		fail "leftovers of the failed run"
	ip netns del "$N"
}

test_run_leaves_no_trace() {
	rt_setup
	local before mounts
	before=$(snapshot)
	mounts=$(rt_mounts)
	mkdir "$CFS_IT_TMP/layer"
	cfs run "$N" --rootfs "$ROOT" --ip 10.0.0.3/24 --layer "$CFS_IT_TMP/layer" \
		--memory 64m --cpus 0 --pids 20 --cpu-quota 50% --cpu-shares 512 -- true
	assert_exit 3 cfs run "$N" --rootfs "$ROOT" --ip 10.0.0.3/24 -- sh -c 'exit 3'
	wait_no_cfs_veths
	assert_snapshot_equal "$before" "host after runs"
	assert_eq "$mounts" "$(rt_mounts)" "mounts after runs"
	rt_assert_gone "$N"
	[[ -z $(ls -A /run/cfsnet/run 2>/dev/null) ]] || fail "files in /run/cfsnet/run"
}
