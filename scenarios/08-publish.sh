#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 08-publish: a port published from a container, reached three ways.
#
#   outside (wan) 203.0.113.1 ── uplink 203.0.113.2 ── host ── cfsbr0 10.0.0.1/24 ─┬─ web 10.0.0.2:80 (httpd)
#                                  DNAT :8080 -> 10.0.0.2:80                          └─ nb  10.0.0.3
#
# `up web --publish 8080:80`: busybox httpd serves a page in web; it is
# fetched on port 8080 of the host's addresses from the host itself, from
# the outside world, and from the neighbour nb through the host address
# (hairpin). After `down web` the port is closed and the rules are gone.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

firewall() { iptables-legacy-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]$//'; }
iptables-legacy -t filter -S >/dev/null && iptables-legacy -t nat -S >/dev/null ||
	fail "iptables-legacy lists the filter and nat tables"
fw0=$(firewall)

www=$(mktemp -d)
trap 'rm -rf "$www"' EXIT
echo "hello from web" >"$www/index.html"

# get [CMD...] ADDR PORT: the page's last line, through busybox nc.
get() {
	local n=$#
	printf 'GET / HTTP/1.0\r\n\r\n' | "${@:1:n-2}" busybox nc -w 3 "${@:n-1:1}" "${@:n:1}" 2>/dev/null | tail -n 1
}
# served ...: get ... answers with the page (a few tries: a new link may
# drop the very first packets).
served() {
	local i got
	for i in 1 2 3 4 5; do
		got=$(get "$@")
		[[ $got == "hello from web" ]] && return 0
		sleep 0.3
	done
	echo "got: '$got'"
	return 1
}
closed() { [[ -z $(get "$@") ]]; }
listening() { cfs exec web -- sh -c 'busybox netstat -ltn | grep -q ":80 "'; }
wait_listening() {
	local i
	for ((i = 0; i < 50; i++)); do listening && return 0; sleep 0.05; done
	return 1
}
rule() { iptables-legacy -t nat -S CFSNET-PREROUTING | grep -q -- "--dport 8080 .*-j DNAT --to-destination 10.0.0.2:80"; }

say "up web --publish 8080:80, up nb"
check "cfsnet up web --publish 8080:80" cfs up web --publish 8080:80
check "cfsnet up nb" cfs up nb
check "CFSNET-PREROUTING: :8080 DNAT to 10.0.0.2:80" rule
check "busybox httpd listens on web:80" cfs exec web -- busybox httpd -p 80 -h "$www"
check "... and is listening" wait_listening

say "fetch http://HOST:8080/"
check "host -> 203.0.113.2:8080 (its uplink address)" served 203.0.113.2 8080
check "host -> 10.0.0.1:8080 (its bridge address)" served 10.0.0.1 8080
check "outside (wan) -> 203.0.113.2:8080" served ip netns exec wan 203.0.113.2 8080
check "nb -> 203.0.113.2:8080 (hairpin)" served "$CFSNET" exec nb -- 203.0.113.2 8080
check "nb -> 10.0.0.1:8080 (hairpin through the gateway)" served "$CFSNET" exec nb -- 10.0.0.1 8080
check "web -> 10.0.0.1:8080 (itself, through the host)" served "$CFSNET" exec web -- 10.0.0.1 8080
check "outside (wan) -> 203.0.113.2:8081 is closed" closed ip netns exec wan 203.0.113.2 8081

say "a taken port is refused"
check_not "cfsnet up other --publish 8080:80 (taken by web)" cfs up other --publish 8080:80
check_not "no namespace made for other" test -e /run/netns/other

say "down"
check "cfsnet down web" cfs down web
check "outside (wan) -> 203.0.113.2:8080 is closed now" closed ip netns exec wan 203.0.113.2 8080
check_not "CFSNET-PREROUTING is gone" iptables-legacy -t nat -S CFSNET-PREROUTING
check "cfsnet down nb" cfs down nb
check_eq "firewall as before (iptables-legacy-save)" "$fw0" "$(firewall)"

scenario_end
