#!/bin/bash
# bench.sh - cfsnet next to its peers, in one private world and one run.
#
#   make bench                       # as root; about 10 minutes
#   BENCH_ROUNDS=5 BENCH_N=100 make bench      # a quick look, about 1 minute
#
# Outside it installs the peers if they are missing (crun,
# containernetworking-plugins, iperf3, gnuplot-nox; BENCH_NO_INSTALL=1 skips
# that), then re-runs itself inside `cfsnet sandbox --wan`: everything below
# (bridges, namespaces, NAT, traffic) lives in that private world and goes
# with it. Traffic only flows between namespaces of the world.
#
# What it measures, each command a process of its own started from this
# shell and timed around it (so every peer pays the same fork + exec):
#   attach/detach one container (bridge and NAT exist), BENCH_ROUNDS rounds:
#     cfsnet up / down; the `ip` walkthrough (ip-attach.sh, ip-detach.sh);
#     the CNI bridge plugin ADD / DEL with host-local IPAM (its netns made
#     and dropped with `ip netns`, timed apart)
#   start /bin/true in a busybox root, BENCH_ROUNDS rounds: cfsnet run, crun
#     run (its default spec), unshare (the same namespaces as cfsnet run) +
#     chroot
#   the peers take turns inside every round, in an order that rotates from
#   round to round, so the machine's drift hits all alike
#   BENCH_N containers on one network per system, attached in turns
#   (cfsnet, ip, CNI, cfsnet, ...): the cost of each, and the firewall rules
#   per container; before that, cfsnet's sweep alone (each sweep starts once
#   the kernel has finished cleaning up the namespaces dropped before it)
#   datapath: iperf3 from a container to its bridge's address, through
#   cfsnet's link and through the walkthrough's, and over loopback, in turns,
#   BENCH_DP_ROUNDS x BENCH_DP_SECS s
#
# Output: a table on stdout, and in $BENCH_OUT/<stamp>/ (latest -> newest):
# summary.txt (the table), bench.json, per-container.png, the raw data.
# Nothing here asserts anything: it is a benchmark, not a test.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CFSNET=${CFSNET:-$ROOT/build/cfsnet}
BENCH_ROUNDS=${BENCH_ROUNDS:-30}
BENCH_N=${BENCH_N:-1000}
BENCH_DP_SECS=${BENCH_DP_SECS:-3}
BENCH_DP_ROUNDS=${BENCH_DP_ROUNDS:-9} # iperf3 on a 2-CPU VM spreads by 10-20%: more rounds, steadier medians
BENCH_OUT=${BENCH_OUT:-$HERE/results}
export CFSNET BENCH_ROUNDS BENCH_N BENCH_DP_SECS BENCH_DP_ROUNDS BENCH_OUT

die() { echo "bench: $*" >&2; exit 1; }

