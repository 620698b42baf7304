# lib.sh - helpers for cfsnet's integration tests.
#
# Sourced by run.sh inside each test's private world (its own network, mount
# and pid namespaces, a tmpfs on /run, an "outside world" namespace at
# 203.0.113.1 behind the veth `uplink`). Every helper fails the running test
# through fail(), which records the first reason and exits the test process.
#
# Conventions for test files (t_*.sh):
#   - a test is a function named test_*; it runs under `set -eE -o pipefail`;
#   - run cfsnet through `cfs` (or `cfs_fault`), which logs the command line;
#   - assert effects on the kernel (links, addresses, routes, rules, pings),
#     not only exit codes.

# shellcheck disable=SC2034 # used by the t_*.sh files
WORLD_ADDR=203.0.113.1

# ---- failing -------------------------------------------------------------

# fail MESSAGE: records "t_file.sh:LINE: MESSAGE" (the line in the test
# file that led here) as the test's failure reason (the first one wins, so a
# failure inside $(...) keeps its own words) and ends the test.
fail() {
	local msg="$*" loc
	loc=$(_test_location 2)
	[[ -z $loc || $msg == "$loc"* ]] || msg="$loc: $msg"
	printf 'FAIL: %s\n' "$msg" >&9
	if [[ -n ${CFS_IT_REASON:-} && ! -s $CFS_IT_REASON ]]; then
		printf '%s\n' "$msg" >"$CFS_IT_REASON"
	fi
	exit 1
}

