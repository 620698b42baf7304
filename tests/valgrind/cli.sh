#!/bin/bash
# cli.sh - the main commands of cfsnet, each under valgrind (memcheck: no
# invalid access, no use of unwritten bytes, in syscalls too, no definite
# leak). Runs as root inside a `cfsnet sandbox` (make valgrind does that);
# CFSNET names the binary. Forked helpers (lab ping's) run under valgrind
# too and _exit with their memory: lab ping is judged without the leak
# check. `run` and `exec`
# are not here: valgrind 3.19 cannot follow their exec of the sealed
# cfsnet-init memfd (execveat of an fd).
set -u
C=${CFSNET:?CFSNET names the cfsnet binary}
HERE=$(cd "$(dirname "$0")" && pwd)
LABS=$HERE/../../labs
V=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
   --errors-for-leak-kinds=definite --child-silent-after-fork=yes)
fails=0 n=0
vg() { # vg WHAT ARGS...: cfsnet ARGS under valgrind; fails on a memcheck error
	local what=$1 rc
	shift
	n=$((n + 1))
	"${V[@]}" ${NOLEAK:+--leak-check=no} "$C" "$@" >/dev/null 2>"$T/err"
	rc=$?
	if [ $rc = 99 ] || grep -q '^==[0-9]*==' "$T/err"; then
		echo "FAIL valgrind: cfsnet $* ($what)"
		sed 's/^/    /' "$T/err"
		fails=$((fails + 1))
	elif [ $rc != 0 ]; then
		echo "FAIL cfsnet $* exited $rc ($what)"
		sed 's/^/    /' "$T/err"
		fails=$((fails + 1))
	fi
}
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
ip link set lo up
vg "network" net create n1 --subnet 10.1.0.0/24
vg "dual-stack network" net create n2 --subnet 10.2.0.0/24 --ipv6 fd00:2::/64
vg "container with a port" up a --net n1 --publish 8080:80
vg "default network" up b --ip 10.0.0.2/24
vg "second network" connect a n2
vg "static route" route add a 10.9.0.0/24 via 10.1.0.1
vg "listing" ls --json
vg "one container" show a
vg "disconnect" disconnect a n2
vg "down" down a
vg "down" down b
vg "remove" net rm n1
vg "remove" net rm n2
vg "gc" gc
vg "rootfs" rootfs "$T/bb"
vg "lab" lab up "$LABS/star.lab"
NOLEAK=1 vg "lab" lab ping "$LABS/star.lab"
vg "lab" lab down "$LABS/star.lab"
echo "valgrind: $n commands, $fails failed"
[ $fails = 0 ]
