#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 11-dns: name resolution between containers on one network.
#
#   network lab 10.20.0.0/24: web 10.20.0.10, db 10.20.0.11, cache (joins later)
#   network other 10.21.0.0/24: lone
#
# Every container gets /etc/netns/NAME/hosts naming the members of its
# network (and a resolv.conf with the host's upstream resolvers, never a
# loopback stub). Members ping each other by name; a container of another
# network is not named; a member that comes or goes is added or removed in
# everyone's hosts.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

# ping_retry FROM NAME [busybox]: a few tries (machine-wide ARP table
# pressure from other labs can drop the first packets).
ping_retry() {
	local i
	for i in 1 2 3 4 5; do
		cfs exec "$1" -- ${3:-} ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	cfs exec "$1" -- ${3:-} ping -c 1 -W 1 "$2"
}
resolves() { # FROM NAME ADDR
	local got
	got=$(cfs exec "$1" -- getent -s files hosts "$2" | awk '{print $1}')
	[[ $got == "$3" ]] || { echo "getent hosts $2 in $1: '$got'"; return 1; }
}
# Names come from hosts ("files"): getent -s files keeps a name that is not
# there from waiting on the sandbox's unreachable upstream resolvers.
no_loopback_resolver() { ! grep -Eq '^nameserver +(127\.|::1)' "/etc/netns/$1/resolv.conf"; }

say "network lab: web, db"
check "cfsnet net create lab --subnet 10.20.0.0/24" cfs net create lab --subnet 10.20.0.0/24
check "cfsnet net create other --subnet 10.21.0.0/24" cfs net create other --subnet 10.21.0.0/24
check "cfsnet up web --net lab --ip 10.20.0.10/24" cfs up web --net lab --ip 10.20.0.10/24
check "cfsnet up db --net lab --ip 10.20.0.11/24" cfs up db --net lab --ip 10.20.0.11/24
check "cfsnet up lone --net other" cfs up lone --net other
check "web's resolv.conf has no loopback nameserver" no_loopback_resolver web

say "by name"
check "web: db is 10.20.0.11" resolves web db 10.20.0.11
check "db: web is 10.20.0.10" resolves db web 10.20.0.10
check "web -> ping db" ping_retry web db
check "db -> busybox ping web" ping_retry db web busybox
check_not "web: lone (network other) is not named" cfs exec web -- getent -s files hosts lone
check_not "lone: web is not named" cfs exec lone -- getent -s files hosts web

say "members come and go"
check "cfsnet up cache --net lab" cfs up cache --net lab
check "web: cache is 10.20.0.2" resolves web cache 10.20.0.2
check "cache: db is 10.20.0.11" resolves cache db 10.20.0.11
check "cfsnet down db" cfs down db
check_not "web: db is no longer named" cfs exec web -- getent -s files hosts db
check_not "/etc/netns/db is gone" test -e /etc/netns/db

for n in web cache lone; do cfs down "$n" || fail "down $n"; done
pass "down web cache lone"
check_eq "/etc/netns is empty" "" "$(ls -A /etc/netns)"

scenario_end
