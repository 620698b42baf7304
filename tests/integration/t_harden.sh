# t_harden.sh - what a container's processes cannot do or see: capabilities,
# no_new_privs, seccomp (and --no-seccomp), masked and read-only paths, fds
# and working directory (CVE-2024-21626), the cfsnet binary behind
# /proc/PID/exe (CVE-2019-5736), private state files, names that stay in
# their directories.
#
# A static probe (probe/probe.c, built here with cc -static) does the trying
# inside and prints "ok" or the errno name of each attempt.

# hd_setup: cgroups, a busybox root with the probe in $ROOT, a unique name $N.
hd_setup() {
	rt_cgroups
	ROOT=$CFS_IT_TMP/root
	cfs rootfs "$ROOT" >/dev/null
	cc -static -O1 -o "$ROOT/bin/probe" "$(dirname "${BASH_SOURCE[0]}")/probe/probe.c" ||
		fail "cannot build the probe (cc -static)"
	N=hd$(head -c 8 /proc/sys/kernel/random/uuid)
}

# hd_field KEY TEXT: the rest of the line of TEXT that starts with "KEY ".
hd_field() { awk -v k="$1" '$1 == k {$1 = ""; sub(/^ /, ""); print; exit}' <<<"$2"; }

# ---- capabilities, no_new_privs, seccomp -------------------------------------

test_harden_seccomp_blocks_keyctl_userns_kexec_modules_io_uring() {
	hd_setup
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" -- sh -c 'grep "^Seccomp:" /proc/self/status; probe syscalls'
	assert_match "$OUT" $'Seccomp:\t2' "seccomp mode of the command"
	local s
	for s in keyctl unshare-user clone-user kexec init_module io_uring; do
		assert_eq EPERM "$(hd_field "$s" "$OUT")" "$s under the default profile"
	done
	assert_eq ok "$(hd_field getpid "$OUT")" "an ordinary syscall"
	# 32-bit syscalls (x86-64 only) are filtered too, not let through
	# (nor killed, on a kernel that runs 32-bit programs at all).
	local k32
	k32=$(hd_field keyctl32 "$OUT")
	[[ -z $k32 || $k32 == EPERM ]] || fail "keyctl through int 0x80 under the default profile: $k32"
	rt_assert_gone "$N"
}

test_harden_no_seccomp_turns_the_filter_off() {
	hd_setup
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" --no-seccomp -- sh -c 'grep "^Seccomp:" /proc/self/status; probe syscalls'
	assert_match "$OUT" $'Seccomp:\t0' "seccomp mode with --no-seccomp"
	# Without the filter, what capabilities do not forbid works again.
	assert_eq ok "$(hd_field keyctl "$OUT")" "keyctl with --no-seccomp"
	# (The kernel refuses user namespaces to a chrooted caller: when the
	# tests themselves run in a chroot, so does every container.)
	if unshare --user true 2>/dev/null; then
		assert_eq ok "$(hd_field unshare-user "$OUT")" "unshare(CLONE_NEWUSER) with --no-seccomp"
	else
		log "this world cannot make user namespaces itself (a chroot?): not checked"
	fi
	assert_ne EPERM "$(hd_field io_uring "$OUT")" "io_uring_setup with --no-seccomp"
	local k32
	k32=$(hd_field keyctl32 "$OUT")
	[[ -z $k32 || $k32 == ok || $k32 == killed ]] ||
		fail "keyctl through int 0x80 with --no-seccomp: $k32"
	# Capabilities and no_new_privs stay.
	assert_exit 0 cfs run "$N" --rootfs "$ROOT" --no-seccomp -- grep -E "^(CapEff|NoNewPrivs)" /proc/self/status
	assert_eq 00000000a80425fb "$(rt_status_field CapEff "$OUT")" "CapEff with --no-seccomp"
	assert_eq 1 "$(rt_status_field NoNewPrivs "$OUT")" "NoNewPrivs with --no-seccomp"
	rt_assert_gone "$N"
}

