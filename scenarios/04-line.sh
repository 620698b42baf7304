#!/usr/bin/env bash
# shellcheck disable=SC2317 # the small functions are called through check
# 04-line: a line of 5 routers between two end networks.
#
#   h1 ─ l0 ─ r1 ─ l1 ─ r2 ─ l2 ─ r3 ─ l3 ─ r4 ─ l4 ─ r5 ─ l5 ─ h2
#
# Six networks lK = 10.100.K.0/24, one per link; on each the node to the
# left is .2 and the node to the right is .3 (h1 = 10.100.0.2, r1 =
# 10.100.0.3 and 10.100.1.2, ..., h2 = 10.100.5.3). Every node gets a static
# route to every subnet it is not on, via its neighbour on that side; the
# routers forward. A traceroute from h1 to h2 then shows each hop in order:
# r1..r5 by the address they received the probe on, then h2.
set -u
# shellcheck source=scenarios/lib.sh
source "$(dirname "$0")/lib.sh"
scenario_begin "$@"

NETS=6    # l0..l5
ROUTERS=5 # r1..r5
left() { echo "10.100.$1.2"; }  # left node on lK
right() { echo "10.100.$1.3"; } # right node on lK

# routes NODE FIRST_LEFT_NET LAST_RIGHT_NET: NODE is on the nets between.
# Subnets 0..below go left via $left_gw, above..5 right via $right_gw.
add_routes() {
	local node=$1 below=$2 left_gw=$3 above=$4 right_gw=$5 k
	for ((k = 0; k <= below; k++)); do
		check "route add $node 10.100.$k.0/24 via $left_gw" cfs route add "$node" "10.100.$k.0/24" via "$left_gw"
	done
	for ((k = above; k < NETS; k++)); do
		check "route add $node 10.100.$k.0/24 via $right_gw" cfs route add "$node" "10.100.$k.0/24" via "$right_gw"
	done
}

say "networks l0..l5"
for ((k = 0; k < NETS; k++)); do
	check "net create l$k --subnet 10.100.$k.0/24" cfs net create "l$k" --subnet "10.100.$k.0/24"
done

say "hosts and routers"
check "up h1 --net l0 --ip $(left 0)/24" cfs up h1 --net l0 --ip "$(left 0)/24"
for ((i = 1; i <= ROUTERS; i++)); do
	check "up r$i --net l$((i - 1)) --ip $(right $((i - 1)))/24" cfs up "r$i" --net "l$((i - 1))" --ip "$(right $((i - 1)))/24"
	check "connect r$i l$i --ip $(left "$i")/24" cfs connect "r$i" "l$i" --ip "$(left "$i")/24"
	check "forwarding on inside r$i" cfs exec "r$i" -- sysctl -qw net.ipv4.ip_forward=1
done
check "up h2 --net l5 --ip $(right 5)/24" cfs up h2 --net l5 --ip "$(right 5)/24"

say "static routes"
add_routes h1 -1 - 1 "$(right 0)"
for ((i = 1; i <= ROUTERS; i++)); do
	# r_i is on l(i-1) and l(i): left of that via r(i-1)/h1, right via r(i+1)/h2.
	add_routes "r$i" $((i - 2)) "$(left $((i - 1)))" $((i + 1)) "$(right "$i")"
done
add_routes h2 4 "$(left 5)" "$NETS" -

say "neighbours"
check "h1 -> r1 (10.100.0.3)" ping_from h1 "$(right 0)"
for ((i = 1; i < ROUTERS; i++)); do
	check "r$i -> r$((i + 1)) ($(right "$i"))" ping_from "r$i" "$(right "$i")"
done
check "r5 -> h2 (10.100.5.3)" ping_from r5 "$(right 5)"

say "end to end"
check "h1 -> h2 (10.100.5.3), 5 routers away" ping_from h1 "$(right 5)"
check "h2 -> h1 (10.100.0.2)" ping_from h2 "$(left 0)"

say "traceroute -n h1 -> h2"
trace() { cfs exec h1 -- busybox traceroute -n -w 1 -q 1 -m 10 "$(right 5)" 2>&1; }
out=$(trace)
hops=$(awk '$1 ~ /^[0-9]+$/ {print $2}' <<<"$out" | tr '\n' ' ')
expect=""
for ((k = 0; k < NETS; k++)); do
	expect+="$(right "$k") "
done
if [[ $hops != "$expect" ]]; then
	# A lost probe shows as '*': one more try before failing.
	out=$(trace)
	hops=$(awk '$1 ~ /^[0-9]+$/ {print $2}' <<<"$out" | tr '\n' ' ')
fi
# shellcheck disable=SC2001 # a prefix on every line
sed 's/^/   | /' <<<"$out"
check_eq "6 hops: r1 r2 r3 r4 r5 h2, in order" "$expect" "$hops"

say "down"
for n in h1 r1 r2 r3 r4 r5 h2; do
	check "down $n" cfs down "$n"
done
for ((k = 0; k < NETS; k++)); do
	check "net rm l$k" cfs net rm "l$k"
done
check "no cfsnet links left" no_cfs_links

scenario_end