# ---- outside: peers, then into the private world ------------------------------
if [ "${BENCH_INSIDE:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || die "needs root (namespaces, cgroups)"
	[ -x "$CFSNET" ] || die "no cfsnet at $CFSNET (make first)"
	[ "$BENCH_N" -ge 100 ] && [ "$BENCH_N" -le 1020 ] ||
		die "BENCH_N must be 100..1020 (a Linux bridge takes 1024 ports)"
	want=()
	for p in crun containernetworking-plugins iperf3 gnuplot-nox; do
		dpkg -s "$p" >/dev/null 2>&1 || want+=("$p")
	done
	if [ ${#want[@]} -gt 0 ]; then
		[ "${BENCH_NO_INSTALL:-}" = 1 ] && die "missing: ${want[*]}"
		echo "bench: installing ${want[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${want[@]}" >&2 ||
			die "apt-get install ${want[*]} failed"
	fi
	stamp=$(date -u +%Y%m%d-%H%M%S)
	mkdir -p "$BENCH_OUT/$stamp" || die "cannot create $BENCH_OUT/$stamp"
	ln -sfn "$stamp" "$BENCH_OUT/latest"
	exec "$CFSNET" sandbox --wan -- env BENCH_INSIDE=1 BENCH_DIR="$BENCH_OUT/$stamp" \
		bash "${BASH_SOURCE[0]}"
fi

# ---- inside the world ---------------------------------------------------------
R=$BENCH_DIR
W=/run/bench                       # scratch, on the world's private /run
mkdir -p $W && cd $W || die "no $W"
exec 8>&2
log() { echo "bench: $*" >&8; }
mkfifo $W/fifo && exec 9<>$W/fifo  # `read -t` on it: a sleep without a fork
pause() { read -r -t "$1" -u 9 || true; }

now() { echo "${EPOCHREALTIME/./}"; }
# tm KEY CMD...: runs CMD (quiet), appends "KEY microseconds" to raw.txt
tm() {
	local k=$1 a b
	shift
	a=${EPOCHREALTIME/./}
	"$@" >/dev/null 2>>$R/errors.txt || echo "FAILED($?): $*" >>$R/errors.txt
	b=${EPOCHREALTIME/./}
	echo "$k $((b - a))" >>$R/raw.txt
}
# gone IFNAME: waits (<= 5 s) until the kernel has removed a link
gone() {
	local i=0
	while [ -e /sys/class/net/$1 ] && [ $i -lt 5000 ]; do pause 0.001; i=$((i + 1)); done
}

{
	echo "date: $(date -u +%FT%TZ)"
	echo "kernel: $(uname -r)"
	echo "cpus: $(nproc)"
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "cfsnet: $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "ip: $(ip -V)"
	echo "crun: $(crun --version | head -1)"
	echo "cni: $(dpkg-query -W -f '${Version}' containernetworking-plugins)"
	echo "iptables (CNI's): $(iptables -V)"
	echo "iperf3: $(iperf3 --version | head -1)"
	echo "rounds: $BENCH_ROUNDS; N: $BENCH_N; datapath: $BENCH_DP_ROUNDS x ${BENCH_DP_SECS}s"
} >$R/env.txt
: >$R/raw.txt
: >$R/errors.txt

# ---- the three networks, each with its bridge, gateway and NAT ----------------
export BENCH_CNI_DATA=$W/cni
CNI_CONF='{"cniVersion":"1.0.0","name":"benchcni","type":"bridge","bridge":"cnibr0",
"isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.102.0.0/16",
"dataDir":"'$BENCH_CNI_DATA'","routes":[{"dst":"0.0.0.0/0"}]}}'
cni() { # cni ADD|DEL NAME: the plugin, driven per the CNI spec
	CNI_COMMAND=$1 CNI_CONTAINERID=$2 CNI_NETNS=/run/netns/$2 CNI_IFNAME=eth0 \
		CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge <<<"$CNI_CONF"
}
ipaddr() { echo "10.101.$(($1 / 250)).$(($1 % 250 + 2))/16"; }

setup() {
	ip link set lo up
	"$CFSNET" net create bench --subnet 10.100.0.0/16 >/dev/null &&
		"$CFSNET" up c0 --net bench >/dev/null || die "cfsnet network"
	sysctl -qw net.ipv4.ip_forward=1
	ip link add ipbr0 type bridge && ip addr add 10.101.0.1/16 dev ipbr0 &&
		ip link set ipbr0 up &&
		iptables -t nat -A POSTROUTING -s 10.101.0.0/16 ! -o ipbr0 -j MASQUERADE &&
		bash "$HERE/ip-attach.sh" w0 10.101.0.2/16 10.101.0.1 ipbr0 ||
		die "ip network"
	mkdir -p "$BENCH_CNI_DATA"
	ip netns add k0 && cni ADD k0 >/dev/null || die "CNI network"
	"$CFSNET" rootfs $W/bb >/dev/null || die "cfsnet rootfs"
	# crun refuses a hybrid cgroup layout (v1 controllers plus an empty
	# cgroup2 on /sys/fs/cgroup/unified): unmount the cgroup2 in this
	# world's own mount namespace (private: the host keeps it), so crun
	# uses the v1 hierarchies, as cfsnet does.
	while grep -q ' /sys/fs/cgroup/unified ' /proc/self/mountinfo; do
		umount /sys/fs/cgroup/unified 2>/dev/null || break
	done
	echo "crun cgroups: v1 (the world's own /sys/fs/cgroup/unified unmounted)" >>$R/env.txt
	mkdir -p $W/crun && (cd $W/crun && crun spec) || die "crun spec"
	sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"\/bin\/true"/' \
		-e 's|"path": "rootfs"|"path": "'$W/bb'"|' $W/crun/config.json
	# warm every binary and path once
	crun run --bundle $W/crun cfsbench-crun >/dev/null 2>&1 || die "crun run"
	"$CFSNET" run cfsbench-warm --rootfs $W/bb -- /bin/true || die "cfsnet run"
	unshare --mount --uts --ipc --net --pid --cgroup --fork chroot $W/bb /bin/true ||
		die "unshare + chroot"
}

# ---- one round of the single-container work, each peer in turn ----------------
one_cfsnet() {
	tm cfsnet_attach "$CFSNET" up x1 --net bench
	tm cfsnet_detach "$CFSNET" down x1
	gone cfs-x1
}
one_ip() {
	tm ip_attach bash "$HERE/ip-attach.sh" x1 10.101.250.2/16 10.101.0.1 ipbr0
	tm ip_detach bash "$HERE/ip-detach.sh" x1
	tm ip_attach bash "$HERE/ip-attach.sh" x2 10.101.250.3/16 10.101.0.1 ipbr0
	tm ip_detach_netns ip netns del x2
	gone vx2
}
one_cni() {
	tm cni_netns ip netns add x1
	tm cni_add cni ADD x1
	tm cni_del cni DEL x1
	tm cni_netns_del ip netns del x1
}
run_cfsnet() { tm run_cfsnet "$CFSNET" run cfsbench-run --rootfs $W/bb -- /bin/true; }
run_crun() { tm run_crun crun run --bundle $W/crun cfsbench-crun; }
run_unshare() {
	tm run_unshare unshare --mount --uts --ipc --net --pid --cgroup --fork \
		chroot $W/bb /bin/true
}
ONE=(one_cfsnet one_ip one_cni run_cfsnet run_crun run_unshare)

rounds() {
	local r k n=${#ONE[@]}
	for r in $(seq 1 "$BENCH_ROUNDS"); do
		for k in $(seq 0 $((n - 1))); do
			${ONE[$(((r + k) % n))]}
			pause 0.02
		done
	done
}

# ---- the sweep ----------------------------------------------------------------
rules() { # firewall rules (-A lines) of the legacy tables (cfsnet's) and nft (CNI's)
	echo "$(iptables-legacy-save 2>/dev/null | grep -c '^-A') $(iptables-nft-save 2>/dev/null | grep -c '^-A')"
}
sweep() {
	local i a b r0 r1
	read -r -a r0 <<<"$(rules)"
	for i in $(seq 1 "$BENCH_N"); do
		a=$(now); "$CFSNET" up s$i --net bench >/dev/null || echo "FAILED: up s$i" >>$R/errors.txt
		b=$(now); echo "cfsnet $i $((b - a))" >>$R/sweep.txt
		a=$(now); bash "$HERE/ip-attach.sh" w$i "$(ipaddr $i)" 10.101.0.1 ipbr0 2>>$R/errors.txt ||
			echo "FAILED: ip-attach w$i" >>$R/errors.txt
		b=$(now); echo "ip $i $((b - a))" >>$R/sweep.txt
		a=$(now); { ip netns add k$i && cni ADD k$i >/dev/null; } 2>>$R/errors.txt ||
			echo "FAILED: cni k$i" >>$R/errors.txt
		b=$(now); echo "cni $i $((b - a))" >>$R/sweep.txt
		[ $((i % 100)) = 0 ] && log "sweep: $i of $BENCH_N"
	done
	read -r -a r1 <<<"$(rules)"
	echo "rules cfsnet ${r0[0]} ${r1[0]}" >>$R/rules.txt
	echo "rules cni ${r0[1]} ${r1[1]}" >>$R/rules.txt
	echo "rules ip 0 0" >>$R/rules.txt
	log "sweep: detaching"
	for i in $(seq 1 "$BENCH_N"); do
		tm sweep_cfsnet_detach "$CFSNET" down s$i
		tm sweep_ip_detach ip netns del w$i
		tm sweep_cni_del cni DEL k$i
		tm sweep_cni_netns_del ip netns del k$i
	done
}
nets() { awk '$1 == "net_namespace" {print $2}' /proc/slabinfo; }
busy() { # per mille of the machine's CPU time spent busy over the last 0.5 s
	local a b ta=0 tb=0 k
	read -r -a a </proc/stat
	pause 0.5
	read -r -a b </proc/stat
	for k in 1 2 3 4 5 6 7 8; do ta=$((ta + a[k])); tb=$((tb + b[k])); done
	[ $tb -gt $ta ] || { echo 0; return; }
	echo $((1000 - 1000 * (b[4] + b[5] - a[4] - a[5]) / (tb - ta)))
}
settle() { # until the kernel has cleaned up the dropped namespaces (<= 3 min):
	# the count of live net namespaces (machine-wide) has stopped falling
	# and the machine has been idle (< 6% busy) for 3 s. The count alone is
	# not enough: the kernel frees a batch of namespaces at its end, and
	# the count stands still while it works.
	local i=0 last=-1 same=0 n quiet=0
	while { [ $same -lt 6 ] || [ $quiet -lt 6 ]; } && [ $i -lt 360 ]; do
		n=$(nets)
		if [ "$n" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$n
		if [ "$(busy)" -lt 60 ]; then quiet=$((quiet + 1)); else quiet=0; fi
		i=$((i + 1))
	done
	echo "settle $1: $((i / 2)) s, then $n net namespaces (machine-wide)" >>$R/env.txt
}
solo() {
	local i a b
	"$CFSNET" net create solo --subnet 10.103.0.0/16 >/dev/null || die "solo network"
	for i in $(seq 1 "$BENCH_N"); do
		a=$(now); "$CFSNET" up o$i --net solo >/dev/null || echo "FAILED: up o$i" >>$R/errors.txt
		b=$(now); echo "cfsnet_solo $i $((b - a))" >>$R/sweep.txt
	done
	for i in $(seq 1 "$BENCH_N"); do "$CFSNET" down o$i; done
	"$CFSNET" net rm solo
}

# ---- datapath -----------------------------------------------------------------
iperf() { # iperf NAME SERVER-ADDR CLIENT-PREFIX...: Mbit/s received
	local name=$1 addr=$2 pid mb
	shift 2
	iperf3 -s -1 -B "$addr" -p 5201 >/dev/null 2>&1 &
	pid=$!
	pause 0.3
	mb=$("$@" iperf3 -c "$addr" -p 5201 -t "$BENCH_DP_SECS" -f m 2>>$R/errors.txt |
		awk '/receiver/ {print $(NF-2)}')
	wait $pid 2>/dev/null
	echo "dp_$name ${mb:-0}" >>$R/raw.txt
}
datapath() {
	local r
	# The two paths back to back in each round, their order swapped from
	# one round to the next: this machine's throughput drifts by half
	# over tens of seconds, so the goal compares each round's pair.
	for r in $(seq 1 "$BENCH_DP_ROUNDS"); do
		if [ $((r % 2)) = 1 ]; then
			iperf cfsnet 10.100.0.1 "$CFSNET" exec c0 --
			iperf hand 10.101.0.1 ip netns exec w0
		else
			iperf hand 10.101.0.1 ip netns exec w0
			iperf cfsnet 10.100.0.1 "$CFSNET" exec c0 --
		fi
		iperf loopback 127.0.0.1 env
	done
}

if command -v mn >/dev/null; then
	echo "mininet: installed, not driven by this benchmark (skipped)" >>$R/env.txt
else
	echo "mininet: not installed (skipped)" >>$R/env.txt
fi
log "setting up (results in $R)"
setup
log "single-container rounds: $BENCH_ROUNDS"
rounds
log "datapath: $BENCH_DP_ROUNDS x ${BENCH_DP_SECS}s x 3"
datapath
log "sweep: cfsnet alone, $BENCH_N containers"
settle "before cfsnet alone"
solo
settle "before the sweep in turns"
log "sweep: $BENCH_N containers per system, in turns"
sweep
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>$R/env.txt
bash "$HERE/report.sh" "$R"