test_harden_exec_gets_the_same_caps_nnp_and_seccomp_as_run() {
	hd_setup
	rt_run --detach -- sleep 1000
	assert_exit 0 cfs exec "$N" -- sh -c 'grep -E "^(CapEff|CapBnd|CapInh|NoNewPrivs|Seccomp):" /proc/self/status; probe syscalls'
	assert_eq 00000000a80425fb "$(rt_status_field CapEff "$OUT")" "CapEff via exec"
	assert_eq 00000000a80425fb "$(rt_status_field CapBnd "$OUT")" "CapBnd via exec"
	assert_eq 0000000000000000 "$(rt_status_field CapInh "$OUT")" "CapInh via exec"
	assert_eq 1 "$(rt_status_field NoNewPrivs "$OUT")" "NoNewPrivs via exec"
	assert_eq 2 "$(rt_status_field Seccomp "$OUT")" "Seccomp via exec"
	assert_eq EPERM "$(hd_field keyctl "$OUT")" "keyctl via exec"
	assert_eq EPERM "$(hd_field unshare-user "$OUT")" "new user namespace via exec"
	cfs stop "$N" --timeout 0 >/dev/null
	# A container run with --no-seccomp: exec goes without too.
	rt_run --detach --no-seccomp -- sleep 1000
	assert_exit 0 cfs exec "$N" -- sh -c 'grep "^Seccomp:" /proc/self/status; probe syscalls'
	assert_eq 0 "$(rt_status_field Seccomp "$OUT")" "Seccomp via exec after --no-seccomp"
	assert_eq ok "$(hd_field keyctl "$OUT")" "keyctl via exec after --no-seccomp"
	cfs stop "$N" --timeout 0 >/dev/null
	rt_assert_gone "$N"
}

# ---- paths ---------------------------------------------------------------------