# _test_location SKIP: file:line of the innermost frame in a t_*.sh file,
# looking from SKIP frames up.
_test_location() {
	local i
	for ((i = $1; i < ${#BASH_SOURCE[@]}; i++)); do
		if [[ ${BASH_SOURCE[i]##*/} == t_*.sh ]]; then
			printf '%s:%s' "${BASH_SOURCE[i]##*/}" "${BASH_LINENO[i - 1]}"
			break # not return: this runs inside the ERR trap, where bash
			# (5.2) mishandles a return ("pop_var_context" errors)
		fi
	done
}

# Called by the ERR trap run.sh installs: a command that was not expected to
# fail did. Says where (the test file's line, and the helper's if the
# failure is inside one) and, for cfsnet, what it said on stderr.
_cfs_it_err_trap() {
	local rc=$1 cmd=$2 where inner
	where=$(_test_location 1)
	inner="${BASH_SOURCE[1]##*/}:${BASH_LINENO[0]}"
	if [[ $cmd == cfs\ * || $cmd == cfs_fault\ * || ${FUNCNAME[1]} == @(cfs|cfs_fault|_cfs_run) ]]; then
		fail "${where:-$inner}: '${CFS_LAST_CMD:-$cmd}' exited $rc: $(oneline "${CFS_LAST_ERR:-}")"
	fi
	[[ -z $where || $where == "$inner" ]] || where+=" (at $inner)"
	fail "${where:-$inner}: command failed (exit $rc): $cmd"
}

log() { printf '# %s\n' "$*" >&9; }

# ---- running cfsnet ---------------------------------------------------------

# cfs ARGS...: runs cfsnet; its stderr is passed on, and kept for messages.
cfs() {
	CFS_LAST_CMD="cfsnet $*"
	printf '+ %s\n' "$CFS_LAST_CMD" >&9
	_cfs_run "$CFSNET" "$@"
}

# cfs_fault STEP ARGS...: the fault-injection build with CFSNET_FAULT=STEP.
cfs_fault() {
	local step=$1
	shift
	[[ -n ${CFSNET_FAULT_BIN:-} && -x $CFSNET_FAULT_BIN ]] ||
		fail "CFSNET_FAULT_BIN is not an executable (got '${CFSNET_FAULT_BIN:-}'): run 'make fault'"
	CFS_LAST_CMD="CFSNET_FAULT=$step cfsnet(fault build) $*"
	printf '+ %s\n' "$CFS_LAST_CMD" >&9
	CFSNET_FAULT=$step _cfs_run "$CFSNET_FAULT_BIN" "$@"
}

_cfs_run() {
	local rc=0 errf="$CFS_IT_TMP/stderr.$BASHPID"
	"$@" 2>"$errf" || rc=$?
	CFS_LAST_ERR=$(cat "$errf")
	rm -f "$errf"
	if [[ -n $CFS_LAST_ERR ]]; then printf '%s\n' "$CFS_LAST_ERR" >&2; fi
	return "$rc"
}

# run_capture CMD...: runs CMD, leaving its exit status in RC, its stdout in
# OUT and its stderr in ERR. Never fails by itself.
run_capture() {
	local o e
	o=$(mktemp) e=$(mktemp)
	RC=0
	"$@" >"$o" 2>"$e" || RC=$?
	OUT=$(cat "$o") ERR=$(cat "$e")
	rm -f "$o" "$e"
	if [[ -n $OUT ]]; then printf '  stdout: %s\n' "${OUT//$'\n'/$'\n  stdout: '}" >&9; fi
	if [[ -n $ERR ]]; then printf '  stderr: %s\n' "${ERR//$'\n'/$'\n  stderr: '}" >&9; fi
	printf '  exit: %s\n' "$RC" >&9
}

# ---- assertions -----------------------------------------------------------

assert_eq() { # EXPECTED ACTUAL [WHAT]
	[[ $1 == "$2" ]] || fail "${3:-value}: expected '$1', got '$2'"
}

assert_ne() { # UNEXPECTED ACTUAL [WHAT]
	[[ $1 != "$2" ]] || fail "${3:-value}: expected anything but '$1'"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
	[[ $1 == *"$2"* ]] || fail "${3:-output} does not contain '$2': '$(oneline "$1")'"
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
	[[ $1 != *"$2"* ]] || fail "${3:-output} contains '$2': '$(oneline "$1")'"
}

assert_match() { # STRING ERE [WHAT]
	[[ $1 =~ $2 ]] || fail "${3:-value} does not match /$2/: '$(oneline "$1")'"
}

# assert_exit CODE CMD...: runs CMD (through run_capture) and checks its
# exit status; OUT, ERR and RC stay set for further checks.
assert_exit() {
	local want=$1
	shift
	run_capture "$@"
	[[ $RC == "$want" ]] ||
		fail "'$(cmdline "$@")' exited $RC, expected $want (stderr: '$(oneline "$ERR")')"
}

# cmdline CMD...: CMD as a user would type it (cfs -> cfsnet).
cmdline() {
	local c
	case $1 in
	cfs) shift; c="cfsnet $(printf '%q ' "$@")" ;;
	cfs_fault) c="CFSNET_FAULT=$2 cfsnet(fault build)"; shift 2; c+=" $(printf '%q ' "$@")" ;;
	*) c=$(printf '%q ' "$@") ;;
	esac
	printf '%s' "${c% }"
}

# assert_stderr_matches ERE: the stderr of the last assert_exit/run_capture
# has a line matching ERE.
assert_stderr_matches() {
	local line
	while IFS= read -r line; do
		[[ $line =~ $1 ]] && return 0
	done <<<"$ERR"
	fail "stderr has no line matching /$1/: '$(oneline "$ERR")'"
}

# The contract: errors read "cfsnet: <what>: <why>".
assert_cfsnet_error() {
	assert_stderr_matches '^cfsnet: .+'
}

oneline() { # TEXT: TEXT on one line, shortened
	local s=${1//$'\n'/ | }
	[[ -n $s ]] || s="(empty)"
	((${#s} > 300)) && s="${s:0:300}..."
	printf '%s' "$s"
}

# ---- polling ----------------------------------------------------------------

# wait_until TIMEOUT_MS CMD...: polls CMD every 20 ms until it succeeds.
wait_until() {
	local left=$(($1 / 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		((left-- > 0)) || return 1
		sleep 0.02
	done
}

link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
link_absent() { ! link_exists "$1"; }

# wait_link_gone NAME...: the kernel removes a dropped namespace's veth
# asynchronously; wait (at most 5 s) instead of sleeping.
wait_link_gone() {
	local n
	for n in "$@"; do
		wait_until 5000 link_absent "$n" || fail "link $n still exists 5 s later"
	done
}

# (No `cmd | grep -q` anywhere: with pipefail, grep quitting early can
# make cmd die of SIGPIPE and turn a match into a failure.)
_no_cfs_veths() { [[ $(ip -o link show) != *": cfs-"* ]]; }

# wait_no_cfs_veths: every host end of a cfsnet veth is gone (bounded).
wait_no_cfs_veths() {
	wait_until 5000 _no_cfs_veths ||
		fail "veths still present 5 s later: $(ip -o link show | grep -o 'cfs-[^:@]*' | tr '\n' ' ')"
}

# ---- pings (only to addresses inside the private world) ----------------------

_ping() { # [NETNS] ADDR
	if [[ $# == 2 ]]; then
		ip netns exec "$1" ping -n -q -c1 -W1 "$2"
	else
		ping -n -q -c1 -W1 "$1"
	fi
}

# ping_ok [NETNS] ADDR: answered (three tries, so a port that is still
# settling does not make the test flaky).
ping_ok() {
	local i
	for i in 1 2 3; do
		if _ping "$@" >/dev/null 2>&1; then
			((i == 1)) || log "ping $* needed $i tries"
			return 0
		fi
	done
	fail "no answer to ping ${*: -1}${2:+ from netns $1}"
}

# ping_fails [NETNS] ADDR: no answer.
ping_fails() {
	if _ping "$@" >/dev/null 2>&1; then
		fail "ping ${*: -1}${2:+ from netns $1} was answered, expected no answer"
	fi
}

# ---- reading the kernel ---------------------------------------------------------

# addr4 [NETNS] DEV: the IPv4 addresses (CIDR) on DEV, one per line.
addr4() {
	if [[ $# == 2 ]]; then
		ip -n "$1" -o -4 addr show dev "$2" | awk '{print $4}'
	else
		ip -o -4 addr show dev "$1" | awk '{print $4}'
	fi
}

# link_field [NETNS] DEV FIELD: the word after FIELD in `ip -o link show`
# (mtu, master, state, link/ether).
link_field() {
	local line
	if [[ $# == 3 ]]; then
		line=$(ip -n "$1" -o link show dev "$2")
		shift
	else
		line=$(ip -o link show dev "$1")
	fi
	awk -v f="$2" '{for (i = 1; i < NF; i++) if ($i == f) {print $(i+1); exit}}' <<<"$line"
}

link_flags() { # [NETNS] DEV
	if [[ $# == 2 ]]; then
		ip -n "$1" -o link show dev "$2"
	else
		ip -o link show dev "$1"
	fi | sed -E 's/^[0-9]+: [^ ]+ <([^>]*)>.*/\1/'
}

assert_link_up() { # [NETNS] DEV
	local flags
	flags=$(link_flags "$@") || fail "no link ${*: -1}${2:+ in netns $1}"
	[[ ,$flags, == *,UP,* ]] || fail "link ${*: -1}${2:+ in netns $1} is not up: <$flags>"
}

# The default route of NETNS, e.g. "default via 10.0.0.1 dev eth0".
default_route() { ip -n "$1" -4 route show default; }

bridges() { ip -o link show type bridge | awk -F': ' '{print $2}' | sed 's/@.*//' | sort; }

# The MASQUERADE rules of cfsnet's nat chain.
masq_rules() { iptables-legacy -t nat -S CFSNET-POSTROUTING 2>/dev/null | grep -- '-j MASQUERADE' || true; }

ip_forward() { cat /proc/sys/net/ipv4/ip_forward; }
set_ip_forward() { echo "$1" >/proc/sys/net/ipv4/ip_forward; }

# host_veth NAME: the host end's name per the contract.
host_veth() {
	if ((${#1} <= 11)); then printf 'cfs-%s\n' "$1"; else
		cfs show "$1" --json | json_get - host_veth
	fi
}

# ---- JSON -----------------------------------------------------------------------

# json_get JSON|- PATH: the value at PATH ("0.name", "mtu", "" for the whole
# document): strings raw, everything else as JSON (null, 1500, ...).
# json_type JSON|- PATH: null, number, string, array, object or boolean.
# json_len JSON|- : the length of the top-level array.
_json() { # MODE JSON PATH
	local mode=$1 doc=$2 path=$3
	[[ $doc == - ]] && doc=$(cat)
	if command -v python3 >/dev/null 2>&1; then
		python3 -c '
import json, sys
mode, path = sys.argv[1], sys.argv[2]
try:
    v = json.loads(sys.stdin.read())
except ValueError as e:
    print("invalid JSON: %s" % e, file=sys.stderr); sys.exit(3)
for p in [p for p in path.split(".") if p]:
    try:
        v = v[int(p)] if isinstance(v, list) else v[p]
    except (KeyError, IndexError, ValueError, TypeError):
        print("no %s in the JSON" % path, file=sys.stderr); sys.exit(4)
if mode == "type":
    t = {type(None): "null", bool: "boolean", int: "number", float: "number",
         str: "string", list: "array", dict: "object"}[type(v)]
    print(t)
elif mode == "len":
    print(len(v))
elif isinstance(v, str):
    print(v)
else:
    print(json.dumps(v))
' "$mode" "$path" <<<"$doc"
	elif command -v jq >/dev/null 2>&1; then
		local jp="" p
		IFS=. read -ra parts <<<"$path"
		for p in "${parts[@]}"; do
			[[ -z $p ]] && continue
			if [[ $p =~ ^[0-9]+$ ]]; then jp+="[$p]"; else jp+="[\"$p\"]"; fi
		done
		case $mode in
		type) jq -e -r ".${jp} | type" <<<"$doc" ;;
		len) jq -e -r ".${jp} | length" <<<"$doc" ;;
		*) jq -r ".${jp}" <<<"$doc" ;;
		esac
	else
		fail "the JSON checks need python3 or jq"
	fi
}
json_get() { _json get "$1" "${2:-}" || fail "reading '${2:-}' from JSON: $(oneline "$1")"; }
json_type() { _json type "$1" "${2:-}" || fail "reading '${2:-}' from JSON: $(oneline "$1")"; }
json_len() { _json len "$1" "${2:-}" || fail "not a JSON array: $(oneline "$1")"; }

# ---- snapshots of the host --------------------------------------------------------

# snapshot: everything cfsnet may touch on the host, in a stable text form:
# links (name, flags, mtu, master), addresses, IPv4 routes of every table,
# the default IPv6 table, /run/netns (files and mounts), every legacy
# iptables table without counters, ip_forward, and cfsnet's state files
# (except the lock file, which may stay).
snapshot() {
	echo "== links"
	ip -o link show | sed -E 's/^[0-9]+: ([^:@]+)(@[^:]+)?: <([^>]*)> mtu ([0-9]+)(.* master ([^ ]+))?.*/\1 <\3> mtu \4 master \6/' | sort
	echo "== addresses"
	ip -o addr show | awk '{print $2, $3, $4}' | sort
	echo "== ipv4 routes"
	ip -4 route show table all | sort
	echo "== ipv6 routes"
	ip -6 route show table main | sort
	echo "== /run/netns"
	find /run/netns -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort
	awk '$5 ~ "^/run/netns" {print "mount", $5}' /proc/self/mountinfo | sort
	local t
	for t in filter nat mangle raw security; do
		echo "== iptables $t"
		iptables-legacy-save -t "$t" | grep -v '^#' | sed -E 's/ \[[0-9]+:[0-9]+\]$//'
	done
	echo "== ip_forward $(ip_forward)"
	for t in filter nat; do
		echo "== ip6tables $t"
		ip6tables-legacy-save -t "$t" | grep -v '^#' | sed -E 's/ \[[0-9]+:[0-9]+\]$//'
	done
	echo "== ipv6 forwarding $(cat /proc/sys/net/ipv6/conf/all/forwarding)"
	echo "== /run/cfsnet"
	if [[ -d /run/cfsnet ]]; then
		(cd /run/cfsnet && find . ! -type d ! -path ./lock -exec md5sum {} + | sort -k2)
	fi
}

# assert_snapshot_equal BEFORE [WHAT]: the host is as in BEFORE.
assert_snapshot_equal() {
	local now d
	now=$(snapshot)
	if ! d=$(diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$now")); then
		printf '%s\n' "$d" >&9
		fail "${2:-host} differs from the snapshot: $(grep -E '^[-+][^-+]' <<<"$d" | head -4 | tr '\n' ' ')"
	fi
}

# ---- what a container looks like ----------------------------------------------------

# assert_container NAME CIDR [IFNAME]: the netns NAME exists (ip netns list,
# ip netns exec), IFNAME (eth0) holds CIDR and is up, lo is up, and the
# default route goes via the subnet's gateway over IFNAME.
assert_container() {
	local name=$1 cidr=$2 ifname=${3:-eth0} gw
	gw=$(gateway_of "$cidr")
	netns_listed "$name" || fail "ip netns list does not show $name"
	ip netns exec "$name" ip link show dev "$ifname" >/dev/null || fail "ip netns exec $name ip link: no $ifname"
	assert_eq "$cidr" "$(addr4 "$name" "$ifname")" "IPv4 address of $ifname in $name"
	assert_link_up "$name" "$ifname"
	assert_link_up "$name" lo
	assert_match "$(default_route "$name")" "^default via $gw dev $ifname( |$)" "default route of $name"
}

# netns_listed NAME: `ip netns list` shows NAME.
netns_listed() { ip netns list | awk -v n="$1" '$1 == n {found = 1} END {exit !found}'; }

# gateway_of A.B.C.D/P: the first host address of the subnet.
gateway_of() {
	local a b c d p n
	IFS=./ read -r a b c d p <<<"$1"
	n=$(((a << 24 | b << 16 | c << 8 | d) & (0xffffffff << (32 - p)) & 0xffffffff))
	n=$((n + 1))
	printf '%d.%d.%d.%d\n' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255))
}

# assert_bridged NAME BRIDGE: the host end of NAME's veth is up and a port of BRIDGE.
assert_bridged() {
	local hv
	hv=$(host_veth "$1")
	link_exists "$hv" || fail "no host veth $hv for $1"
	assert_eq "$2" "$(link_field "$hv" master)" "master of $hv"
	assert_link_up "$hv"
}

# words TEXT: TEXT's words on one line, separated by single spaces.
words() { local -a w; read -r -d '' -a w <<<"$1" || true; printf '%s' "${w[*]}"; }

# nlines TEXT: the number of non-empty lines of TEXT (0 is not a failure).
nlines() { printf '%s\n' "$1" | awk 'NF {n++} END {print n + 0}'; }

# count_matching ERE TEXT: how many lines of TEXT match ERE.
count_matching() { printf '%s\n' "$2" | RE=$1 awk '$0 ~ ENVIRON["RE"] {n++} END {print n + 0}'; }

# re_quote TEXT: TEXT as an ERE matching itself.
re_quote() { printf '%s' "$1" | sed 's/[][\\.*^$+?(){}|]/\\&/g'; }