test_harden_masked_and_read_only_paths() {
	hd_setup
	rt_run -- sh -c 'for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
			[ -e $f ] && echo "$f $(wc -c <$f)"; done
		for d in /proc/acpi /proc/scsi /sys/firmware; do [ -d $d ] && echo "$d $(ls -A $d | wc -l)"; done
		echo b >/proc/sysrq-trigger 2>/dev/null && echo sysrq-written || echo sysrq-refused
		echo 1 >/proc/sys/kernel/panic 2>/dev/null && echo sys-written || echo sys-refused
		for d in /proc/irq /proc/bus /proc/fs /proc/sys /sys; do
			awk -v m=$d "\$5 == m {print m, substr(\$6, 1, 2)}" /proc/self/mountinfo | tail -n1; done
		touch /proc/irq/x 2>/dev/null && echo irq-written || echo irq-refused'
	local line
	while read -r line; do
		case $line in
		/proc/*\ * | /sys/firmware\ *)
			[[ $line == *' ro' || $line == *' rw' ]] && continue
			assert_eq 0 "${line##* }" "size or entries of masked ${line% *}" ;;
		esac
	done <<<"$OUT"
	# Which of them exist depends on the kernel's configuration.
	(($(count_matching '^/proc/[a-z_]+ 0$' "$OUT") >= 2)) || fail "fewer than 2 masked /proc files checked"
	assert_contains "$OUT" sysrq-refused "/proc/sysrq-trigger"
	assert_contains "$OUT" sys-refused "/proc/sys"
	assert_contains "$OUT" irq-refused "/proc/irq"
	local d
	for d in /proc/irq /proc/bus /proc/fs /proc/sys /sys; do
		[[ ! -e /proc/1/root$d ]] && continue
		assert_eq "$d ro" "$(grep "^$d r" <<<"$OUT" || echo "$d missing")" "mount flags of $d"
	done
}

# ---- fds and the working directory (CVE-2024-21626) ----------------------------

test_harden_only_fds_0_to_2_and_cwd_inside_the_root() {
	hd_setup
	local probe_out
	# Started from a host directory, with host fds open (an fd on a host
	# directory is what CVE-2024-21626 leaked through /proc/self/fd).
	mkdir -p "$CFS_IT_TMP/hostdir"
	(cd "$CFS_IT_TMP/hostdir" &&
		exec 7<"$CFS_IT_TMP/hostdir" 8>"$CFS_IT_TMP/f" 9</dev/null 11<. &&
		"$CFSNET" run "$N" --rootfs "$ROOT" -- probe fds) >"$CFS_IT_TMP/out" 2>&1 ||
		fail "run from a host directory: $(cat "$CFS_IT_TMP/out")"
	probe_out=$(cat "$CFS_IT_TMP/out")
	assert_eq "0 1 2" "$(words "$(awk '$1 == "fd" {print $2}' <<<"$probe_out")")" "open fds inside"
	assert_eq / "$(hd_field cwd "$probe_out")" "/proc/self/cwd inside"
	assert_eq / "$(hd_field getcwd "$probe_out")" "getcwd inside"
	assert_eq ENOENT "$(hd_field dotdot "$probe_out")" "a host file through ../.."
	# (0-2 are the caller's own stdio, passed on by design.)
	assert_not_contains "$(grep -v '^fd [012] ' <<<"$probe_out")" "$CFS_IT_TMP" "fds and cwd inside"
	# exec, from a host directory with host fds, the same.
	rt_run --detach -- sleep 1000
	(cd "$CFS_IT_TMP/hostdir" && exec 7<"$CFS_IT_TMP/hostdir" 11<. &&
		"$CFSNET" exec "$N" -- probe fds) >"$CFS_IT_TMP/out" 2>&1 ||
		fail "exec from a host directory: $(cat "$CFS_IT_TMP/out")"
	probe_out=$(cat "$CFS_IT_TMP/out")
	assert_eq "0 1 2" "$(words "$(awk '$1 == "fd" {print $2}' <<<"$probe_out")")" "open fds via exec"
	assert_eq / "$(hd_field cwd "$probe_out")" "/proc/self/cwd via exec"
	assert_not_contains "$(grep -v '^fd [012] ' <<<"$probe_out")" "$CFS_IT_TMP" "fds and cwd via exec"
	# PID 1 (cfsnet's own, in the container) is not open to the command.
	assert_exit 0 cfs exec "$N" -- probe open /proc/1/cwd/. /proc/1/root/. /proc/1/fd/0
	assert_eq 3 "$(count_matching 'rdonly EACCES wronly EACCES path EACCES' "$OUT")" "PID 1's cwd, root and fds"
	cfs stop "$N" --timeout 0 >/dev/null
	rt_assert_gone "$N"
}

# ---- the cfsnet binary (CVE-2019-5736) ----------------------------------------

# hd_exe_info FILE: "<inode>:<device> seals=<F_GET_SEALS or ERRNO>" of FILE
# (a /proc/PID/exe), opened read-only.
hd_exe_info() {
	python3 -c '
import errno, fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
st = os.fstat(fd)
try:
    seals = fcntl.fcntl(fd, 1034)  # F_GET_SEALS
except OSError as e:
    seals = errno.errorcode[e.errno]
print("%d:%d seals=%s" % (st.st_ino, st.st_dev, seals))' "$1"
}
# hd_ino FILE: "<inode>:<device>" of FILE.
hd_ino() { stat -L -c '%i:%d' "$1"; }

# hd_run_copy: a copy of cfsnet in $BIN (so that once the container is
# gone nothing executes it any more: a busy binary refuses writes anyway),
# its md5 in $SUM, and container $N run by it, detached, PID 1's pid in $PID.
hd_run_copy() {
	local out
	BIN=$CFS_IT_TMP/cfsnet-copy
	cp "$CFSNET" "$BIN"
	SUM=$(md5sum <"$BIN")
	out=$("$BIN" run "$N" --rootfs "$ROOT" --detach -- sleep 1000) || fail "run --detach with the copy"
	PID=$(grep -oE '[0-9]+\)$' <<<"$out" | tr -d ')')
}

test_harden_cfsnet_binary_cannot_be_written_from_inside() {
	hd_setup
	hd_run_copy
	local bin=$BIN sum=$SUM pid=$PID info
	# Inside: PID 1 is cfsnet-init, and no handle on it can be had.
	assert_exit 0 cfs exec "$N" -- probe open /proc/1/exe
	assert_contains "$OUT" "/proc/1/exe rdonly EACCES wronly EACCES path EACCES" "PID 1's exe from inside"
	# What PID 1 runs is not cfsnet's binary but cfsnet-init's sealed
	# copy: a memfd that refuses writes (F_SEAL_WRITE 8, F_SEAL_SEAL 1).
	[[ $(readlink "/proc/$pid/exe") == "/memfd:cfsnet-init"* ]] ||
		fail "PID 1's exe: $(readlink "/proc/$pid/exe")"
	info=$(hd_exe_info "/proc/$pid/exe")
	[[ ${info%% *} != "$(hd_ino "$bin")" ]] || fail "PID 1 runs cfsnet's binary"
	local seals=${info##*seals=}
	[[ $seals =~ ^[0-9]+$ ]] && (((seals & 9) == 9)) || fail "PID 1's exe is not sealed: $info"
	# The attack itself, with root's powers on the host: a handle on the
	# binary through /proc/PID/exe, kept until nothing runs it, then
	# reopened for writing and written.
	python3 - "/proc/$pid/exe" "$bin" "$N" >"$CFS_IT_TMP/attack" 2>&1 <<'PY' || fail "attack script: $(cat "$CFS_IT_TMP/attack")"
import errno, os, subprocess, sys
exe, binary, name = sys.argv[1:4]
fd = os.open(exe, os.O_PATH)
subprocess.run([binary, "stop", name, "--timeout", "0"], check=True, stdout=subprocess.DEVNULL)
try:
    w = os.open("/proc/self/fd/%d" % fd, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(w, b"x")
        print("write ok")
    finally:
        os.close(w)
except OSError as e:
    print("write " + errno.errorcode[e.errno])
PY
	assert_eq "write EPERM" "$(cat "$CFS_IT_TMP/attack")" "writing through a kept handle"
	assert_eq "$sum" "$(md5sum <"$bin")" "the binary after the attack"
	[[ ! -d /proc/$pid ]] || fail "the container still runs"
	rt_assert_gone "$N"
}

test_harden_no_container_process_runs_the_cfsnet_binary() {
	hd_setup
	hd_run_copy
	local bin=$BIN sum=$SUM pid=$PID p
	# The classic way to make the kernel execute the runtime inside a
	# container: a script whose interpreter is /proc/self/exe, run
	# through exec. Its /proc/self/exe is cfsnet-init's sealed copy, which
	# refuses to be run that way (125), never cfsnet.
	printf '#!/proc/self/exe\n' >"$ROOT/bin/selfexe"
	chmod +x "$ROOT/bin/selfexe"
	assert_exit 125 "$bin" exec "$N" -- /bin/selfexe
	# No process of the container (PID 1, the command, one that exec
	# adds) runs cfsnet's binary.
	"$bin" exec "$N" -- sleep 1000 &
	local ex=$! i=0 procs
	# PID 1, its command, and the command exec started (a child of the
	# exec process, which stays outside).
	# (";", not "&&": the assignment's status is pgrep's, 1 until the
	# process is there.)
	while procs="$pid $(pgrep -P "$pid") $(pgrep -P "$ex")"; [[ $(wc -w <<<"$procs") -lt 3 && $i -lt 100 ]]; do
		sleep 0.05
		i=$((i + 1))
	done
	[[ $(wc -w <<<"$procs") -ge 3 ]] || fail "the container's processes: $procs"
	for p in $procs; do
		[[ $(hd_ino "/proc/$p/exe") != "$(hd_ino "$bin")" ]] ||
			fail "process $p of the container runs cfsnet's binary"
	done
	"$bin" stop "$N" --timeout 0 >/dev/null
	wait "$ex" 2>/dev/null || true # killed with the container (137)
	assert_eq "$sum" "$(md5sum <"$bin")" "the binary"
	rt_assert_gone "$N"
}

# ---- state files ----------------------------------------------------------------

test_harden_state_files_are_root_only() {
	hd_setup
	cfs up "$N" --ip 10.0.0.2/24 >/dev/null
	rt_run --detach -- sleep 1000
	local bad
	bad=$(find /run/cfsnet \( -type d ! -perm 0700 \) -o \( -type f ! -perm 0600 \) -o ! -user root)
	[[ -z $bad ]] || fail "state not root-only: $(oneline "$(ls -ld $bad)")"
	cfs stop "$N" --timeout 0 >/dev/null
	cfs down "$N"
	# A state directory somebody else may write to is refused, not used.
	chmod 0777 /run/cfsnet
	assert_exit 1 cfs up "$N" --ip 10.0.0.2/24
	assert_stderr_matches "^cfsnet: .*/run/cfsnet is not private"
	[[ ! -e /run/netns/$N ]] || fail "up went on in a public state directory"
	chmod 0700 /run/cfsnet
	rt_assert_gone "$N"
}

test_harden_state_files_are_never_followed_through_symlinks() {
	hd_setup
	local victim=$CFS_IT_TMP/victim sum
	echo "precious" >"$victim"
	sum=$(md5sum <"$victim")
	mkdir -p /run/cfsnet/run /run/cfsnet/containers
	chmod 0700 /run/cfsnet /run/cfsnet/run /run/cfsnet/containers
	# A run record that is a symlink: run refuses the name, stop and
	# exec do not read through it.
	ln -s "$victim" "/run/cfsnet/run/$N"
	assert_exit 1 cfs run "$N" --rootfs "$ROOT" -- true
	assert_cfsnet_error
	assert_exit 1 cfs exec "$N" -- true
	assert_cfsnet_error
	rm "/run/cfsnet/run/$N"
	# A container state file that is a symlink: show, down and up refuse.
	ln -s "$victim" "/run/cfsnet/containers/$N"
	assert_exit 1 cfs show "$N"
	assert_cfsnet_error
	assert_exit 1 cfs down "$N"
	assert_cfsnet_error
	run_capture cfs up "$N" --ip 10.0.0.4/24
	assert_eq "$sum" "$(md5sum <"$victim")" "the symlink's target"
	if [[ -L /run/cfsnet/containers/$N ]]; then
		assert_ne 0 "$RC" "exit status of up over a symlinked state file"
		rm "/run/cfsnet/containers/$N"
	else
		cfs down "$N"
	fi
	rt_assert_gone "$N"
}

# ---- names ----------------------------------------------------------------------

test_harden_names_never_escape_their_directories() {
	hd_setup
	local before n cmd
	before=$(snapshot)
	for n in .. . ../x x/../.. /etc '../../sys/fs/cgroup' 'a/b'; do
		assert_exit 1 cfs run "$n" --rootfs "$ROOT" -- true
		assert_cfsnet_error
		for cmd in stop stats show down; do
			assert_exit 1 cfs "$cmd" "$n"
			assert_cfsnet_error
		done
		assert_exit 1 cfs exec "$n" -- true
		assert_cfsnet_error
	done
	[[ -z $(find /sys/fs/cgroup -maxdepth 3 -newer "$ROOT/bin/probe" -name x 2>/dev/null) ]] ||
		fail "a cgroup named x appeared"
	[[ ! -e /run/cfsnet/x && ! -e /run/x && ! -e /run/netns/x ]] || fail "a file named x appeared"
	assert_snapshot_equal "$before" "host after names with / and .."
}
